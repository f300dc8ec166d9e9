"""Options of `sportlens calibrate intrinsics|extrinsics|plane`: frozen dataclasses that validate themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sportlens.options import OptionError, check_literals, check_range, flag

BoardKind = Literal["checkerboard", "charuco"]
ARUCO_DICTIONARIES = ("DICT_4X4_50", "DICT_4X4_100", "DICT_4X4_250", "DICT_5X5_50", "DICT_5X5_100", "DICT_5X5_250",
                      "DICT_6X6_50", "DICT_6X6_250", "DICT_7X7_50", "DICT_ARUCO_ORIGINAL")


def _board_size(text: str) -> tuple[int, int]:
    from sportlens.calib.boards import parse_board

    try:
        return parse_board(text)
    except ValueError as exc:
        raise OptionError(f"--board: {exc} (columns x rows)") from None


@dataclass(frozen=True)
class BoardOptions:
    """The board: checkerboard inner corners (9x6) or ChArUco squares (5x7), its square and marker size."""

    board: str = "9x6"  # checkerboard: inner corners; charuco: squares
    board_type: BoardKind = "checkerboard"
    square_mm: float = 25.0
    marker_mm: float | None = None  # ChArUco marker side (default 0.75 x square)
    dictionary: str = "DICT_4X4_50"  # ChArUco's ArUco dictionary

    def __post_init__(self) -> None:
        check_literals(self)
        cols, rows = _board_size(self.board)
        least = 3 if self.board_type == "charuco" else 2
        if cols < least or rows < least:
            raise OptionError(f"--board {self.board}: a {self.board_type} needs at least {least}x{least} "
                              f"{'squares' if self.board_type == 'charuco' else 'inner corners'}")
        check_range("square_mm", self.square_mm, 0.0, 5000.0, low_open=True)
        check_range("marker_mm", self.marker_mm, 0.0, self.square_mm, low_open=True, high_open=True)
        if self.dictionary not in ARUCO_DICTIONARIES:
            raise OptionError(f"--dictionary must be one of {', '.join(ARUCO_DICTIONARIES)}, got {self.dictionary!r}")

    def make_board(self):
        from sportlens.calib.boards import Board

        cols, rows = _board_size(self.board)
        marker = None if self.marker_mm is None else self.marker_mm / 1000
        return Board(self.board_type, cols, rows, self.square_mm / 1000, marker, self.dictionary)


def _names(names: tuple[str, ...]) -> None:
    for name in names:
        if not name or any(ch in name for ch in '[]."\n ,'):
            raise OptionError(f"--names: {name!r} cannot name a camera (letters, digits, _ and - only)")
    if len(set(names)) != len(names):
        raise OptionError("--names: each camera needs its own name")


@dataclass(frozen=True)
class IntrinsicsOptions(BoardOptions):
    """Settings of `calibrate intrinsics` (recorded in summary.json)."""

    names: tuple[str, ...] = ()  # camera names, one per input (default cam_01, cam_02 ...)
    max_frames: int = 40  # a video: this many frames, spread evenly, are searched for the board
    min_views: int = 4  # fewer usable views than this is an error (focal length and centre need varied views)
    outlier_factor: float = 3.0  # a view whose RMS exceeds this x the median (and 1 px) is dropped, then refit
    plot: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _names(self.names)
        check_range("max_frames", self.max_frames, 3, 1000)
        check_range("min_views", self.min_views, 3, 1000)
        check_range("outlier_factor", self.outlier_factor, 1.0, low_open=True)


@dataclass(frozen=True)
class ExtrinsicsOptions(BoardOptions):
    """Settings of `calibrate extrinsics`: a board seen by every camera, or known 3D points (points_3d with
    points_2d)."""

    points_3d: str | None = None  # CSV: point,x_m,y_m,z_m
    points_2d: str | None = None  # CSV: camera,point,x_px,y_px
    plot: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.points_3d is None) != (self.points_2d is None):
            raise OptionError("--points-3d and --points-2d go together (world points and where each camera sees them)")


@dataclass(frozen=True)
class PlaneOptions:
    """Settings of `calibrate plane`."""

    court_size: str | None = None  # "W,L" m, badminton or tennis: also write the court corners for `ball track`
    image: str | None = None  # an image of the scene to draw the metre grid on
    grid_m: float = 1.0  # spacing of the drawn metre grid

    def __post_init__(self) -> None:
        check_range("grid_m", self.grid_m, 0.0, low_open=True)
        if self.court_size is not None:
            self.court_dimensions()

    def court_dimensions(self) -> tuple[float, float] | None:
        from sportlens.camera import COURT_SIZES_M

        if self.court_size is None:
            return None
        if self.court_size in COURT_SIZES_M:
            return COURT_SIZES_M[self.court_size]
        parts = self.court_size.split(",")
        try:
            width, length = (float(p) for p in parts)
        except ValueError:
            width = length = -1.0
        if len(parts) != 2 or not (width > 0 and length > 0):
            raise OptionError(f"{flag('court_size')} must be badminton, tennis or WIDTH,LENGTH in metres, "
                              f"got {self.court_size!r}")
        return width, length
