"""Form rules on hand-made keypoint sequences: a plank with sagging or piked hips, squats deep and shallow, a
skier's head against the trunk, a board rider's stance (mirrored camera and not)."""

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


def test_body_line_3d_does_not_depend_on_the_camera_angle():
    from sportlens.movement.form import body_line_3d_deg

    drop = np.array([0.0, 0.75 * np.tan(np.radians(10)), -0.75 * np.tan(np.radians(10))])
    world = {}  # a plank along x in metres, y down, hips dropped by `drop`
    for side, z in (("left", -0.1), ("right", 0.1)):
        world[f"{side}_shoulder"] = np.tile([0.75, 0.0, z], (3, 1))
        world[f"{side}_ankle"] = np.tile([-0.75, 0.0, z], (3, 1))
        world[f"{side}_hip"] = np.column_stack([np.zeros(3), drop, np.full(3, z)])
    np.testing.assert_allclose(body_line_3d_deg(world), [0, 20, -20], atol=1e-6)
    # the camera turned 50 deg about the vertical: the 2D image line would shorten, the 3D bend stays
    c, s = np.cos(np.radians(50)), np.sin(np.radians(50))
    turn = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    np.testing.assert_allclose(body_line_3d_deg({k: v @ turn.T for k, v in world.items()}), [0, 20, -20], atol=1e-6)


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
        assert rule.statistic in ("max", "min", "median") and rule.op in (">=", "<=")
        assert rule.labels is None or (len(rule.labels) == 2 and rule.labels[0] != rule.labels[1])
    names = [(r.exercise, r.name) for r in RULES]
    assert len(names) == len(set(names))
    docs = (Path(__file__).resolve().parents[2] / "docs" / "movement.md").read_text()
    assert rules_markdown() in docs


RATE = 30.0


def side_view(n: int, hip_x: np.ndarray | float, trunk_deg: float = 0.0, head_deg: float = 0.0, facing: int = 1,
              lead_left_px: float = 0.0) -> dict[str, np.ndarray]:
    """n frames of a person in side view facing the image's right (facing=1) or left (-1), mid-hip at (hip_x, 300),
    trunk 100 px long leaning trunk_deg forward (towards the face), the head line (mid-shoulder to mid-ear, 30 px)
    tipped head_deg further forward than the trunk; ankles at y 480 with the left one lead_left_px ahead of the
    right one in the facing direction. Left and right of each pair are 4 px apart in x (a side view)."""
    hip = np.column_stack([np.broadcast_to(np.asarray(hip_x, float), (n,)), np.full(n, 300.0)])
    lean, tip = np.radians(trunk_deg), np.radians(trunk_deg + head_deg)
    shoulder = hip + 100 * np.array([facing * np.sin(lean), -np.cos(lean)])
    ear = shoulder + 30 * np.array([facing * np.sin(tip), -np.cos(tip)])
    nose = ear + np.array([facing * 12.0, 4.0])
    foot = hip + np.array([0.0, 180.0])
    pts = {"nose": nose}
    for name, centre in (("shoulder", shoulder), ("hip", hip), ("ear", ear)):
        pts[f"left_{name}"], pts[f"right_{name}"] = centre - [2.0, 0], centre + [2.0, 0]
    pts["left_ankle"] = foot + [facing * lead_left_px / 2, 0]
    pts["right_ankle"] = foot - [facing * lead_left_px / 2, 0]
    return pts


def flipped_image(points: dict[str, np.ndarray], width: float = 1000.0) -> dict[str, np.ndarray]:
    """The same scene filmed from the other side: x reflected, each keypoint keeping its anatomical name."""
    return {k: np.column_stack([width - v[:, 0], v[:, 1]]) for k, v in points.items()}


def mirrored_camera(points: dict[str, np.ndarray], width: float = 1000.0) -> dict[str, np.ndarray]:
    """What the pose model reports on a mirrored (selfie) video of the scene: the image reflected, and the model
    names each side as it appears, so the anatomical left is reported as right."""
    from sportlens.movement.form import swap_sides

    return swap_sides(flipped_image(points, width))


def stance(points: dict[str, np.ndarray], mirrored: bool = False) -> str | None:
    from sportlens.movement.form import evaluate_form, measure_curves, rules_for

    rules = rules_for("board")
    [row] = evaluate_form(rules, measure_curves(rules, {}, points, RATE, mirrored), [(0, len(points["nose"]) - 1)])
    return row["stance_label"]


