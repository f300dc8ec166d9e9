"""Heatmaps for the ball: Gaussian targets, a loss made for the tiny positive area, and heatmap -> point decoding.

Coordinates: a pixel with index i covers [i, i + 1), so a point u in heatmap pixels maps to u * source_size /
heatmap_size in source pixels, in both directions, with no half-pixel shifts.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

SIGMA_PX = 2.5  # target Gaussian at the heatmap's resolution (TrackNet uses a disc of a few pixels)
THRESHOLD = 0.5  # a heatmap peak above this is a ball


def gaussian_targets(points: np.ndarray, height: int, width: int, sigma: float = SIGMA_PX) -> np.ndarray:
    """(n, height, width) float32 targets in 0..1 for (n, 2) points in heatmap pixels (NaN rows: all zero)."""
    points = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    ys = np.arange(height, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(width, dtype=np.float32)[None, :] + 0.5
    out = np.zeros((len(points), height, width), np.float32)
    for k, (u, v) in enumerate(points):
        if np.isfinite(u) and np.isfinite(v):
            out[k] = np.exp(-((xs - u) ** 2 + (ys - v) ** 2) / (2 * sigma**2))
    out[out < 1e-3] = 0.0
    return out


def focal_bce(logits: torch.Tensor, targets: torch.Tensor, gamma: float = 2.0, pos_weight: float = 4.0) -> torch.Tensor:
    """Binary cross-entropy weighted like TrackNetV2's WBCE / a focal loss: each pixel's term is scaled by how
    wrong it is (|target - p| ** gamma), so the many easy background pixels stop drowning the ball; pixels of
    the Gaussian (target > 0) get pos_weight on top. Mean over pixels, computed in float32."""
    logits, targets = logits.float(), targets.float()
    p = torch.sigmoid(logits)
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    weight = (targets - p).abs().pow(gamma).detach() * (1 + (pos_weight - 1) * (targets > 0).float())
    return (weight * bce).sum() / max(targets.numel(), 1) * 100.0


def decode_heatmaps(heat: np.ndarray, source_size: tuple[int, int], threshold: float = THRESHOLD,
                    window: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(n, H, W) probabilities -> ((n, 2) x, y in source pixels, NaN where no ball; (n,) peak confidence).

    The ball is the highest peak when it reaches `threshold`; its position is the centroid of the heatmap above
    half the peak in a (2 * window + 1) square around it (sub-pixel), scaled to the source size. The position
    does not depend on the threshold, so thresholds can be compared on one decoding (threshold=0)."""
    heat = np.asarray(heat, dtype=np.float32)
    n, h, w = heat.shape
    sx, sy = source_size[0] / w, source_size[1] / h
    points = np.full((n, 2), np.nan)
    flat = heat.reshape(n, -1)
    peaks = flat.argmax(axis=1)
    confidence = flat[np.arange(n), peaks].astype(float)
    for k in np.flatnonzero((confidence >= threshold) & (confidence > 0)):
        py, px = divmod(int(peaks[k]), w)
        y0, y1, x0, x1 = max(py - window, 0), min(py + window + 1, h), max(px - window, 0), min(px + window + 1, w)
        patch = np.clip(heat[k, y0:y1, x0:x1] - confidence[k] / 2, 0.0, None)
        total = float(patch.sum())
        yy, xx = np.mgrid[y0:y1, x0:x1]
        u = float((patch * (xx + 0.5)).sum() / total) if total > 0 else px + 0.5
        v = float((patch * (yy + 0.5)).sum() / total) if total > 0 else py + 0.5
        points[k] = (min(max(u * sx, 0.0), source_size[0]), min(max(v * sy, 0.0), source_size[1]))
    return points, np.where(np.isfinite(points[:, 0]), np.clip(confidence, 0.0, 1.0), 0.0)
