"""What people look at: the annotated video (skeleton + live angles) and the angles-over-time plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import save_figure
from sportlens.pose.angles import ANGLES
from sportlens.pose.keypoints import SKELETON_EDGES
from sportlens.pose.sequence import PoseSequence
from sportlens.video.decode import VideoInfo
from sportlens.video.draw import draw_skeleton, draw_value_panel

# Rows of the angles plot: (title, angle names)
PLOT_GROUPS = (
    ("Knee flexion", ("left_knee", "right_knee")),
    ("Hip flexion", ("left_hip", "right_hip")),
    ("Ankle dorsiflexion", ("left_ankle", "right_ankle")),
    ("Elbow flexion", ("left_elbow", "right_elbow")),
    ("Shoulder elevation", ("left_shoulder", "right_shoulder")),
    ("Shoulder and hip line tilt", ("shoulder_tilt", "hip_tilt")),
    ("Trunk lean and neck vs trunk", ("trunk_lean", "neck_trunk")),
)


def render_annotated_video(info: VideoInfo, seq: PoseSequence, angles: pd.DataFrame, target: Path,
                           definitions=ANGLES, progress: Progress | None = None) -> Path:
    """The analysed frames at full size with the cleaned skeleton and current angle values drawn (written now,
    or with the other annotated videos of `analyze` in one decode: see sportlens.video.overlay)."""
    from sportlens.video.overlay import Overlay, submit

    names = [d.name for d in definitions]
    values = angles[names].to_numpy(dtype=float)
    first = int(seq.frame[0]) if len(seq) else 0

    def draw(image: np.ndarray, i: int) -> None:
        draw_pose(image, seq, i, names, values[i])

    return submit(info, Overlay(target, first, len(seq), draw, seq.video_fps, seq.width, seq.height),
                  ensure_progress(progress, "pose"))


def draw_pose(image: np.ndarray, seq: PoseSequence, i: int, names: list[str], values: np.ndarray) -> None:
    """Skeleton of frame i and the panel of current angle values, drawn in place."""
    if np.all(np.isnan(seq.xy_px[i])):
        return
    points = {name: seq.xy_px[i, k] for k, name in enumerate(seq.names)}
    draw_skeleton(image, points, SKELETON_EDGES)
    if names:
        rows = [(n, "--" if np.isnan(v) else f"{v:.0f} deg") for n, v in zip(names, values, strict=True)]
        draw_value_panel(image, rows)


def plot_angles(angles: pd.DataFrame, target: Path, title: str = "") -> Path:
    """Angles over time, one panel per joint pair; saved atomically as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [(name, [c for c in cols if c in angles.columns]) for name, cols in PLOT_GROUPS]
    groups = [(name, cols) for name, cols in groups if cols]
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 2.0 * len(groups) + 0.6), sharex=True, squeeze=False)
    axes = axes[:, 0]
    t = angles["time_s"].to_numpy()
    for ax, (name, cols) in zip(axes, groups, strict=True):
        for col, colour in zip(cols, ("tab:blue", "tab:red"), strict=False):
            ax.plot(t, angles[col], color=colour, lw=1.4, label=col.replace("_", " "))
        ax.set_ylabel("deg")
        ax.set_title(name, fontsize=10, loc="left")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8, ncol=2)
    axes[-1].set_xlabel("time (s)")
    if title:
        fig.suptitle(f"Joint angles — {title}", fontsize=11)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.05, hspace=0.35)  # tight_layout costs ~1 s
    return save_figure(fig, target, dpi=80)
