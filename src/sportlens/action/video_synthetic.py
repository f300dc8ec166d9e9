"""Generated video clips with known motion (a textured square moving right, left, up or down over a still
textured background), with a matching skeleton that moves along with it: for tests and examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.action.synthetic import STAND

DIRECTIONS = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}


def motion_clip(direction: str, rng: np.random.Generator, frames: int = 20, width: int = 128, height: int = 96,
                side: int = 24, speed: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """RGB frames (T, H, W, 3) uint8 of a square moving in `direction`, and joints (T, 13, 2) pixels of a
    small figure drawn on the square's centre."""
    dx, dy = DIRECTIONS[direction]
    background = rng.integers(60, 140, (height // 4, width // 4, 3)).astype(np.uint8).repeat(4, 0).repeat(4, 1)
    texture = rng.integers(150, 255, (side // 4, side // 4, 3)).astype(np.uint8).repeat(4, 0).repeat(4, 1)
    travel = speed * (frames - 1)
    x0 = rng.uniform(side / 2 + 2 + max(-dx, 0) * travel, width - side / 2 - 2 - max(dx, 0) * travel)
    y0 = rng.uniform(side / 2 + 2 + max(-dy, 0) * travel, height - side / 2 - 2 - max(dy, 0) * travel)
    video = np.empty((frames, height, width, 3), np.uint8)
    joints = np.empty((frames, len(STAND), 2))
    for t in range(frames):
        cx, cy = x0 + dx * speed * t, y0 + dy * speed * t
        img = background.copy()
        x, y = int(round(cx - side / 2)), int(round(cy - side / 2))
        img[y:y + side, x:x + side] = texture
        video[t] = img
        joints[t] = STAND * (side / 130) + (cx, cy)
    return video, joints


def write_motion_clips(folder: str | Path, directions=("right", "left"), n_per_class: int = 8, seed: int = 0,
                       frames: int = 20) -> dict[str, np.ndarray]:
    """folder/<direction>/<direction>NN.mp4 clips; returns {video path: joints (T, 13, 2)}."""
    from sportlens.video.encode import VideoWriter

    rng = np.random.default_rng(seed)
    poses = {}
    for direction in directions:
        (Path(folder) / direction).mkdir(parents=True, exist_ok=True)
        for k in range(n_per_class):
            video, joints = motion_clip(direction, rng, frames)
            path = Path(folder) / direction / f"{direction}{k:02d}.mp4"
            with VideoWriter(path, 25.0, video.shape[2], video.shape[1], crf=12) as writer:
                for frame in video:
                    writer.write(frame)
            poses[str(path)] = joints
    return poses
