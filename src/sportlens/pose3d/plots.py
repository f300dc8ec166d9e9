"""pose3d.png: the 3D skeleton at a few instants (world metres, up axis vertical) and the mean reprojection
error per keypoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.io.atomic import save_figure
from sportlens.pose.keypoints import SKELETON_EDGES

EXTRA_EDGES = (("neck", "nose"), ("neck", "head_top"), ("neck", "left_shoulder"), ("neck", "right_shoulder"),
               ("neck", "mid_hip"), ("mid_hip", "left_hip"), ("mid_hip", "right_hip"),
               ("left_foot_index", "left_small_toe"), ("right_foot_index", "right_small_toe"))


def skeleton_edges(names: list[str]) -> list[tuple[int, int]]:
    """Index pairs of the skeleton's lines among these keypoint names."""
    index = {n: i for i, n in enumerate(names)}
    return [(index[a], index[b]) for a, b in (*SKELETON_EDGES, *EXTRA_EDGES) if a in index and b in index]


def pose3d_figure(target: Path, points_m: np.ndarray, names: list[str], error_px: np.ndarray, up_axis: str = "z",
                  instants: int = 5) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = [0, 1, 2] if up_axis == "z" else [2, 0, 1]  # plot axes x, y, vertical
    fig = plt.figure(figsize=(11, 5))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    have = np.flatnonzero(np.isfinite(points_m).all(axis=-1).sum(axis=1) >= 2)
    cmap = plt.get_cmap("viridis")
    edges = skeleton_edges(names)
    picks = have[np.linspace(0, len(have) - 1, min(instants, len(have))).round().astype(int)] if len(have) else []
    for m, f in enumerate(picks):
        p = points_m[f][:, order]
        colour = cmap(m / max(len(picks) - 1, 1))
        for a, b in edges:
            ax.plot(*zip(p[a], p[b], strict=True), color=colour, lw=1.5)
        ax.scatter(*p.T, color=colour, s=6, label=f"frame {f}")
    if len(have):
        finite = points_m[np.isfinite(points_m).all(axis=-1)][:, order]
        lo, hi = finite.min(axis=0), finite.max(axis=0)
        mid, half = (lo + hi) / 2, max((hi - lo).max() / 2, 0.1)
        for setter, centre in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), mid, strict=True):
            setter(centre - half, centre + half)  # equal scale on all axes: a body looks like a body
        ax.legend(fontsize=7, loc="upper left")
    labels = ["x (m)", "y (m)", "z (m)"]
    ax.set_xlabel(labels[order[0]])
    ax.set_ylabel(labels[order[1]])
    ax.set_zlabel(labels[order[2]] + " up")
    ax.set_title("3D keypoints (filtered)", fontsize=9)
    bx = fig.add_subplot(1, 2, 2)
    with np.errstate(invalid="ignore"):
        mean = np.array([np.nanmean(error_px[:, j]) if np.isfinite(error_px[:, j]).any() else np.nan
                         for j in range(len(names))])
    bx.barh(range(len(names)), np.nan_to_num(mean), color="tab:blue")
    bx.set_yticks(range(len(names)), names, fontsize=7)
    bx.invert_yaxis()
    bx.set_xlabel("mean reprojection error (px)")
    overall = np.nanmean(error_px) if np.isfinite(error_px).any() else float("nan")
    bx.set_title(f"Reprojection error per keypoint (all: {overall:.2f} px)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, target)


def pose3d_animation(target: Path, points_m: np.ndarray, names: list[str], fps: float, up_axis: str = "z",
                     max_frames: int = 300) -> Path:
    """skeleton3d.mp4: the 3D skeleton frame by frame (fixed axes, equal scales); a long take is sampled down to
    max_frames, played at the rate that keeps its duration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.video.encode import VideoWriter

    order = [0, 1, 2] if up_axis == "z" else [2, 0, 1]
    n = len(points_m)
    picks = np.unique(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int))
    rate = fps * len(picks) / max(n, 1)
    edges = skeleton_edges(names)
    finite = points_m[np.isfinite(points_m).all(axis=-1)][:, order]
    lo, hi = (finite.min(axis=0), finite.max(axis=0)) if len(finite) else (np.zeros(3), np.ones(3))
    mid, half = (lo + hi) / 2, max((hi - lo).max() / 2, 0.1)
    fig = plt.figure(figsize=(6.4, 4.8), dpi=100)
    ax = fig.add_subplot(projection="3d")
    with VideoWriter(target, rate, 640, 480) as video:
        for f in picks:
            ax.cla()
            p = points_m[f][:, order]
            for a, b in edges:
                ax.plot(*zip(p[a], p[b], strict=True), color="tab:blue", lw=2)
            ax.scatter(*p.T, color="tab:red", s=8)
            for setter, centre in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), mid, strict=True):
                setter(centre - half, centre + half)
            ax.set_title(f"frame {f}", fontsize=9)
            fig.canvas.draw()
            video.write(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    return target
