"""The shared-set loaders on small generated folders in the same formats (no dependency on ../shared/data)."""

import numpy as np
import pandas as pd
import pytest

from sportlens.errors import DataFormatError, InputFileError
from sportlens.imu.readers import guess_dataset, load_barbell, load_dataset

G = 9.80665


def _spar(folder, subjects=(1, 2), exercises=("ABD", "PEN"), seconds=12.0):
    folder.mkdir()
    rows = []
    rate = 50.0
    t = np.arange(int(seconds * rate)) / rate
    for s in subjects:
        for k, ex in enumerate(exercises):
            f = 0.4 if ex == "ABD" else 1.2
            frame = pd.DataFrame(
                {
                    "recording_id": f"S{s:02d}_L_{ex}",
                    "subject": s,
                    "exercise": ex,
                    "side": "left",
                    "sample": np.arange(t.size),
                    "t_s": t,
                }
            )
            wave = np.sin(2 * np.pi * f * t + s)
            frame["acc_x_g"], frame["acc_y_g"], frame["acc_z_g"] = 0.5 * wave, 0.1 * k, 1.0
            frame["gyr_x_rads"], frame["gyr_y_rads"], frame["gyr_z_rads"] = 2 * wave, 0.0, 0.1
            rows.append(frame)
    pd.concat(rows).to_csv(folder / "imu.csv.gz", index=False)
    return folder


def test_spar_loader_units_groups_and_meta(tmp_path):
    items = load_dataset("spar", _spar(tmp_path / "spar"))
    assert [(x.recording_id, x.label, x.group) for x in items][:2] == [
        ("S01_L_ABD", "ABD", "1"),
        ("S01_L_PEN", "PEN", "1"),
    ]
    rec = items[0].recording
    assert rec.rate_hz == 50.0
    assert rec.acc_mps2[:, 2] == pytest.approx(np.full(len(rec), G))
    assert items[0].meta == {"side": "left"}
    assert guess_dataset(tmp_path / "spar") == "spar"


def test_running_loader_has_no_gyro_and_assumes_100_hz(tmp_path):
    folder = tmp_path / "running"
    folder.mkdir()
    frame = pd.DataFrame(
        {
            "recording_id": "P01_forefoot",
            "person": 1,
            "strike": "forefoot",
            "sample": np.arange(300),
            "acc_x_ms2": 1.0,
            "acc_y_ms2": 2.0,
            "acc_z_ms2": 3.0,
            "acc_mag_ms2": 3.74,
        }
    )
    frame.to_csv(folder / "imu.csv.gz", index=False)
    (item,) = load_dataset("running", folder)
    assert item.recording.gyro_rads is None
    assert item.recording.duration_s == pytest.approx(2.99)
    assert (item.label, item.group) == ("forefoot", "1")


