"""End-to-end tests of `sportlens imu ...` on generated CSV files."""

import json

import numpy as np
import pandas as pd
import pytest

G = 9.80665


@pytest.fixture
def reps_csv(tmp_path, synth):
    t, acc, gyro = synth.reps_signal(6, 4)
    path = tmp_path / "reps.csv"
    synth.frame(t, acc, gyro, acc_unit="g", gyro_unit="dps").to_csv(path, index=False)
    return path


def test_reps_json_plot_and_summary(run_cli, reps_csv, tmp_path):
    out = tmp_path / "out"
    result = run_cli("imu", "reps", reps_csv, "--json", "-o", out)
    assert result.code == 0, result.stderr
    payload = result.json()  # exactly one JSON object on stdout
    assert payload["schema"] == "sportlens-summary/1" and payload["command"] == "imu reps"
    assert payload["metrics"]["reps"]["count"] == 10
    assert payload["metrics"]["reps"]["period_s"] == pytest.approx(3.0, abs=0.1)
    assert payload["metrics"]["recording"]["units"]["acc"] == "g"
    assert payload["options"]["min_period_s"] == 0.8 and payload["inputs"] == [str(reps_csv)]
    assert payload["outputs"] == ["reps.png"] and payload["warnings"] == []
    assert (out / "reps.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "summary.json").read_text()) == payload
    assert "10" in result.stderr and "repetitions" in result.stderr  # with --json the result line goes to stderr
    assert not list(out.glob(".tmp-*")) and not (out / ".sportlens-incomplete").exists()


def test_reps_without_json_prints_the_result_on_stdout(run_cli, reps_csv, tmp_path):
    result = run_cli("imu", "reps", reps_csv, "-o", tmp_path / "o")
    assert result.code == 0
    assert result.stdout.startswith("10 repetitions, period 3.0")  # `| less` shows it
    assert "repetitions" not in result.stderr and "outputs in" in result.stderr


def test_jumps_cli(run_cli, synth, tmp_path):
    t, acc, takeoff_s, landing_s = synth.jump_signal(0.5)
    path = tmp_path / "jump.csv"
    synth.frame(t, acc).to_csv(path, index=False)
    result = run_cli("imu", "jumps", path, "--json", "-o", tmp_path / "o")
    assert result.code == 0, result.stderr
    (jump,) = result.json()["metrics"]["jumps"]
    assert jump["flight_time_s"] == pytest.approx(0.5, abs=0.005)
    assert jump["height_flight_m"] == pytest.approx(G * 0.25 / 8, rel=0.035)
    assert jump["height_m"] == jump["height_flight_m"] and jump["height_method"] == "flight time"
    assert jump["plausible"] is True and result.json()["warnings"] == []
    assert (tmp_path / "o" / "jumps.png").exists()


def test_jumps_rejects_unknown_takeoff(run_cli, synth, tmp_path):
    t, acc, *_ = synth.jump_signal(0.5)
    path = tmp_path / "jump.csv"
    synth.frame(t, acc).to_csv(path, index=False)
    result = run_cli("imu", "jumps", path, "--takeoff", "late", "-o", tmp_path / "o")
    assert result.code == 2
    assert "'late' is not one of 'free-fall', '1g'" in result.stderr
    assert not (tmp_path / "o").exists()


def test_strokes_cli_reports_gaps(run_cli, tmp_path):
    rate = 100.0
    t = np.arange(int(12 * rate)) / rate
    gyro = np.zeros((t.size, 3))
    for p in (2.0, 4.0, 8.0, 10.0):
        gyro[:, 0] += 7.0 * np.exp(-0.5 * ((t - p) / 0.08) ** 2)
    keep = (t < 5.5) | (t > 6.5)  # a 1 s hole in the stamps
    frame = pd.DataFrame(
        {
            "t_s": t,
            "acc_x_ms2": 0.0,
            "acc_y_ms2": 0.0,
            "acc_z_ms2": G,
            "gyr_x_rads": gyro[:, 0],
            "gyr_y_rads": 0.0,
            "gyr_z_rads": 0.0,
        }
    )[keep]
    path = tmp_path / "swings.csv"
    frame.to_csv(path, index=False)
    result = run_cli("imu", "strokes", path, "--json", "-o", tmp_path / "o")
    assert result.code == 0, result.stderr
    payload = result.json()
    assert [s["peak_s"] for s in payload["metrics"]["strokes"]] == pytest.approx([2, 4, 8, 10], abs=0.011)
    assert len(payload["metrics"]["recording"]["timing"]["gaps"]) == 1
    assert any("gap" in w for w in payload["warnings"])
    assert "1 gap(s)" in result.stderr
    assert (tmp_path / "o" / "strokes.png").exists()


def test_strokes_without_gyro_is_a_user_error(run_cli, tmp_path):
    path = tmp_path / "acc.csv"
    pd.DataFrame({"t_s": np.arange(50) / 50, "acc_x_g": 0.0, "acc_y_g": 0.0, "acc_z_g": 1.0}).to_csv(path, index=False)
    result = run_cli("imu", "strokes", path, "-o", tmp_path / "o")
    result.assert_user_error("the recording has no gyroscope: ", "acc.csv", "strokes needs gyr_x/y/z")
    assert not (tmp_path / "o").exists()  # checked before any folder is made


def test_steps_cli_with_rate_option(run_cli, tmp_path):
    rate = 100.0
    n = int(20 * rate)
    z = G + 6 * np.sin(2 * np.pi * 2.5 * np.arange(n) / rate)
    path = tmp_path / "run.csv"
    pd.DataFrame({"acc_x_ms2": 0.0, "acc_y_ms2": 0.0, "acc_z_ms2": z}).to_csv(path, index=False)
    result = run_cli("imu", "steps", path, "--json", "--rate-hz", "100", "-o", tmp_path / "o")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["steps"]["cadence_spm"] == pytest.approx(150.0, abs=1.0)
    assert (tmp_path / "o" / "steps.png").read_bytes()[:4] == b"\x89PNG"
    missing = run_cli("imu", "steps", path, "-o", tmp_path / "o2")
    missing.assert_user_error("missing time column", "--rate-hz")


def test_orient_cli(run_cli, tmp_path):
    rate = 100.0
    t = np.arange(500) / rate
    gz = np.where(t >= 2.0, 45.0, 0.0)  # deg/s about z for 3 s
    path = tmp_path / "turn.csv"
    pd.DataFrame(
        {"t_s": t, "acc_x_g": 0.0, "acc_y_g": 0.0, "acc_z_g": 1.0, "gyr_x_dps": 0.0, "gyr_y_dps": 0.0, "gyr_z_dps": gz}
    ).to_csv(path, index=False)
    result = run_cli("imu", "orient", path, "--json", "-o", tmp_path / "o")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["orientation"]["final_euler_deg"][2] == pytest.approx(135.0, abs=0.05)
    table = pd.read_csv(tmp_path / "o" / "orientation.csv")
    assert list(table.columns[:5]) == ["time_s", "qw", "qx", "qy", "qz"]
    assert len(table) == 500
    assert (tmp_path / "o" / "orientation.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_columns_and_missing_file_are_one_line_errors(run_cli, tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"t_s": [0, 0.1], "acc_x_g": [0, 0], "acc_y_g": [0, 0]}).to_csv(path, index=False)
    result = run_cli("imu", "reps", path, "-o", tmp_path / "o")
    result.assert_user_error("missing column(s) acc_z: ", "bad.csv")
    result = run_cli("imu", "jumps", tmp_path / "none.csv", "-o", tmp_path / "o")
    result.assert_user_error("file not found: ", "none.csv")


def test_train_eval_predict(labelled_imu_csv, run_cli, tmp_path):
    data = labelled_imu_csv(tmp_path / "train.csv")
    model_dir = tmp_path / "model"
    result = run_cli("imu", "train", data, "--group-col", "person", "--recipe", "logistic", "-o", model_dir, "--json")
    assert result.code == 0, result.stderr
    payload = result.json()
    assert payload["command"] == "imu train" and payload["outputs"] == ["model.joblib"]
    assert payload["metrics"]["cross_validation"]["split"] == "leave-one-group-out"
    assert payload["metrics"]["cross_validation"]["n_groups"] == 4
    assert payload["metrics"]["cross_validation"]["accuracy"] >= 0.95
    assert payload["metrics"]["model"]["classes"] == ["shake", "swing"]
    model = model_dir / "model.joblib"
    assert model.exists()
    # the shared model card: task, command, library versions, plus the IMU fields
    from sportlens.imu.features import FEATURE_VERSION
    from sportlens.models.card import load_joblib_model

    _, card = load_joblib_model(model, "imu")
    assert card["feature_version"] == FEATURE_VERSION and card["recipe"] == "logistic"
    assert card["command"].startswith("sportlens imu train") and "scikit-learn" in card["versions"]

    test_data = labelled_imu_csv(tmp_path / "test.csv", n_people=2)
    result = run_cli("imu", "eval", model, test_data, "--group-col", "person", "-o", tmp_path / "ev", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["evaluation"]["accuracy"] >= 0.95
    assert result.json()["metrics"]["evaluation"]["n_recordings"] == 4
    assert result.json()["inputs"] == [str(model), str(test_data)]

    one = pd.read_csv(test_data)
    one = one[one["recording_id"] == "p1-shake"].drop(columns=["recording_id", "person", "label"])
    one.to_csv(tmp_path / "one.csv", index=False)
    result = run_cli("imu", "predict", model, tmp_path / "one.csv", "--json", "-o", tmp_path / "pred")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["prediction"]["label"] == "shake"
    assert result.json()["metrics"]["model"]["card"]["task"] == "imu"
    assert len(pd.read_csv(tmp_path / "pred" / "windows.csv")) == 7


def test_train_errors(labelled_imu_csv, run_cli, tmp_path):
    data = labelled_imu_csv(tmp_path / "train.csv", n_people=1)
    result = run_cli("imu", "train", data, "--group-col", "person", "-o", tmp_path / "m")
    result.assert_user_error("at least 2 groups")
    assert not (tmp_path / "m").exists()  # the folder made for the run is removed again
    result = run_cli("imu", "train", data, "--recipe", "svm", "-o", tmp_path / "m")
    assert result.code == 2
    assert "'svm' is not one of 'forest', 'extra-trees', 'logistic'" in result.stderr
    folder = tmp_path / "somewhere"
    folder.mkdir()
    result = run_cli("imu", "train", folder, "-o", tmp_path / "m")
    result.assert_user_error("cannot tell which data set this folder is", "--dataset")
    result = run_cli("imu", "predict", tmp_path / "nomodel.joblib", data, "-o", tmp_path / "p")
    result.assert_user_error("model file not found: ", "nomodel.joblib")


def test_predict_rejects_a_recording_without_gyro_for_a_gyro_model(labelled_imu_csv, run_cli, tmp_path):
    data = labelled_imu_csv(tmp_path / "train.csv", n_people=2)
    assert run_cli("imu", "train", data, "--group-col", "person", "-o", tmp_path / "m").code == 0
    path = tmp_path / "acc.csv"
    pd.DataFrame({"t_s": np.arange(500) / 50, "acc_x_g": 0.0, "acc_y_g": 0.0, "acc_z_g": 1.0}).to_csv(path, index=False)
    result = run_cli("imu", "predict", tmp_path / "m" / "model.joblib", path, "-o", tmp_path / "p")
    result.assert_user_error("needs a gyroscope")
    assert not (tmp_path / "p").exists()


def test_train_motion_features_with_mirroring_and_predict_with_side(labelled_imu_csv, run_cli, tmp_path):
    data = tmp_path / "train.csv"
    frame = pd.read_csv(labelled_imu_csv(data, n_people=3))
    frame["side"] = np.where(frame["person"] == "p1", "left", "right")
    frame.to_csv(data, index=False)
    model_dir = tmp_path / "m"
    args = ("--group-col", "person", "--recipe", "logistic", "--features", "motion", "--mirror-left")
    result = run_cli("imu", "train", data, *args, "-o", model_dir, "--json")
    assert result.code == 0, result.stderr
    card = result.json()["metrics"]["model"]
    assert card["feature_set"] == "motion" and card["mirror_left"] is True
    assert result.json()["metrics"]["cross_validation"]["accuracy"] >= 0.95
    one = frame[frame["recording_id"] == "p1-swing"].drop(columns=["recording_id", "person", "label", "side"])
    one.to_csv(tmp_path / "one.csv", index=False)
    model = model_dir / "model.joblib"
    result = run_cli("imu", "predict", model, tmp_path / "one.csv", "-o", tmp_path / "p")
    assert result.code == 2
    assert "--side left|right" in result.stderr
    result = run_cli("imu", "predict", model, tmp_path / "one.csv", "--side", "left", "-o", tmp_path / "p", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["prediction"]["label"] == "swing"
    result = run_cli("imu", "eval", model, data, "--group-col", "person", "-o", tmp_path / "ev", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["evaluation"]["accuracy"] >= 0.95


def test_train_rejects_unknown_features_and_mirroring_without_side(labelled_imu_csv, run_cli, tmp_path):
    data = labelled_imu_csv(tmp_path / "train.csv", n_people=2)
    result = run_cli("imu", "train", data, "--group-col", "person", "--features", "fancy", "-o", tmp_path / "m")
    assert result.code == 2
    assert "'fancy' is not one of 'basic', 'motion'" in result.stderr
    result = run_cli("imu", "train", data, "--group-col", "person", "--mirror-left", "-o", tmp_path / "m")
    result.assert_user_error("needs the side (left/right) of every recording")
    assert not (tmp_path / "m").exists()
