"""Post-processing shared by every ball model: drop implausible jumps, fill short gaps along the fitted
trajectory. Distances are fractions of the frame width, so the same settings fit any resolution."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.ball.track import BallTrack


@dataclass(frozen=True)
class PostSettings:
    max_jump: float = 0.08  # a point farther than this (/ frame width, per frame) from both neighbours is dropped
    max_gap_frames: int = 5  # gaps up to this long are filled from a quadratic through the points around them
    fit_frames: int = 4  # visible points used on each side of a gap
    max_misfit: float = 0.01  # the fitted curve must pass this close (/ frame width) to the points around a gap
    min_run_frames: int = 3  # isolated runs of fewer visible frames are dropped (a flicker, not a flight)


def reject_jumps(track: BallTrack, max_jump: float) -> BallTrack:
    """Drop points that jump away from both their previous and next visible neighbour (outliers)."""
    limit = max_jump * track.width
    vis = track.visibility.copy()
    pts = track.points()
    for _ in range(3):  # a dropped outlier can reveal another
        idx = np.flatnonzero(vis > 0)
        if idx.size < 3:
            break
        gaps = np.diff(idx)
        steps = np.hypot(*np.diff(pts[idx], axis=0).T) / gaps
        before, after = np.r_[np.nan, steps], np.r_[steps, np.nan]
        bad = (before > limit) & (after > limit)
        if steps.size >= 2:  # an end point is an outlier when its one step jumps and the next step does not
            bad[0] = steps[0] > limit and steps[1] <= limit
            bad[-1] = steps[-1] > limit and steps[-2] <= limit
        if not bad.any():
            break
        vis[idx[bad]] = 0
    return track.replace(visibility=vis, confidence=np.where(vis > 0, track.confidence, 0.0))


def drop_short_runs(track: BallTrack, min_run: int) -> BallTrack:
    """Drop runs of visible frames shorter than min_run."""
    from sportlens.signals import finite_runs

    vis = track.visibility.copy()
    for start, stop in finite_runs(vis > 0):
        if stop - start < min_run:
            vis[start:stop] = 0
    return track.replace(visibility=vis, confidence=np.where(vis > 0, track.confidence, 0.0))


def fill_gaps(track: BallTrack, max_gap: int, fit_frames: int = 4, max_misfit: float = 0.01) -> BallTrack:
    """Fill interior gaps up to max_gap frames from a quadratic in time fitted to the points on both sides;
    filled frames get visibility 1 and half the lower confidence of the two sides. A gap whose two sides do not
    fit one curve within max_misfit (/ frame width) stays empty."""
    vis, x, y, conf = track.visibility.copy(), track.x.copy(), track.y.copy(), track.confidence.copy()
    idx = np.flatnonzero(vis > 0)
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        gap = b - a - 1
        if gap < 1 or gap > max_gap:
            continue
        left = idx[(idx <= a)][-fit_frames:]
        right = idx[(idx >= b)][:fit_frames]
        t = np.r_[left, right].astype(float)
        degree = 2 if t.size >= 4 else 1
        fill = np.arange(a + 1, b)
        known = t.astype(int)
        px, py = np.polyfit(t, track.x[known], degree), np.polyfit(t, track.y[known], degree)
        misfit = np.hypot(np.polyval(px, t) - track.x[known], np.polyval(py, t) - track.y[known]).max()
        if misfit > max_misfit * track.width:  # the two sides are not one flight (a hit in the gap)
            continue
        fx, fy = np.polyval(px, fill), np.polyval(py, fill)
        inside = (fx >= 0) & (fx <= track.width) & (fy >= 0) & (fy <= track.height)
        if not inside.all():
            continue
        vis[fill], x[fill], y[fill] = 1, fx, fy
        conf[fill] = 0.5 * min(track.confidence[a], track.confidence[b])
    return track.replace(visibility=vis, x=x, y=y, confidence=conf)


def postprocess(track: BallTrack, settings: PostSettings | None = None) -> BallTrack:
    """reject_jumps, drop_short_runs, then fill_gaps."""
    s = settings or PostSettings()
    track = reject_jumps(track, s.max_jump)
    track = drop_short_runs(track, s.min_run_frames)
    return fill_gaps(track, s.max_gap_frames, s.fit_frames, s.max_misfit)
