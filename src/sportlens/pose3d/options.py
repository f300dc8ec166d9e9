"""Options of `sportlens pose3d`: a frozen dataclass that validates itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range

KeypointSet = Literal["auto", "body_25", "body_25b", "coco_17", "halpe_26", "blazepose_33"]
SyncMode = Literal["none", "speed", "reprojection"]
Filter = Literal["butterworth", "none"]
UpAxis = Literal["z", "y"]


@dataclass(frozen=True)
class Pose3dOptions:
    """Settings of one pose3d run (recorded in summary.json); defaults follow Pose2Sim's demo configuration."""

    keypoint_set: KeypointSet = "auto"  # how to name the points of a JSON folder (auto: by their number)
    keypoints: tuple[str, ...] = ()  # triangulate only these keypoints (empty: all)
    cameras: tuple[str, ...] = ()  # the calibration camera of each folder (default: matched by number, then order)
    min_confidence: float = 0.3  # 2D points below this confidence are not used
    max_error_px: float = 15.0  # a point's mean reprojection error must stay at most this (cameras are dropped)
    min_cameras: int = 2
    association_error_px: float = 20.0  # choosing the athlete: the most cameras whose median error stays within this
    undistort: bool = True  # remove the lens distortion before triangulating
    fps: float | None = None  # frame rate (JSON folders have none; pose outputs carry theirs)
    offsets: tuple[int, ...] = ()  # frames each camera started after the first (sync by hand)
    # speed: offsets from the cross-correlation of sync_keypoint's image speed; reprojection: the lag at which the
    # other cameras' 3D keypoints reproject best onto each camera (uses the calibration; needs some movement)
    sync: SyncMode = "none"
    sync_keypoint: str = "right_wrist"
    max_offset_frames: int = 60
    max_people: int = 4  # candidates per camera and frame considered when choosing the athlete
    max_gap_frames: int = 10  # gaps up to this many frames are interpolated, longer stay empty
    filter: Filter = "butterworth"
    cutoff_hz: float = 6.0
    filter_order: int = 4
    up_axis: UpAxis = "z"  # the world's up axis (a floor board or a lab: z); the TRC is written Y-up for OpenSim
    plot: bool = True
    animation: bool = False  # skeleton3d.mp4 (a few seconds of matplotlib per 100 frames)

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("min_confidence", self.min_confidence, 0.0, 1.0)
        check_range("max_error_px", self.max_error_px, 0.0, low_open=True)
        check_range("min_cameras", self.min_cameras, 2, 64)
        check_range("association_error_px", self.association_error_px, 0.0, low_open=True)
        check_range("fps", self.fps, 0.0, 10000.0, low_open=True)
        check_range("max_offset_frames", self.max_offset_frames, 1, 100000)
        check_range("max_people", self.max_people, 1, 20)
        check_range("max_gap_frames", self.max_gap_frames, 0)
        check_range("cutoff_hz", self.cutoff_hz, 0.0, low_open=True)
        check_range("filter_order", self.filter_order, 1, 8)
        if self.offsets and self.sync != "none":
            raise OptionError(f"--offsets and --sync {self.sync} exclude each other: give offsets or let them be found")
        if len(set(self.cameras)) != len(self.cameras):
            raise OptionError("--cameras: each folder needs its own camera")
