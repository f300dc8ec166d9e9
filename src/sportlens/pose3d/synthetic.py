"""A moving body seen by known cameras: 3D keypoints with a known answer, their projections and the per-camera
folders (OpenPose JSON or keypoints.csv) that `sportlens pose3d` reads; for tests and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.camera import Camera, matrix_to_rodrigues
from sportlens.pose.keypoints import COCO_17

# a standing person (m, z up, facing -y): COCO-17 keypoints
STANDING_M = np.array([
    [0.0, -0.08, 1.62], [-0.03, -0.06, 1.66], [0.03, -0.06, 1.66], [-0.07, 0.0, 1.64], [0.07, 0.0, 1.64],
    [-0.18, 0.0, 1.42], [0.18, 0.0, 1.42], [-0.22, 0.0, 1.14], [0.22, 0.0, 1.14], [-0.24, -0.05, 0.88],
    [0.24, -0.05, 0.88], [-0.1, 0.0, 0.95], [0.1, 0.0, 0.95], [-0.11, -0.02, 0.5], [0.11, -0.02, 0.5],
    [-0.11, 0.02, 0.08], [0.11, 0.02, 0.08],
])  # fmt: skip


def moving_body(n_frames: int = 90, fps: float = 30.0, seed: int = 0) -> np.ndarray:
    """(n_frames, 17, 3) keypoints (m): the body sways and walks slowly while the wrists wave at irregular
    speeds (so their speed curve is distinctive enough to sync cameras by)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / fps
    body = STANDING_M[None].repeat(n_frames, axis=0)
    body[..., 0] += 0.3 * np.sin(2 * np.pi * 0.25 * t)[:, None]
    body[..., 1] += 0.2 * t[:, None]
    kicks = np.cumsum(rng.normal(0, 1, (n_frames, 2, 3)), axis=0)
    kicks -= np.linspace(0, 1, n_frames)[:, None, None] * kicks[-1]  # a random walk that ends where it began
    body[:, 9:11] += 0.25 * kicks / (np.abs(kicks).max() + 1e-9)
    return body


def ring_cameras(n: int = 4, radius_m: float = 4.0, height_m: float = 1.8, size=(960, 720), f_px: float = 900.0,
                 distortions=(0.0, 0.0, 0.0, 0.0)) -> list[Camera]:
    """n cameras on a circle around the origin at a given height, each looking at (0, 0, 1) m."""
    cams = []
    for i in range(n):
        angle = 2 * np.pi * i / n + 0.3
        centre = np.array([radius_m * np.cos(angle), radius_m * np.sin(angle), height_m])
        z = np.array([0.0, 0.0, 1.0]) - centre
        z /= np.linalg.norm(z)
        x = np.cross(z, [0.0, 0.0, 1.0])
        x /= np.linalg.norm(x)
        rot = np.vstack([x, np.cross(z, x), z])
        k = [[f_px, 0, size[0] / 2], [0, f_px, size[1] / 2], [0, 0, 1]]
        cams.append(Camera(f"cam_{i + 1:02d}", size, k, distortions, matrix_to_rodrigues(rot), -rot @ centre))
    return cams


def observe(cameras: list[Camera], points_m: np.ndarray, noise_px: float = 0.0, seed: int = 0) -> np.ndarray:
    """(C, N, K, 3) x_px, y_px, confidence (1) of each camera, with Gaussian pixel noise."""
    rng = np.random.default_rng(seed)
    out = []
    for cam in cameras:
        px = cam.project(points_m.reshape(-1, 3)).reshape(*points_m.shape[:-1], 2)
        px = px + rng.normal(0.0, noise_px, px.shape) if noise_px else px
        out.append(np.concatenate([px, np.ones((*px.shape[:-1], 1))], axis=-1))
    return np.stack(out)


def write_openpose_folder(folder: str | Path, people_per_frame: list[list[np.ndarray]]) -> Path:
    """One OpenPose JSON file per frame; each person (K, 3) x, y, confidence (NaN written as 0, 0, 0)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, people in enumerate(people_per_frame):
        doc = {"version": 1.3, "people": [
            {"person_id": [-1], "pose_keypoints_2d": np.nan_to_num(p).round(4).ravel().tolist()} for p in people]}
        (folder / f"frame.{i:04d}.json").write_text(json.dumps(doc))
    return folder


def write_keypoints_csv_folder(folder: str | Path, keypoints: np.ndarray, fps: float,
                               names: tuple[str, ...] = COCO_17) -> Path:
    """A folder with keypoints.csv in `sportlens pose`'s layout for one person: keypoints (N, K, 3)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n, k = keypoints.shape[:2]
    pd.DataFrame({"frame": np.repeat(np.arange(n), k), "time_s": np.repeat(np.arange(n) / fps, k), "person_id": 0,
                  "keypoint": np.tile(names, n), "x_px": keypoints[..., 0].ravel(), "y_px": keypoints[..., 1].ravel(),
                  "visibility": keypoints[..., 2].ravel()}).to_csv(folder / "keypoints.csv", index=False)
    return folder