def test_barbell_loader_merges_rates_and_drops_duplicates(tmp_path):
    folder = tmp_path / "barbell"
    folder.mkdir()
    files = pd.DataFrame(
        {
            "file_id": ["F1", "F2", "F3", "F4"],
            "recording_id": ["R1", "R1", "R2", "R2"],
            "participant": ["A", "A", "E", "E"],
            "exercise": ["squat"] * 4,
            "category": ["heavy"] * 4,
            "sensor": ["accelerometer", "gyroscope"] * 2,
            "version_suffix": ["1.4.4"] * 4,
            "same_data_as": [None, None, "F1", "F2"],
        }
    )
    files.to_csv(folder / "files.csv", index=False)
    acc, gyro = [], []
    for fa, fg, rid, who in (("F1", "F2", "R1", "A"), ("F3", "F4", "R2", "E")):
        ta = np.arange(0, 10, 0.08)
        tg = np.arange(0, 10, 0.04)
        acc.append(
            pd.DataFrame(
                {
                    "file_id": fa,
                    "recording_id": rid,
                    "participant": who,
                    "exercise": "squat",
                    "category": "heavy",
                    "epoch_ms": 1_000_000 + ta * 1000,
                    "t_s": ta,
                    "acc_x_g": ta / 10,
                    "acc_y_g": 0.0,
                    "acc_z_g": 1.0,
                }
            )
        )
        gyro.append(
            pd.DataFrame(
                {
                    "file_id": fg,
                    "recording_id": rid,
                    "participant": who,
                    "exercise": "squat",
                    "category": "heavy",
                    "epoch_ms": 1_000_000 + tg * 1000,
                    "t_s": tg,
                    "gyr_x_dps": 90.0,
                    "gyr_y_dps": 0.0,
                    "gyr_z_dps": 0.0,
                }
            )
        )
    pd.concat(acc).to_csv(folder / "accelerometer.csv.gz", index=False)
    pd.concat(gyro).to_csv(folder / "gyroscope.csv.gz", index=False)
    (item,) = load_dataset("barbell", folder)
    assert (item.recording_id, item.group, item.label) == ("R1", "A", "squat")
    assert item.meta == {"category": "heavy", "protocol_reps": 5}
    rec = item.recording
    assert rec.rate_hz == 25.0
    assert rec.source_rates_hz == {"acc": pytest.approx(12.5), "gyro": pytest.approx(25.0)}
    assert rec.gyro_rads[:, 0] == pytest.approx(np.full(len(rec), np.pi / 2))
    assert rec.acc_mps2[:, 0] == pytest.approx(rec.time_s / 10 * G, abs=1e-9)  # linear, so interpolated exactly

    assert len(load_barbell(folder, deduplicate=False)) == 2


def test_cmj_loader_carries_the_reference(tmp_path):
    folder = tmp_path / "cmj"
    folder.mkdir()
    t = np.arange(256) / 128
    pd.DataFrame(
        {
            "sample": np.arange(256),
            "t_s": t,
            "acc_x_ms2": 0.0,
            "acc_y_ms2": G,
            "acc_z_ms2": 0.0,
            "gyr_x_rads": 0.0,
            "gyr_y_rads": 0.0,
            "gyr_z_rads": 0.0,
        }
    ).to_csv(folder / "phone_chest_imu.csv", index=False)
    pd.DataFrame({"sample": np.arange(256), "t_s": t, "acc_vert_ms2": 0.0}).to_csv(
        folder / "forceplate_vertical_acc.csv", index=False
    )
    pd.DataFrame({"jump_id": ["J1"], "jump_height_fp_takeoff_velocity_m": [0.23]}).to_csv(
        folder / "jumps.csv", index=False
    )
    (item,) = load_dataset("cmj", folder)
    assert item.meta["jump_height_fp_takeoff_velocity_m"] == 0.23
    assert item.meta["forceplate_acc_vert_mps2"].shape == (256,)
    assert item.recording.placement == "chest"


def test_loader_errors(tmp_path):
    with pytest.raises(DataFormatError, match="unknown data set 'golf'.*spar, tennis"):
        load_dataset("golf", tmp_path)
    with pytest.raises(InputFileError, match="data folder not found"):
        load_dataset("spar", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="data file not found.*imu.csv.gz"):
        load_dataset("tennis", tmp_path / "empty")
    with pytest.raises(InputFileError, match="data file not found.*files.csv"):
        load_dataset("barbell", tmp_path / "empty")


def test_train_on_a_shared_set_folder(run_cli, tmp_path):
    folder = _spar(tmp_path / "spar", subjects=(1, 2, 3))
    result = run_cli("imu", "train", folder, "--window-s", "4", "--hop-s", "2", "-o", tmp_path / "m", "--json")
    assert result.code == 0, result.stderr
    payload = result.json()
    assert payload["metrics"]["model"]["dataset"] == "spar"
    assert payload["metrics"]["cross_validation"]["n_groups"] == 3
    assert payload["metrics"]["cross_validation"]["accuracy"] == pytest.approx(1.0)
