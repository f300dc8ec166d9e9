"""Which detected person is the athlete in each camera, frame by frame: every combination of one candidate (or
none) per camera is triangulated; the combination with the most cameras whose keypoints reproject within the
association threshold wins, the lowest median error among those (Pose2Sim's rule, on all keypoints rather than
one). A jump of the body's centre from the previous frame counts as an error of the threshold, so a bystander
is taken only when the athlete is not seen."""

from __future__ import annotations

from itertools import product

import numpy as np

from sportlens.camera import Camera
from sportlens.pose3d.triangulate import project_all, weighted_dlt


def _candidates(people: np.ndarray, limit: int) -> list[int]:
    """Indices of the `limit` candidates with the highest mean confidence."""
    if len(people) == 0:
        return []
    score = np.nanmean(np.nan_to_num(people[..., 2]), axis=1)
    return list(np.argsort(-score, kind="stable")[:limit])


def choose_person(cameras: list[Camera], people: list[np.ndarray], min_confidence: float, max_error_px: float,
                  min_cameras: int, max_people: int, previous_centre: np.ndarray | None = None,
                  max_jump_m: float = 0.5) -> tuple[np.ndarray, list[int], np.ndarray | None]:
    """One frame: people[c] (P_c, K, 3) candidates of camera c -> (K, C, 3) the chosen person per camera
    (x_px, y_px, confidence; NaN and 0 where a camera has none), the chosen index per camera (-1: none) and the
    chosen body's centre (m; None without one)."""
    c = len(cameras)
    k = next((p.shape[1] for p in people if p.ndim == 3 and p.shape[1]), 0)
    options = [[-1, *_candidates(p, max_people)] for p in people]
    empty = np.full((k, c, 3), np.nan)
    empty[..., 2] = 0.0
    if all(len(o) <= 2 for o in options):  # at most one candidate per camera: nothing to choose
        combos = [tuple(o[-1] for o in options)]
    else:
        combos = list(product(*options))
    combos = [combo for combo in combos if sum(i >= 0 for i in combo) >= min_cameras]
    if not combos:
        return empty, [-1] * c, None
    stacked = np.stack([_assemble(people, combo, k) for combo in combos])  # (M, K, C, 3)
    px, conf = stacked[..., :2], np.nan_to_num(stacked[..., 2])
    use = (conf >= min_confidence) & np.isfinite(px).all(axis=-1)
    normalised = np.stack([cam.normalise(px[:, :, j].reshape(-1, 2)).reshape(px.shape[0], k, 2)
                           for j, cam in enumerate(cameras)], axis=2)
    extrinsics = np.stack([cam.extrinsic for cam in cameras])
    points = weighted_dlt(extrinsics, normalised, np.where(use, conf, 0.0))  # (M, K, 3)
    dist = np.linalg.norm(project_all(cameras, points) - px, axis=-1)
    count = use.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_point = np.where(use, dist, 0).sum(axis=-1) / count
    per_point[count < 2] = np.nan
    finite = np.isfinite(per_point)
    enough = finite.sum(axis=1) >= 3  # a few matching keypoints are chance, not a person
    scores = np.full(len(combos), np.inf)
    if enough.any():
        scores[enough] = np.nanmedian(per_point[enough], axis=1)
        if previous_centre is not None:
            masked = np.where(finite[enough][..., None], points[enough], np.nan)
            centres = np.nanmedian(masked, axis=1)
            scores[enough] += max_error_px * (np.linalg.norm(centres - previous_centre, axis=1) > max_jump_m)
    if not np.isfinite(scores).any():
        return empty, [-1] * c, None
    n_cams = np.array([sum(i >= 0 for i in combo) for combo in combos])
    within = scores <= max_error_px
    pool = np.flatnonzero(within & (n_cams == n_cams[within].max())) if within.any() else np.arange(len(combos))
    best = int(pool[np.argmin(scores[pool])])
    return stacked[best], list(combos[best]), body_centre(points[best][np.isfinite(per_point[best])])


def _assemble(people: list[np.ndarray], combo, k: int) -> np.ndarray:
    out = np.full((k, len(people), 3), np.nan)
    out[..., 2] = 0.0
    for j, i in enumerate(combo):
        if i >= 0:
            out[:, j] = people[j][i]
    return out


def body_centre(points_m: np.ndarray) -> np.ndarray | None:
    """The median of a frame's triangulated keypoints (K, 3), None when none is finite."""
    finite = np.isfinite(points_m).all(axis=-1)
    return np.median(points_m[finite], axis=0) if finite.any() else None
