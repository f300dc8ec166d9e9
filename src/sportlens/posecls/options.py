"""Options of `sportlens posecls ...`, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import check_literals, check_range

Classifier = Literal["random-forest"]


@dataclass(frozen=True)
class KeypointOptions:
    """How keypoints are found on each photo or clip (BlazePose, static mode)."""

    max_side: int = 640  # photos and frames are shrunk to this long side (px) before pose estimation
    frames_per_clip: int = 8  # training/eval clips: this many frames spread evenly over each clip
    retry: bool = True  # photos without a person: a second pass (lower threshold, padded, flipped)

    def __post_init__(self) -> None:
        check_range("max_side", self.max_side, 64, 4096)
        check_range("frames_per_clip", self.frames_per_clip, 1, 1000)


@dataclass(frozen=True)
class TrainOptions(KeypointOptions):
    classifier: Classifier = "random-forest"
    n_trees: int = 500
    seed: int = 0
    cv_folds: int = 5  # grouped cross-validation before the final fit (photos and clips never split); 0: none

    def __post_init__(self) -> None:
        super().__post_init__()
        check_literals(self)
        check_range("n_trees", self.n_trees, 1, 10_000)
        if self.cv_folds != 0:
            check_range("cv_folds", self.cv_folds, 2, 100)


@dataclass(frozen=True)
class EvalOptions(KeypointOptions):
    mistakes: int = 10  # the most confident mistakes listed

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("mistakes", self.mistakes, 0, 1000)


@dataclass(frozen=True)
class PredictOptions(KeypointOptions):
    top_k: int = 3
    step: int = 1  # videos: classify every step-th frame
    smooth_s: float = 0.5  # videos: majority vote of the per-frame labels over a centred window this long; 0: none

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("top_k", self.top_k, 1, 100)
        check_range("step", self.step, 1, 1000)
        check_range("smooth_s", self.smooth_s, 0.0, 60.0)
