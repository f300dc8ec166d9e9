"""Error paths of the readers, recording type and CLI, each with the message it must give."""

import numpy as np
import pandas as pd
import pytest

from sportlens.errors import DataFormatError, InputFileError
from sportlens.imu.readers import read_csv
from sportlens.imu.recording import ImuRecording, merge_streams


def test_reader_edge_errors(tmp_path):
    with pytest.raises(InputFileError, match="expected a CSV file, got a folder"):
        read_csv(tmp_path)
    (tmp_path / "empty.csv").write_text("t_s,acc_x_g,acc_y_g,acc_z_g\n")
    with pytest.raises(DataFormatError, match="the CSV has no rows"):
        read_csv(tmp_path / "empty.csv")
    (tmp_path / "one.csv").write_text("t_s,acc_x_g,acc_y_g,acc_z_g\n0,0,0,1\n")
    with pytest.raises(DataFormatError, match="fewer than 2 samples"):
        read_csv(tmp_path / "one.csv")
    with pytest.raises(DataFormatError, match="--recording given but the CSV has no recording_id column"):
        read_csv(tmp_path / "one.csv", recording="x")
    (tmp_path / "binary.csv").write_bytes(b"\x00\xff\xfe\x00garbage")
    with pytest.raises(DataFormatError):
        read_csv(tmp_path / "binary.csv")
    (tmp_path / "flat.csv").write_text("t_s,acc_x_g,acc_y_g,acc_z_g\n0,0,0,1\n0,0,0,1\n")
    with pytest.raises(DataFormatError, match="no increasing steps"):
        read_csv(tmp_path / "flat.csv")


def test_recording_validation():
    with pytest.raises(ValueError, match="at least 2 samples"):
        ImuRecording(np.zeros(1), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        ImuRecording(np.arange(3.0), np.array([[0, 0, np.nan]] * 3))
    with pytest.raises(ValueError, match="rate_hz must be positive"):
        ImuRecording(np.arange(3.0), np.zeros((3, 3)), rate_hz=-1.0)
    with pytest.raises(ValueError, match="do not overlap"):
        merge_streams(np.arange(3.0), np.zeros((3, 3)), np.arange(5.0, 8.0), np.zeros((3, 3)), rate_hz=1.0)


def _acc_csv(path, seconds=3.0, rate=50.0):
    t = np.arange(int(seconds * rate)) / rate
    pd.DataFrame(
        {
            "t_s": t,
            "acc_x_g": 0.0,
            "acc_y_g": 0.0,
            "acc_z_g": 1.0,
            "gyr_x_rads": 0.0,
            "gyr_y_rads": 0.0,
            "gyr_z_rads": 0.0,
        }
    ).to_csv(path, index=False)
    return path


def test_cli_data_and_window_errors(run_cli, tmp_path):
    result = run_cli("imu", "train", tmp_path / "missing.csv", "-o", tmp_path / "m")
    assert result.code == 2
    assert "data not found" in result.stderr
    one_label = tmp_path / "one_label.csv"
    frame = pd.read_csv(_acc_csv(tmp_path / "a.csv", seconds=10))
    frame.insert(0, "recording_id", "r1")
    frame.insert(1, "label", "still")
    frame.insert(2, "person", "p1")
    frame2 = frame.assign(recording_id="r2", person="p2")
    pd.concat([frame, frame2]).to_csv(one_label, index=False)
    result = run_cli("imu", "train", one_label, "--group-col", "person", "-o", tmp_path / "m")
    assert result.code == 2
    assert "training needs at least 2 labels" in result.stderr


def test_cli_predict_on_a_recording_shorter_than_a_window(run_cli, tmp_path):
    rows = []
    rate = 50.0
    t = np.arange(int(12 * rate)) / rate
    for person in ("p1", "p2"):
        for label, f in (("slow", 0.5), ("fast", 3.0)):
            frame = pd.DataFrame({"recording_id": f"{person}-{label}", "person": person, "label": label, "t_s": t})
            frame["acc_x_ms2"], frame["acc_y_ms2"], frame["acc_z_ms2"] = 3 * np.sin(2 * np.pi * f * t), 0.0, 9.8
            frame["gyr_x_rads"], frame["gyr_y_rads"], frame["gyr_z_rads"] = np.cos(2 * np.pi * f * t), 0.0, 0.0
            rows.append(frame)
    pd.concat(rows).to_csv(tmp_path / "train.csv", index=False)
    assert run_cli("imu", "train", tmp_path / "train.csv", "--group-col", "person", "-o", tmp_path / "m").code == 0
    short = _acc_csv(tmp_path / "short.csv", seconds=2.0)
    result = run_cli("imu", "predict", tmp_path / "m" / "model.joblib", short, "-o", tmp_path / "p")
    assert result.code == 2
    assert "shorter than one 4.0 s window" in result.stderr
    result = run_cli(
        "imu",
        "eval",
        tmp_path / "m" / "model.joblib",
        tmp_path / "train.csv",
        "--group-col",
        "person",
        "-o",
        tmp_path / "ev",
        "--json",
    )
    assert result.code == 0
    assert result.json()["metrics"]["evaluation"]["accuracy"] == pytest.approx(1.0)


def test_output_folder_with_foreign_files_is_refused(tmp_path, run_cli):
    import numpy as np

    t = np.arange(200) / 50
    csv = tmp_path / "rec.csv"
    rows = ["t_s,acc_x_ms2,acc_y_ms2,acc_z_ms2"] + [f"{x:.3f},0,0,9.81" for x in t]
    csv.write_text("\n".join(rows) + "\n")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result = run_cli("imu", "steps", csv, "-o", out)
    assert result.code == 2
    assert "not empty and was not written by sportlens" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
