"""Speed of a tracked object (ball) from its pixel trajectory, with a scale (m/px) or a court homography."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def court_homography(image_px, court_m) -> np.ndarray:
    """The 3x3 homography H mapping image points (n, 2) px to court points (n, 2) m, n >= 4, by the
    normalised direct linear transform (least squares for n > 4)."""
    src = np.asarray(image_px, dtype=float)
    dst = np.asarray(court_m, dtype=float)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 4:
        raise ValueError("need at least 4 matching (x, y) points in image_px and court_m")

    def normaliser(p):
        c = p.mean(axis=0)
        s = np.sqrt(2) / np.mean(np.linalg.norm(p - c, axis=1))
        return np.array([[s, 0, -s * c[0]], [0, s, -s * c[1]], [0, 0, 1]])

    ts, td = normaliser(src), normaliser(dst)
    a = []
    for (x, y), (u, v) in zip(_apply(ts, src), _apply(td, dst), strict=True):
        a.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        a.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, sing, vt = np.linalg.svd(np.asarray(a))
    if sing[-2] < 1e-12:
        raise ValueError("the points are degenerate (three or more on one line?)")
    h = np.linalg.inv(td) @ vt[-1].reshape(3, 3) @ ts
    return h / h[2, 2]


def _apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.column_stack([pts, np.ones(len(pts))]) @ h.T
    return p[:, :2] / p[:, 2:3]


def to_metres(x_px, y_px, m_per_px: float | None = None, homography=None) -> np.ndarray:
    """Pixel positions (n,) to metres (n, 2): times the scale, or through the image-to-court homography."""
    pts = np.column_stack([np.asarray(x_px, dtype=float), np.asarray(y_px, dtype=float)])
    if (m_per_px is None) == (homography is None):
        raise ValueError("give exactly one of m_per_px or homography")
    if m_per_px is not None:
        if m_per_px <= 0:
            raise ValueError(f"m_per_px must be positive, got {m_per_px}")
        return pts * m_per_px
    return _apply(np.asarray(homography, dtype=float), pts)


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
