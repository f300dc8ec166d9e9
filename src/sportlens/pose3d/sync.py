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


def _most_confident(track: CameraKeypoints, k: int) -> np.ndarray:
    """(N, K, 3) the most confident person of each frame (NaN and 0 where nobody)."""
    out = np.full((len(track), k, 3), np.nan)
    out[..., 2] = 0.0
    for i, people in enumerate(track.people):
        if len(people):
            out[i] = people[int(np.argmax(np.nanmean(np.nan_to_num(people[..., 2]), axis=1)))]
    return out


def reprojection_offsets(cameras, tracks: list[CameraKeypoints], max_lag: int, min_confidence: float = 0.3,
                         max_error_px: float = 15.0, passes: int = 2) -> tuple[list[int], list[float]]:
    """Offsets from the calibration: each camera's lag is the one at which the keypoints the other cameras
    triangulate reproject closest (median px) onto its own detections; two passes, each with the offsets found so
    far, then shifted so the first camera is at 0. Returns the offsets and each camera's median error there."""
    from sportlens.pose3d.triangulate import triangulate

    k = len(tracks[0].names)
    series = [_most_confident(t, k) for t in tracks]
    c = len(cameras)
    offsets = [0] * c
    errors = [float("nan")] * c
    for _ in range(passes):
        for j in range(c):
            others = [i for i in range(c) if i != j]
            start = min(offsets[i] for i in others)
            stop = max(offsets[i] + len(series[i]) for i in others)
            shared = np.full((stop - start, k, len(others), 3), np.nan)
            shared[..., 2] = 0.0
            for m, i in enumerate(others):
                shared[offsets[i] - start: offsets[i] - start + len(series[i]), :, m] = series[i]
            points = triangulate([cameras[i] for i in others], shared[..., :2], shared[..., 2], min_confidence,
                                 max_error_px, 2).points_m
            own = series[j]
            seen = own[..., 2] >= min_confidence
            best, best_err = offsets[j], np.inf
            for lag in range(offsets[j] - max_lag, offsets[j] + max_lag + 1):
                # camera j's frame i is shared time i + lag, i.e. row i + lag - start of `points`
                rows = np.arange(len(own)) + lag - start
                ok = (rows >= 0) & (rows < len(points))
                if ok.sum() < max(3, len(own) // 2):
                    continue
                proj = cameras[j].project(points[rows[ok]].reshape(-1, 3)).reshape(ok.sum(), k, 2)
                dist = np.linalg.norm(proj - own[ok][..., :2], axis=-1)[seen[ok]]
                dist = dist[np.isfinite(dist)]
                if dist.size >= 10 and np.median(dist) < best_err:
                    best, best_err = lag, float(np.median(dist))
            offsets[j], errors[j] = best, best_err
        offsets = [o - offsets[0] for o in offsets]
    return offsets, errors
