import numpy as np
import pandas as pd
import pytest

from sportlens.errors import DataFormatError, InputFileError
from sportlens.imu.readers import barbell_unique_recordings, load_labelled_csv, read_csv

G = 9.80665


def _write(tmp_path, frame, name="rec.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_units_from_column_suffixes(tmp_path):
    t = np.arange(5) / 100
    frame = pd.DataFrame(
        {
            "t_s": t,
            "acc_x_g": 1.0,
            "acc_y_g": 0.0,
            "acc_z_g": -1.0,
            "gyr_x_dps": 180.0,
            "gyr_y_dps": 0.0,
            "gyr_z_dps": -90.0,
        }
    )
    rec = read_csv(_write(tmp_path, frame))
    assert rec.acc_mps2[0] == pytest.approx([G, 0, -G], abs=1e-12)
    assert rec.gyro_rads[0] == pytest.approx([np.pi, 0, -np.pi / 2], abs=1e-12)
    assert rec.rate_hz == pytest.approx(100.0)
    assert rec.units["acc"] == "g" and rec.units["gyro"] == "dps"


def test_epoch_ms_time_column_and_explicit_units(tmp_path):
    frame = pd.DataFrame({"epoch_ms": [1000, 1020, 1040], "acc_x": [1.0] * 3, "acc_y": [0.0] * 3, "acc_z": [0.0] * 3})
    rec = read_csv(_write(tmp_path, frame), acc_unit="g")
    assert rec.time_s == pytest.approx([0.0, 0.02, 0.04])
    assert rec.acc_mps2[0, 0] == pytest.approx(G)


def test_missing_acc_column_is_named(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x_g": [0, 0], "acc_z_g": [1, 1]})
    with pytest.raises(DataFormatError, match=r"missing column\(s\) acc_y") as info:
        read_csv(_write(tmp_path, frame))
    assert "rec.csv" in str(info.value)


def test_no_acc_columns_at_all(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "speed": [1, 2]})
    with pytest.raises(DataFormatError, match=r"missing column\(s\) acc_x, acc_y, acc_z"):
        read_csv(_write(tmp_path, frame))


def test_unit_needed_when_not_in_name(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x": [0, 0], "acc_y": [0, 0], "acc_z": [1, 1]})
    with pytest.raises(DataFormatError, match="not in the column names.*--acc-unit"):
        read_csv(_write(tmp_path, frame))


def test_unknown_unit_and_mixed_units(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x_furlong": [0, 0], "acc_y_furlong": [0, 0], "acc_z_furlong": [1, 1]})
    with pytest.raises(DataFormatError, match="unknown acc unit 'furlong'"):
        read_csv(_write(tmp_path, frame))
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x_g": [0, 0], "acc_y_ms2": [0, 0], "acc_z_g": [1, 1]})
    with pytest.raises(DataFormatError, match="disagree on the unit"):
        read_csv(_write(tmp_path, frame))


def test_missing_time_needs_rate(tmp_path):
    frame = pd.DataFrame({"acc_x_g": [0, 0, 0], "acc_y_g": [0, 0, 0], "acc_z_g": [1, 1, 1]})
    path = _write(tmp_path, frame)
    with pytest.raises(DataFormatError, match="missing time column.*--rate-hz"):
        read_csv(path)
    assert read_csv(path, rate_hz=50).time_s == pytest.approx([0, 0.02, 0.04])


def test_non_numeric_value_names_the_line(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1, 0.2], "acc_x_g": ["0", "x", "0"], "acc_y_g": [0, 0, 0], "acc_z_g": [1, 1, 1]})
    with pytest.raises(DataFormatError, match="line 3"):
        read_csv(_write(tmp_path, frame))


def test_long_table_needs_a_recording_id(tmp_path):
    frame = pd.DataFrame(
        {
            "recording_id": ["a", "a", "b", "b"],
            "label": ["x", "x", "y", "y"],
            "t_s": [0, 0.1] * 2,
            "acc_x_g": 0.0,
            "acc_y_g": 0.0,
            "acc_z_g": 1.0,
        }
    )
    path = _write(tmp_path, frame)
    with pytest.raises(DataFormatError, match="holds 2 recordings.*--recording"):
        read_csv(path)
    with pytest.raises(DataFormatError, match="no recording 'c'"):
        read_csv(path, recording="c")
    assert len(read_csv(path, recording="b")) == 2
    labelled = load_labelled_csv(path)
    assert [(d.recording_id, d.label) for d in labelled] == [("a", "x"), ("b", "y")]
    with pytest.raises(DataFormatError, match=r"missing column\(s\) person"):
        load_labelled_csv(path, group_col="person")


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_csv(tmp_path / "nope.csv")


def test_barbell_deduplication_prefers_non_e_and_first_version():
    files = pd.DataFrame(
        {
            "file_id": ["F1", "F2", "F3", "F4", "F5", "F6", "F7"],
            "recording_id": ["R1", "R1", "R2", "R2", "R3", "R3", "R4"],
            "participant": ["E", "E", "A", "A", "A", "A", "C"],
            "sensor": ["accelerometer", "gyroscope"] * 3 + ["accelerometer"],
            "version_suffix": ["1.4.4"] * 7,
            "same_data_as": ["F3", "F4", "F1", "F2", None, None, None],
        }
    )
    # R1 (E) copies R2 (A): keep R2; R3 unique; R4 has no gyroscope file
    assert barbell_unique_recordings(files) == ["R2", "R3"]
