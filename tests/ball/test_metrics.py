"""Metrics against hand-computed tables (SiBaTrAcc edge cases, TrackNetV3 counts)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sportlens.ball.metrics import evaluate, point_counts, sibatracc, sibatracc_clip, sibatracc_frame_scores
from sportlens.ball.track import BallTrack

N = np.nan


def _track(points, width=1024, height=576):
    return BallTrack.from_points(np.array(points, dtype=float), None, width, height, 30.0)


def test_sibatracc_frame_scores_by_hand():
    truth = _track([[N, N], [100, 100], [N, N], [100, 100], [100, 100], [100, 100], [100, 100], [100, 100]])
    pred = _track([[N, N], [N, N], [50, 50], [107.9, 100], [108, 100], [116, 100], [124, 100], [123.9, 100]])
    scores = sibatracc_frame_scores(truth, pred)
    # no ball both: 0; missed: 5; false ball: 5; 7.9 px: floor 0; 8 px: 1; 16 px: 2**1.5; 24 px: 3**1.5 capped 5;
    # 23.9 px: floor 2 -> 2**1.5
    expected = [0, 5, 5, 0, 1, 2 ** 1.5, 5, 2 ** 1.5]
    assert scores.tolist() == pytest.approx(expected)
    assert sibatracc_clip(truth, pred) == pytest.approx(1 - sum(expected) / (5 * 8))  # 0.458578...
    assert sibatracc_clip(truth, pred) == pytest.approx(0.4585786, abs=1e-6)


def test_sibatracc_edge_cases():
    empty = _track([[N, N]] * 4)
    assert sibatracc_clip(empty, empty) == 1.0  # no ball anywhere and none predicted: perfect
    everywhere = _track([[10, 10]] * 4)
    assert sibatracc_clip(empty, everywhere) == 0.0  # a ball predicted in every empty frame
    assert sibatracc_clip(everywhere, empty) == 0.0  # every ball missed
    far = _track([[900, 500]] * 4)
    assert sibatracc_clip(everywhere, far) == 0.0  # far off: capped at 5 per frame
    # clips count once each, whatever their length
    long_good = _track([[10, 10]] * 40)
    assert sibatracc([(long_good, long_good), (everywhere, empty)]) == pytest.approx(0.5)


def test_point_counts_by_hand():
    # 1024x576 source: distances are halved in the 512x288 frame, so 8 source px = the 4 px tolerance
    truth = _track([[N, N], [100, 100], [N, N], [100, 100], [100, 100], [200, 200]])
    pred = _track([[N, N], [N, N], [50, 50], [108, 100], [100, 108.2], [203, 204]])
    c = point_counts(truth, pred).metrics()
    assert (c["tp"], c["fp"], c["fn"], c["tn"], c["fp_far"], c["fp_no_ball"]) == (2, 2, 1, 1, 1, 1)
    assert c["precision"] == pytest.approx(0.5)
    assert c["recall"] == pytest.approx(2 / 3)
    assert c["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert c["accuracy"] == pytest.approx(0.5)
    assert c["rmse_px"] == pytest.approx(math.sqrt((64 + 8.2 ** 2 + 25) / 3))  # source pixels, frames with both
    loose = point_counts(truth, pred, tolerance_px=5.0).metrics()  # configurable: 10 source px now
    assert (loose["tp"], loose["fp"]) == (3, 1)


def test_evaluate_pools_counts_and_reports_source_tolerance():
    a = _track([[100, 100], [N, N]])
    b = _track([[100, 100], [30, 30]])
    m = evaluate([(a, a), (a, b)])
    assert (m["tp"], m["fp"], m["tn"], m["frames"], m["clips"]) == (2, 1, 1, 4, 2)
    assert m["tolerance_px_source"] == pytest.approx(8.0)  # 4 px at 512 wide = 8 px at 1024
    assert m["sibatracc"] == pytest.approx((1.0 + (1 - 5 / 10)) / 2)


def test_lengths_must_agree():
    with pytest.raises(ValueError, match="frames"):
        point_counts(_track([[1, 1]]), _track([[1, 1], [2, 2]]))
