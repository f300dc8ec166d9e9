"""Joint and segment angles, declared as data (ANGLES) and computed by one function.

Kinds of definition:
- "joint": points (a, b, c); the angle at b between b->a and b->c, in [0, 180].
- "segment": points (a, b); the signed angle of a->b from straight up in the image, positive when the
  segment tips clockwise on screen (its top towards the image's right), in (-180, 180].
- "segments": points (a, b, c, d); the signed angle from a->b to c->d, positive clockwise on screen.
The reported value is offset_deg + sign * raw, so each row states its own zero and direction.
Angles are computed in image pixels (y down); world coordinates from BlazePose share the x/y axes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sportlens.pose.sequence import PoseSequence

EPS = 1e-9


@dataclass(frozen=True)
class AngleDefinition:
    """One angle as data: which keypoints, which formula (kind), its zero and its positive direction."""

    name: str
    kind: str
    points: tuple[str, ...]
    offset_deg: float
    sign: float
    zero: str
    positive: str
    fold_deg: float | None = None  # a line has no direction: fold the value into [-fold/2, fold/2)


def _bilateral(name: str, kind: str, points: tuple[str, ...], offset: float, sign: float, zero: str, positive: str):
    return tuple(
        AngleDefinition(f"{side}_{name}", kind, tuple(p.format(side=side) for p in points), offset, sign, zero,
                        positive)
        for side in ("left", "right")
    )


ANGLES: tuple[AngleDefinition, ...] = (
    *_bilateral("knee", "joint", ("{side}_hip", "{side}_knee", "{side}_ankle"), 180.0, -1.0,
                "leg straight", "flexion"),
    *_bilateral("hip", "joint", ("{side}_shoulder", "{side}_hip", "{side}_knee"), 180.0, -1.0,
                "trunk and thigh in line", "flexion (thigh towards trunk)"),
    *_bilateral("ankle", "joint", ("{side}_knee", "{side}_ankle", "{side}_foot_index"), 90.0, -1.0,
                "foot at a right angle to the shank", "dorsiflexion (toes towards shin)"),
    *_bilateral("elbow", "joint", ("{side}_shoulder", "{side}_elbow", "{side}_wrist"), 180.0, -1.0,
                "arm straight", "flexion"),
    *_bilateral("shoulder", "joint", ("{side}_hip", "{side}_shoulder", "{side}_elbow"), 0.0, 1.0,
                "upper arm along the trunk", "elevation of the arm (flexion or abduction)"),
    AngleDefinition("shoulder_tilt", "segment", ("right_shoulder", "left_shoulder"), -90.0, 1.0,
                    "shoulder line level (facing the camera or turned away)", "line turned clockwise on screen",
                    fold_deg=180.0),
    AngleDefinition("hip_tilt", "segment", ("right_hip", "left_hip"), -90.0, 1.0,
                    "hip line level (facing the camera or turned away)", "line turned clockwise on screen",
                    fold_deg=180.0),
    AngleDefinition("trunk_lean", "segment", ("mid_hip", "mid_shoulder"), 0.0, 1.0,
                    "trunk vertical", "shoulders to the image's right of the hips"),
    AngleDefinition("neck_trunk", "segments", ("mid_hip", "mid_shoulder", "mid_shoulder", "mid_ear"), 0.0, 1.0,
                    "head in line with the trunk", "head tipped clockwise on screen relative to the trunk"),
)

ANGLE_NAMES = tuple(a.name for a in ANGLES)
JOINT_ANGLES = tuple(a for a in ANGLES if a.kind == "joint")  # the ones that also make sense in 3D


@dataclass(frozen=True)
class AngleResult:
    """An angle in degrees, or NaN with the reason it cannot be computed."""

    deg: float
    reason: str | None = None


def joint_angles_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angle at b between b->a and b->c, in degrees [0, 180], for (..., D) points (D = 2 or 3).

    Returns (deg, reason_code): code 0 = ok, 1 = a missing value, 2 = a coincides with b,
    3 = c coincides with b. Degenerate angles are NaN, never 0.
    """
    a, b, c = (np.asarray(p, dtype=float) for p in (a, b, c))
    v1, v2 = a - b, c - b
    n1, n2 = np.linalg.norm(v1, axis=-1), np.linalg.norm(v2, axis=-1)
    if v1.shape[-1] == 2:
        cross = np.abs(v1[..., 0] * v2[..., 1] - v1[..., 1] * v2[..., 0])
    else:
        cross = np.linalg.norm(np.cross(v1, v2), axis=-1)
    dot = np.sum(v1 * v2, axis=-1)
    with np.errstate(invalid="ignore"):
        deg = np.degrees(np.arctan2(cross, dot))  # stable near 0 and 180, unlike arccos
    code = np.zeros(deg.shape, dtype=int)
    code[n1 < EPS] = 2
    code[(n2 < EPS) & (code == 0)] = 3
    code[np.isnan(n1) | np.isnan(n2)] = 1
    deg = np.where(code == 0, deg, np.nan)
    return deg, code


