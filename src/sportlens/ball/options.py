"""Options of `sportlens ball track` and `sportlens ball eval`: frozen dataclasses that validate themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import check_literals, check_range

BallModel = Literal["classic"]  # the neural models join this list when they ship


@dataclass(frozen=True)
class TrackOptions:
    """Settings of one `ball track` run (recorded in summary.json)."""

    model: BallModel = "classic"
    max_gap_frames: int = 5  # gaps up to this many frames are filled along the fitted trajectory
    max_jump: float = 0.08  # a point this far (/ frame width per frame) from both neighbours is dropped
    trail_frames: int = 12  # length of the fading trail in annotated.mp4
    annotated_video: bool = True
    plot: bool = True

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("max_gap_frames", self.max_gap_frames, 0, 60)
        check_range("max_jump", self.max_jump, 0.0, 1.0, low_open=True)
        check_range("trail_frames", self.trail_frames, 0, 120)


@dataclass(frozen=True)
class EvalOptions:
    """Settings of one `ball eval` run."""

    model: BallModel = "classic"
    tolerance_px: float = 4.0  # TP radius in a 512x288 frame (TrackNetV3's convention)
    max_gap_frames: int = 5
    max_jump: float = 0.08
    fps: float = 30.0  # frame rate of image-folder layouts (TrackNet, tracking task), which store none

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("tolerance_px", self.tolerance_px, 0.0, 288.0, low_open=True)
        check_range("max_gap_frames", self.max_gap_frames, 0, 60)
        check_range("max_jump", self.max_jump, 0.0, 1.0, low_open=True)
        check_range("fps", self.fps, 0.0, 1000.0, low_open=True)
