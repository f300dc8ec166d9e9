import numpy as np
import pandas as pd
import pytest

from sportlens.errors import DataFormatError
from sportlens.io.opensim import read_mot, read_trc, write_mot, write_trc


def test_trc_round_trip_with_missing_values(tmp_path):
    t = np.array([0.0, 0.5, 1.0])
    markers = {"nose": np.array([[0.1, 1.6, 0.0], [0.2, 1.5, 0.1], [np.nan, np.nan, np.nan]]),
               "left_hip": np.zeros((3, 3))}
    path = write_trc(tmp_path / "p.trc", t, markers, rate_hz=2.0)
    lines = path.read_text().splitlines()
    assert lines[0] == "PathFileType\t4\t(X/Y/Z)\tp.trc"
    assert lines[2].split("\t")[:5] == ["2.000000", "2.000000", "3", "2", "m"]
    time_s, back, rate = read_trc(path)
    assert rate == 2.0
    np.testing.assert_array_equal(time_s, t)
    assert list(back) == ["nose", "left_hip"]
    np.testing.assert_allclose(back["nose"][:2], markers["nose"][:2])
    assert np.isnan(back["nose"][2]).all()


def test_mot_round_trip(tmp_path):
    table = pd.DataFrame({"time_s": [0.0, 0.1], "left_knee": [10.5, np.nan], "trunk_lean": [-3.25, 2.0]})
    path = write_mot(tmp_path / "a.mot", table)
    text = path.read_text()
    assert "nRows=2" in text and "nColumns=3" in text and "inDegrees=yes" in text
    back = read_mot(path)
    assert list(back.columns) == ["time", "left_knee", "trunk_lean"]
    assert back["trunk_lean"].tolist() == [-3.25, 2.0]
    assert np.isnan(back["left_knee"][1])


def test_readers_reject_other_files(tmp_path):
    bad = tmp_path / "x.trc"
    bad.write_text("hello\n")
    with pytest.raises(DataFormatError, match="not a TRC marker file"):
        read_trc(bad)
    with pytest.raises(DataFormatError, match="endheader"):
        read_mot(bad)
