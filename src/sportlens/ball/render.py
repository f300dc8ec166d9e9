"""Pictures of a ball track: the annotated video (ball and a fading trail) and a plot of x, y over time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.ball.track import BallTrack

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


def render_annotated(info, track: BallTrack, target: Path, trail_frames: int, progress=None) -> Path:
    """annotated.mp4: the ball and its fading trail on every frame of the track (written now, or with the other
    annotated videos of `analyze` in one decode: see sportlens.video.overlay)."""
    from sportlens.video.overlay import Overlay, submit

    def draw(image: np.ndarray, k: int) -> None:
        draw_ball(image, track, k, trail_frames)

    return submit(info, Overlay(target, 0, len(track), draw, track.fps, track.width, track.height), progress)


def plot_track(track: BallTrack, target: Path, title: str = "", analytics=None) -> Path:
    """track.png: the ball's image position (x, y) and speed against time with the shots (hits, bounces) and
    rallies marked, and the path in the image. analytics: a BallAnalytics of the track, or None."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    fig = plt.figure(figsize=(12, 6.4))
    grid = fig.add_gridspec(2, 2, width_ratios=[1.5, 1])
    ax_t, ax_v, ax_xy = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[:, 1])
    ax_v.sharex(ax_t)
    t = track.time_s
    ax_t.plot(t, track.x, ".", ms=3, label="x")
    ax_t.plot(t, track.y, ".", ms=3, label="y")
    ax_t.set_ylabel("image position (px)")
    ax_xy.plot(track.x, track.y, "-", lw=0.8, color="tab:orange")
    ax_xy.plot(track.x, track.y, ".", ms=3, color="tab:orange")
    if analytics is not None:
        ax_v.plot(t, analytics.speed_px_s, "-", lw=1.2, color="tab:purple", label="speed")
        for k, rally in enumerate(analytics.rallies):
            for ax in (ax_t, ax_v):
                ax.axvspan(rally.start_s, rally.end_s + 1 / track.fps, color="tab:green", alpha=0.08,
                           label="rally" if k == 0 and ax is ax_v else None)
        for kind, colour, marker in (("hit", "tab:red", "v"), ("bounce", "tab:blue", "o")):
            events = [e for e in analytics.events if e.kind == kind]
            if not events:
                continue
            times = [e.time_s for e in events]
            for ax in (ax_t, ax_v):
                for k, time_s in enumerate(times):
                    ax.axvline(time_s, color=colour, lw=0.9, alpha=0.7,
                               label=f"{kind}s ({len(events)})" if k == 0 and ax is ax_v else None)
            ax_xy.plot([e.x for e in events], [e.y for e in events], marker, ms=8, mfc="none", mew=1.6, color=colour,
                       label=f"{kind}s")
        if ax_xy.get_legend_handles_labels()[0]:
            ax_xy.legend(loc="upper right", fontsize=8)
    ax_v.set_xlabel("time (s)")
    ax_v.set_ylabel("speed in the image (px/s)")
    for ax in (ax_t, ax_v):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper right", fontsize=8)
        ax.grid(alpha=0.3)
    ax_xy.set_xlim(0, track.width)
    ax_xy.set_ylim(track.height, 0)  # image rows grow downwards
    ax_xy.set_aspect("equal")
    ax_xy.set_xlabel("x (px)")
    ax_xy.set_ylabel("y (px)")
    ax_xy.set_title("path in the image")
    fig.suptitle(title or f"ball: {int(track.visible.sum())}/{len(track)} frames with a ball")
    fig.tight_layout()
    return save_figure(fig, target)


def plot_court(analytics, target: Path, title: str = "") -> Path:
    """court.png: the court seen from above (outer lines and the net) with the bounces and the last position of
    each rally (where the ball or shuttle came down, when it was seen to the end), in metres."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    court = analytics.court
    w, length = court.width_m, court.length_m
    fig, ax = plt.subplots(figsize=(4.2, 7.2))
    ax.add_patch(plt.Rectangle((0, 0), w, length, fill=True, fc="#3f7f5a", ec="white", lw=2))
    ax.plot([-0.05 * w, 1.05 * w], [length / 2, length / 2], color="white", lw=3, label="net")
    ax.plot([w / 2, w / 2], [0, length], color="white", lw=0.8, alpha=0.6)
    bounces = np.array([court.to_court(np.array([[e.x, e.y]]))[0] for e in analytics.bounces]).reshape(-1, 2)
    ends = np.array([analytics.court_m[r.end_frame] for r in analytics.rallies]).reshape(-1, 2)
    if len(bounces):
        ax.plot(bounces[:, 0], bounces[:, 1], "o", ms=8, color="#facc15", mec="black",
                label=f"bounces ({len(bounces)})")
    if len(ends):
        ax.plot(ends[:, 0], ends[:, 1], "X", ms=9, color="#ef4444", mec="black", label=f"rally ends ({len(ends)})")
    margin = 0.25 * w
    ax.set_xlim(-margin, w + margin)
    ax.set_ylim(length + margin, -margin)  # the far baseline at the top, as the camera sees it
    ax.set_aspect("equal")
    ax.set_xlabel("across the court (m)")
    ax.set_ylabel("along the court from the far baseline (m)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncol=2)
    fig.suptitle(title or "landing points", fontsize=10, y=0.99)
    fig.tight_layout()
    return save_figure(fig, target)
