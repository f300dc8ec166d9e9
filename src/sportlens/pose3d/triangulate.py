"""Multi-camera triangulation: a confidence-weighted direct linear transform in normalised camera coordinates
(lens distortion removed first), batched over points, and the choice of cameras per point: all usable cameras
if the mean reprojection error stays under the threshold, else the best subset with one camera fewer, and so
on down to the minimum (Pose2Sim's rule); a point no subset explains is left out (NaN)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from sportlens.camera import Camera


def weighted_dlt(extrinsics: np.ndarray, normalised: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Points (..., 3) m from normalised image points (..., C, 2) seen by C cameras with [R|t] (C, 3, 4) and
    weights (..., C) (0 = not used; NaN points must have weight 0). Fewer than 2 weighted cameras -> NaN."""
    w = np.where(np.isfinite(normalised).all(axis=-1), weights, 0.0)
    xy = np.nan_to_num(normalised)
    rows_x = xy[..., 0:1] * extrinsics[:, 2] - extrinsics[:, 0]  # (..., C, 4)
    rows_y = xy[..., 1:2] * extrinsics[:, 2] - extrinsics[:, 1]
    a = np.concatenate([rows_x, rows_y], axis=-2) * np.concatenate([w, w], axis=-1)[..., None]
    # the null vector of A: the eigenvector of the 4x4 A^T A with the smallest eigenvalue (several times faster
    # than an SVD of A; in normalised coordinates A is well conditioned, and refine() polishes the result)
    _, vectors = np.linalg.eigh(np.einsum("...ji,...jk->...ik", a, a))
    h = vectors[..., :, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        points = h[..., :3] / h[..., 3:4]
    points[(w > 0).sum(axis=-1) < 2] = np.nan
    return points


def project_all(cameras: list[Camera], points_m: np.ndarray) -> np.ndarray:
    """Points (..., 3) m seen by each camera -> (..., C, 2) px (with lens distortion)."""
    flat = points_m.reshape(-1, 3)
    out = np.stack([cam.project(flat) for cam in cameras], axis=1)
    return out.reshape(*points_m.shape[:-1], len(cameras), 2)


@dataclass
class Triangulation:
    """points_m (..., 3) (NaN: not triangulated), error_px (...,) mean reprojection error over the cameras used,
    used (..., C) which cameras made each point."""

    points_m: np.ndarray
    error_px: np.ndarray
    used: np.ndarray


def triangulate(cameras: list[Camera], image_px: np.ndarray, confidence: np.ndarray, min_confidence: float = 0.3,
                max_error_px: float = 15.0, min_cameras: int = 2, undistort: bool = True,
                refine_points: bool = True) -> Triangulation:
    """Triangulate points seen at image_px (..., C, 2) with confidence (..., C): cameras below min_confidence
    are not used; then the largest set of cameras (at least min_cameras) whose mean reprojection error is at
    most max_error_px, the lowest error among sets of that size. refine_points: then move each point to the least
    confidence-weighted squared reprojection error of its cameras (Gauss-Newton)."""
    c = len(cameras)
    lead = image_px.shape[:-2]
    px = image_px.reshape(-1, c, 2)
    conf = np.nan_to_num(confidence.reshape(-1, c))
    valid = (conf >= min_confidence) & np.isfinite(px).all(axis=-1)
    normalised = np.stack([cam.normalise(px[:, k], undistort) for k, cam in enumerate(cameras)], axis=1)
    extrinsics = np.stack([cam.extrinsic for cam in cameras])
    n = len(px)
    best_points = np.full((n, 3), np.nan)
    best_error = np.full(n, np.nan)
    best_used = np.zeros((n, c), dtype=bool)
    best_count = np.zeros(n, dtype=int)
    subsets = [np.isin(np.arange(c), s) for size in range(c, min_cameras - 1, -1) for s in combinations(range(c), size)]
    for subset in subsets:
        use = valid & subset
        count = use.sum(axis=1)
        todo = (count >= min_cameras) & (count >= best_count)
        if not todo.any():
            continue
        pts = weighted_dlt(extrinsics, normalised[todo], np.where(use[todo], conf[todo], 0.0))
        proj = project_all(cameras, pts)
        dist = np.linalg.norm(proj - px[todo], axis=-1)
        with np.errstate(invalid="ignore"):
            err = np.where(use[todo], dist, 0).sum(axis=1) / count[todo]
        ok = np.isfinite(err) & (err <= max_error_px)
        better = ok & ((count[todo] > best_count[todo]) | ~(best_error[todo] <= err))
        idx = np.flatnonzero(todo)[better]
        best_points[idx] = pts[better]
        best_error[idx] = err[better]
        best_used[idx] = use[todo][better]
        best_count[idx] = count[todo][better]
    if refine_points:
        best_points = refine(cameras, best_points, px, np.where(best_used, conf, 0.0))
        best_error = mean_reprojection_error(cameras, best_points, px, best_used)
    return Triangulation(best_points.reshape(*lead, 3), best_error.reshape(lead), best_used.reshape(*lead, c))


def refine(cameras: list[Camera], points_m: np.ndarray, image_px: np.ndarray, weights: np.ndarray,
           iterations: int = 3) -> np.ndarray:
    """Gauss-Newton refinement of points (n, 3) m to the least weighted squared reprojection error (px, lens
    distortion included) over the cameras with weight > 0 (image_px (n, C, 2), weights (n, C)): the algebraic
    DLT solution is the start, the geometric optimum the result. NaN points stay NaN."""
    x = points_m.copy()
    ok = np.isfinite(x).all(axis=-1)
    if not ok.any():
        return x
    pts, obs = x[ok], image_px[ok]
    w = np.where(np.isfinite(obs).all(axis=-1), weights[ok], 0.0)
    obs = np.nan_to_num(obs)
    eps = 1e-6
    for _ in range(iterations):
        residual = np.nan_to_num(project_all(cameras, pts) - obs)
        jac = np.stack([(project_all(cameras, pts + eps * e) - project_all(cameras, pts - eps * e)) / (2 * eps)
                        for e in np.eye(3)], axis=-1)  # (n, C, 2, 3)
        jac = np.nan_to_num(jac)
        jtj = np.einsum("ncik,nc,ncil->nkl", jac, w, jac)
        jtr = np.einsum("ncik,nc,nci->nk", jac, w, residual)
        solvable = np.abs(np.linalg.det(jtj)) > 1e-12
        step = np.zeros_like(pts)
        step[solvable] = np.linalg.solve(jtj[solvable], -jtr[solvable][..., None])[..., 0]
        pts = pts + step
    x[ok] = pts
    return x


def mean_reprojection_error(cameras: list[Camera], points_m: np.ndarray, image_px: np.ndarray,
                            used: np.ndarray) -> np.ndarray:
    """Mean distance (px) between each point's projections and its observations over the cameras used."""
    dist = np.linalg.norm(project_all(cameras, points_m) - image_px, axis=-1)
    with np.errstate(invalid="ignore"):
        return np.where(used, dist, 0).sum(axis=-1) / used.sum(axis=-1)
