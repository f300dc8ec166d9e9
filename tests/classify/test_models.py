import os
import subprocess
import sys

import pytest
import torch

from sportlens.classify.models import MODELS, build_classifier
from sportlens.classify.recipes import RECIPES, recipe_for
from sportlens.errors import ModelError

EXPECTED = ["efficientnet_b0", "mobilenet_v3_large", "mobilenet_v3_small", "notebook-cnn", "resnet18", "resnet34"]


def test_registry_lists_the_models_and_every_model_has_a_recipe():
    assert MODELS.names() == EXPECTED
    assert sorted(RECIPES) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_models_build_with_a_new_head_and_complete_groups(name):
    classifier = build_classifier(name, num_classes=5)
    model = classifier.module.eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 5)
    grouped = [id(p) for group in classifier.groups for p in group]
    assert sorted(grouped) == sorted(id(p) for p in model.parameters())  # each parameter in exactly one group
    assert len(classifier.groups) >= 2


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ModelError, match="unknown image classifier 'vgg16'.*resnet18"):
        build_classifier("vgg16", 3)
    with pytest.raises(ModelError, match="unknown image classifier 'vgg16'"):
        recipe_for("vgg16")
    with pytest.raises(ModelError, match="unknown weights 'coco'"):
        build_classifier("resnet18", 3, weights="coco")


def test_recipe_overrides():
    recipe = recipe_for("resnet18", epochs=3, image_size=96, lr=None)
    assert (recipe.epochs, recipe.image_size, recipe.lr) == (3, 96, RECIPES["resnet18"].lr)
    assert recipe.cache_size == 112  # 96 * 1.15 rounded to a multiple of 8


def test_imagenet_weights_offline_give_a_clear_error(tmp_path, shapes_dir):
    """A fresh process with an empty torch cache and an unreachable proxy: torchvision's loader fails."""
    env = {**os.environ, "TORCH_HOME": str(tmp_path / "torch"), "https_proxy": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""}
    code = "import sys; from sportlens.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "classify", "train", str(shapes_dir), "-o", str(tmp_path / "run"),
         "--model", "resnet18", "--weights", "imagenet"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "cannot load ImageNet weights for resnet18" in done.stderr
    assert "resnet18-f37072fd.pth" in done.stderr and "--weights none" in done.stderr
    # torch.hub's "Downloading ..." notice comes first; the error is one line after it
    assert done.stdout == "" and done.stderr.strip().splitlines()[-1].startswith("error: cannot load ImageNet")
    assert not (tmp_path / "run").exists()  # stopped before the output folder was made
