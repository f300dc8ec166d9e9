"""run_train as a library call: phases, progress events, stop from a listener and resume, the slow recipes."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest
import torch
import torchvision

from sportlens.classify.inference import load_classifier
from sportlens.classify.options import TrainOptions
from sportlens.classify.recipes import recipe_for
from sportlens.classify.train import _phases, run_train
from sportlens.errors import DataFormatError
from sportlens.events import EventLog, Progress
from sportlens.io.output_dir import INCOMPLETE
from sportlens.summary import read_summary


def test_transfer_phases_freeze_then_use_discriminative_rates():
    recipe = recipe_for("resnet18")
    head, finetune = _phases(recipe, "imagenet", 5)
    assert (head.name, head.frozen, head.epochs) == ("head", (0, 1, 2, 3), recipe.head_epochs)
    assert finetune.frozen == () and finetune.lr == recipe.finetune_lr
    assert finetune.lr_ratios == pytest.approx((0.01, 0.01**0.75, 0.1, 0.01**0.25, 1.0))
    (scratch,) = _phases(recipe, "none", 5)
    assert scratch.lr == recipe.lr and scratch.lr_ratios is None


def test_progress_events_of_a_training_run(shapes_dir, tmp_path, fast_options):
    log = EventLog()
    summary = run_train(shapes_dir, tmp_path / "run", TrainOptions(**fast_options, epochs=2), Progress("t", log))
    steps = {(e.step, e.unit) for e in log.events if e.kind == "start"}
    assert {("decode", "images"), ("decode val", "images"), ("decode test", "images"), ("train", "epochs"),
            ("train 1/2", "batches"), ("train 2/2", "batches")} <= steps
    decoded = [e.done for e in log.events if e.step == "decode" and e.kind == "end"]
    assert decoded == [72]
    assert [e.done for e in log.events if e.step == "train" and e.kind == "advance"] == [1, 2]
    assert all(e.total == 3 for e in log.events if e.unit == "batches")  # 48 training images // 16
    messages = [e.message for e in log.events if e.kind == "message"]
    assert sum(m.startswith("epoch") for m in messages) == 2
    assert log.fraction() == 1.0
    assert summary.metrics["training"]["epochs_run"] == 2


def test_stopped_by_a_listener_after_the_first_epoch_then_resumed(shapes_dir, tmp_path, fast_options):
    """KeyboardInterrupt from a progress listener (what Ctrl-C does in the CLI): the folder stays marked
    incomplete with last.pt and train_config.json; resume continues from epoch 2 and finishes."""
    run = tmp_path / "run"
    options = TrainOptions(**fast_options, epochs=3)

    def stop_after_first_epoch(event):
        if event.step == "train" and event.kind == "advance" and event.done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_train(shapes_dir, run, options, Progress("t", stop_after_first_epoch))
    assert sorted(p.name for p in run.iterdir()) == sorted(
        [INCOMPLETE, "best.pt", "last.pt", "split.csv", "train_config.json"])
    log = EventLog()
    resumed = run_train(shapes_dir, run, TrainOptions(**fast_options, epochs=3, resume=True), Progress("t", log))
    assert [e.done for e in log.events if e.step == "train" and e.kind == "advance"] == [1, 2, 3]  # 1: restored
    assert [e.step for e in log.events if e.unit == "batches" and e.kind == "start"] == ["train 2/3", "train 3/3"]
    assert pd.read_csv(run / "history.csv")["epoch"].tolist() == [1, 2, 3]
    assert not (run / INCOMPLETE).exists()
    assert read_summary(run).metrics["training"]["epochs_run"] == 3 == resumed.metrics["training"]["epochs_run"]

    # the same three epochs without the interruption give the same weights
    straight = run_train(shapes_dir, tmp_path / "straight", options)
    a, b = load_classifier(run).module.state_dict(), load_classifier(tmp_path / "straight").module.state_dict()
    for name, value in a.items():
        assert torch.allclose(value, b[name], atol=1e-6), name
    assert straight.metrics["val"] == resumed.metrics["val"]


@pytest.mark.slow
def test_imagenet_weights_from_the_local_cache_train_in_two_phases(tmp_path, monkeypatch, shapes_dir):
    """The offline route the error message suggests: the weights file placed in $TORCH_HOME/hub/checkpoints.

    The file here holds a seeded random ResNet18 (no download possible); torchvision loads it like the real one.
    """
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.manual_seed(7)
    backbone = torchvision.models.resnet18()
    torch.save(backbone.state_dict(), checkpoints / "resnet18-f37072fd.pth")
    options = TrainOptions(model="resnet18", weights="imagenet", epochs=2, image_size=32, batch_size=16, amp="off",
                           device="cpu")
    summary = run_train(shapes_dir, tmp_path / "run", options)
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert history["phase"].tolist() == ["head", "head", "finetune", "finetune"]
    card = load_classifier(tmp_path / "run").card
    assert card["weights_init"] == "imagenet" and summary.metrics["weights"] == "imagenet"
    assert card["recipe"]["head_epochs"] == 2


@pytest.mark.slow
def test_mobilenet_from_scratch_evaluates_above_chance(tmp_path, shapes_dir):
    """Regression: without batch-norm recalibration MobileNetV3 scored exactly chance (1/3) here."""
    options = TrainOptions(model="mobilenet_v3_small", epochs=10, image_size=48, batch_size=16, amp="off",
                           device="cpu")
    summary = run_train(shapes_dir, tmp_path / "run", options)
    assert summary.metrics["val"]["accuracy"] >= 0.9


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_the_gpu_with_mixed_precision(shapes_dir, tmp_path):
    """--device cuda with amp auto (bf16 or fp16 autocast); the model then predicts on the CPU."""
    options = TrainOptions(model="notebook-cnn", image_size=32, batch_size=16, epochs=10, device="cuda")
    summary = run_train(shapes_dir, tmp_path / "run", options)
    training = summary.metrics["training"]
    assert training["device"] == "cuda" and training["amp"] in ("bfloat16", "float16")
    assert summary.metrics["val"]["accuracy"] >= 0.9
    assert next(load_classifier(tmp_path / "run").module.parameters()).device.type == "cpu"


def test_an_image_that_changes_during_training_is_named(shapes_dir, tmp_path, fast_options, monkeypatch):
    train_module = importlib.import_module("sportlens.classify.train")
    real = train_module.load_image

    def fails_for_one(path, size):
        if path.name == "circle_003.png":
            raise OSError("truncated")
        return real(path, size)

    monkeypatch.setattr(train_module, "load_image", fails_for_one)
    with pytest.raises(DataFormatError, match="image became unreadable during training \\(cannot decode "
                                              "\\(truncated\\)\\): .*circle_003.png"):
        run_train(shapes_dir, tmp_path / "run", TrainOptions(**fast_options, epochs=1, seed=3))
