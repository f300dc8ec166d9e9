"""Pose classification: features invariant to position, size and mirroring; train/eval/predict end to end on
generated photos (the astronaut upright and lying)."""

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
    assert any("1 image(s) skipped" in w for w in summary["warnings"])


def test_no_images_is_a_user_error(tmp_path, run_cli):
    (tmp_path / "data" / "cls").mkdir(parents=True)
    run_cli("posecls", "train", tmp_path / "data", "-o", tmp_path / "run").assert_user_error(
        "no images found", "data")
