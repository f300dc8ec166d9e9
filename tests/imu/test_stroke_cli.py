"""`sportlens imu train --recipe stroke-invariant --windows events` end to end on generated strokes, each person
wearing the sensor turned differently."""

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation
from tests.imu.test_stroke_features import _strokes

AXES = {"across": (0.0, 0.1, 1.0), "along": (1.0, 0.1, 0.0)}


def _write(path, people=("p1", "p2", "p3")):
    frames = []
    for k, person in enumerate(people):
        R = Rotation.random(random_state=10 + k).as_matrix()  # each person's own strap placement
        for j, (label, axis) in enumerate(AXES.items()):
            rec = _strokes(np.arange(4.0, 23, 2.5), seconds=24.0, axis=axis, seed=10 * k + j)
            acc, gyro = rec.acc_mps2 @ R.T, rec.gyro_rads @ R.T
            frames.append(pd.DataFrame({
                "recording_id": f"{person}-{label}", "person": person, "label": label, "t_s": rec.time_s,
                **{f"acc_{a}_ms2": acc[:, i] for i, a in enumerate("xyz")},
                **{f"gyr_{a}_rads": gyro[:, i] for i, a in enumerate("xyz")},
            }))
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_train_and_predict_stroke_events(run_cli, tmp_path):
    data = _write(tmp_path / "strokes.csv")
    args = ["--group-col", "person", "--recipe", "stroke-invariant", "--windows", "events", "--window-s", "1",
            "--hop-s", "0.5"]
    result = run_cli("imu", "train", data, *args, "-o", tmp_path / "m", "--json")
    assert result.code == 0, result.stderr
    metrics = result.json()["metrics"]
    cv = metrics["cross_validation"]
    assert cv["split"] == "leave-one-group-out" and cv["n_groups"] == 3
    # 8 strokes per recording; the 4 s still lead-in gives the idle windows (no peak within 1 s)
    assert cv["classes"] == ["across", "along", "idle"]
    assert np.sum(cv["confusion"], axis=1).tolist()[:2] == [24, 24]
    assert cv["accuracy"] == 1.0 and cv["recording_accuracy"] == 1.0
    card = metrics["model"]
    assert card["feature_set"] == "invariant" and card["windows"] == "events"

    one = pd.read_csv(data)
    one = one[one["recording_id"] == "p2-along"].drop(columns=["recording_id", "person", "label"])
    one.to_csv(tmp_path / "one.csv", index=False)
    result = run_cli("imu", "predict", tmp_path / "m" / "model.joblib", tmp_path / "one.csv", "-o", tmp_path / "p",
                     "--json")
    assert result.code == 0, result.stderr
    prediction = result.json()["metrics"]["prediction"]
    assert prediction["label"] == "along" and prediction["counts"]["along"] == 8


def test_stroke_options_that_do_not_go_together(run_cli, tmp_path):
    data = _write(tmp_path / "strokes.csv", people=("p1", "p2"))
    result = run_cli("imu", "train", data, "--recipe", "stroke-invariant", "--features", "motion", "-o", tmp_path / "a")
    result.assert_user_error("--recipe stroke-invariant computes its own rotation-invariant features; leave out "
                             "--features motion")
    result = run_cli("imu", "train", data, "--windows", "events", "--no-gyro", "-o", tmp_path / "b")
    result.assert_user_error("--no-gyro cannot go with --recipe stroke-invariant or --windows events")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
