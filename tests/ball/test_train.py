"""`ball train` on generated rallies: the loop runs through the shared fit, best.pt carries its card, an
interrupted run resumes, and the run folder works as `--model` of `ball track` and `ball eval`."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sportlens.ball.options import TrainOptions
from sportlens.ball.synthetic import ClipSpec, write_rally_clip
from sportlens.ball.train import run_train
from sportlens.events import Cancelled, EventLog, Progress
from sportlens.io.output_dir import INCOMPLETE
from sportlens.training.checkpoint import load_checkpoint

TINY = dict(epochs=2, steps_per_epoch=2, batch_size=2)


@pytest.fixture(scope="module")
def rallies(tmp_path_factory):
    """Two generated rallies, each its own group (rally layout, no README): one trains, one validates."""
    folder = tmp_path_factory.mktemp("rallies")
    for k in (1, 2):
        write_rally_clip(folder, f"0000{k}", ClipSpec(seconds=0.6, seed=k))
    return folder


def test_train_writes_best_with_its_card_and_resumes_after_an_interruption(rallies, tmp_path, one_torch_thread):
    run = tmp_path / "run"
    log = EventLog()

    def stop_after_first_epoch(event):
        log(event)
        if event.kind == "message" and event.message.startswith("epoch   1"):
            progress.cancel()

    progress = Progress("ball train", stop_after_first_epoch)
    with pytest.raises(Cancelled):
        run_train([rallies], run, TrainOptions(**TINY), progress)
    assert (run / INCOMPLETE).exists() and (run / "last.pt").is_file() and (run / "best.pt").is_file()
    assert len(pd.read_csv(run / "history.csv")) == 1  # the epoch log is written as training goes

    rows = []
    resumed = Progress("ball train", lambda e: rows.append(pd.read_csv(run / "history.csv"))
                       if e.kind == "message" and e.message.startswith("epoch") else None)
    summary = run_train([rallies], run, TrainOptions(**TINY, resume=True), resumed)
    assert rows and rows[0]["epoch"].tolist() == [1, 2]  # the log goes on from the resumed epoch
    assert not (run / INCOMPLETE).exists()
    assert summary.metrics["training"]["epochs_run"] == 2
    history = pd.read_csv(run / "history.csv")
    assert history["epoch"].tolist() == [1, 2] and "train_loss" in history and "val_f1" in history
    _, card = load_checkpoint(run / "best.pt", "ball")
    assert card["network"]["name"] == "tracknet-small" and card["task"] == "ball"
    assert card["split"]["train"]["groups"] != card["split"]["val"]["groups"]  # never a match on both sides
    assert {"val", "test"} <= set(card["metrics"]) and card["speed"]["network_fps"] > 0
    assert card["data"]["clips"] == 2 and card["command"] and card["versions"]["torch"]
    assert json.loads((run / "model_card.json").read_text())["threshold"] == card["threshold"]
    split = pd.read_csv(run / "split.csv", dtype={"clip": str, "group": str})
    assert sorted(split["split"]) == ["train", "val"]


def test_resume_without_a_run_is_one_line(rallies, tmp_path, run_cli):
    run_cli("ball", "train", rallies, "-o", tmp_path / "none", "--resume").assert_user_error("nothing to resume")


def test_one_match_only_cannot_be_split(tmp_path, run_cli):
    write_rally_clip(tmp_path / "one", "00001", ClipSpec(seconds=0.5))
    run_cli("ball", "train", tmp_path / "one", "-o", tmp_path / "run").assert_user_error("belong to one match")


def test_a_run_folder_is_a_model_for_track_and_eval(rallies, tmp_path, run_cli, one_torch_thread):
    run = tmp_path / "run"
    result = run_cli("ball", "train", rallies, "-o", run, "--epochs", "1", "--steps-per-epoch", "2",
                     "--batch-size", "2", "--patience", "3", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["model"] == "tracknet-small" and result.json()["options"]["patience"] == 3
    result = run_cli("ball", "track", rallies / "00001.mp4", "-o", tmp_path / "track", "--model", run, "--json")
    assert result.code == 0, result.stderr
    metrics = result.json()["metrics"]
    assert metrics["model"] == str(run / "best.pt") and metrics["frames"] == 18
    table = pd.read_csv(tmp_path / "track" / "track.csv")
    assert list(table.columns) == ["frame", "time_s", "visible", "x", "y", "confidence"] and len(table) == 18
    result = run_cli("ball", "eval", rallies, "--model", run / "best.pt", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["frames"] == 36


def test_patience_must_be_at_least_one_epoch():
    from sportlens.ball.options import TrainOptions
    from sportlens.options import OptionError

    with pytest.raises(OptionError, match="--patience must be at least 1"):
        TrainOptions(patience=0)
