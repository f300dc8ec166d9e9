"""Pose features of one photo from its 33 BlazePose keypoints.

Position and size do not matter: the keypoints are centred on the mid-hip and divided by the torso length
(mid-shoulder to mid-hip; the keypoints' spread when the torso has no length). Left/right mirroring (x
negated, left and right keypoints swapped) is the training augmentation and the prediction average, so a
pose and its mirror image are one class. The joint and segment angles of sportlens.pose.angles are added
(degrees / 180); angles do not change with position or size.
"""

from __future__ import annotations

import numpy as np

from sportlens.pose.keypoints import BLAZEPOSE_33

NAMES = BLAZEPOSE_33
MIRROR = tuple(NAMES.index(n.replace("left", "#").replace("right", "left").replace("#", "right")) for n in NAMES)
FEATURE_VERSION = 1
_HIPS = (NAMES.index("left_hip"), NAMES.index("right_hip"))
_SHOULDERS = (NAMES.index("left_shoulder"), NAMES.index("right_shoulder"))


def normalise(xy: np.ndarray) -> np.ndarray:
    """(33, 2) keypoints (px, y down) centred on the mid-hip and scaled by the torso length; NaN stays NaN."""
    xy = np.asarray(xy, float)
    hips = xy[list(_HIPS)].mean(axis=0)
    shoulders = xy[list(_SHOULDERS)].mean(axis=0)
    scale = float(np.linalg.norm(shoulders - hips))
    if not np.isfinite(scale) or scale < 1e-6:
        spread = np.nanstd(xy, axis=0)
        scale = float(np.nanmax(spread)) if np.isfinite(spread).any() and np.nanmax(spread) > 1e-6 else 1.0
    centre = hips if np.isfinite(hips).all() else np.nan_to_num(np.nanmean(xy, axis=0))
    return (xy - centre) / scale


def mirror(xy: np.ndarray) -> np.ndarray:
    """Mirror image of keypoints (..., 33, 2) about x = 0: x negated, left and right keypoints swapped."""
    out = np.asarray(xy, float)[..., MIRROR, :].copy()
    out[..., 0] *= -1
    return out


def angle_features(xy: np.ndarray) -> np.ndarray:
    """The angles of sportlens.pose.angles (ANGLES, in its order) of one pose (33, 2), in degrees / 180."""
    from sportlens.pose.angles import ANGLES, compute_angles
    from sportlens.pose.sequence import PoseSequence

    k = len(NAMES)
    seq = PoseSequence(NAMES, np.array([0]), np.array([0.0]), np.asarray(xy, float)[None], np.ones((1, k)),
                       np.full((1, k, 3), np.nan), 1, 1, 1.0)
    table = compute_angles(seq, ANGLES)
    return table[[d.name for d in ANGLES]].to_numpy(float)[0] / 180.0


def pose_features(xy: np.ndarray) -> np.ndarray:
    """Feature vector of one pose (33, 2) px: normalised x, y of the 33 keypoints, then the angles; NaN -> 0."""
    norm = normalise(xy)
    return np.nan_to_num(np.concatenate([norm.ravel(), angle_features(norm)]), nan=0.0)


def feature_pairs(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features of each pose (N, 33, 2) and of its mirror image: two (N, F) arrays."""
    xy = np.asarray(xy, float)
    if not len(xy):
        n = 2 * len(NAMES) + len(angle_features(np.zeros((len(NAMES), 2))))
        return np.zeros((0, n)), np.zeros((0, n))
    return (np.stack([pose_features(p) for p in xy]), np.stack([pose_features(mirror(p)) for p in xy]))
