"""The image-classifier registry: a small notebook-style CNN baseline and torchvision backbones.

Each builder returns a `Classifier`: the module and its parameter groups from the input side to the
head, which the transfer-learning recipe freezes and gives discriminative learning rates.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torchvision
from torch import nn

from sportlens.errors import ModelError, OfflineError
from sportlens.models.registry import Registry

WEIGHTS = ("none", "imagenet")


@dataclass
class Classifier:
    """A built model and its parameter groups (input side first, the new head last)."""

    module: nn.Module
    groups: list[list[nn.Parameter]]


MODELS: Registry[Classifier] = Registry("image classifier")


def build_classifier(name: str, num_classes: int, weights: str = "none") -> Classifier:
    """Build registry model `name` with a fresh `num_classes` head; weights "imagenet" loads torchvision's."""
    if weights not in WEIGHTS:
        raise ModelError(f"unknown weights {weights!r}", hint=f"choose one of: {', '.join(WEIGHTS)}")
    builder = MODELS.get(name)
    return builder(num_classes=num_classes, weights=weights)


def _params(*modules: nn.Module) -> list[nn.Parameter]:
    return [p for m in modules for p in m.parameters()]


def _imagenet_state(name: str, weights_enum) -> dict[str, torch.Tensor]:
    """torchvision's ImageNet weights (download or local cache), or an OfflineError that says what to do."""
    try:
        # torch.hub announces downloads on stdout, which belongs to --json output
        with contextlib.redirect_stdout(sys.stderr):
            return weights_enum.get_state_dict(progress=False, check_hash=False)
    except Exception as exc:  # URLError, socket errors, HTTP errors: the weights are not reachable
        cache = torch.hub.get_dir() + "/checkpoints"
        file_name = weights_enum.url.rsplit("/", 1)[-1]
        raise OfflineError(
            f"cannot load ImageNet weights for {name} ({type(exc).__name__}: {exc})",
            hint=f"this machine seems offline: put {file_name} into {cache}, or train from scratch with --weights none",
        ) from None


def _torchvision(
    name: str,
    factory: Callable[..., nn.Module],
    weights_enum,
    replace_head: Callable[[nn.Module, int], None],
    split_groups: Callable[[nn.Module], list[list[nn.Parameter]]],
) -> None:
    def build(num_classes: int, weights: str = "none") -> Classifier:
        model = factory(weights=None)
        if weights == "imagenet":
            model.load_state_dict(_imagenet_state(name, weights_enum))
        else:
            # MobileNetV3 ships batch-norm momentum 0.01, tuned for long ImageNet runs: from scratch in a few
            # hundred steps the running statistics lag the weights and evaluation sits at chance level
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.momentum = 0.1
        replace_head(model, num_classes)
        return Classifier(model, split_groups(model))

    MODELS.register(name)(build)


def _resnet_head(model: nn.Module, num_classes: int) -> None:
    model.fc = nn.Linear(model.fc.in_features, num_classes)


def _resnet_groups(model: nn.Module) -> list[list[nn.Parameter]]:
    return [
        _params(model.conv1, model.bn1, model.layer1),
        _params(model.layer2),
        _params(model.layer3),
        _params(model.layer4),
        _params(model.fc),
    ]


def _last_linear_head(model: nn.Module, num_classes: int) -> None:
    last = model.classifier[-1]
    model.classifier[-1] = nn.Linear(last.in_features, num_classes)


def _features_groups(model: nn.Module) -> list[list[nn.Parameter]]:
    """features split in three runs of blocks of about equal depth, then the classifier."""
    blocks = list(model.features)
    cut1, cut2 = len(blocks) // 3, 2 * len(blocks) // 3
    return [
        _params(*blocks[:cut1]),
        _params(*blocks[cut1:cut2]),
        _params(*blocks[cut2:]),
        _params(model.classifier),
    ]


tvm = torchvision.models
_torchvision("resnet18", tvm.resnet18, tvm.ResNet18_Weights.IMAGENET1K_V1, _resnet_head, _resnet_groups)
_torchvision("resnet34", tvm.resnet34, tvm.ResNet34_Weights.IMAGENET1K_V1, _resnet_head, _resnet_groups)
_torchvision(
    "mobilenet_v3_small",
    tvm.mobilenet_v3_small,
    tvm.MobileNet_V3_Small_Weights.IMAGENET1K_V1,
    _last_linear_head,
    _features_groups,
)
_torchvision(
    "mobilenet_v3_large",
    tvm.mobilenet_v3_large,
    tvm.MobileNet_V3_Large_Weights.IMAGENET1K_V1,
    _last_linear_head,
    _features_groups,
)
_torchvision(
    "efficientnet_b0",
    tvm.efficientnet_b0,
    tvm.EfficientNet_B0_Weights.IMAGENET1K_V1,
    _last_linear_head,
    _features_groups,
)


class NotebookCNN(nn.Module):
    """The sport-detector notebook's baseline, in PyTorch: three conv/ReLU/max-pool blocks (32, 64, 128
    filters), a 128-unit dense layer with dropout, then the class layer. Global average pooling replaces
    Keras' Flatten so the model accepts any input size and exports to ONNX at any size."""

    def __init__(self, num_classes: int):
        super().__init__()
        layers: list[nn.Module] = []
        width_in = 3
        for width in (32, 64, 128):
            layers += [nn.Conv2d(width_in, width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            width_in = width
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Sequential(
            nn.Linear(128, 128), nn.ReLU(inplace=True), nn.Dropout(0.5), nn.Linear(128, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


@MODELS.register("notebook-cnn")
def _notebook_cnn(num_classes: int, weights: str = "none") -> Classifier:
    if weights != "none":
        raise ModelError("notebook-cnn has no pretrained weights", hint="use --weights none")
    model = NotebookCNN(num_classes)
    return Classifier(model, [_params(model.features), _params(model.classifier)])
