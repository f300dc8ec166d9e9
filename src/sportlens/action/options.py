"""Options of `sportlens action ...` (skeleton models in this slice), validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range

ActionModel = Literal["skeleton-tcn", "skeleton-tcn-small"]
EvalSplit = Literal["auto", "train", "test", "all"]


@dataclass(frozen=True)
class TrainOptions:
    """Training a skeleton model; the split comes from the data (Penn Action's own) or is drawn (seeded)."""

    model: ActionModel = "skeleton-tcn"
    frames: int = 64  # every clip is resampled to this many time steps
    epochs: int = 80
    time_budget_min: float | None = None
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 0.01
    val_fraction: float = 0.1  # of the training clips, stratified, for choosing the best epoch
    seed: int = 0
    threads: int | None = None  # torch threads (default: torch's)
    resume: bool = False

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("frames", self.frames, 8, 512)
        check_range("epochs", self.epochs, 1)
        check_range("time_budget_min", self.time_budget_min, 0.0, low_open=True)
        check_range("batch_size", self.batch_size, 2)
        check_range("lr", self.lr, 0.0, 1.0, low_open=True)
        check_range("weight_decay", self.weight_decay, 0.0)
        check_range("val_fraction", self.val_fraction, 0.0, 0.5, low_open=True)
        check_range("threads", self.threads, 1, 64)


@dataclass(frozen=True)
class EvalOptions:
    split: EvalSplit = "auto"  # auto: the data's test split when it has one, else every clip

    def __post_init__(self) -> None:
        check_literals(self)


@dataclass(frozen=True)
class PredictOptions:
    top_k: int = 3

    def __post_init__(self) -> None:
        check_range("top_k", self.top_k, 1)
        if self.top_k > 100:
            raise OptionError(f"--top-k must be at most 100, got {self.top_k}")
