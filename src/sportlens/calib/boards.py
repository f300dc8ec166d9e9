"""Calibration boards: a checkerboard (its inner corners) or a ChArUco board, their 3D corner points in the
board's own frame (metres, z = 0) and their detection in an image.

Checkerboard "9x6" means 9 x 6 inner corners (OpenCV's pattern size); the origin is the first inner corner
found, x along a row. ChArUco "5x7" means 5 x 7 squares; the origin is the board's outer corner (OpenCV's
convention) and corners are identified by their ArUco markers, so a partly hidden board still counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_CHARUCO_CORNERS = 6  # fewer identified corners give no stable pose (and OpenCV refuses them)


@dataclass(frozen=True)
class Detection:
    """Board corners found in one image: image_px (n, 2) and the same corners on the board, object_m (n, 3)."""

    image_px: np.ndarray
    object_m: np.ndarray


@dataclass(frozen=True)
class Board:
    """A calibration board; columns x rows are inner corners (checkerboard) or squares (ChArUco)."""

    kind: str
    columns: int
    rows: int
    square_m: float
    marker_m: float | None = None
    dictionary: str = "DICT_4X4_50"

    @property
    def corner_grid(self) -> tuple[int, int]:
        """(columns, rows) of the inner corners."""
        if self.kind == "charuco":
            return self.columns - 1, self.rows - 1
        return self.columns, self.rows

    @property
    def n_corners(self) -> int:
        c, r = self.corner_grid
        return c * r

    def object_points(self) -> np.ndarray:
        """(n, 3) the inner corners in the board frame (m), in the order the detector reports them."""
        if self.kind == "charuco":
            return np.asarray(self.charuco().getChessboardCorners(), dtype=float).reshape(-1, 3)
        c, r = self.corner_grid
        grid = np.mgrid[0:c, 0:r].T.reshape(-1, 2) * self.square_m
        return np.column_stack([grid, np.zeros(len(grid))])

    def charuco(self):
        import cv2

        dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, self.dictionary))
        marker = self.marker_m if self.marker_m is not None else 0.75 * self.square_m
        return cv2.aruco.CharucoBoard((self.columns, self.rows), self.square_m, marker, dictionary)

    def detect(self, gray: np.ndarray) -> Detection | None:
        """The board's corners in a grey uint8 image (sub-pixel), or None when the board is not found."""
        if self.kind == "charuco":
            return _detect_charuco(self, gray)
        return _detect_checkerboard(self, gray)

    def texture(self, px_per_square: int = 64, margin_squares: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """A printable image of the board (grey uint8, white margin) and the 3x3 map from its pixel
        coordinates (pixel centres at integers) to the board frame (x, y m); used to render boards."""
        import cv2

        cols_sq, rows_sq = (self.columns, self.rows) if self.kind == "charuco" else (self.columns + 1, self.rows + 1)
        margin = int(round(margin_squares * px_per_square))
        w, h = cols_sq * px_per_square, rows_sq * px_per_square
        if self.kind == "charuco":
            board = self.charuco().generateImage((w, h), marginSize=0, borderBits=1)
            origin = np.zeros(2)  # the outer corner
        else:
            yy, xx = np.mgrid[0:h, 0:w] // px_per_square
            board = np.where((xx + yy) % 2 == 0, 0, 255).astype(np.uint8)
            origin = np.array([-self.square_m, -self.square_m])  # the first inner corner is one square in
        image = cv2.copyMakeBorder(board, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
        scale = self.square_m / px_per_square
        # pixel u covers [u - 0.5, u + 0.5]: the board's outer edge lies at u = margin - 0.5
        to_board = np.array([[scale, 0, origin[0] - (margin - 0.5) * scale],
                             [0, scale, origin[1] - (margin - 0.5) * scale], [0, 0, 1]])
        return image, to_board


def _detect_checkerboard(board: Board, gray: np.ndarray) -> Detection | None:
    import cv2

    # the sector-based detector: sub-pixel corners, robust to blur, and it gives up fast on a board of another
    # size (the classic detector with adaptive thresholds can take seconds per image there)
    found, corners = cv2.findChessboardCornersSB(gray, board.corner_grid)
    if not found:
        return None
    corners = _first_corner_at_black(gray, np.asarray(corners, dtype=float).reshape(-1, 2), board.corner_grid)
    return Detection(corners, board.object_points())


def _first_corner_at_black(gray: np.ndarray, corners: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """The corners ordered so that the square diagonally outside the first one is black (the detector may
    start from either end; on a board with one odd and one even count this fixes the origin, which
    extrinsics need). A board symmetric under a half turn (both counts odd or both even) stays as found."""
    cols, rows = grid
    grid_pts = corners.reshape(rows, cols, 2)
    step_x, step_y = grid_pts[0, 1] - grid_pts[0, 0], grid_pts[1, 0] - grid_pts[0, 0]
    outside = grid_pts[0, 0] - 0.5 * (step_x + step_y)
    beside = grid_pts[0, 0] + 0.5 * (step_x - step_y)  # the square next to it (the other colour)

    def grey(p):
        x, y = int(round(p[0])), int(round(p[1]))
        h, w = gray.shape
        return float(gray[min(max(y, 0), h - 1), min(max(x, 0), w - 1)])

    if grey(outside) > grey(beside):
        return corners[::-1].copy()
    return corners


def _detect_charuco(board: Board, gray: np.ndarray) -> Detection | None:
    import cv2

    charuco = board.charuco()
    detector = cv2.aruco.CharucoDetector(charuco)
    corners, ids, _, _ = detector.detectBoard(gray)
    if corners is None or ids is None or len(ids) < MIN_CHARUCO_CORNERS:
        return None
    all_points = np.asarray(charuco.getChessboardCorners(), dtype=float).reshape(-1, 3)
    return Detection(np.asarray(corners, dtype=float).reshape(-1, 2), all_points[np.asarray(ids).ravel()])


def parse_board(text: str) -> tuple[int, int]:
    """'9x6' -> (9, 6); ValueError otherwise."""
    parts = str(text).lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"board size must look like 9x6, got {text!r}")
    return int(parts[0]), int(parts[1])
