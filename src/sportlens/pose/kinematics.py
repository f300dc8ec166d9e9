"""Real units from a pose: pixels to metres from the athlete's height, the centre of mass, speeds, and
world markers on a fixed origin for OpenSim.

Height in pixels: the chain heel -> knee -> hip -> mid-shoulder -> mid-ear, as a share of standing height
from the segment proportions of Drillis & Contini (1966, as tabulated in Winter, Biomechanics and Motor
Control of Human Movement): heel to knee 0.285 H, knee to hip 0.245 H, hip to shoulder 0.288 H, shoulder
to ear 0.118 H; together 0.936 H. Summing segment lengths (not the vertical extent) keeps the estimate
when the athlete crouches or leans. Segment masses and centre-of-mass positions are Winter's table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sportlens.pose.sequence import PoseSequence

HEIGHT_CHAIN_SHARE = 0.285 + 0.245 + 0.288 + 0.118  # heel..ear as a share of standing height

# (segment, proximal point, distal point, mass share, centre of mass from the proximal end as a share of
# its length); Winter's table, the hand and foot simplified to the landmarks BlazePose gives
SEGMENTS = (
    ("head_neck", "mid_shoulder", "mid_ear", 0.081, 1.0),
    ("trunk", "mid_hip", "mid_shoulder", 0.497, 0.5),
    ("left_upper_arm", "left_shoulder", "left_elbow", 0.028, 0.436),
    ("right_upper_arm", "right_shoulder", "right_elbow", 0.028, 0.436),
    ("left_forearm", "left_elbow", "left_wrist", 0.016, 0.430),
    ("right_forearm", "right_elbow", "right_wrist", 0.016, 0.430),
    ("left_hand", "left_wrist", "left_index", 0.006, 0.506),
    ("right_hand", "right_wrist", "right_index", 0.006, 0.506),
    ("left_thigh", "left_hip", "left_knee", 0.100, 0.433),
    ("right_thigh", "right_hip", "right_knee", 0.100, 0.433),
    ("left_shank", "left_knee", "left_ankle", 0.0465, 0.433),
    ("right_shank", "right_knee", "right_ankle", 0.0465, 0.433),
    ("left_foot", "left_heel", "left_foot_index", 0.0145, 0.5),
    ("right_foot", "right_heel", "right_foot_index", 0.0145, 0.5),
)
SPEED_POINTS = ("left_wrist", "right_wrist", "left_elbow", "right_elbow", "left_shoulder", "right_shoulder",
                "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")


def _length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a - b, axis=-1)


def height_px(seq: PoseSequence) -> float | None:
    """The athlete's standing height in pixels (median over frames, each side's leg averaged); None when no
    frame shows the whole chain."""
    p = seq.point
    legs = np.stack([_length(p(f"{s}_heel"), p(f"{s}_knee")) + _length(p(f"{s}_knee"), p(f"{s}_hip"))
                     for s in ("left", "right")])
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # frames with neither leg: NaN, dropped below
            leg = np.nanmean(legs, axis=0)
    chain = leg + _length(p("mid_hip"), p("mid_shoulder")) + _length(p("mid_shoulder"), p("mid_ear"))
    chain = chain[np.isfinite(chain)]
    if chain.size == 0:
        return None
    return float(np.median(chain) / HEIGHT_CHAIN_SHARE)


def metres_per_pixel(seq: PoseSequence, person_height_m: float | None) -> tuple[float | None, str]:
    """Scale of the image plane at the athlete: from the given height, else from BlazePose's own metric
    world landmarks (torso length in metres over torso length in pixels); with how it was found."""
    if person_height_m is not None:
        h = height_px(seq)
        return (None, "athlete not fully visible") if h is None else (person_height_m / h, "person height")
    world = _length(seq.point("mid_hip", "world"), seq.point("mid_shoulder", "world"))
    image = _length(seq.point("mid_hip"), seq.point("mid_shoulder"))
    ratio = world / image
    ratio = ratio[np.isfinite(ratio) & (image > 1)]
    return (float(np.median(ratio)), "BlazePose world torso length") if ratio.size else (None, "no torso visible")


def plane_metres(seq: PoseSequence, scale: float) -> np.ndarray:
    """(N, K, 2) positions in metres in the image plane, x right and y up, origin at the first frame's
    mid-ankle (where the athlete stands)."""
    xy = seq.xy_px * scale
    ankles = (seq.point("left_ankle") + seq.point("right_ankle")) / 2 * scale
    valid = np.flatnonzero(np.isfinite(ankles).all(axis=1))
    origin = ankles[valid[0]] if valid.size else np.zeros(2)
    out = xy - origin
    out[..., 1] *= -1
    return out


def centre_of_mass(seq: PoseSequence, positions: np.ndarray) -> np.ndarray:
    """(N, 2) whole-body centre of mass from segment masses, for positions (N, K, 2) in seq's keypoint order."""

    def point(name: str) -> np.ndarray:
        from sportlens.pose.keypoints import VIRTUAL_POINTS

        if name in VIRTUAL_POINTS:
            a, b = VIRTUAL_POINTS[name]
            return (positions[:, seq.index(a)] + positions[:, seq.index(b)]) / 2
        return positions[:, seq.index(name)]

    total = np.zeros(positions.shape[:1] + (2,))
    for _, prox, dist, mass, share in SEGMENTS:
        a, b = point(prox), point(dist)
        total += mass * (a + share * (b - a))
    return total


