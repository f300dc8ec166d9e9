"""Options of `sportlens reps`: one frozen dataclass that validates itself, with the fixed choices as Literals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range

Exercise = Literal["auto", "squat", "push-up", "pull-up", "dips", "lunge", "sit-up", "jumping-jack", "curl",
                   "lateral-raise", "press", "skiing", "board"]
MIN_POSE_SIDE = 96


@dataclass(frozen=True)
class RepsOptions:
    """Settings of one `reps` run (all recorded in summary.json)."""

    exercise: Exercise = "auto"  # restricts the candidate driving signals (see movement.reps.EXERCISES); auto: all
    min_period_s: float = 0.5  # shortest repetition the period search considers
    max_period_s: float = 8.0  # longest
    min_prominence: float = 0.35  # a turning point counts when at least this x the typical repetition's prominence
    min_range_deg: float = 15.0  # a repetition moves its driving angle at least this far (else: no repetition)
    pose_max_side: int | None = 640  # frames are shrunk to this for BlazePose
    workers: int = 2  # pose: segments of a long video tracked in parallel threads
    start_s: float | None = None  # analyse from this time (seconds) ...
    end_s: float | None = None  # ... up to this time
    annotated_video: bool = True
    plot: bool = True
    mirrored: bool = False  # the video is a mirror image (selfie camera): left/right swapped back for the rules

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("min_period_s", self.min_period_s, 0.1, 30.0)
        check_range("max_period_s", self.max_period_s, 0.2, 60.0)
        if self.max_period_s <= self.min_period_s:
            raise OptionError(f"--max-period ({self.max_period_s:g} s) must be above --min-period "
                              f"({self.min_period_s:g} s)")
        check_range("min_prominence", self.min_prominence, 0.0, 1.0, low_open=True)
        check_range("min_range_deg", self.min_range_deg, 0.0, 180.0)
        check_range("pose_max_side", self.pose_max_side, MIN_POSE_SIDE)
        check_range("workers", self.workers, 1, 16)
        check_range("start_s", self.start_s, 0.0)
        check_range("end_s", self.end_s, 0.0, low_open=True)
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise OptionError(f"--end ({self.end_s:g} s) must be after --start ({self.start_s:g} s)")


# the joint angles compared by default: the limbs and the trunk (tilts of the shoulder/hip line mostly say how
# the camera looks at the athlete)
COMPARE_ANGLES = ("left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow", "left_shoulder",
                  "right_shoulder", "trunk_lean")


@dataclass(frozen=True)
class CompareOptions:
    """Settings of one `compare` run (all recorded in summary.json)."""

    angles: tuple[str, ...] = COMPARE_ANGLES  # angle names (pose's ANGLES) to align; those missing in A or B skipped
    top_k: int = 5  # moments of largest deviation reported
    min_gap_s: float = 0.5  # ... at least this far apart in A
    pose_max_side: int | None = 640  # videos: frames are shrunk to this for BlazePose
    workers: int = 2  # videos: pose segments tracked in parallel threads
    video: bool = True  # compare.mp4: both clips side by side along the alignment
    video_height: int = 360  # height of each clip in compare.mp4 (px)
    plot: bool = True  # compare.png: the aligned angle curves

    def __post_init__(self) -> None:
        from sportlens.pose.angles import ANGLE_NAMES

        if not self.angles:
            raise OptionError("--angles: give at least one angle name")
        bad = [a for a in self.angles if a not in ANGLE_NAMES]
        if bad:
            raise OptionError(f"--angles: unknown {', '.join(bad)}; choose from {', '.join(ANGLE_NAMES)}")
        check_range("top_k", self.top_k, 1, 100)
        check_range("min_gap_s", self.min_gap_s, 0.0, 60.0)
        check_range("pose_max_side", self.pose_max_side, MIN_POSE_SIDE)
        check_range("workers", self.workers, 1, 16)
        check_range("video_height", self.video_height, 64, 2160)
