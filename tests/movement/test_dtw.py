"""DTW on curves with a known warping: the distance, the path, the largest deviations; checked against the
textbook recursion."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sportlens.movement.dtw import align, dtw_path, filled, largest_deviations, reference_dtw


def warped_sine(n_a: int = 120, n_b: int = 90):
    """A: one sine cycle on t in [0, 1] (n_a samples, deg); B: the same cycle played on the warped clock
    w(s) = s^1.6 (n_b samples): slow at first, then fast. Returns a, b, t_a, w(s_b)."""
    t_a = np.linspace(0, 1, n_a)
    s_b = np.linspace(0, 1, n_b)
    warp = s_b**1.6
    return 40 * np.sin(2 * np.pi * t_a), 40 * np.sin(2 * np.pi * warp), t_a, warp


def test_time_warped_copy_has_distance_near_zero_and_the_path_recovers_the_warp():
    a, b, t_a, warp = warped_sine()
    distance, path = dtw_path(a, b)
    assert distance / np.sqrt(len(path)) < 1.0  # deg per aligned pair, on a 40 deg sine (sampling error only)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (len(a) - 1, len(b) - 1)
    assert np.all(np.diff(path, axis=0) >= 0)
    # each aligned pair (i, j): A's time of i is B's warped time of j; at the sine's flat tops the alignment may
    # slide a few samples, so the median and the 90th percentile are checked
    error = np.abs(t_a[path[:, 0]] - warp[path[:, 1]])
    assert np.median(error) < 0.01
    assert np.percentile(error, 90) < 0.03
    # an unwarped comparison (straight resampling) is far worse: the warp is what DTW found
    straight = np.interp(np.linspace(0, 1, len(a)), np.linspace(0, 1, len(b)), b)
    assert np.sqrt(np.mean((a - straight) ** 2)) > 10


def test_dtw_path_matches_the_textbook_recursion_and_is_faster():
    rng = np.random.default_rng(0)
    for shape_a, shape_b in [((40,), (55,)), ((30, 3), (25, 3))]:
        a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
        assert dtw_path(a, b)[0] == pytest.approx(reference_dtw(a, b), rel=1e-9)
    a, b = rng.normal(size=150), rng.normal(size=150)
    t0 = time.perf_counter()
    reference_dtw(a, b)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    dtw_path(a, b)
    assert time.perf_counter() - t0 < t_ref


def test_align_over_several_angles_and_the_largest_deviation_is_where_b_differs():
    a_knee, b_knee, _, _ = warped_sine()
    a = {"knee": a_knee + 90, "elbow": 0.5 * a_knee + 100}
    b = {"knee": b_knee + 90, "elbow": 0.5 * b_knee + 100}
    b["elbow"][40:46] += 30  # B bends the elbow 30 deg more for 6 frames
    result = align(a, b, ("knee", "elbow"))
    assert set(result.per_angle) == {"knee", "elbow"}
    assert result.per_angle["knee"][1] < 1.0 < result.per_angle["elbow"][1]
    assert result.deviation_deg.shape == (len(result.path),)
    top = largest_deviations(result, a, b, k=2, min_gap=10)
    assert top[0]["angle"] == "elbow" and 40 <= top[0]["j"] < 46
    assert top[0]["deviation_deg"] == pytest.approx(30 / np.sqrt(2), rel=0.2)
    assert abs(top[1]["i"] - top[0]["i"]) >= 10


def test_filled_bridges_gaps_and_holds_the_ends():
    np.testing.assert_allclose(filled(np.array([np.nan, 1.0, np.nan, 3.0, np.nan])), [1, 1, 2, 3, 3])
    assert filled(np.full(4, np.nan)) is None
