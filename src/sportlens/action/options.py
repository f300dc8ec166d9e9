"""Options of `sportlens action ...` (skeleton models in this slice), validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range

ActionModel = Literal["skeleton-tcn", "skeleton-tcn-small", "rgb-3dcnn", "flow-3dcnn", "flow-3dcnn-att",
                      "twin-rgb-flow", "twin-rgb-flow-att", "twin-pose", "r3d-18", "mc3-18", "r2plus1d-18"]
EvalSplit = Literal["auto", "train", "test", "all"]
SegmentUnit = Literal["frames", "seconds"]


@dataclass(frozen=True)
class TrainOptions:
    """Training a skeleton model; the split comes from the data (Penn Action's own) or is drawn (seeded)."""

    model: ActionModel = "skeleton-tcn"
    frames: int = 64  # every clip is resampled to this many time steps (skeleton models)
    video_frames: int = 16  # frames per clip of the video models
    size: int = 64  # side of the video models' square crops (pixels)
    flip: bool = True  # video models: horizontal flip augmentation and mirrored test-time average (off when
    # left and right are different classes)
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
        check_range("video_frames", self.video_frames, 4, 128)
        check_range("size", self.size, 16, 256)
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


@dataclass(frozen=True)
class DetectOptions:
    """Detection in a long video (see sportlens.action.detect): the model run, windows, and the rules that turn
    per-frame scores into segments; truth: a segments file to score the detection against."""

    model: str = ""  # run folder written by `action train` (or its best.pt)
    pose: str | None = None  # keypoints.csv or pose output folder of this video (skips BlazePose)
    truth: str | None = None  # video,start,end,label CSV: adds mAP@0.5 and mean IoU to the metrics
    unit: SegmentUnit = "frames"  # of the truth file's start/end
    window_s: float | None = None  # default: the model's median training clip (2 s when not recorded)
    stride_s: float = 0.2
    min_score: float = 0.4
    min_activity: float = 0.3  # torso lengths per second: below it the athlete is still (background)
    activity_s: float = 0.5
    min_length_s: float = 0.5
    max_gap_s: float = 0.3
    video: bool = True

    def __post_init__(self) -> None:
        check_literals(self)
        if not self.model:
            raise OptionError("--model is required: a run folder written by `sportlens action train`")
        check_range("window_s", self.window_s, 0.1, 60.0)
        check_range("stride_s", self.stride_s, 0.0, 10.0, low_open=True)
        check_range("min_score", self.min_score, 0.0, 1.0)
        check_range("min_activity", self.min_activity, 0.0)
        check_range("activity_s", self.activity_s, 0.0, 10.0, low_open=True)
        check_range("min_length_s", self.min_length_s, 0.0)
        check_range("max_gap_s", self.max_gap_s, 0.0)
