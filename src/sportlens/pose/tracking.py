"""Stable person ids across frames: detections matched to tracks on box IoU and keypoint distance.

Each track predicts where its person is now (constant velocity since it was last seen), so two athletes
crossing each other keep their ids; a track survives `max_missed` frames unseen (a short occlusion); a
match whose centre jumped further than `max_jump` box diagonals from the prediction is refused (the gate),
and that detection starts a new id. The assignment is optimal per frame (scipy's linear_sum_assignment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

_NO_MATCH = 1e6  # cost of a pair the gate refused (finite: linear_sum_assignment needs a feasible matrix)


@dataclass(frozen=True)
class TrackerSettings:
    """iou_weight: share of (1 - IoU) in a pair's cost, the rest is the keypoint distance in box diagonals
    (capped at 1); max_cost: pairs costing more are not matched; max_jump: the gate, in box diagonals from
    the predicted centre; max_missed: frames a track may go unseen and still get its id back."""

    iou_weight: float = 0.5
    max_cost: float = 0.85
    max_jump: float = 0.75
    max_missed: int = 15
    velocity_smoothing: float = 0.5  # weight of the newest displacement in the velocity estimate


@dataclass
class Track:
    """One person being followed: last box (x0, y0, x1, y1 px), keypoints (K, 2) or None, velocity px/frame."""

    person_id: int
    box: np.ndarray
    keypoints: np.ndarray | None
    last_frame: int
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    frames_seen: int = 1

    def predicted_shift(self, frame: int) -> np.ndarray:
        return self.velocity * (frame - self.last_frame)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in a (N, 4) with every box in b (M, 4), boxes x0, y0, x1, y1 -> (N, M)."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def keypoint_box(xy: np.ndarray) -> np.ndarray | None:
    """The box (x0, y0, x1, y1) around the finite points of a (K, 2) array; None when there are none."""
    found = xy[np.isfinite(xy).all(axis=1)]
    if not len(found):
        return None
    return np.concatenate([found.min(axis=0), found.max(axis=0)])


def _centre(box: np.ndarray) -> np.ndarray:
    return (box[..., :2] + box[..., 2:]) / 2


def _diagonal(box: np.ndarray) -> float:
    return float(max(np.hypot(box[2] - box[0], box[3] - box[1]), 1.0))


class PersonTracker:
    """Give each detection of each frame a person id that stays with the same person.

    update(frame, boxes (M, 4), keypoints (M, K, 2) or None) -> M ids, in the detections' order."""

    def __init__(self, settings: TrackerSettings = TrackerSettings()):
        self.settings = settings
        self.tracks: list[Track] = []
        self.next_id = 0

    def cost_matrix(self, frame: int, boxes: np.ndarray, keypoints: np.ndarray | None) -> np.ndarray:
        """(tracks, detections) costs in [0, 1]; gated pairs get a huge cost."""
        s = self.settings
        cost = np.full((len(self.tracks), len(boxes)), _NO_MATCH)
        for t, track in enumerate(self.tracks):
            shift = track.predicted_shift(frame)
            predicted = track.box + np.tile(shift, 2)
            diag = _diagonal(predicted)
            iou = box_iou(predicted, boxes)[0]
            jump = np.linalg.norm(_centre(boxes) - _centre(predicted), axis=1) / diag
            for d in range(len(boxes)):
                if jump[d] > s.max_jump:
                    continue
                distance = jump[d]  # boxes only: the centre distance stands in for the keypoints
                if keypoints is not None and track.keypoints is not None:
                    both = np.isfinite(keypoints[d]).all(axis=1) & np.isfinite(track.keypoints).all(axis=1)
                    if both.any():
                        moved = keypoints[d][both] - (track.keypoints[both] + shift)
                        distance = float(np.linalg.norm(moved, axis=1).mean()) / diag
                c = s.iou_weight * (1 - iou[d]) + (1 - s.iou_weight) * min(distance, 1.0)
                if c <= s.max_cost:
                    cost[t, d] = c
        return cost

    def update(self, frame: int, boxes, keypoints=None) -> list[int]:
        """Match this frame's detections to the tracks; unmatched detections start new ids; tracks unseen for
        more than max_missed frames are ended. Frames must come in increasing order."""
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        keypoints = None if keypoints is None else np.asarray(keypoints, float)
        ids = [-1] * len(boxes)
        if len(boxes) and self.tracks:
            cost = self.cost_matrix(frame, boxes, keypoints)
            rows, cols = linear_sum_assignment(cost)
            for t, d in zip(rows, cols, strict=True):
                if cost[t, d] < _NO_MATCH:
                    self._extend(self.tracks[t], frame, boxes[d], None if keypoints is None else keypoints[d])
                    ids[d] = self.tracks[t].person_id
        for d in range(len(boxes)):
            if ids[d] < 0:
                track = Track(self.next_id, boxes[d].copy(), None if keypoints is None else keypoints[d].copy(),
                              frame)
                self.tracks.append(track)
                self.next_id += 1
                ids[d] = track.person_id
        self.tracks = [t for t in self.tracks if frame - t.last_frame <= self.settings.max_missed]
        return ids

    def _extend(self, track: Track, frame: int, box: np.ndarray, keypoints: np.ndarray | None) -> None:
        a = self.settings.velocity_smoothing
        step = (_centre(box) - _centre(track.box)) / max(frame - track.last_frame, 1)
        track.velocity = step if track.frames_seen == 1 else a * step + (1 - a) * track.velocity
        track.box = box.copy()
        track.keypoints = None if keypoints is None else keypoints.copy()
        track.last_frame = frame
        track.frames_seen += 1
