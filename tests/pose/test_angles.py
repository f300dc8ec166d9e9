import math
from pathlib import Path

import numpy as np
import pytest

from sportlens.pose.angles import (
    ANGLES,
    angle_definitions_markdown,
    compute_angle,
    compute_angles,
    three_point_angle,
)
from sportlens.pose.keypoints import BLAZEPOSE_33
from sportlens.pose.sequence import PoseSequence


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),
        ((4, 0), (0, 0), (4, 3), math.degrees(math.atan2(3, 4))),  # 3-4-5 triangle: 36.8699 deg
        ((1, 0), (0, 0), (0.5, math.sqrt(3) / 2), 60.0),  # equilateral
        ((-2, 0), (0, 0), (5, 0), 180.0),  # straight
        ((2, 0), (0, 0), (5, 0), 0.0),  # folded back
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),  # 3D
        ((1, 1, 0), (0, 0, 0), (1, 0, 0), 45.0),
    ],
)
def test_three_point_angle_known_triangles(a, b, c, expected):
    result = three_point_angle(a, b, c)
    assert result.reason is None
    assert result.deg == pytest.approx(expected, abs=1e-9)


def test_three_point_angle_near_straight_is_accurate():
    # arccos loses precision here; the atan2 form keeps it
    result = three_point_angle((-1, 0), (0, 0), (1, 1e-7))
    assert result.deg == pytest.approx(180 - math.degrees(1e-7), abs=1e-9)


def test_coincident_points_give_nan_with_reason():
    first = three_point_angle((0, 0), (0, 0), (1, 0))
    assert math.isnan(first.deg) and first.reason == "first point coincides with the vertex"
    last = three_point_angle((1, 0), (0, 0), (0, 0))
    assert math.isnan(last.deg) and last.reason == "last point coincides with the vertex"
    missing = three_point_angle((np.nan, 0), (0, 0), (1, 0))
    assert math.isnan(missing.deg) and missing.reason == "missing keypoint"


def _definition(name):
    return next(d for d in ANGLES if d.name == name)


def test_knee_flexion_zero_when_straight_and_90_at_right_angle():
    knee = _definition("left_knee")
    straight = {"left_hip": np.array([[0.0, 0]]), "left_knee": np.array([[0.0, 10]]),
                "left_ankle": np.array([[0.0, 20]])}
    bent = {**straight, "left_ankle": np.array([[10.0, 10]])}
    assert compute_angle(knee, straight)[0] == pytest.approx(0.0, abs=1e-9)
    assert compute_angle(knee, bent)[0] == pytest.approx(90.0, abs=1e-9)


def test_ankle_dorsiflexion_zero_at_right_angle():
    ankle = _definition("right_ankle")
    pts = {"right_knee": np.array([[0.0, 0]]), "right_ankle": np.array([[0.0, 40]]),
           "right_foot_index": np.array([[15.0, 40]])}
    assert compute_angle(ankle, pts)[0] == pytest.approx(0.0, abs=1e-9)
    pts["right_foot_index"] = np.array([[15.0, 40 - 15 * math.tan(math.radians(20))]])  # toes 20 deg up
    assert compute_angle(ankle, pts)[0] == pytest.approx(20.0, abs=1e-9)


def test_trunk_lean_sign_and_size():
    lean = _definition("trunk_lean")
    hip = np.array([[100.0, 200.0]])
    upright = {"mid_hip": hip, "mid_shoulder": np.array([[100.0, 100.0]])}
    right = {"mid_hip": hip, "mid_shoulder": np.array([[200.0, 100.0]])}  # top to the image's right, 45 deg
    left = {"mid_hip": hip, "mid_shoulder": np.array([[100.0 - 100 * math.tan(math.radians(30)), 100.0]])}
    assert compute_angle(lean, upright)[0] == pytest.approx(0.0, abs=1e-9)
    assert compute_angle(lean, right)[0] == pytest.approx(45.0, abs=1e-9)
    assert compute_angle(lean, left)[0] == pytest.approx(-30.0, abs=1e-9)


def test_neck_trunk_and_shoulder_tilt():
    neck = _definition("neck_trunk")
    pts = {"mid_hip": np.array([[0.0, 100]]), "mid_shoulder": np.array([[0.0, 0]]),
           "mid_ear": np.array([[10.0, -10]])}  # head tipped 45 deg clockwise from the trunk line
    assert compute_angle(neck, pts)[0] == pytest.approx(45.0, abs=1e-9)
    tilt = _definition("shoulder_tilt")
    level = {"right_shoulder": np.array([[0.0, 50]]), "left_shoulder": np.array([[100.0, 50]])}
    dropped = {"right_shoulder": np.array([[0.0, 50]]), "left_shoulder": np.array([[100.0, 150]])}
    assert compute_angle(tilt, level)[0] == pytest.approx(0.0, abs=1e-9)
    assert compute_angle(tilt, dropped)[0] == pytest.approx(45.0, abs=1e-9)


def test_compute_angles_on_sequence_uses_virtual_points_and_keeps_nan():
    n, k = 2, len(BLAZEPOSE_33)
    xy = np.full((n, k, 2), np.nan)
    idx = BLAZEPOSE_33.index
    for frame in range(n):
        xy[frame, idx("left_hip")] = (90, 200)
        xy[frame, idx("right_hip")] = (110, 200)
        xy[frame, idx("left_shoulder")] = (90, 100)
        xy[frame, idx("right_shoulder")] = (110, 100)
    xy[1, idx("left_shoulder")] = (190, 100)  # mid shoulder moves to (150, 100): lean atan(50/100)
    seq = PoseSequence(BLAZEPOSE_33, np.arange(n), np.arange(n) / 30, xy, np.ones((n, k)), np.zeros((n, k, 3)),
                       640, 480, 30.0)
    table = compute_angles(seq)
    assert list(table.columns) == ["frame", "time_s", *[d.name for d in ANGLES]]
    assert table["trunk_lean"].tolist() == pytest.approx([0.0, math.degrees(math.atan2(50, 100))])
    assert table["left_knee"].isna().all()  # knees missing -> NaN, not 0


def test_docs_table_matches_definitions():
    docs = (Path(__file__).parents[2] / "docs" / "angles.md").read_text(encoding="utf-8")
    assert angle_definitions_markdown() in docs
