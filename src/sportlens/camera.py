"""Image-to-plane geometry shared by tasks: the homography from four or more image points to a flat court
(metres), applying it, and the standard courts of racket sports (their corner coordinates in metres)."""

from __future__ import annotations

import numpy as np

# width (sideline to sideline) x length (baseline to baseline) in metres, doubles courts (the outer lines)
COURT_SIZES_M: dict[str, tuple[float, float]] = {
    "badminton": (6.10, 13.40),
    "tennis": (10.97, 23.77),
}


def court_corners_m(width_m: float, length_m: float) -> np.ndarray:
    """(4, 2) court corners in metres, in the order a user lists them in the image: far-left, far-right,
    near-right, near-left (x across the court, y along it from the far baseline)."""
    return np.array([[0.0, 0.0], [width_m, 0.0], [width_m, length_m], [0.0, length_m]])


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
    for (x, y), (u, v) in zip(apply_homography(ts, src), apply_homography(td, dst), strict=True):
        a.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        a.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, sing, vt = np.linalg.svd(np.asarray(a))
    if sing[-2] < 1e-12:
        raise ValueError("the points are degenerate (three or more on one line?)")
    h = np.linalg.inv(td) @ vt[-1].reshape(3, 3) @ ts
    return h / h[2, 2]


def apply_homography(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """(n, 2) points through the 3x3 homography h -> (n, 2); NaN rows stay NaN."""
    pts = np.asarray(pts, dtype=float).reshape(-1, 2)
    p = np.column_stack([pts, np.ones(len(pts))]) @ np.asarray(h, dtype=float).T
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
    return apply_homography(np.asarray(homography, dtype=float), pts)
