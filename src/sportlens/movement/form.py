"""Form indicators as data: per exercise, rules on a measure of the pose within each repetition ("knee flexion at
the bottom of a squat at least 90 deg"), interpreted by one function, `evaluate_form`.

A measure is a per-frame curve computed from the pose (MEASURES, a registry of small functions); a rule (RULES,
one row each) takes a statistic of it over a repetition and compares it with a threshold. Adding a rule is one
new row; docs/movement.md shows `rules_markdown()` (tested to match).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Points = dict[str, np.ndarray]  # keypoint name -> (N, 2) pixels, y down
Angles = dict[str, np.ndarray]  # angle name -> (N,) deg


def _mean_side(values: Angles, name: str) -> np.ndarray:
    """Mean of left_<name> and right_<name> where both are seen, else the one seen."""
    a, b = values.get(f"left_{name}"), values.get(f"right_{name}")
    if a is None or b is None:
        return np.asarray(a if b is None else b, float)
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.where(np.isfinite(a) & np.isfinite(b), (a + b) / 2, np.where(np.isfinite(a), a, b))


def _mid(points: Points, name: str) -> np.ndarray:
    """Midpoint of the left and right keypoint where both are seen, else the one seen (side views hide one)."""
    a, b = points[f"left_{name}"], points[f"right_{name}"]
    both = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    return np.where(both[:, None], (a + b) / 2, np.where(np.isfinite(a).all(axis=1)[:, None], a, b))


def body_line_deg(angles: Angles, points: Points) -> np.ndarray:
    """How far the body bends at the hips away from a straight shoulder-hip-ankle line (deg: 180 minus the angle at
    the hip): positive when the hips sag below the shoulder-ankle line (towards the floor, image y down),
    negative when they pike above it."""
    shoulder, hip, ankle = _mid(points, "shoulder"), _mid(points, "hip"), _mid(points, "ankle")
    to_shoulder, to_ankle = shoulder - hip, ankle - hip
    cross = to_shoulder[:, 0] * to_ankle[:, 1] - to_shoulder[:, 1] * to_ankle[:, 0]
    bend = 180.0 - np.degrees(np.arctan2(np.abs(cross), np.sum(to_shoulder * to_ankle, axis=1)))
    # which side of the shoulder-ankle line the hip is on: below (larger image y) is a sag
    line = ankle - shoulder
    normal = np.column_stack([-line[:, 1], line[:, 0]])
    normal *= np.where(normal[:, 1:2] < 0, -1.0, 1.0)  # the normal that points down the image
    below = np.sum((hip - shoulder) * normal, axis=1) > 0
    return np.where(below, bend, -bend)


def knee_travel(angles: Angles, points: Points) -> np.ndarray:
    """How far the knees pass the toes horizontally, in shank lengths (knee to ankle), in the direction the feet
    point (heel to toe); negative while behind the toes."""
    knee, ankle, heel, toe = (_mid(points, n) for n in ("knee", "ankle", "heel", "foot_index"))
    facing = np.sign(toe[:, 0] - heel[:, 0])
    shank = np.linalg.norm(knee - ankle, axis=1)
    return np.where(shank > 0, (knee[:, 0] - toe[:, 0]) * facing / shank, np.nan)


MEASURES: dict[str, tuple[str, Callable[[Angles, Points], np.ndarray]]] = {
    "knee_flexion": ("deg", lambda a, p: _mean_side(a, "knee")),
    "hip_flexion": ("deg", lambda a, p: _mean_side(a, "hip")),
    "elbow_flexion": ("deg", lambda a, p: _mean_side(a, "elbow")),
    "trunk_lean": ("deg", lambda a, p: np.abs(np.asarray(a["trunk_lean"], float))),
    "body_line": ("deg", body_line_deg),
    "knee_travel": ("shank lengths", knee_travel),
}


@dataclass(frozen=True)
class FormRule:
    """One form indicator: over each repetition, `statistic` ('max' or 'min') of `measure` must be `op` ('>=' or
    '<=') `threshold`. name: the column stem in reps.csv (<name> value, <name>_ok)."""

    exercise: str
    name: str
    measure: str
    statistic: str
    op: str
    threshold: float
    meaning: str


# Thresholds from common coaching cues, not fitted to any data set.
RULES: tuple[FormRule, ...] = (
    FormRule("squat", "depth", "knee_flexion", "max", ">=", 90.0, "thighs reach parallel: knees bend at least 90 deg"),
    FormRule("squat", "trunk_lean", "trunk_lean", "max", "<=", 45.0, "trunk stays within 45 deg of vertical"),
    FormRule("squat", "knee_travel", "knee_travel", "max", "<=", 0.3, "knees pass the toes by at most 0.3 shank"),
    FormRule("lunge", "depth", "knee_flexion", "max", ">=", 80.0, "front knee bends at least 80 deg"),
    FormRule("lunge", "trunk_lean", "trunk_lean", "max", "<=", 30.0, "trunk stays within 30 deg of vertical"),
    FormRule("push-up", "elbow_depth", "elbow_flexion", "max", ">=", 75.0, "elbows bend at least 75 deg at the bottom"),
    FormRule("push-up", "hip_sag", "body_line", "max", "<=", 15.0, "body bends at most 15 deg at the hips with "
                                                                   "the hips sagging"),
    FormRule("push-up", "hip_pike", "body_line", "min", ">=", -25.0, "... at most 25 deg with the hips piked"),
    FormRule("dips", "depth", "elbow_flexion", "max", ">=", 80.0, "elbows bend at least 80 deg at the bottom"),
    FormRule("pull-up", "full_hang", "elbow_flexion", "min", "<=", 30.0, "arms straighten to within 30 deg at the "
                                                                          "bottom"),
    FormRule("pull-up", "pull_height", "elbow_flexion", "max", ">=", 90.0, "elbows bend at least 90 deg at the top"),
)

_OPS = {">=": operator.ge, "<=": operator.le}
_STATS = {"max": np.nanmax, "min": np.nanmin}


def rules_for(exercise: str) -> tuple[FormRule, ...]:
    return tuple(r for r in RULES if r.exercise == exercise)


def measure_curves(rules: tuple[FormRule, ...], angles: Angles, points: Points) -> dict[str, np.ndarray]:
    """Each measure the rules use, per frame; a measure whose angles or keypoints are missing is left out."""
    out = {}
    for measure in dict.fromkeys(r.measure for r in rules):
        try:
            out[measure] = np.asarray(MEASURES[measure][1](angles, points), float)
        except KeyError:
            continue
    return out


def evaluate_form(rules: tuple[FormRule, ...], curves: dict[str, np.ndarray],
                  spans: list[tuple[int, int]]) -> list[dict[str, float | bool | None]]:
    """Per repetition (start, end sample indices, inclusive), each rule's value and whether it passes: a dict
    {<name>: value, <name>_ok: bool}; None for both when the measure is missing or never seen in the repetition."""
    rows = []
    for start, end in spans:
        row: dict[str, float | bool | None] = {}
        for rule in rules:
            seg = curves.get(rule.measure)
            seg = None if seg is None else seg[start : end + 1]
            if seg is None or not np.isfinite(seg).any():
                row[rule.name], row[f"{rule.name}_ok"] = None, None
                continue
            value = float(_STATS[rule.statistic](seg))
            row[rule.name] = round(value, 2)
            row[f"{rule.name}_ok"] = bool(_OPS[rule.op](value, rule.threshold))
        rows.append(row)
    return rows


def form_summary(rules: tuple[FormRule, ...], rows: list[dict]) -> dict[str, dict]:
    """summary.json's `form`: per rule the measure, statistic, op, threshold, unit, and how many repetitions
    passed of those where it could be measured."""
    out = {}
    for rule in rules:
        seen = [r[f"{rule.name}_ok"] for r in rows if r.get(f"{rule.name}_ok") is not None]
        out[rule.name] = {"measure": rule.measure, "statistic": rule.statistic, "op": rule.op,
                          "threshold": rule.threshold, "unit": MEASURES[rule.measure][0],
                          "passed": int(sum(seen)), "measured": len(seen), "meaning": rule.meaning}
    return out


def rules_markdown() -> str:
    """The rules as a markdown table (docs/movement.md holds this text; a test keeps the two the same)."""
    lines = ["| exercise | indicator (reps.csv column) | rule per repetition | threshold | meaning |",
             "|---|---|---|---|---|"]
    for r in RULES:
        unit = MEASURES[r.measure][0]
        lines.append(f"| {r.exercise} | `{r.name}` | {r.statistic} of `{r.measure}` {r.op} threshold | "
                     f"{r.threshold:g} {unit} | {r.meaning} |")
    return "\n".join(lines) + "\n"
