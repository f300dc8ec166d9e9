"""Form rules on hand-made keypoint sequences: a plank with sagging or piked hips, squats deep and shallow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sportlens.movement.form import (
    MEASURES,
    RULES,
    body_line_deg,
    evaluate_form,
    form_summary,
    knee_travel,
    measure_curves,
    rules_for,
    rules_markdown,
)
from sportlens.movement.reps import EXERCISES


def plank(hip_drop_px: np.ndarray) -> dict[str, np.ndarray]:
    """Side view of a push-up plank facing right: shoulders at x 300, ankles at x 0, both at y 200 (image y down);
    the hips half way, hip_drop_px below the line (negative: above)."""
    n = len(hip_drop_px)
    pts = {}
    for side in ("left", "right"):
        pts[f"{side}_shoulder"] = np.tile([300.0, 200.0], (n, 1))
        pts[f"{side}_ankle"] = np.tile([0.0, 200.0], (n, 1))
        pts[f"{side}_hip"] = np.column_stack([np.full(n, 150.0), 200.0 + hip_drop_px])
    return pts


def test_body_line_is_signed_degrees_of_bend_at_the_hips():
    drop = np.array([0.0, 150 * np.tan(np.radians(10)), -150 * np.tan(np.radians(10))])
    np.testing.assert_allclose(body_line_deg({}, plank(drop)), [0, 20, -20], atol=1e-6)
    # the same plank seen from the other side (mirrored): the same values
    mirrored = {k: np.column_stack([600 - v[:, 0], v[:, 1]]) for k, v in plank(drop).items()}
    np.testing.assert_allclose(body_line_deg({}, mirrored), [0, 20, -20], atol=1e-6)


def test_push_up_rules_flag_the_sagging_repetition_and_report_the_threshold():
    # three repetitions of 10 frames: straight, sagging 30 deg at the hips, piked 40 deg
    drop = np.concatenate([np.zeros(10), np.full(10, 150 * np.tan(np.radians(15))),
                           np.full(10, -150 * np.tan(np.radians(20)))])
    elbow = np.tile(np.concatenate([np.linspace(10, 90, 5), np.linspace(90, 10, 5)]), 3)
    angles = {"left_elbow": elbow, "right_elbow": elbow}
    rules = rules_for("push-up")
    rows = evaluate_form(rules, measure_curves(rules, angles, plank(drop)), [(0, 9), (10, 19), (20, 29)])
    assert [r["hip_sag_ok"] for r in rows] == [True, False, True]
    assert [r["hip_pike_ok"] for r in rows] == [True, True, False]
    assert all(r["elbow_depth_ok"] for r in rows) and rows[0]["elbow_depth"] == pytest.approx(90)
    assert rows[1]["hip_sag"] == pytest.approx(30, abs=0.01)
    summary = form_summary(rules, rows)
    assert summary["hip_sag"] == {"measure": "body_line", "statistic": "max", "op": "<=", "threshold": 15.0,
                                  "unit": "deg", "passed": 2, "measured": 3,
                                  "meaning": summary["hip_sag"]["meaning"]}


def test_squat_depth_and_missing_measures():
    knee = np.concatenate([10 + 50 * np.sin(np.linspace(0, np.pi, 20)), 10 + 100 * np.sin(np.linspace(0, np.pi, 20))])
    angles = {"left_knee": knee, "right_knee": knee, "trunk_lean": np.full(40, -20.0)}
    rules = rules_for("squat")
    rows = evaluate_form(rules, measure_curves(rules, angles, {}), [(0, 19), (20, 39)])
    assert [r["depth_ok"] for r in rows] == [False, True]
    assert rows[0]["trunk_lean"] == 20.0 and rows[0]["trunk_lean_ok"]
    assert rows[0]["knee_travel"] is None and rows[0]["knee_travel_ok"] is None  # no keypoints given


def test_knee_travel_in_shank_lengths_towards_the_toes():
    pts = {}
    for side in ("left", "right"):
        pts[f"{side}_heel"] = np.array([[0.0, 400.0]])
        pts[f"{side}_foot_index"] = np.array([[50.0, 400.0]])
        pts[f"{side}_ankle"] = np.array([[10.0, 390.0]])
        pts[f"{side}_knee"] = np.array([[70.0, 310.0]])  # 20 px past the toes, shank 100 px
    np.testing.assert_allclose(knee_travel({}, pts), [0.2])


def test_rules_are_consistent_data_and_the_docs_table_is_generated_from_them():
    for rule in RULES:
        assert rule.exercise in EXERCISES and rule.measure in MEASURES
        assert rule.statistic in ("max", "min") and rule.op in (">=", "<=")
    names = [(r.exercise, r.name) for r in RULES]
    assert len(names) == len(set(names))
    docs = (Path(__file__).resolve().parents[2] / "docs" / "movement.md").read_text()
    assert rules_markdown() in docs
