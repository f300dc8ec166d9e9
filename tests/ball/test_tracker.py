"""The classic tracker and the post-processing on generated clips with known ball paths."""

from __future__ import annotations

import numpy as np
import pytest

from sportlens.ball.classic import ClassicTracker
from sportlens.ball.postprocess import drop_short_runs, fill_gaps, postprocess, reject_jumps
from sportlens.ball.synthetic import ClipSpec, visible_only, write_clip
from sportlens.ball.track import OCCLUDED, BallTrack
from sportlens.video.decode import decode_frames


def _track(path, spec):
    tracker = ClassicTracker(spec.width, spec.height)
    for frame in decode_frames(path):
        tracker.feed(frame.image)
    points, confidence = tracker.finish()
    return BallTrack.from_points(points, confidence, spec.width, spec.height, spec.fps)


@pytest.mark.parametrize("spec", [ClipSpec(), ClipSpec(width=640, height=360, occlusion=False, seed=1, noise=6)])
def test_classic_tracks_the_generated_ball_within_a_few_pixels(spec, tmp_path):
    truth = write_clip(tmp_path / "clip.mp4", spec)
    raw = _track(tmp_path / "clip.mp4", spec)
    seen = visible_only(truth).visible
    found = raw.visible & seen
    assert found.sum() >= 0.9 * seen.sum() - 2  # all but the first and last frame (no motion measurable there)
    error = np.hypot(raw.x - truth.x, raw.y - truth.y)[found]
    assert np.median(error) < 1.0 and error.max() < 0.025 * spec.width  # worst at a hit (the direction flips)
    assert not (raw.visible & ~truth.visible).any()  # never a ball where none is drawn
    post = postprocess(raw)
    hidden = truth.visibility == OCCLUDED
    if hidden.any():  # the gaps behind the player are filled along the flight, close to where the ball was
        filled = post.visible & hidden
        assert filled.sum() >= 0.5 * hidden.sum()
        assert np.hypot(post.x - truth.x, post.y - truth.y)[filled].max() < 4.0


def test_no_ball_gives_an_empty_track(tmp_path):
    spec = ClipSpec(ball=False, seconds=2.0)
    write_clip(tmp_path / "empty.mp4", spec)
    assert _track(tmp_path / "empty.mp4", spec).visible.sum() == 0


def _line(n=20, gap=(), outlier=None):
    t = np.arange(n, dtype=float)
    pts = np.column_stack([10 + 5 * t, 50 + 0.2 * (t - 10) ** 2])
    pts[list(gap)] = np.nan
    if outlier is not None:
        pts[outlier] = [190, 5]
    return BallTrack.from_points(pts, None, 200, 100, 30.0)


def test_reject_jumps_drops_an_outlier_only():
    track = reject_jumps(_line(outlier=8), max_jump=0.1)
    assert not track.visible[8] and track.visible.sum() == 19


def test_fill_gaps_follows_the_parabola_and_respects_max_gap():
    truth = _line()
    filled = fill_gaps(_line(gap=range(8, 12)), max_gap=5)
    assert filled.visible.all()
    assert np.allclose(filled.points(), truth.points(), atol=1e-6)  # a parabola is fitted exactly
    assert filled.confidence[9] == pytest.approx(0.5)
    assert not fill_gaps(_line(gap=range(8, 12)), max_gap=3).visible[9]


def test_fill_gaps_does_not_bridge_a_hit():
    t = np.arange(20, dtype=float)
    x = np.where(t < 10, 10 + 8 * t, 170 - 8 * (t - 10))  # the ball turns round at frame 10
    pts = np.column_stack([x, np.full(20, 50.0)])
    pts[8:12] = np.nan
    track = fill_gaps(BallTrack.from_points(pts, None, 200, 100, 30.0), max_gap=5)
    assert not track.visible[8:12].any()


def test_short_runs_are_dropped():
    pts = np.full((10, 2), np.nan)
    pts[4:6] = [[10, 10], [12, 11]]
    assert drop_short_runs(BallTrack.from_points(pts, None, 50, 50, 30.0), 3).visible.sum() == 0
