"""The person tracker on synthetic boxes with known ids: crossing, occlusion, the gate."""

import numpy as np
import pytest

from sportlens.pose.tracking import PersonTracker, TrackerSettings, box_iou, keypoint_box

W, H = 60, 120


def box(x, y):
    return [x, y, x + W, y + H]


def crossing(frame):
    """A walks right along y=100, B walks left along y=130; their boxes overlap from frame 7 to 13."""
    return box(10 * frame, 100), box(200 - 10 * frame, 130)


def test_box_iou_exact():
    iou = box_iou([[0, 0, 10, 10]], [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    assert iou.tolist() == [[1.0, pytest.approx(1 / 3), 0.0]]


def test_keypoint_box_ignores_missing_points():
    xy = np.array([[1.0, 2.0], [np.nan, np.nan], [5.0, 9.0]])
    assert keypoint_box(xy).tolist() == [1.0, 2.0, 5.0, 9.0]
    assert keypoint_box(np.full((3, 2), np.nan)) is None


def test_ids_survive_crossing():
    tracker = PersonTracker()
    for frame in range(21):
        a, b = crossing(frame)
        # the detector lists them in a changing order: ids must follow the people, not the list
        if frame % 2:
            assert tracker.update(frame, [b, a]) == [1, 0], frame
        else:
            assert tracker.update(frame, [a, b]) == [0, 1], frame
    assert tracker.next_id == 2


def test_ids_survive_crossing_with_keypoints():
    rng = np.random.default_rng(0)
    shape = rng.uniform([0, 0], [W, H], size=(17, 2))
    tracker = PersonTracker()
    for frame in range(21):
        a, b = crossing(frame)
        kps = np.stack([shape + a[:2], shape + b[:2]])
        assert tracker.update(frame, [a, b], kps) == [0, 1], frame


def test_id_survives_short_occlusion():
    tracker = PersonTracker(TrackerSettings(max_missed=8))
    for frame in range(21):
        a, b = crossing(frame)
        if 8 <= frame <= 12:  # A walks behind B for five frames: only B is seen
            assert tracker.update(frame, [b]) == [1], frame
        else:
            assert tracker.update(frame, [a, b]) == [0, 1], frame
    assert tracker.next_id == 2


def test_long_absence_ends_the_track():
    tracker = PersonTracker(TrackerSettings(max_missed=3))
    assert tracker.update(0, [box(0, 0)]) == [0]
    for frame in range(1, 5):
        assert tracker.update(frame, []) == []
    assert tracker.update(5, [box(0, 0)]) == [1]


def test_gate_rejects_a_far_jump():
    tracker = PersonTracker()
    assert tracker.update(0, [box(0, 0)]) == [0]
    assert tracker.update(1, [box(5, 0)]) == [0]
    # the only detection is 400 px away (three box diagonals): not the same person
    assert tracker.update(2, [box(405, 0)]) == [1]
    # the first person comes back where expected, within max_missed: id 0 again
    assert tracker.update(3, [box(405, 0), box(12, 0)]) == [1, 0]
