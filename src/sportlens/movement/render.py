"""What people look at: the driving signal with the repetitions marked (reps.png), and the video with the
skeleton and a repetition counter (reps.mp4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import save_figure
from sportlens.movement.reps import PoseSignal, RepCount

UNITS = {"deg": "deg", "torso": "torso lengths (up)"}


def plot_reps(time_s: np.ndarray, driving: PoseSignal, result: RepCount, target: Path, title: str = "") -> Path:
    """The driving signal over time, each repetition shaded and numbered at its turning point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.4))
    ax.plot(time_s, driving.values, color="tab:blue", lw=1.3, label=driving.name.replace("_", " "))
    for k, rep in enumerate(result.reps, 1):
        ax.axvspan(time_s[rep.start], time_s[rep.end], color=("tab:green" if k % 2 else "tab:olive"), alpha=0.18)
        ax.plot(time_s[rep.peak], driving.values[rep.peak], "o", color="tab:red", ms=5)
        ax.annotate(str(k), (time_s[rep.peak], driving.values[rep.peak]), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=8, color="tab:red")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(UNITS.get(driving.unit, driving.unit))
    period = f", period {result.period_s:.2f} s" if result.period_s else ""
    ax.set_title(f"{result.count} repetitions — {driving.name.replace('_', ' ')}{period}"
                 + (f" — {title}" if title else ""), fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.15)
    return save_figure(fig, target, dpi=80)


def render_reps_video(info, keypoints_csv: Path, frames: np.ndarray, fps: float, result: RepCount,
                      driving: PoseSignal | None, target: Path, progress: Progress | None = None) -> Path:
    """Decode the analysed frames again and draw the skeleton (pose's own drawing), the repetition counter
    (completed repetitions: a repetition counts from its end frame) and the driving signal's value."""
    import pandas as pd

    from sportlens.pose.keypoints import SKELETON_EDGES
    from sportlens.video.decode import decode_frames, prefetch
    from sportlens.video.draw import draw_skeleton, draw_value_panel
    from sportlens.video.encode import VideoWriter

    progress = ensure_progress(progress, "reps")
    table = pd.read_csv(keypoints_csv, usecols=["keypoint", "x_px", "y_px"])
    names = list(dict.fromkeys(table["keypoint"]))
    xy = table[["x_px", "y_px"]].to_numpy(float).reshape(len(frames), len(names), 2)
    ends = np.sort([rep.end for rep in result.reps])
    inside = np.zeros(len(frames), bool)
    for rep in result.reps:
        inside[rep.start : rep.end + 1] = True
    first = int(frames[0])
    with VideoWriter(target, fps, info.width, info.height) as writer, \
            progress.step("video", total=len(frames), unit="frames") as step:
        for frame in prefetch(decode_frames(info.path, info=info, start=first, stop=first + len(frames))):
            image = frame.image
            i = frame.index - first
            if 0 <= i < len(frames):
                if not np.all(np.isnan(xy[i])):
                    draw_skeleton(image, {n: xy[i, k] for k, n in enumerate(names)}, SKELETON_EDGES)
                done = int(np.searchsorted(ends, i, side="right"))
                rows = [("reps", f"{done}" + (" (in a rep)" if inside[i] else ""))]
                if driving is not None:
                    v = driving.values[i]
                    unit = "deg" if driving.unit == "deg" else "torso"
                    rows.append((driving.name, "--" if np.isnan(v) else f"{v:.0f} {unit}" if unit == "deg"
                                 else f"{v:.2f} {unit}"))
                draw_value_panel(image, rows)
            writer.write(image)
            step.advance()
    return target