def test_stance_from_the_foot_leading_the_direction_of_travel():
    n = 60
    travel = 100 + 200 * np.arange(n) / RATE  # 2 torso lengths/s to the right
    regular = side_view(n, travel, trunk_deg=10, lead_left_px=80)
    goofy = side_view(n, travel, trunk_deg=10, lead_left_px=-80)
    assert stance(regular) == "regular" and stance(goofy) == "goofy"
    # filmed from the other side (travelling left on screen): the same stance
    assert stance(flipped_image(regular)) == "regular" and stance(flipped_image(goofy)) == "goofy"
    # riding backwards (fakie): the head looks back but the rider travels right: the travel decides
    assert stance(side_view(n, travel, facing=-1, lead_left_px=-80)) == "regular"
    # a mirrored camera shows a regular rider as goofy unless the flag swaps the sides back
    assert stance(mirrored_camera(regular)) == "goofy"
    assert stance(mirrored_camera(regular), mirrored=True) == "regular"
    assert stance(mirrored_camera(goofy), mirrored=True) == "goofy"


def test_stance_of_a_rider_not_travelling_across_the_image_follows_the_head():
    from sportlens.movement.form import left_foot_lead

    n = 30  # a camera that pans along: the rider stays at x 500
    assert stance(side_view(n, 500.0, facing=1, lead_left_px=80)) == "regular"
    left_looking = side_view(n, 500.0, facing=-1, lead_left_px=-80)  # right ankle 40 px left of the hip
    assert stance(left_looking) == "goofy"
    np.testing.assert_allclose(left_foot_lead({}, left_looking, RATE), -0.8, atol=1e-9)  # torso lengths
    assert stance(mirrored_camera(left_looking), mirrored=True) == "goofy"
    # the face towards the camera: no facing direction and no travel, so no stance rather than a guess
    frontal = side_view(n, 500.0, lead_left_px=80)
    frontal["nose"] = (frontal["left_ear"] + frontal["right_ear"]) / 2
    assert stance(frontal) is None


@pytest.mark.parametrize("facing", [1, -1])
def test_skiing_head_up_rule_at_known_angles(facing):
    from sportlens.movement.form import neck_flexion

    n = 10
    # trunk 35 deg forward; the head held 25 deg back from the trunk line (up, looking ahead), then 12 deg forward
    points = {k: np.concatenate([a, b]) for (k, a), b in zip(
        side_view(n, 300.0, trunk_deg=35, head_deg=-25, facing=facing).items(),
        side_view(n, 300.0, trunk_deg=35, head_deg=12, facing=facing).values(), strict=True)}
    np.testing.assert_allclose(neck_flexion({}, points, RATE), [-25] * n + [12] * n, atol=1e-9)
    rules = rules_for("skiing")
    rows = evaluate_form(rules, measure_curves(rules, {}, points, RATE), [(0, n - 1), (n, 2 * n - 1)])
    assert rows == [{"head_up": -25.0, "head_up_ok": True}, {"head_up": 12.0, "head_up_ok": False}]
    summary = form_summary(rules, rows)["head_up"]
    assert (summary["threshold"], summary["op"], summary["statistic"], summary["passed"], summary["measured"]) == \
        (0.0, "<=", "median", 1, 2)


def test_label_rules_count_each_label_in_the_summary():
    rules = rules_for("board")
    rows = [{"stance": 0.4, "stance_label": "regular"}, {"stance": -0.3, "stance_label": "goofy"},
            {"stance": 0.2, "stance_label": "regular"}, {"stance": None, "stance_label": None}]
    summary = form_summary(rules, rows)["stance"]
    assert summary["labels"] == {"regular": 2, "goofy": 1} and summary["measured"] == 3
    assert "passed" not in summary and summary["threshold"] == 0.0


def test_segments_without_repetitions_bridge_short_gaps():
    from sportlens.movement.form import seen_segments

    n = 90
    pts = side_view(n, 300.0)
    for k in pts:
        pts[k][40:45] = np.nan  # 5 frames lost: bridged (max 15 at 30 fps)
        pts[k][60:80] = np.nan  # 20 frames lost: splits; 80..89 is 10 frames, under 0.5 s: dropped
    assert seen_segments(pts, RATE) == [(0, 59)]
