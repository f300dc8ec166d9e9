"""Pictures of a ball track: the annotated video (ball and a fading trail) and a plot of x, y over time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sportlens.ball.track import BallTrack
from sportlens.video.decode import Frame

BALL_COLOUR = (255, 214, 0)  # RGB yellow
TRAIL_COLOUR = (255, 120, 0)


def draw_ball(image: np.ndarray, track: BallTrack, k: int, trail_frames: int) -> np.ndarray:
    """Draw frame k's ball (a ring) and the trail of the trail_frames before it, fading, onto image in place."""
    import cv2

    h, w = image.shape[:2]
    r = max(4, round(0.008 * w))
    t = max(1, round(w / 640))
    for j in range(max(0, k - trail_frames), k):
        if track.visible[j] and track.visible[j + 1]:
            alpha = (j - (k - trail_frames) + 1) / (trail_frames + 1)
            colour = tuple(int(c * alpha + 40 * (1 - alpha)) for c in TRAIL_COLOUR)
            p0 = (int(round(track.x[j])), int(round(track.y[j])))
            p1 = (int(round(track.x[j + 1])), int(round(track.y[j + 1])))
            cv2.line(image, p0, p1, colour, t + 1, cv2.LINE_AA)
    if k < len(track) and track.visible[k]:
        cv2.circle(image, (int(round(track.x[k])), int(round(track.y[k]))), r, BALL_COLOUR, t + 1, cv2.LINE_AA)
    return image


def write_annotated(frames: Iterable[Frame], track: BallTrack, target: Path, trail_frames: int, step=None) -> int:
    """Encode annotated.mp4 from the frames (a second decode pass: memory stays bounded); returns frames written."""
    from sportlens.video.encode import VideoWriter

    with VideoWriter(target, track.fps, track.width, track.height) as writer:
        for frame in frames:
            if frame.index < len(track):
                writer.write(draw_ball(frame.image.copy(), track, frame.index, trail_frames))
            if step is not None:
                step.advance()
        return writer.frames_written


def plot_track(track: BallTrack, target: Path, title: str = "") -> Path:
    """track.png: the ball's image position (x, y) against time, and the path in the image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    fig, (ax_t, ax_xy) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.4, 1]})
    t = track.time_s
    ax_t.plot(t, track.x, ".", ms=3, label="x")
    ax_t.plot(t, track.y, ".", ms=3, label="y")
    ax_t.set_xlabel("time (s)")
    ax_t.set_ylabel("image position (px)")
    ax_t.legend(loc="upper right")
    ax_t.grid(alpha=0.3)
    ax_xy.plot(track.x, track.y, "-", lw=0.8, color="tab:orange")
    ax_xy.plot(track.x, track.y, ".", ms=3, color="tab:orange")
    ax_xy.set_xlim(0, track.width)
    ax_xy.set_ylim(track.height, 0)  # image rows grow downwards
    ax_xy.set_aspect("equal")
    ax_xy.set_xlabel("x (px)")
    ax_xy.set_ylabel("y (px)")
    ax_xy.set_title("path in the image")
    fig.suptitle(title or f"ball: {int(track.visible.sum())}/{len(track)} frames with a ball")
    fig.tight_layout()
    return save_figure(fig, target)
