"""Options of `sportlens posecls ...`, validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import check_literals, check_range

Classifier = Literal["random-forest"]


@dataclass(frozen=True)
class KeypointOptions:
    """How keypoints are found on each photo (BlazePose, static mode)."""

    max_side: int = 640  # photos are shrunk to this long side (px) before pose estimation

    def __post_init__(self) -> None:
        check_range("max_side", self.max_side, 64, 4096)


@dataclass(frozen=True)
class TrainOptions(KeypointOptions):
    classifier: Classifier = "random-forest"
    n_trees: int = 500
    seed: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_literals(self)
        check_range("n_trees", self.n_trees, 1, 10_000)


@dataclass(frozen=True)
class EvalOptions(KeypointOptions):
    mistakes: int = 10  # the most confident mistakes listed

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("mistakes", self.mistakes, 0, 1000)


@dataclass(frozen=True)
class PredictOptions(KeypointOptions):
    top_k: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("top_k", self.top_k, 1, 100)
