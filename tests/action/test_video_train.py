"""Video models learn generated clips with known motion (a square moving right vs left, up vs down) through
the shared fit loop: every model family, tiny sizes, few epochs; `action train --model` end to end with
resume, the card and the history."""

import numpy as np
import pytest

from sportlens.action.options import TrainOptions
from sportlens.action.pipeline import _split
from sportlens.action.video_data import PrepSettings, load_video_clips
from sportlens.action.video_synthetic import write_motion_clips
from sportlens.action.video_train import fit_video, load_video_model


@pytest.fixture(scope="module")
def motion(tmp_path_factory):
    root = tmp_path_factory.mktemp("motion")
    poses = write_motion_clips(root / "lr", ("right", "left"), n_per_class=12, seed=0)
    poses.update(write_motion_clips(root / "ud", ("up", "down"), n_per_class=12, seed=1))
    settings = PrepSettings(store=40, store_frames=16)
    return {name: load_video_clips(root / name, settings, True, root / "cache", poses) for name in ("lr", "ud")}, root


def test_prepared_flow_follows_the_square(motion):
    data, _ = motion
    for sample in data["lr"]:
        fx = sample.flow[..., 0].astype(float).mean()
        assert (fx > 10) if sample.label == "right" else (fx < -10)  # int8 codes: 127 = the clip's scale
    for sample in data["ud"]:
        fy = sample.flow[..., 1].astype(float).mean()
        assert (fy > 10) if sample.label == "down" else (fy < -10)
    # the ROI follows the moving square: it sits in the middle of every crop (pose centre, crop pixels)
    centres = np.nanmean(np.concatenate([s.pose for s in data["lr"]]), axis=1)
    np.testing.assert_allclose(centres, 19.5, atol=1.0)


@pytest.mark.slow
@pytest.mark.parametrize("name,pair", [("rgb-3dcnn", "lr"), ("flow-3dcnn-att", "ud"), ("twin-rgb-flow", "lr"),
                                       ("twin-pose", "ud"),
                                       pytest.param("mc3-18", "ud", marks=pytest.mark.xfail(
                                           reason="torchvision MC3-18 from scratch on 12 clips learns the toy "
                                           "only on some seeds/thread counts (open; see the report)"))])
def test_every_family_learns_the_motion_direction(motion, tmp_path, name, pair):
    samples = motion[0][pair]
    # train on the even clips of each class, test on the odd ones (held out from training and validation)
    train = [i for i in range(len(samples)) if i % 2 == 0]
    test = [i for i in range(len(samples)) if i % 2 == 1]
    classes = sorted({s.label for s in samples})
    # the torchvision network (11 M weights, from scratch) needs a lower rate, more epochs and batch-norm
    # statistics recomputed before validation (4-clip batches leave the running averages behind)
    tv = name == "mc3-18"
    options = TrainOptions(model=name, epochs=60 if tv else 30, video_frames=8, size=32, batch_size=4,
                           lr=1e-3 if tv else 3e-3, threads=2,
                           flip=pair == "ud")  # flipping turns right into left: not for that pair
    fit_video(samples, train, train, classes, options, tmp_path, pretrained=False, bn_batches=3 if tv else 0)
    loaded = load_video_model(tmp_path)
    pred = loaded.logits([samples[i] for i in test]).argmax(1)
    truth = np.array([classes.index(samples[i].label) for i in test])
    assert np.mean(pred == truth) == 1.0, (name, pred, truth)
    assert loaded.card["streams"] and loaded.card["kind"] == "video"


@pytest.mark.slow
def test_action_train_cli_with_a_video_model_and_resume(motion, tmp_path, run_cli):
    _, root = motion
    out = tmp_path / "run"
    args = ["action", "train", root / "lr", "-o", out, "--model", "twin-rgb-flow", "--epochs", "3",
            "--video-frames", "8", "--size", "32", "--batch-size", "4", "--no-flip", "--json"]
    result = run_cli(*args)
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["model"] == "twin-rgb-flow" and m["streams"] == ["rgb", "flow"] and m["epochs_run"] == 3
    assert m["split"]["train"] + m["split"]["val"] == 24
    history = (out / "history.csv").read_text().splitlines()
    assert len(history) == 4
    again = run_cli(*args, "--resume")
    assert again.code == 0, again.stderr
    assert len((out / "history.csv").read_text().splitlines()) == 4  # finished: nothing more to run
    ev = run_cli("action", "eval", out, root / "lr", "--json")
    assert ev.code == 0, ev.stderr
    doc = ev.json()["metrics"]
    assert doc["n_clips"] == 24 and doc["classes"] == ["left", "right"]
    assert np.sum(doc["confusion"]) == 24 and 0.0 <= doc["accuracy"] <= 1.0
    lines = (out / "eval" / "predictions.csv").read_text().splitlines()
    assert len(lines) == 25 and lines[0] == "source,label,predicted"
    video = next((root / "lr" / "right").glob("*.mp4"))
    pr = run_cli("action", "predict", out, video, "--top-k", "2", "--json")
    assert pr.code == 0, pr.stderr
    top = pr.json()["metrics"]["predictions"][0]["top_k"]
    assert [t["label"] for t in top] in (["left", "right"], ["right", "left"])
    assert abs(sum(t["probability"] for t in top) - 1.0) < 1e-3
    run_cli("action", "eval", out, root / "lr", "--split", "test").assert_user_error("no clips in split 'test'")
    card = load_video_model(out).card
    assert card["flip"] is False
    assert card["classes"] == ["left", "right"] and card["video_frames"] == 8 and card["size"] == 32


def test_split_of_video_samples_is_stratified(motion):
    samples = motion[0]["lr"]
    train, val, test = _split(samples, 0.25, 0)
    assert len(val) == 6 and not test and sorted(train + val) == list(range(24))
    assert sorted(samples[i].label for i in val) == ["left"] * 3 + ["right"] * 3


def test_video_model_needs_videos(tmp_path, run_cli):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.csv").write_text("frame\n")
    run_cli("action", "train", tmp_path, "-o", tmp_path / "o", "--model", "flow-3dcnn").assert_user_error(
        "no videos found")


def test_prep_settings_reject_bad_values():
    with pytest.raises(Exception, match="crop"):
        PrepSettings(crop=1.5)
    with pytest.raises(Exception, match="video-frames"):
        TrainOptions(model="twin-rgb-flow", video_frames=2)
