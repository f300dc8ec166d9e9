"""Options of `sportlens segment`: a frozen dataclass that validates itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import check_literals, check_range

SegmentModel = Literal["general", "landscape"]


@dataclass(frozen=True)
class SegmentOptions:
    """Settings of one segmentation run (recorded in summary.json)."""

    model: SegmentModel = "general"  # MediaPipe selfie segmentation: general (256x256) or landscape (144x256)
    threshold: float = 0.5  # a pixel belongs to the athlete when the model's probability is at least this
    max_side: int | None = 640  # frames are shrunk to this longer side for the model; outputs keep full size
    min_area_share: float = 0.005  # a mask smaller than this share of the frame counts as no athlete
    mask_video: bool = True
    cutout_video: bool = True
    plot: bool = True

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("threshold", self.threshold, 0.0, 1.0, low_open=True, high_open=True)
        check_range("max_side", self.max_side, 64, 4096)
        check_range("min_area_share", self.min_area_share, 0.0, 1.0)
