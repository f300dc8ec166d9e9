"""Options of `sportlens detect` and `sportlens detect train`: frozen dataclasses that validate themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range

DetectModel = Literal["fasterrcnn-mobilenet", "ssdlite"]
# COCO's people and sport gear: what `detect` keeps unless --classes says otherwise
SPORT_CLASSES = (
    "person", "bicycle", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
    "skateboard", "surfboard", "tennis racket",
)  # fmt: skip


@dataclass(frozen=True)
class DetectOptions:
    """Settings of one detection run (recorded in summary.json)."""

    model: DetectModel = "fasterrcnn-mobilenet"
    weights: str | None = None  # a `detect train` checkpoint or torchvision COCO weights; default: the torch cache
    min_score: float = 0.5  # detections below this score are dropped
    classes: tuple[str, ...] = ()  # class names kept (empty: people and sport gear; ("all",): every class)
    image_size: int | None = None  # shorter side the detector resizes to (None: the model's own, 800 / 320)
    every: int = 1  # detect on every n-th frame of a video
    annotated_video: bool = True

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("min_score", self.min_score, 0.0, 1.0)
        check_range("image_size", self.image_size, 64, 2048)
        check_range("every", self.every, 1, 1000)


@dataclass(frozen=True)
class DetectTrainOptions:
    """Settings of `sportlens detect train` (recorded in summary.json and the model card)."""

    model: DetectModel = "fasterrcnn-mobilenet"
    weights: str | None = None  # start from these weights (COCO or a checkpoint); None: from scratch
    epochs: int = 10
    steps_per_epoch: int | None = None  # batches per epoch (None: one pass over the training images)
    batch_size: int = 4
    lr: float = 1e-3
    image_size: int = 320  # images are resized (aspect kept, padded) to this square for training
    val_fraction: float = 0.2  # images held out to pick the best epoch (mAP@0.5)
    seed: int = 0
    patience: int | None = None  # stop after this many epochs without a better validation mAP

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("epochs", self.epochs, 1, 10_000)
        check_range("steps_per_epoch", self.steps_per_epoch, 1)
        check_range("batch_size", self.batch_size, 1, 256)
        check_range("lr", self.lr, 0.0, 1.0, low_open=True)
        check_range("image_size", self.image_size, 64, 2048)
        check_range("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True)
        check_range("patience", self.patience, 1)
        if self.image_size % 32:
            raise OptionError(f"--image-size must be a multiple of 32, got {self.image_size}")
