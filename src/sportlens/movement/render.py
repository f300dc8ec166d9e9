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
    """The analysed frames with the skeleton (pose's own drawing), the repetition counter (completed
    repetitions: a repetition counts from its end frame) and the driving signal's value (written now, or with
    the other annotated videos of `analyze` in one decode: see sportlens.video.overlay)."""
    import pandas as pd

    from sportlens.pose.keypoints import SKELETON_EDGES
    from sportlens.video.draw import draw_skeleton, draw_value_panel
    from sportlens.video.overlay import Overlay, submit

    progress = ensure_progress(progress, "reps")
    table = pd.read_csv(keypoints_csv, usecols=["keypoint", "x_px", "y_px"])
    names = list(dict.fromkeys(table["keypoint"]))
    xy = table[["x_px", "y_px"]].to_numpy(float).reshape(len(frames), len(names), 2)
    ends = np.sort([rep.end for rep in result.reps])
    inside = np.zeros(len(frames), bool)
    for rep in result.reps:
        inside[rep.start : rep.end + 1] = True
    first = int(frames[0])

    def draw(image: np.ndarray, i: int) -> None:
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

    return submit(info, Overlay(target, first, len(frames), draw, fps, info.width, info.height), progress)


def plot_comparison(alignment, perf_a, perf_b, moments: list[dict], target: Path) -> Path:
    """compare.png: per angle, A over its own time and B warped onto A's time along the DTW path, the moments of
    largest deviation marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = alignment.names
    i, j = alignment.path[:, 0], alignment.path[:, 1]
    t = perf_a.time_s[i]
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 1.7 * len(names) + 0.6), sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        ax.plot(t, perf_a.angles[name][i], color="tab:blue", lw=1.2, label="A")
        ax.plot(t, perf_b.angles[name][j], color="tab:orange", lw=1.2, label="B (aligned)")
        distance, rms = alignment.per_angle[name]
        ax.set_ylabel(f"{name.replace('_', ' ')}\n(deg)", fontsize=8)
        ax.set_title(f"DTW {distance:.0f}, {rms:.1f} deg per step", fontsize=8, loc="right")
        for m in moments:
            ax.axvline(perf_a.time_s[m["i"]], color="tab:red", lw=0.8, alpha=0.6)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=8)
    axes[0, 0].set_title(f"A vs B aligned by DTW: {alignment.rms_deg:.1f} deg per step over {len(names)} angles "
                         "(red: largest deviations)", fontsize=10, loc="left")
    axes[-1, 0].set_xlabel("time in A (s)")
    fig.tight_layout()
    return save_figure(fig, target, dpi=80)


def _frames_along(perf, indices: np.ndarray):
    """The decoded frame (skeleton drawn) for each row index in `indices` (non-decreasing), decoding the video
    once from the first to the last frame needed."""
    import pandas as pd

    from sportlens.pose.keypoints import SKELETON_EDGES
    from sportlens.video.decode import decode_frames, probe_video
    from sportlens.video.draw import draw_skeleton

    table = pd.read_csv(perf.pose_dir / "keypoints.csv", usecols=["keypoint", "x_px", "y_px"])
    names = list(dict.fromkeys(table["keypoint"]))
    xy = table[["x_px", "y_px"]].to_numpy(float).reshape(len(perf.frames), len(names), 2)
    info = probe_video(perf.video)
    frames = decode_frames(perf.video, info=info, start=int(perf.frames[indices[0]]),
                           stop=int(perf.frames[indices[-1]]) + 1)
    current = next(frames)
    last_row = None
    image = None
    for row in indices:
        wanted = int(perf.frames[row])
        while current.index < wanted:
            current = next(frames)
        if row != last_row:
            image = current.image.copy()
            if not np.all(np.isnan(xy[row])):
                draw_skeleton(image, {n: xy[row, k] for k, n in enumerate(names)}, SKELETON_EDGES)
            last_row = row
        yield image


def render_side_by_side(alignment, perf_a, perf_b, target: Path, height: int, progress: Progress | None = None
                        ) -> Path:
    """compare.mp4: A and B next to each other (each scaled to `height`, skeleton drawn), one output frame per
    step of the alignment path, at A's frame rate; the step's deviation in a panel."""
    import cv2

    from sportlens.video.draw import draw_value_panel
    from sportlens.video.encode import VideoWriter

    progress = ensure_progress(progress, "compare")
    path = alignment.path

    def scaled(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        return cv2.resize(image, (max(2, int(round(w * height / h))), height), interpolation=cv2.INTER_AREA)

    def panels():
        pairs = zip(_frames_along(perf_a, path[:, 0]), _frames_along(perf_b, path[:, 1]), strict=True)
        for k, (img_a, img_b) in enumerate(pairs):
            panel = np.concatenate([scaled(img_a), scaled(img_b)], axis=1)
            i, j = path[k]
            draw_value_panel(panel, [("A frame", str(int(perf_a.frames[i]))), ("B frame", str(int(perf_b.frames[j]))),
                                     ("deviation", f"{alignment.deviation_deg[k]:.0f} deg")])
            yield panel

    frames = panels()
    first = next(frames)
    with VideoWriter(target, perf_a.fps, first.shape[1], first.shape[0]) as writer, \
            progress.step("video", total=len(path), unit="frames") as step:
        writer.write(first)
        step.advance()
        for panel in frames:
            writer.write(panel)
            step.advance()
    return target
