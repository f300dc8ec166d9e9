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
    # the plausibility gate: a ball in play does not come back to the same image points again and again; a
    # track (or a run of revisit_s or longer) most of whose points were also visited revisit_s or more earlier or
    # later (within revisit_radius / frame width) is a fixed or swaying thing in the scene, and is dropped
    revisit_s: float | None = 0.5  # None: no gate
    revisit_radius: float = 0.001
    max_revisited: float = 0.5  # the share of a run's points that may be revisited


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


def revisited(track: BallTrack, revisit_s: float, radius: float) -> np.ndarray:
    """(n,) bool: visible frames whose position (within radius / frame width) is visited again at least
    revisit_s earlier or later. A grid of radius-sized cells keeps it linear in the track's length."""
    seen = np.flatnonzero(track.visible)
    out = np.zeros(len(track), bool)
    if seen.size == 0:
        return out
    cell = max(radius * track.width, 1e-9)
    keys = np.floor(track.points()[seen] / cell).astype(np.int64)
    first: dict[tuple[int, int], int] = {}
    last: dict[tuple[int, int], int] = {}
    for (cx, cy), frame in zip(map(tuple, keys), seen, strict=True):
        first.setdefault((cx, cy), frame)
        last[(cx, cy)] = frame
    apart = revisit_s * track.fps
    for (cx, cy), frame in zip(map(tuple, keys), seen, strict=True):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                key = (cx + dx, cy + dy)
                if key in first and (frame - first[key] >= apart or last[key] - frame >= apart):
                    out[frame] = True
                    break
            if out[frame]:
                break
    return out


def drop_revisiting_runs(track: BallTrack, revisit_s: float, radius: float, max_share: float) -> BallTrack:
    """The plausibility gate (see `revisited`): when more than max_share of all the visible frames are
    revisited, the whole track is a fixed or swaying thing in the scene (a logo, a lamp, a moving texture) and
    every detection is dropped; otherwise each run of at least revisit_s with more than max_share revisited is
    dropped (a thing that stays put), while shorter ones stay (a ball coming to rest after a rally)."""
    from sportlens.signals import finite_runs

    again = revisited(track, revisit_s, radius)
    vis = track.visibility.copy()
    if vis.any() and again[vis > 0].mean() > max_share:
        vis[:] = 0
    for start, stop in finite_runs(vis > 0):
        if stop - start >= revisit_s * track.fps and again[start:stop].mean() > max_share:
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
    """reject_jumps, drop_short_runs, the plausibility gate (drop_revisiting_runs), then fill_gaps."""
    s = settings or PostSettings()
    track = reject_jumps(track, s.max_jump)
    track = drop_short_runs(track, s.min_run_frames)
    if s.revisit_s is not None:
        track = drop_revisiting_runs(track, s.revisit_s, s.revisit_radius, s.max_revisited)
    return fill_gaps(track, s.max_gap_frames, s.fit_frames, s.max_misfit)
