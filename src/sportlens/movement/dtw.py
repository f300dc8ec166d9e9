"""Dynamic time warping of joint-angle curves (dtaidistance's C implementation): distance per angle and over all
of them, the alignment path, and the moments where the two performances differ most.

Pure functions on arrays, so they are tested on curves with a known warping; `movement.comparison` feeds them
the pose task's angles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.signals import interpolate_gaps


@dataclass(frozen=True)
class Alignment:
    """Two angle sequences aligned by DTW.

    names: the angles compared. path: (K, 2) sample indices (i into A, j into B), monotonic, from (0, 0) to
    (N-1, M-1). distance: DTW distance over all angles (deg: the root of the summed squared differences along
    the path), rms_deg: that distance per aligned pair (sqrt(distance^2 / K)), the typical difference per step.
    per_angle: name -> (distance, rms_deg) of that angle aligned on its own. deviation_deg: (K,) the root mean
    square difference over the angles at each step of the path."""

    names: tuple[str, ...]
    path: np.ndarray
    distance: float
    rms_deg: float
    per_angle: dict[str, tuple[float, float]]
    deviation_deg: np.ndarray


def dtw_path(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    """(distance, path) of DTW between a (N,) or (N, D) and b (M,) or (M, D): the distance is the root of the
    summed squared (Euclidean over D) differences along the optimal path; path is (K, 2) indices. Memory is
    O(N x M) (about 8 bytes per pair)."""
    from dtaidistance import dtw, dtw_ndim

    a, b = np.ascontiguousarray(a, dtype=np.double), np.ascontiguousarray(b, dtype=np.double)
    if a.ndim == 1:
        distance, paths = dtw.warping_paths_fast(a, b)
    else:
        distance, paths = dtw_ndim.warping_paths_fast(a, b)
    return float(distance), np.asarray(dtw.best_path(paths), dtype=int)


def filled(values: np.ndarray) -> np.ndarray | None:
    """An angle curve without gaps for DTW: interior gaps interpolated, the ends held at the nearest value;
    None when it has no finite value."""
    v = interpolate_gaps(np.asarray(values, float), len(values))
    finite = np.flatnonzero(np.isfinite(v))
    if finite.size == 0:
        return None
    v[: finite[0]] = v[finite[0]]
    v[finite[-1] + 1 :] = v[finite[-1]]
    return v


def align(a: dict[str, np.ndarray], b: dict[str, np.ndarray], names: tuple[str, ...]) -> Alignment:
    """Align two performances on the named angles (deg, each (N,) in a and (M,) in b, gap-free): each angle on its
    own for its distance, all together (Euclidean over the angles) for the path and the overall distance."""
    per_angle = {}
    for name in names:
        d, p = dtw_path(a[name], b[name])
        per_angle[name] = (d, d / np.sqrt(len(p)))
    stack_a = np.column_stack([a[n] for n in names])
    stack_b = np.column_stack([b[n] for n in names])
    distance, path = dtw_path(stack_a, stack_b)
    diff = stack_a[path[:, 0]] - stack_b[path[:, 1]]
    deviation = np.sqrt(np.mean(diff**2, axis=1))
    return Alignment(tuple(names), path, distance, distance / np.sqrt(len(path)), per_angle, deviation)


def largest_deviations(alignment: Alignment, a: dict[str, np.ndarray], b: dict[str, np.ndarray], k: int,
                       min_gap: int) -> list[dict]:
    """The k steps of the path where the two differ most, at least min_gap samples apart in A (so one long
    difference is one moment, not k neighbouring steps): i, j, deviation_deg and the angle that differs most
    with its two values."""
    order = np.argsort(-alignment.deviation_deg, kind="stable")
    chosen: list[int] = []
    for step in order:
        i = int(alignment.path[step, 0])
        if all(abs(i - int(alignment.path[c, 0])) >= min_gap for c in chosen):
            chosen.append(int(step))
        if len(chosen) == k:
            break
    out = []
    for step in chosen:
        i, j = (int(v) for v in alignment.path[step])
        worst = max(alignment.names, key=lambda n: abs(a[n][i] - b[n][j]))
        out.append({"step": step, "i": i, "j": j, "deviation_deg": float(alignment.deviation_deg[step]),
                    "angle": worst, "angle_a_deg": float(a[worst][i]), "angle_b_deg": float(b[worst][j])})
    return out


def reference_dtw(a: np.ndarray, b: np.ndarray) -> float:
    """Plain O(N x M) Python DTW (squared differences summed, root at the end), the textbook recursion: a check
    for `dtw_path` in the tests."""
    n, m = len(a), len(b)
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d = float(np.sum((np.asarray(a[i - 1]) - np.asarray(b[j - 1])) ** 2))
            cost[i, j] = d + min(cost[i - 1, j], cost[i, j - 1], cost[i - 1, j - 1])
    return float(np.sqrt(cost[n, m]))
