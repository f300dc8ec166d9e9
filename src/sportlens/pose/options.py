"""Options of `sportlens pose`: one frozen dataclass that validates itself (the CLI, a TOML file and the
service all build it), with the fixed choices as Literal types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range

FolderMode = Literal["auto", "photos", "sequence"]
FilterType = Literal["butterworth", "gaussian", "none"]
PoseModel = Literal["full"]
FORMATS = ("csv", "coco", "openpose", "trc", "mot")
MIN_POSE_SIDE = 96  # BlazePose's detector works at 224 px; below ~96 px a person is a few pixels tall
MAX_PEOPLE = 10  # --people all: up to this many people per frame (each costs one landmark pass)


@dataclass(frozen=True)
class PoseOptions:
    """Settings of one pose run (all recorded in summary.json; `sportlens pose --config FILE.toml` sets any)."""

    model: PoseModel = "full"
    min_visibility: float = 0.5  # keypoints below this are treated as missing before interpolation
    max_gap_frames: int = 10  # interior gaps up to this many frames are interpolated, longer stay empty
    filter: FilterType = "butterworth"  # zero-lag low-pass of the keypoint tracks ("none" keeps them raw)
    cutoff_hz: float = 6.0  # Butterworth cut-off
    filter_order: int = 4
    gaussian_sigma_s: float = 0.05  # Gaussian smoothing width (seconds) when filter = "gaussian"
    pose_max_side: int | None = 640  # frames are shrunk to this for BlazePose (it works at 256 px inside)
    fps: float | None = None  # frame rate of an image sequence (videos carry their own)
    folder_mode: FolderMode = "auto"  # a folder: photos, a frame sequence, or auto (numbered names + --fps = sequence)
    start_s: float | None = None  # analyse from this time (seconds) ...
    end_s: float | None = None  # ... up to this time
    angles: tuple[str, ...] = ()  # angle names to compute (empty: all); see docs/angles.md
    person_height_m: float | None = None  # the athlete's height: scales pixels to metres (speeds, trajectories)
    workers: int = 2  # segments of a video tracked in parallel threads (1 = one tracker, frame by frame)
    min_segment_frames: int = 150  # a video is split only into segments at least this long (5 s at 30 fps)
    annotated_video: bool = True
    plot: bool = True
    people: int | str | None = None  # None: one athlete (BlazePose tracking); "all" or N: several, with person ids
    max_occlusion_frames: int = 30  # --people: a person unseen this many frames keeps their id when back
    formats: tuple[str, ...] = field(default=FORMATS)

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("min_visibility", self.min_visibility, 0.0, 1.0)
        check_range("max_gap_frames", self.max_gap_frames, 0)
        check_range("cutoff_hz", self.cutoff_hz, 0.0, low_open=True)
        check_range("filter_order", self.filter_order, 1, 8)
        check_range("gaussian_sigma_s", self.gaussian_sigma_s, 0.0, 1.0, low_open=True)
        check_range("pose_max_side", self.pose_max_side, MIN_POSE_SIDE)
        check_range("fps", self.fps, 0.0, 1000.0, low_open=True)
        check_range("start_s", self.start_s, 0.0)
        check_range("end_s", self.end_s, 0.0, low_open=True)
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise OptionError(f"--end ({self.end_s:g} s) must be after --start ({self.start_s:g} s)")
        check_range("person_height_m", self.person_height_m, 0.5, 2.6)
        check_range("workers", self.workers, 1, 16)
        check_range("min_segment_frames", self.min_segment_frames, 10)
        check_range("max_occlusion_frames", self.max_occlusion_frames, 0, 1000)
        if self.people is not None and self.people != "all":
            count = self.people
            if isinstance(count, str) and count.strip().isdigit():
                count = int(count)
                object.__setattr__(self, "people", count)
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PEOPLE:
                raise OptionError(f"--people must be 'all' or a number from 1 to {MAX_PEOPLE}, got {self.people!r}")
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise OptionError(f"--formats: unknown {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
        if self.angles:
            from sportlens.pose.angles import ANGLE_NAMES

            bad = [a for a in self.angles if a not in ANGLE_NAMES]
            if bad:
                raise OptionError(f"--angles: unknown {', '.join(bad)}; choose from {', '.join(ANGLE_NAMES)}")

    @property
    def smoothing(self) -> bool:
        return self.filter != "none"

    @property
    def max_people(self) -> int | None:
        """People looked for per frame with --people (None: the single-athlete path)."""
        if self.people is None:
            return None
        return MAX_PEOPLE if self.people == "all" else int(self.people)
