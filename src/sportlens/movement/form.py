"""Form and skill indicators as data: per exercise or sport, rules on a measure of the pose within each repetition
("knee flexion at the bottom of a squat at least 90 deg"), or within each segment of the video where the athlete is
seen when nothing repeats (a ski run, a board ride), interpreted by one function, `evaluate_form`.

A measure is a per-frame curve computed from the pose (MEASURES, a registry of small functions); a rule (RULES,
one row each) takes a statistic of it over a repetition or segment and compares it with a threshold. A check rule
says pass/fail (`<name>_ok`); a label rule names the outcome (`<name>_label`, e.g. the board stance regular/goofy).
Adding a rule is one new row; docs/movement.md shows `rules_markdown()` (tested to match).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Points = dict[str, np.ndarray]  # keypoint name -> (N, 2) pixels, y down
Angles = dict[str, np.ndarray]  # angle name -> (N,) deg
Measure = Callable[[Angles, Points, float], np.ndarray]  # (angles, points, rate_hz) -> (N,) per frame


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


def body_line_3d_deg(world: dict[str, np.ndarray]) -> np.ndarray:
    """`body_line_deg` from BlazePose's world coordinates (name -> (N, 3) metres, origin between the hips, y down):
    180 minus the 3D angle at the mid-hip between mid-shoulder and mid-ankle, so a camera at an angle to the body
    does not bend the line; positive when the hip lies below (larger y) the shoulder-ankle line, negative above."""
    shoulder, hip, ankle = _mid(world, "shoulder"), _mid(world, "hip"), _mid(world, "ankle")
    to_shoulder, to_ankle = shoulder - hip, ankle - hip
    cross = np.linalg.norm(np.cross(to_shoulder, to_ankle), axis=1)
    bend = 180.0 - np.degrees(np.arctan2(cross, np.sum(to_shoulder * to_ankle, axis=1)))
    line = ankle - shoulder
    length2 = np.sum(line * line, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        foot_of_hip = shoulder + line * (np.sum((hip - shoulder) * line, axis=1) / length2)[:, None]
    return np.where(hip[:, 1] - foot_of_hip[:, 1] > 0, bend, -bend)


def knee_travel(angles: Angles, points: Points) -> np.ndarray:
    """How far the knees pass the toes horizontally, in shank lengths (knee to ankle), in the direction the feet
    point (heel to toe); negative while behind the toes."""
    knee, ankle, heel, toe = (_mid(points, n) for n in ("knee", "ankle", "heel", "foot_index"))
    facing = np.sign(toe[:, 0] - heel[:, 0])
    shank = np.linalg.norm(knee - ankle, axis=1)
    return np.where(shank > 0, (knee[:, 0] - toe[:, 0]) * facing / shank, np.nan)


def _torso(points: Points) -> np.ndarray:
    """Mid-shoulder to mid-hip distance per frame (px), NaN where unseen or zero."""
    torso = np.linalg.norm(_mid(points, "shoulder") - _mid(points, "hip"), axis=1)
    return np.where(torso > 0, torso, np.nan)


FACING_MIN = 0.05  # torso lengths: the nose must sit this far to one side of the ears to tell the facing direction


def facing_direction(points: Points) -> np.ndarray:
    """+1 where the head faces the image's right (the nose right of the mid-ear point), -1 left, NaN when it faces
    the camera or away from it (nose within FACING_MIN torso lengths of the ears) or is unseen."""
    dx = (points["nose"][:, 0] - _mid(points, "ear")[:, 0]) / _torso(points)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(dx) >= FACING_MIN, np.sign(dx), np.nan)


def neck_flexion(angles: Angles, points: Points, rate_hz: float = 30.0) -> np.ndarray:
    """The head line (mid-shoulder to mid-ear) against the trunk line (mid-hip to mid-shoulder), deg, positive when
    the head tips forward of the trunk (towards where the face points: looking down), negative when it is held
    back (up, behind the trunk line). The book's ski-skill reading: a beginner's head follows or drops below the
    forward-leaning trunk, a skilled skier holds it up. Side views only: NaN while the face points at the camera."""
    from sportlens.pose.angles import signed_angle_deg

    hip, shoulder, ear = _mid(points, "hip"), _mid(points, "shoulder"), _mid(points, "ear")
    # clockwise on screen is towards the image's right for a segment pointing up
    return signed_angle_deg(shoulder - hip, ear - shoulder) * facing_direction(points)


TRAVEL_WINDOW_S = 0.5  # the mid-hip's horizontal velocity is its displacement over this window
MIN_TRAVEL = 0.5  # torso lengths per second: slower, the direction of travel falls back to the facing direction


def travel_direction(points: Points, rate_hz: float) -> np.ndarray:
    """+1 where the athlete moves towards the image's right, -1 left: the mid-hip's horizontal velocity over
    TRAVEL_WINDOW_S when it is at least MIN_TRAVEL torso lengths/s; else (a camera that pans along, a rider
    standing) the facing direction of the head, which looks where the board goes; NaN when neither is known."""
    x = _mid(points, "hip")[:, 0]
    half = max(1, int(round(TRAVEL_WINDOW_S * rate_hz / 2)))
    velocity = np.full(len(x), np.nan)
    if len(x) > 2 * half:
        velocity[half:-half] = (x[2 * half :] - x[: -2 * half]) / (2 * half / rate_hz)
    speed = velocity / _torso(points)
    with np.errstate(invalid="ignore"):
        moving = np.abs(speed) >= MIN_TRAVEL
    return np.where(moving, np.sign(speed), facing_direction(points))


def left_foot_lead(angles: Angles, points: Points, rate_hz: float = 30.0) -> np.ndarray:
    """How far the left ankle is ahead of the right one along the direction of travel (`travel_direction`), in
    torso lengths: positive when the left foot leads (regular stance), negative when the right one does (goofy).
    Along the direction of travel the leading foot is the same seen from the toe side or the heel side."""
    gap = points["left_ankle"][:, 0] - points["right_ankle"][:, 0]
    return gap * travel_direction(points, rate_hz) / _torso(points)


MEASURES: dict[str, tuple[str, Measure]] = {
    "knee_flexion": ("deg", lambda a, p, r: _mean_side(a, "knee")),
    "hip_flexion": ("deg", lambda a, p, r: _mean_side(a, "hip")),
    "elbow_flexion": ("deg", lambda a, p, r: _mean_side(a, "elbow")),
    "trunk_lean": ("deg", lambda a, p, r: np.abs(np.asarray(a["trunk_lean"], float))),
    "body_line": ("deg", lambda a, p, r: body_line_deg(a, p)),
    "knee_travel": ("shank lengths", lambda a, p, r: knee_travel(a, p)),
    "neck_flexion": ("deg", neck_flexion),
    "left_foot_lead": ("torso lengths", left_foot_lead),
}


@dataclass(frozen=True)
class FormRule:
    """One indicator: over each repetition (or segment), `statistic` ('max', 'min' or 'median') of `measure` is
    compared (`op`: '>=' or '<=') with `threshold`. A check rule (no labels) passes when the comparison holds:
    columns <name> (value) and <name>_ok. A label rule names the outcome instead: labels[0] when the comparison
    holds, labels[1] when not: columns <name> and <name>_label."""

    exercise: str
    name: str
    measure: str
    statistic: str
    op: str
    threshold: float
    meaning: str
    labels: tuple[str, str] | None = None

    @property
    def outcome(self) -> str:
        """The column holding the rule's outcome: <name>_ok or <name>_label."""
        return f"{self.name}_label" if self.labels else f"{self.name}_ok"


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
    FormRule("skiing", "head_up", "neck_flexion", "median", "<=", 0.0, "skilled: the head is held up, not tipped "
                                                                       "forward of the leaning trunk (looking "
                                                                       "ahead, not at the skis)"),
    FormRule("board", "stance", "left_foot_lead", "median", ">=", 0.0, "which foot leads in the direction of travel "
             "(or, when not travelling across the image, of the head): left regular, right goofy",
             labels=("regular", "goofy")),
)

