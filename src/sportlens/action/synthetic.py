"""Generated skeleton clips with known actions (a figure waving its arms or squatting), in Penn Action's
layout: for tests and examples, no data set needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.action.skeleton import JOINTS

# a standing figure (pixels, y down): head, shoulders, elbows, wrists, hips, knees, ankles (left = image left)
STAND = np.array([[0, -60], [-15, -45], [15, -45], [-20, -25], [20, -25], [-22, -5], [22, -5],
                  [-10, 0], [10, 0], [-10, 30], [10, 30], [-10, 60], [10, 60]], float)


def clip(kind: str, frames: int, rng: np.random.Generator, scale: float = 2.0, centre=(200.0, 150.0)) -> np.ndarray:
    """(T, 13, 2) pixels of a figure waving its arms overhead ('wave') or squatting ('squat'), 2-4 cycles."""
    cycles = rng.uniform(2, 4)
    phase = 0.5 * (1 - np.cos(2 * np.pi * cycles * np.arange(frames) / frames))  # 0..1
    xy = np.repeat(STAND[None], frames, axis=0)
    if kind == "wave":
        for j in (JOINTS.index("left_wrist"), JOINTS.index("right_wrist")):
            xy[:, j, 1] -= 70 * phase
        for j in (JOINTS.index("left_elbow"), JOINTS.index("right_elbow")):
            xy[:, j, 1] -= 35 * phase
    else:
        upper = [JOINTS.index(n) for n in JOINTS if not n.endswith(("knee", "ankle"))]
        xy[:, upper, 1] += 30 * phase[:, None]
        for j in (JOINTS.index("left_knee"), JOINTS.index("right_knee")):
            xy[:, j, 0] += np.sign(xy[:, j, 0]) * 15 * phase
    xy = xy * scale + np.asarray(centre) + rng.normal(0, 1.0, xy.shape)
    return xy


def write_penn(folder: Path, n_per_class: int = 16, seed: int = 0) -> Path:
    from scipy.io import savemat

    """A Penn Action-layout folder (labels/NNNN.mat) of the two generated actions; a quarter is the test split."""
    rng = np.random.default_rng(seed)
    labels = folder / "labels"
    labels.mkdir(parents=True)
    k = 0
    for kind in ("wave", "squat"):
        for i in range(n_per_class):
            frames = int(rng.integers(40, 90))
            xy = clip(kind, frames, rng, scale=rng.uniform(1.5, 3.0), centre=rng.uniform(100, 300, 2))
            k += 1
            savemat(labels / f"{k:04d}.mat", {
                "action": np.array([kind]), "x": xy[..., 0], "y": xy[..., 1],
                "visibility": np.ones((frames, 13), np.uint8), "train": np.array([[1 if i % 4 else -1]])})
    return folder
