"""Options of `sportlens classify ...`: one frozen dataclass per command that validates itself (the CLI, a
TOML file and the service all build them), fixed choices as Literal types.

Light on purpose: the command line imports this module at start-up, so torch is imported only to check
`device="cuda"`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.classify.recipes import RECIPES
from sportlens.options import OptionError, check_choice, check_literals, check_range

Weights = Literal["none", "imagenet"]
Amp = Literal["auto", "off", "bf16", "fp16"]
Device = Literal["auto", "cpu", "cuda"]
BudgetClock = Literal["wall", "cpu"]
EvalSplit = Literal["auto", "test", "val", "train", "all"]

MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 16, 1024  # below 16 px the backbones pool to nothing; above, a CPU cannot train
MIN_IMAGES_PER_CLASS = 5
HASH_BITS = 64  # pHash length: the largest meaningful --max-distance
MIN_OPSET, MAX_OPSET = 13, 20  # what torch's TorchScript exporter writes and ONNX Runtime runs


def check_device(device: str) -> None:
    """Raise OptionError for `cuda` on a machine without a visible CUDA GPU."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise OptionError("--device cuda but no CUDA GPU is visible (use --device cpu or auto)")


@dataclass(frozen=True)
class TrainOptions:
    """`classify train`; None means the model recipe's value (see `classify models`)."""

    model: str = "resnet18"
    weights: Weights = "none"
    epochs: int | None = None
    time_budget_min: float | None = None  # stop after this many minutes, keeping the best model
    budget_clock: BudgetClock = "wall"
    image_size: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    seed: int = 0
    fold: int | None = None
    min_per_class: int = MIN_IMAGES_PER_CLASS
    amp: Amp = "auto"
    device: Device = "auto"
    resume: bool = False  # continue the interrupted run in the output folder

    def __post_init__(self) -> None:
        check_literals(self)
        check_choice("model", self.model, sorted(RECIPES))
        if self.weights == "imagenet" and self.model == "notebook-cnn":
            raise OptionError("--weights imagenet: notebook-cnn has no pretrained weights (use --weights none)")
        check_range("epochs", self.epochs, 1)
        if self.time_budget_min is not None and not self.time_budget_min > 0:
            raise OptionError(f"--time-budget must be above 0 minutes, got {self.time_budget_min:g}")
        check_range("image_size", self.image_size, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE)
        check_range("batch_size", self.batch_size, 1)
        check_range("lr", self.lr, 0.0, 1.0, low_open=True)
        check_range("seed", self.seed, 0)
        check_range("fold", self.fold, 0)
        check_range("min_per_class", self.min_per_class, 1)
        check_device(self.device)


@dataclass(frozen=True)
class EvalOptions:
    """`classify eval`: which images to evaluate and how many mistakes to show."""

    split: EvalSplit = "auto"
    n_mistakes: int = 16

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("n_mistakes", self.n_mistakes, 0, 256)


@dataclass(frozen=True)
class ReviewOptions:
    """`classify review`: near-duplicate threshold and the length of the HTML page."""

    max_distance: int = 6  # largest pHash Hamming distance (of 64 bits) for a near-duplicate
    html_rows: int = 200

    def __post_init__(self) -> None:
        check_range("max_distance", self.max_distance, 0, HASH_BITS)
        check_range("html_rows", self.html_rows, 1)


@dataclass(frozen=True)
class CleanOptions:
    """`classify clean` has no settings: the decisions file says everything."""


@dataclass(frozen=True)
class PredictOptions:
    """`classify predict`: labels per image."""

    top_k: int = 3

    def __post_init__(self) -> None:
        check_range("top_k", self.top_k, 1)


@dataclass(frozen=True)
class ExportOptions:
    """`classify export`: the ONNX opset."""

    opset: int = 17

    def __post_init__(self) -> None:
        check_range("opset", self.opset, MIN_OPSET, MAX_OPSET)
