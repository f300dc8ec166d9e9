"""The plausibility gate of post-processing: things that keep coming back to the same image points are not a
ball in play; a real flight, and a ball coming briefly to rest, are kept."""

from __future__ import annotations

import numpy as np

from sportlens.ball.postprocess import PostSettings, drop_revisiting_runs, postprocess, revisited
from sportlens.ball.track import BallTrack

W, H, FPS = 1280, 720, 30.0


def rally_points(seconds: int) -> np.ndarray:
    """Flights of 1 s back and forth, each on its own arc (apex heights differ), like a real rally."""
    out = []
    for k in range(seconds):
        t = np.arange(30) / 30
        x = 200 + 800 * t if k % 2 == 0 else 1000 - 800 * t
        apex = 150 + 37 * k
        out.append(np.column_stack([x, 600 - 4 * (600 - apex) * t * (1 - t)]))
    return np.concatenate(out)


def track(points) -> BallTrack:
    return BallTrack.from_points(points, None, W, H, FPS)


def test_a_swaying_thing_is_dropped_whole():
    # a bright spot of a picture swaying +-20 degrees with a 2 s period, seen in runs of ~0.5 s with gaps
    t = np.arange(300) / FPS
    angle = np.radians(20 * np.sin(np.pi * t))
    points = np.column_stack([640 + 200 * np.sin(angle), 500 - 200 * np.cos(angle) + 100])
    points[(np.arange(300) % 20) >= 14] = np.nan
    raw = track(points)
    assert revisited(raw, 0.5, 0.001)[raw.visible].mean() > 0.9
    assert postprocess(raw).visible.sum() == 0
    assert postprocess(raw, PostSettings(revisit_s=None)).visible.sum() == 210  # without the gate: all kept


def test_a_rally_is_kept_whole_and_a_fixed_thing_in_it_is_dropped():
    rally = rally_points(4)
    assert postprocess(track(rally)).visible.all()
    # a static false detection for 1 s after the rally (a logo), then 0.3 s of a ball at rest in another place
    logo = np.repeat([[100.0, 100.0]], 30, axis=0) + np.random.default_rng(0).normal(0, 0.3, (30, 2))
    rest = np.repeat([[700.0, 650.0]], 9, axis=0)
    points = np.concatenate([rally, np.full((10, 2), np.nan), logo, np.full((10, 2), np.nan), rest])
    raw = track(points)
    gated = drop_revisiting_runs(raw, 0.5, 0.001, 0.5)
    assert gated.visible[:120].all()  # the rally
    assert not gated.visible[130:160].any()  # the logo: 1 s at one place
    assert gated.visible[170:179].all()  # the ball at rest for 0.3 s: shorter than revisit_s, kept
