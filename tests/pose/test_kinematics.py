"""Metres, centre of mass, speeds and OpenSim markers on generated skeletons with known answers."""

import numpy as np
import pytest

from sportlens.pose.keypoints import BLAZEPOSE_33
from sportlens.pose.kinematics import (
    HEIGHT_CHAIN_SHARE,
    centre_of_mass,
    fixed_origin_markers,
    height_px,
    kinematics_table,
    metres_per_pixel,
    plane_metres,
)
from sportlens.pose.sequence import PoseSequence

# a standing figure, y down (pixels): heel at 1000, knee 1000-285, hip ... ear, so heel->ear = 936 px
LEVELS = {"heel": 1000.0, "ankle": 990.0, "foot_index": 1000.0, "knee": 715.0, "hip": 470.0, "shoulder": 182.0,
          "elbow": 300.0, "wrist": 420.0, "index": 450.0, "ear": 64.0}


def standing(n=10, dx_per_frame=0.0, fps=10.0) -> PoseSequence:
    k = len(BLAZEPOSE_33)
    xy = np.full((n, k, 2), np.nan)
    for i in range(n):
        for j, name in enumerate(BLAZEPOSE_33):
            part = name.split("_", 1)[-1]
            side = -20.0 if name.startswith("left") else 20.0
            if part in LEVELS:
                xy[i, j] = (500.0 + side + dx_per_frame * i, LEVELS[part])
            elif name == "nose":
                xy[i, j] = (500.0 + dx_per_frame * i, 60.0)
    world = np.zeros((n, k, 3))
    world[..., :2] = (xy - xy[:, [BLAZEPOSE_33.index("left_hip")]]) / 1000.0
    vis = np.where(np.isnan(xy[..., 0]), 0.0, 1.0)
    return PoseSequence(BLAZEPOSE_33, np.arange(n), np.arange(n) / fps, xy, vis, world, 1000, 1100, fps)


def test_height_from_the_segment_chain():
    # heel->knee 285 + knee->hip 245 + hip->shoulder 288 + shoulder->ear 118 = 936 px = 0.936 H
    assert height_px(standing()) == pytest.approx(936.0 / HEIGHT_CHAIN_SHARE, rel=1e-9)


def test_metres_per_pixel_from_the_athletes_height():
    scale, source = metres_per_pixel(standing(), 1.80)
    assert source == "person height"
    assert scale == pytest.approx(1.80 / 1000.0, rel=1e-9)  # the figure is 1000 px tall


def test_speed_of_a_walking_figure_and_its_centre_of_mass():
    seq = standing(n=10, dx_per_frame=25.0, fps=10.0)  # 250 px/s; 1000 px = 1.8 m, so 0.45 m/s
    kin = kinematics_table(seq, 1.8 / 1000.0, "person height")
    assert kin.table["com_speed_mps"].to_numpy() == pytest.approx(np.full(10, 0.45), rel=1e-6)
    assert kin.table["left_knee_speed_mps"].to_numpy() == pytest.approx(np.full(10, 0.45), rel=1e-6)
    com = centre_of_mass(seq, plane_metres(seq, 1.8 / 1000.0))
    # symmetric figure: the centre of mass sits on the mid-line, above the hips (y up from the ankles)
    assert com[0, 0] == pytest.approx(0.0, abs=1e-9)
    assert 0.9 < com[0, 1] < 1.2


def test_opensim_markers_have_a_fixed_origin_on_the_floor():
    seq = standing(n=5, dx_per_frame=100.0)
    markers = fixed_origin_markers(seq, 0.002)
    hip = markers["left_hip"]
    # BlazePose's world landmarks are hip-centred; the markers move with the hips: 100 px = 0.2 m a frame
    assert np.diff(hip[:, 0]) == pytest.approx(np.full(4, 0.2), abs=1e-9)
    lowest = min(np.nanmin(markers["left_heel"][:, 1]), np.nanmin(markers["right_heel"][:, 1]))
    assert lowest == pytest.approx(0.0, abs=1e-12)
    assert np.nanmin(markers["nose"][:, 1]) > 0.9  # Y up, in metres