REASONS = {1: "missing keypoint", 2: "first point coincides with the vertex", 3: "last point coincides with the vertex"}


def three_point_angle(a, b, c) -> AngleResult:
    """Angle at vertex b of the triangle a-b-c in degrees; NaN with a reason when degenerate."""
    deg, code = joint_angles_deg(np.asarray(a, float), np.asarray(b, float), np.asarray(c, float))
    code = int(code)
    return AngleResult(float(deg), REASONS.get(code))


def signed_angle_deg(v1: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """Signed angle from v1 to v2 in degrees (-180, 180], positive clockwise on screen (y down); (..., 2)."""
    v1, v2 = np.asarray(v1, float), np.asarray(v2, float)
    cross = v1[..., 0] * v2[..., 1] - v1[..., 1] * v2[..., 0]
    dot = np.sum(v1[..., :2] * v2[..., :2], axis=-1)
    tiny = (np.linalg.norm(v1[..., :2], axis=-1) < EPS) | (np.linalg.norm(v2[..., :2], axis=-1) < EPS)
    with np.errstate(invalid="ignore"):
        return np.where(tiny, np.nan, np.degrees(np.arctan2(cross, dot)))


UP = np.array([0.0, -1.0])  # straight up in image coordinates (y grows downwards)


def compute_angle(definition: AngleDefinition, points: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate one definition on (N, D) arrays of named points; returns (N,) degrees."""
    p = [points[name] for name in definition.points]
    if definition.kind == "joint":
        raw, _ = joint_angles_deg(*p)
    elif definition.kind == "segment":
        raw = signed_angle_deg(np.broadcast_to(UP, p[0][..., :2].shape), p[1][..., :2] - p[0][..., :2])
    elif definition.kind == "segments":
        raw = signed_angle_deg(p[1][..., :2] - p[0][..., :2], p[3][..., :2] - p[2][..., :2])
    else:
        raise ValueError(f"unknown angle kind {definition.kind!r} in {definition.name}")
    value = definition.offset_deg + definition.sign * raw
    if definition.fold_deg:
        half = definition.fold_deg / 2
        value = np.mod(value + half, definition.fold_deg) - half
    return value


def select_angles(names: tuple[str, ...] | list[str] = (), definitions=ANGLES) -> tuple[AngleDefinition, ...]:
    """The definitions named (all when names is empty), in the table's order."""
    return tuple(d for d in definitions if not names or d.name in names)


def compute_angles(seq: PoseSequence, definitions=ANGLES, space: str = "image") -> pd.DataFrame:
    """Angle table: columns frame, time_s and one column per definition (degrees, NaN where missing)."""
    needed = {name for d in definitions for name in d.points}
    points = {name: seq.point(name, space) for name in needed}
    table = {"frame": seq.frame, "time_s": seq.time_s}
    for d in definitions:
        table[d.name] = compute_angle(d, points)
    return pd.DataFrame(table)


def angle_definitions_markdown(definitions=ANGLES) -> str:
    """The definitions as a Markdown table; docs/angles.md embeds it and a test keeps the two equal."""
    lines = ["| angle | kind | keypoints | value (deg) | 0 means | positive means |", "|---|---|---|---|---|---|"]
    for d in definitions:
        raw = "raw" if d.sign > 0 else "−raw"
        value = f"{d.offset_deg:g} {'+' if d.sign > 0 else '−'} raw" if d.offset_deg else raw
        if d.fold_deg:
            value += f", folded into [−{d.fold_deg / 2:g}, {d.fold_deg / 2:g})"
        lines.append(f"| `{d.name}` | {d.kind} | {' → '.join(d.points)} | {value} | {d.zero} | {d.positive} |")
    return "\n".join(lines) + "\n"
