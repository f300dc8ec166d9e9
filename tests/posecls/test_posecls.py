"""Pose classification: features invariant to position, size and mirroring; train/eval/predict end to end on
generated photos and clips (the astronaut upright and lying); per-frame labels of a video smoothed into segments;
cross-validation grouped by clip."""

from __future__ import annotations

import numpy as np
import pytest

from sportlens.posecls.features import MIRROR, NAMES, angle_features, feature_pairs, mirror, normalise, pose_features


def _pose(seed: int = 0) -> np.ndarray:
    """A plausible random pose (33, 2) px: a standing figure with noise."""
    rng = np.random.default_rng(seed)
    xy = rng.normal(0, 30, (len(NAMES), 2)) + np.array([300.0, 250.0])
    xy[NAMES.index("left_shoulder")] = [330, 150]
    xy[NAMES.index("right_shoulder")] = [270, 152]
    xy[NAMES.index("left_hip")] = [320, 300]
    xy[NAMES.index("right_hip")] = [282, 298]
    return xy


def test_mirror_table_swaps_left_and_right():
    assert NAMES[MIRROR[NAMES.index("left_knee")]] == "right_knee"
    assert NAMES[MIRROR[NAMES.index("nose")]] == "nose"
    assert all(MIRROR[MIRROR[k]] == k for k in range(len(NAMES)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_features_do_not_depend_on_position_or_size(seed):
    xy = _pose(seed)
    moved = xy * 2.7 + np.array([-140.0, 85.0])
    np.testing.assert_allclose(pose_features(moved), pose_features(xy), atol=1e-9)
    np.testing.assert_allclose(normalise(xy)[NAMES.index("left_hip")] + normalise(xy)[NAMES.index("right_hip")],
                               0.0, atol=1e-12)
    torso = np.linalg.norm(normalise(xy)[[11, 12]].mean(0) - normalise(xy)[[23, 24]].mean(0))
    assert torso == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_mirroring_swaps_the_pair_and_keeps_joint_angles(seed):
    xy = _pose(seed)
    flipped = xy.copy()
    flipped[:, 0] = 1000.0 - flipped[:, 0]  # a mirrored photo: x reflected, names keep their side
    seen_flipped = flipped[list(MIRROR)]  # the estimator calls the person's left what it sees as left
    a, b = feature_pairs(xy[None])
    c, d = feature_pairs(seen_flipped[None])
    np.testing.assert_allclose(c, b, atol=1e-9)  # the mirrored photo's features are the mirror features
    np.testing.assert_allclose(d, a, atol=1e-9)
    np.testing.assert_allclose(mirror(mirror(xy)), xy)
    from sportlens.pose.angles import ANGLES

    joint = [k for k, d in enumerate(ANGLES) if d.kind == "joint"]
    names = [d.name for d in ANGLES]
    swapped = [names.index(names[k].replace("left", "#").replace("right", "left").replace("#", "right"))
               for k in joint]
    np.testing.assert_allclose(angle_features(mirror(xy))[joint], angle_features(xy)[swapped], atol=1e-9)


def test_prediction_of_a_pose_and_its_mirror_image_is_the_same():
    from sportlens.posecls.options import TrainOptions
    from sportlens.posecls.pipeline import fit_poses, predict_proba

    poses = np.stack([_pose(s) for s in range(20)])
    labels = ["a" if s % 2 else "b" for s in range(20)]
    model = fit_poses(poses, labels, TrainOptions(n_trees=20))
    np.testing.assert_allclose(predict_proba(model, poses), predict_proba(model, mirror(poses)), atol=1e-12)


def test_options_are_checked():
    from sportlens.options import OptionError
    from sportlens.posecls.options import PredictOptions, TrainOptions

    with pytest.raises(OptionError, match="--n-trees"):
        TrainOptions(n_trees=0)
    with pytest.raises(OptionError, match="--max-side"):
        PredictOptions(max_side=10)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    from sportlens.posecls.synthetic import write_pose_photos

    return write_pose_photos(tmp_path_factory.mktemp("posecls") / "photos")


def test_train_eval_predict_end_to_end(photos, tmp_path, run_cli):
    run = tmp_path / "run"
    result = run_cli("posecls", "train", photos, "-o", run, "--n-trees", "50", "--json")
    assert result.code == 0, result.stderr
    trained = result.json()
    assert trained["metrics"]["classes"] == ["lying", "upright"]
    assert trained["metrics"]["images_with_person"] == 9 and trained["metrics"]["skipped_images"] == 0
    assert (run / "model.joblib").is_file()

    result = run_cli("posecls", "eval", run, photos, "-o", tmp_path / "eval", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["accuracy"] == 1.0 and m["macro_f1"] == 1.0 and m["n_images"] == 9
    assert m["confusion"] == [[4, 0], [0, 5]] and m["mistakes"] == []

    result = run_cli("posecls", "predict", run, photos / "lying" / "lying_0.jpg", photos / "upright", "--json",
                     "-o", tmp_path / "pred")
    assert result.code == 0, result.stderr
    rows = result.json()["metrics"]["predictions"]
    assert [r["top_k"][0]["label"] for r in rows] == ["lying"] + ["upright"] * 5
    assert (tmp_path / "pred" / "predictions.csv").is_file()


def test_a_photo_without_a_person_is_skipped_and_counted(photos, tmp_path, run_cli):
    import shutil

    import cv2

    data = tmp_path / "data"
    shutil.copytree(photos, data)
    cv2.imwrite(str(data / "upright" / "empty.jpg"), np.full((200, 200, 3), 128, np.uint8))
    result = run_cli("posecls", "train", data, "-o", tmp_path / "run", "--n-trees", "20", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["metrics"]["skipped_images"] == 1 and summary["metrics"]["images"] == 10
    assert any("1 image(s) or clip(s) with no person" in w and "empty.jpg" in w for w in summary["warnings"])


def test_no_images_is_a_user_error(tmp_path, run_cli):
    (tmp_path / "data" / "cls").mkdir(parents=True)
    run_cli("posecls", "train", tmp_path / "data", "-o", tmp_path / "run").assert_user_error(
        "no images or clips found", "data")


def test_majority_vote_removes_a_short_flip_and_keeps_frames_without_a_person_unlabelled():
    from sportlens.posecls.timeline import label_segments, majority_labels

    raw = np.array([0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1])
    proba = np.eye(2)[raw] * 0.8 + 0.1
    proba[11] = [0.02, 0.98]  # frame 10's window (9 unseen, 10 says a, 11 says b) is a tie: b is surer
    seen = np.ones(len(raw), bool)
    seen[9] = False
    smoothed = majority_labels(proba, seen, 3)
    assert smoothed.tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, -1, 1, 1, 1]
    assert majority_labels(proba, seen, 1).tolist() == np.where(seen, raw, -1).tolist()
    names = [None if k < 0 else "ab"[k] for k in smoothed]
    frames = np.arange(len(raw)) * 2  # every other frame analysed at 10 fps
    segments = label_segments(frames, frames / 10.0, names, np.full(len(raw), 0.9), 0.2)
    assert segments[["label", "start_frame", "end_frame"]].values.tolist() == [
        ["a", 0, 10], ["b", 12, 16], ["b", 20, 24]]
    assert segments["duration_s"].tolist() == [1.2, 0.6, 0.6]


def test_cross_validation_keeps_the_frames_of_a_clip_together():
    """20 clips of 6 near-identical frames, labels unrelated to the poses: with frames of a clip on both sides a
    classifier would recognise the clip (accuracy near 1); grouped by clip it can only guess."""
    from sportlens.posecls.options import TrainOptions
    from sportlens.posecls.pipeline import grouped_cv

    rng = np.random.default_rng(3)
    clips = [_pose(s) for s in range(20)]
    xy = np.stack([c + rng.normal(0, 0.5, c.shape) for c in clips for _ in range(6)])
    labels = [("a" if (k * 7) % 20 < 10 else "b") for k in range(20) for _ in range(6)]
    groups = [f"clip{k}" for k in range(20) for _ in range(6)]
    cv = grouped_cv(xy, labels, groups, TrainOptions(n_trees=30, cv_folds=5))
    assert cv["cv_folds"] == 5 and cv["cv_accuracy"] <= 0.75
    from sklearn.model_selection import StratifiedGroupKFold

    for train, test in StratifiedGroupKFold(5, shuffle=True, random_state=0).split(xy, labels, groups):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
    assert grouped_cv(xy, labels, groups, TrainOptions(cv_folds=0)) is None


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from sportlens.posecls.synthetic import write_pose_change_video, write_pose_clips

    root = tmp_path_factory.mktemp("posecls-clips")
    return write_pose_clips(root / "clips"), write_pose_change_video(root / "change.mp4")


def test_clips_train_eval_and_a_video_labelled_per_frame(clips, tmp_path, run_cli):
    import pandas as pd

    data, video = clips
    run = tmp_path / "run"
    result = run_cli("posecls", "train", data, "-o", run, "--n-trees", "50", "--frames-per-clip", "4", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert (m["clips"], m["images"], m["poses"]) == (6, 0, 24) and m["per_class"] == {"lying": 12, "upright": 12}
    assert m["cv_folds"] == 3 and m["cv_accuracy"] == 1.0

    result = run_cli("posecls", "eval", run, data, "-o", tmp_path / "eval", "--frames-per-clip", "4", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert (m["accuracy"], m["clip_accuracy"], m["n_clips"], m["n_images"]) == (1.0, 1.0, 6, 24)
    predictions = pd.read_csv(tmp_path / "eval" / "predictions.csv")
    assert sorted(predictions["frame"].unique()) == [1, 3, 5, 7]  # 4 of 8 frames, centred in equal parts

    out = tmp_path / "pred"
    result = run_cli("posecls", "predict", run, video, "-o", out, "--json")
    assert result.code == 0, result.stderr
    [entry] = result.json()["metrics"]["videos"]
    # the video: upright 1.5 s, lying 1.5 s, upright 1 s at 10 fps
    assert [(s["label"], s["start_frame"], s["end_frame"]) for s in entry["segments"]] == [
        ("upright", 0, 14), ("lying", 15, 29), ("upright", 30, 39)]
    assert entry["seconds_per_label"] == {"lying": 1.5, "upright": 2.5}
    table = pd.read_csv(out / "change_frames.csv")
    assert list(table.columns[:4]) == ["frame", "time_s", "label", "probability"] and len(table) == 40
    assert (table["probability"] > 0.5).all()
    assert {"change_segments.csv", "change_labels.png"} <= {p.name for p in out.iterdir()}
    assert "upright 0.0-1.4 s, lying 1.5-2.9 s, upright 3.0-3.9 s" in result.stderr


def test_a_video_without_an_output_folder_is_a_user_error(clips, tmp_path, run_cli):
    from sportlens.posecls.options import TrainOptions
    from sportlens.posecls.pipeline import run_train

    data, video = clips
    run_train(data, tmp_path / "run", TrainOptions(n_trees=10, frames_per_clip=2, cv_folds=0))
    run_cli("posecls", "predict", tmp_path / "run", video).assert_user_error("need an output folder", "change.mp4")