_OPS = {">=": operator.ge, "<=": operator.le}
_STATS = {"max": np.nanmax, "min": np.nanmin, "median": np.nanmedian}


def rules_for(exercise: str) -> tuple[FormRule, ...]:
    return tuple(r for r in RULES if r.exercise == exercise)


def swap_sides(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """left_* and right_* names exchanged: what a mirrored camera (a selfie view) needs, since the pose model
    names the sides as a non-mirrored image would show them."""
    def other(name: str) -> str:
        for a, b in (("left_", "right_"), ("right_", "left_")):
            if name.startswith(a):
                return b + name[len(a):]
        return name

    return {other(k): v for k, v in values.items()}


def measure_curves(rules: tuple[FormRule, ...], angles: Angles, points: Points, rate_hz: float = 30.0,
                   mirrored: bool = False) -> dict[str, np.ndarray]:
    """Each measure the rules use, per frame; a measure whose angles or keypoints are missing is left out.
    mirrored: the video is a mirror image, so the pose's left and right are swapped back first."""
    if mirrored:
        angles, points = swap_sides(angles), swap_sides(points)
    out = {}
    for measure in dict.fromkeys(r.measure for r in rules):
        try:
            out[measure] = np.asarray(MEASURES[measure][1](angles, points, rate_hz), float)
        except KeyError:
            continue
    return out


MAX_GAP_S = 0.5  # a segment bridges gaps where the athlete is lost for up to this long
MIN_SEGMENT_S = 0.5  # shorter stretches with the athlete in view are not reported


def seen_segments(points: Points, rate_hz: float) -> list[tuple[int, int]]:
    """The stretches of frames (start, end inclusive) with the athlete in view (any keypoint seen), gaps up to
    MAX_GAP_S bridged, at least MIN_SEGMENT_S long: what the rules are read on when there are no repetitions."""
    from sportlens.signals import finite_runs, interpolate_gaps

    seen = np.any([np.isfinite(xy).all(axis=1) for xy in points.values()], axis=0)
    bridged = np.isfinite(interpolate_gaps(np.where(seen, 1.0, np.nan), int(MAX_GAP_S * rate_hz)))
    return [(int(a), int(b) - 1) for a, b in finite_runs(bridged) if b - a >= max(1, MIN_SEGMENT_S * rate_hz)]


def evaluate_form(rules: tuple[FormRule, ...], curves: dict[str, np.ndarray],
                  spans: list[tuple[int, int]]) -> list[dict[str, float | bool | None]]:
    """Per repetition or segment (start, end sample indices, inclusive), each rule's value and outcome: a dict
    {<name>: value, <name>_ok: bool} (check rules) or {<name>: value, <name>_label: str} (label rules); None for
    both when the measure is missing or never seen in the span."""
    rows = []
    for start, end in spans:
        row: dict[str, float | bool | str | None] = {}
        for rule in rules:
            seg = curves.get(rule.measure)
            seg = None if seg is None else seg[start : end + 1]
            if seg is None or not np.isfinite(seg).any():
                row[rule.name], row[rule.outcome] = None, None
                continue
            value = float(_STATS[rule.statistic](seg))
            holds = bool(_OPS[rule.op](value, rule.threshold))
            row[rule.name] = round(value, 2)
            row[rule.outcome] = (rule.labels[0] if holds else rule.labels[1]) if rule.labels else holds
        rows.append(row)
    return rows


def form_summary(rules: tuple[FormRule, ...], rows: list[dict]) -> dict[str, dict]:
    """summary.json's `form`: per rule the measure, statistic, op, threshold, unit, how many repetitions (or
    segments) it could be measured on, and how many passed (check rules) or got each label (label rules)."""
    out = {}
    for rule in rules:
        seen = [r[rule.outcome] for r in rows if r.get(rule.outcome) is not None]
        entry = {"measure": rule.measure, "statistic": rule.statistic, "op": rule.op, "threshold": rule.threshold,
                 "unit": MEASURES[rule.measure][0]}
        if rule.labels:
            entry["labels"] = {label: seen.count(label) for label in rule.labels}
        else:
            entry["passed"] = int(sum(seen))
        out[rule.name] = {**entry, "measured": len(seen), "meaning": rule.meaning}
    return out


def rules_markdown() -> str:
    """The rules as a markdown table (docs/movement.md holds this text; a test keeps the two the same)."""
    lines = ["| exercise / sport | indicator (column) | rule per repetition or segment | threshold | meaning |",
             "|---|---|---|---|---|"]
    for r in RULES:
        unit = MEASURES[r.measure][0]
        outcome = (f"`{r.labels[0]}` if {r.statistic} of `{r.measure}` {r.op} threshold, else `{r.labels[1]}`"
                   if r.labels else f"{r.statistic} of `{r.measure}` {r.op} threshold")
        lines.append(f"| {r.exercise} | `{r.outcome}` | {outcome} | {r.threshold:g} {unit} | {r.meaning} |")
    return "\n".join(lines) + "\n"
