"""Boards rendered by a known camera: the images a calibration must explain, for tests and benchmarks.

The board texture is warped into the image by the plane homography K [r1 r2 t] at 3x the image resolution
and averaged down (anti-aliased edges, as a real sensor integrates light), then pixel noise is added.
Lens distortion is not rendered (the camera is an ideal pinhole), so a calibration should find ~0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.calib.boards import Board
from sportlens.camera import Camera, matrix_to_rodrigues

SUPERSAMPLE = 3


def render_board(board: Board, camera: Camera, rvec, tvec, noise_px: float = 0.0, seed: int = 0,
                 background: int = 128) -> np.ndarray:
    """A grey uint8 image (height, width) of the board posed by rvec/tvec (board frame -> camera, m) as the
    camera sees it; noise_px: standard deviation of Gaussian pixel noise in grey levels."""
    import cv2

    texture, to_board = board.texture()
    rot = cv2.Rodrigues(np.asarray(rvec, dtype=float))[0]
    plane = camera.matrix @ np.column_stack([rot[:, 0], rot[:, 1], np.asarray(tvec, dtype=float)])
    s = SUPERSAMPLE
    up = np.array([[s, 0, (s - 1) / 2], [0, s, (s - 1) / 2], [0, 0, 1]])  # low-res pixel centre i -> s*i + (s-1)/2
    h = up @ plane @ to_board
    w_img, h_img = camera.size
    big = cv2.warpPerspective(texture.astype(np.float32) + 1.0, h, (w_img * s, h_img * s), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    big = np.where(big > 0, big - 1.0, float(background))  # outside the texture: the background
    image = cv2.resize(big, (w_img, h_img), interpolation=cv2.INTER_AREA)
    if noise_px > 0:
        image = image + np.random.default_rng(seed).normal(0.0, noise_px, image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def board_poses(board: Board, camera: Camera, n: int = 12, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """n varied board poses (rvec, tvec) that keep the whole board in view: tilted up to ~35 degrees about
    both axes, at different distances and places in the image (what a person waving a board does)."""
    rng = np.random.default_rng(seed)
    c, r = board.corner_grid
    extent = np.array([(c + 1) * board.square_m, (r + 1) * board.square_m])
    fx = camera.matrix[0, 0]
    w, h = camera.size
    poses = []
    while len(poses) < n:
        tilt = np.radians(rng.uniform(-35, 35, 2))
        spin = np.radians(rng.uniform(-20, 20))
        rot = _rotation_xyz(tilt[0], tilt[1], spin)
        # distance so the board spans 35-70 % of the image width
        span = rng.uniform(0.35, 0.7)
        z = fx * extent[0] / (span * w)
        centre_px = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h])
        centre_cam = np.array([(centre_px[0] - camera.matrix[0, 2]) / fx * z,
                               (centre_px[1] - camera.matrix[1, 2]) / camera.matrix[1, 1] * z, z])
        middle = np.array([(c - 1) * board.square_m / 2, (r - 1) * board.square_m / 2, 0.0])
        tvec = centre_cam - rot @ middle
        corners = np.array([[-1, -1, 0], [c, -1, 0], [c, r, 0], [-1, r, 0]], float) * board.square_m
        px = camera.replace(rotation=matrix_to_rodrigues(rot), translation=tvec).project(corners, distort=False)
        margin = 0.03 * w
        if np.isfinite(px).all() and px[:, 0].min() > margin and px[:, 0].max() < w - margin \
                and px[:, 1].min() > margin and px[:, 1].max() < h - margin:
            poses.append((matrix_to_rodrigues(rot), tvec))
    return poses


def _rotation_xyz(ax: float, ay: float, az: float) -> np.ndarray:
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def write_board_images(folder: str | Path, board: Board, camera: Camera, n: int = 12, noise_px: float = 2.0,
                       seed: int = 0, blank: int = 0) -> list[Path]:
    """Write n rendered board views (and `blank` images without a board) as PNG files; their paths."""
    import cv2

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (rvec, tvec) in enumerate(board_poses(board, camera, n, seed)):
        path = folder / f"view_{i:02d}.png"
        cv2.imwrite(str(path), render_board(board, camera, rvec, tvec, noise_px, seed + i))
        paths.append(path)
    for j in range(blank):
        path = folder / f"blank_{j:02d}.png"
        rng = np.random.default_rng(seed + 1000 + j)
        cv2.imwrite(str(path), rng.integers(100, 156, (camera.size[1], camera.size[0]), dtype=np.uint8))
        paths.append(path)
    return paths
