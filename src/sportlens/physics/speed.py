"""Speed of a tracked object (ball) from its pixel trajectory, with a scale (m/px) or a court homography."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.camera import court_homography, to_metres

__all__ = ["TrackSpeed", "court_homography", "speed_from_track", "to_metres"]


@dataclass(frozen=True)
class TrackSpeed:
    """Speed along a track: per-step speed_mps (n-1,) at mid-step times time_s (n-1,), the path-length mean
    speed, and `fit_speed_mps` = |slope| of a straight-line least-squares fit of position on time (robust to
    pixel jitter for a ball in flight over a short interval)."""

    time_s: np.ndarray
    speed_mps: np.ndarray
    mean_speed_mps: float
    fit_speed_mps: float
    n_points: int


def speed_from_track(time_s, x_px, y_px, m_per_px: float | None = None, homography=None) -> TrackSpeed:
    """Speed (m/s) of a tracked object from time_s (n,) and pixel positions (n,); points with NaN (not
    visible) are skipped, not interpolated. Give a scale `m_per_px` or an image-to-court `homography`."""
    t = np.asarray(time_s, dtype=float)
    xy = to_metres(x_px, y_px, m_per_px, homography)
    ok = np.isfinite(t) & np.all(np.isfinite(xy), axis=1)
    t, xy = t[ok], xy[ok]
    if t.size < 2:
        raise ValueError("need at least 2 visible points")
    if np.any(np.diff(t) <= 0):
        raise ValueError("time_s must increase")
    step = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    dt = np.diff(t)
    slope = np.polyfit(t - t.mean(), xy, 1)[0]
    return TrackSpeed(
        time_s=(t[1:] + t[:-1]) / 2,
        speed_mps=step / dt,
        mean_speed_mps=float(step.sum() / (t[-1] - t[0])),
        fit_speed_mps=float(np.linalg.norm(slope)),
        n_points=int(t.size),
    )
