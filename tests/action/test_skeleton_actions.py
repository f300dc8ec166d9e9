"""Skeleton action recognition on generated skeletons with known answers: readers, invariances, training
through the shared loop, eval and predict through the CLI."""

import numpy as np
import pytest
from scipy.io import savemat

from sportlens.action.skeleton import JOINTS, MIRROR, features, mirror, normalise, resample
from sportlens.action.synthetic import clip, write_penn


def test_normalised_features_ignore_position_and_size():
    rng = np.random.default_rng(1)
    xy = clip("wave", 50, rng)
    moved = xy * 3.0 + np.array([500.0, -80.0])
    np.testing.assert_allclose(normalise(moved), normalise(xy), atol=1e-9)


def test_mirroring_swaps_sides_and_negates_x_and_twice_is_identity():
    xy = normalise(clip("squat", 30, np.random.default_rng(2)))
    m = mirror(xy)
    left, right = JOINTS.index("left_wrist"), JOINTS.index("right_wrist")
    np.testing.assert_allclose(m[:, left, 0], -xy[:, right, 0])
    np.testing.assert_allclose(m[:, left, 1], xy[:, right, 1])
    np.testing.assert_allclose(mirror(m), xy)
    assert sorted(MIRROR) == list(range(13))


def test_resample_and_feature_shapes():
    xy = normalise(clip("wave", 37, np.random.default_rng(3)))
    r = resample(xy, 64)
    assert r.shape == (64, 13, 2)
    np.testing.assert_allclose(r[0], xy[0]) and np.testing.assert_allclose(r[-1], xy[-1])
    f = features(r, duration_s=1.5)
    assert f.shape == (105, 64) and f.dtype == np.float32
    np.testing.assert_allclose(f[2:52:4, 1:], np.diff(r[..., 0], axis=0).T, atol=1e-6)  # velocities of joint x
    shoulders = r[:, JOINTS.index("right_shoulder")] - r[:, JOINTS.index("left_shoulder")]
    np.testing.assert_allclose(f[52], shoulders[:, 0], atol=1e-6)  # the first bone's x
    np.testing.assert_allclose(f[-1], np.log(1.5))


@pytest.fixture(scope="module")
def penn(tmp_path_factory):
    return write_penn(tmp_path_factory.mktemp("penn") / "penn")


def test_train_eval_predict_on_generated_actions(penn, tmp_path, run_cli, one_torch_thread):
    run = tmp_path / "run"
    result = run_cli("action", "train", penn, "-o", run, "--epochs", "15", "--batch-size", "8", "--model",
                     "skeleton-tcn-small", "--json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["metrics"]["classes"] == ["squat", "wave"]
    split = doc["metrics"]["split"]
    assert split["test"] == 8 and split["train"] + split["val"] == 24
    assert doc["metrics"]["test"]["accuracy"] == 1.0  # the two movements are easy to tell apart
    from sportlens.training.checkpoint import load_checkpoint

    _, card = load_checkpoint(run / "best.pt", "action")
    assert card["model"] == "skeleton-tcn-small" and card["frames"] == 64 and card["command"].startswith(
        "sportlens action train")
    ev = run_cli("action", "eval", run, penn, "--json")
    assert ev.code == 0, ev.stderr
    assert ev.json()["metrics"]["accuracy"] == 1.0 and ev.json()["metrics"]["n_clips"] == 8
    assert ev.json()["metrics"]["confusion"] == [[4, 0], [0, 4]]
    # predict on a mirrored, shifted, larger copy of a test clip: mirroring and size do not matter
    rng = np.random.default_rng(9)
    xy = clip("wave", 60, rng, scale=4.0, centre=(600.0, 400.0))
    xy[..., 0] = 1200 - xy[..., 0]
    one = tmp_path / "one.mat"
    savemat(one, {"action": np.array(["?"]), "x": xy[..., 0], "y": xy[..., 1], "visibility": np.ones((60, 13)),
                  "train": np.array([[-1]])})
    pred = run_cli("action", "predict", run, one, "--json")
    assert pred.code == 0, pred.stderr
    assert pred.json()["metrics"]["predictions"][0]["top_k"][0]["label"] == "wave"
    plain = run_cli("action", "predict", run, one)
    assert plain.stdout.startswith(f"{one}: wave")


def test_bad_inputs_are_one_line_errors(penn, tmp_path, run_cli):
    run_cli("action", "train", tmp_path / "nothing", "-o", tmp_path / "r").assert_user_error(
        "data folder not found", "nothing")
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    run_cli("action", "train", empty, "-o", tmp_path / "r").assert_user_error("no clips found")
    run_cli("action", "train", penn, "-o", tmp_path / "r", "--epochs", "0").assert_user_error(
        "--epochs must be at least 1, got 0")
    bad = tmp_path / "bad.mat"
    savemat(bad, {"something": np.zeros(3)})
    model = tmp_path / "model.pt"
    model.write_bytes(b"not a checkpoint")
    run_cli("action", "predict", model, bad).assert_user_error("cannot read checkpoint", "model.pt")


def test_a_clip_without_a_torso_still_normalises_to_finite_values():
    xy = clip("wave", 20, np.random.default_rng(4))
    xy[:, [JOINTS.index(n) for n in JOINTS if "hip" in n or "shoulder" in n]] = np.nan  # Penn Action's 1920
    out = normalise(xy)
    assert np.isfinite(out).all() and np.abs(out).max() < 10