def speeds(values: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Speed (units/s) of (N, 2) positions by central differences over time; NaN where a neighbour is missing."""
    if len(values) < 2:
        return np.full(len(values), np.nan)
    velocity = np.gradient(values, time_s, axis=0)
    return np.linalg.norm(velocity, axis=-1)


@dataclass(frozen=True)
class Kinematics:
    """Metric results of one athlete: scale (m/px) and how it was found, the table of speeds."""

    metres_per_px: float
    scale_source: str
    table: pd.DataFrame


def kinematics_table(seq: PoseSequence, scale: float, scale_source: str, person_id: int = 0) -> Kinematics:
    """Centre of mass position and speed, and joint speeds, in metres and m/s per frame."""
    pos = plane_metres(seq, scale)
    com = centre_of_mass(seq, pos)
    table = {"frame": seq.frame, "time_s": np.round(seq.time_s, 6), "person_id": person_id,
             "com_x_m": com[:, 0].round(4), "com_y_m": com[:, 1].round(4),
             "com_speed_mps": speeds(com, seq.time_s).round(4)}
    for name in SPEED_POINTS:
        table[f"{name}_speed_mps"] = speeds(pos[:, seq.index(name)], seq.time_s).round(4)
    return Kinematics(scale, scale_source, pd.DataFrame(table))


def fixed_origin_markers(seq: PoseSequence, scale: float | None) -> dict[str, np.ndarray]:
    """3D markers for OpenSim (Y up, metres) on a fixed origin: BlazePose's hip-centred world landmarks
    moved by the hips' travel in the image plane (scaled to metres); the origin is the first frame's
    mid-hip projected to the floor plane (y = 0 at the lowest heel)."""
    world = seq.world_m * np.array([1.0, -1.0, -1.0])  # BlazePose: y down, z away from the camera
    hips = seq.point("mid_hip")
    travel = np.zeros((len(seq), 3))
    if scale is not None:
        valid = np.flatnonzero(np.isfinite(hips).all(axis=1))
        if valid.size:
            moved = (hips - hips[valid[0]]) * scale
            travel[:, 0], travel[:, 1] = moved[:, 0], -moved[:, 1]
    markers = world + travel[:, None, :]
    heels = markers[:, [seq.index("left_heel"), seq.index("right_heel")], 1]
    if np.isfinite(heels).any():
        markers[..., 1] -= np.nanmin(heels)
    return {name: markers[:, k] for k, name in enumerate(seq.names)}
