import pytest
import torch
import torchvision

from sportlens.classify.recipes import recipe_for
from sportlens.classify.train import TrainOptions, _phases, load_classifier, train_classifier


def test_transfer_phases_freeze_then_use_discriminative_rates():
    recipe = recipe_for("resnet18")
    head, finetune = _phases(recipe, "imagenet", 5)
    assert (head.name, head.frozen, head.epochs) == ("head", (0, 1, 2, 3), recipe.head_epochs)
    assert finetune.frozen == () and finetune.lr == recipe.finetune_lr
    assert finetune.lr_ratios == pytest.approx((0.01, 0.01**0.75, 0.1, 0.01**0.25, 1.0))
    (scratch,) = _phases(recipe, "none", 5)
    assert scratch.lr == recipe.lr and scratch.lr_ratios is None


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
    options = TrainOptions(model="resnet18", weights="imagenet", epochs=2, image_size=32, batch_size=16)
    summary = train_classifier(shapes_dir, tmp_path / "run", options, progress=False)
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in history[1:]] == ["head", "head", "finetune", "finetune"]
    card = load_classifier(tmp_path / "run").card
    assert card["weights_init"] == "imagenet" and summary["weights"] == "imagenet"
    assert card["recipe"]["head_epochs"] == 2


@pytest.mark.slow
def test_mobilenet_from_scratch_evaluates_above_chance(tmp_path, shapes_dir):
    """Regression: without batch-norm recalibration MobileNetV3 scored exactly chance (1/3) here."""
    options = TrainOptions(model="mobilenet_v3_small", epochs=10, image_size=48, batch_size=16)
    summary = train_classifier(shapes_dir, tmp_path / "run", options, progress=False)
    assert summary["val"]["accuracy"] >= 0.9
