"""Camera synchronisation: the frame offset between cameras from the cross-correlation of one keypoint's image
speed (a wrist that starts and stops moving does so at the same instant in every view, whatever the angle),
and the frames all cameras share once offset."""

from __future__ import annotations

import numpy as np

from sportlens.pose3d.readers import CameraKeypoints


def keypoint_speed(track: CameraKeypoints, keypoint: int, min_confidence: float = 0.3) -> np.ndarray:
    """(N,) image speed (px per frame) of one keypoint of the most confident person per frame; NaN if unseen."""
    xy = np.full((len(track), 2), np.nan)
    for i, people in enumerate(track.people):
        if len(people):
            best = int(np.argmax(np.nan_to_num(people[:, keypoint, 2])))
            if people[best, keypoint, 2] >= min_confidence:
                xy[i] = people[best, keypoint, :2]
    speed = np.full(len(track), np.nan)
    speed[1:] = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    return speed


def best_lag(reference: np.ndarray, other: np.ndarray, max_lag: int, min_overlap: float = 0.5) -> tuple[int, float]:
    """(lag, correlation): the lag d (frames) maximising the correlation of reference[t] with other[t - d]
    (other started d frames after reference); series are standardised, NaN counts as 0."""

    def standard(x):
        x = np.asarray(x, dtype=float)
        finite = np.isfinite(x)
        if finite.sum() < 3 or np.nanstd(x) == 0:
            return np.zeros_like(x)
        return np.where(finite, (x - np.nanmean(x)) / np.nanstd(x), 0.0)

    a, b = standard(reference), standard(other)
    need = int(min_overlap * min(len(a), len(b)))
    best, best_r = 0, -np.inf
    for d in range(-max_lag, max_lag + 1):
        # reference index t pairs with other index t - d
        lo, hi = max(0, d), min(len(a), len(b) + d)
        if hi - lo < max(need, 3):
            continue
        r = float(np.mean(a[lo:hi] * b[lo - d:hi - d]))
        if r > best_r:
            best, best_r = d, r
    return best, best_r


def sync_offsets(tracks: list[CameraKeypoints], keypoint: int, max_lag: int, min_confidence: float = 0.3
                 ) -> tuple[list[int], list[float]]:
    """Offsets (frames; camera k's frame i is shared time i + offset_k, the first camera at 0) and the peak
    correlation of each camera with the first."""
    speeds = [keypoint_speed(t, keypoint, min_confidence) for t in tracks]
    offsets, scores = [0], [1.0]
    for speed in speeds[1:]:
        lag, r = best_lag(speeds[0], speed, max_lag)
        offsets.append(lag)
        scores.append(r)
    return offsets, scores


def shared_range(lengths: list[int], offsets: list[int]) -> tuple[int, int]:
    """[start, stop) of the shared time that every camera covers (camera k covers offset_k .. offset_k + n_k)."""
    start = max(offsets)
    stop = min(o + n for o, n in zip(offsets, lengths, strict=True))
    return start, stop
