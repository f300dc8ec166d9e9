"""Repetitions from pose signals: the driving signal chosen from the data, its period by autocorrelation,
one turning point per repetition, and each repetition's start/end where the signal comes back.

Works on arrays (angles in degrees, keypoint heights in torso lengths), so it is tested on generated
sequences; `movement.pipeline` feeds it the pose task's output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import peak_widths

from sportlens.signals import (
    finite_runs,
    interpolate_gaps,
    lag_strength,
    periodicity,
    repetition_peaks,
    zero_lag_filter,
)

# Candidate driving signals per exercise, as data: angle names of pose's ANGLES, the bilateral means below,
# or keypoint heights (HEIGHTS). "auto" tries every one.
BILATERAL = {"knees": ("left_knee", "right_knee"), "hips": ("left_hip", "right_hip"),
             "elbows": ("left_elbow", "right_elbow"), "shoulders": ("left_shoulder", "right_shoulder")}
HEIGHTS = {"shoulder_height": ("left_shoulder", "right_shoulder"), "hip_height": ("left_hip", "right_hip"),
           "wrist_height": ("left_wrist", "right_wrist"), "nose_height": ("nose",)}
EXERCISES: dict[str, tuple[str, ...]] = {
    "squat": ("knees", "left_knee", "right_knee", "hips", "left_hip", "right_hip", "hip_height"),
    "lunge": ("knees", "left_knee", "right_knee", "hips", "left_hip", "right_hip", "hip_height"),
    "push-up": ("elbows", "left_elbow", "right_elbow", "shoulder_height"),
    "dips": ("elbows", "left_elbow", "right_elbow", "shoulder_height"),
    "pull-up": ("elbows", "left_elbow", "right_elbow", "shoulders", "shoulder_height", "nose_height"),
    "sit-up": ("hips", "left_hip", "right_hip", "trunk_lean", "shoulder_height"),
    "jumping-jack": ("shoulders", "left_shoulder", "right_shoulder", "wrist_height"),
    "curl": ("elbows", "left_elbow", "right_elbow"),
    "lateral-raise": ("shoulders", "left_shoulder", "right_shoulder", "wrist_height"),
    "press": ("elbows", "left_elbow", "right_elbow", "shoulders", "wrist_height"),
    # skill rules on a run rather than repetitions: linked turns flex and extend the legs and tilt the body
    "skiing": ("knees", "hips", "hip_height", "trunk_lean", "hip_tilt", "shoulder_tilt"),
    "board": ("knees", "hips", "hip_height", "trunk_lean"),
}

MAX_GAP_S = 0.5  # gaps in a signal up to this long are interpolated; longer ones split it
MIN_STRENGTH = 0.3  # autocorrelation at the period below which a signal is not called periodic
RETURN_FRACTION = 0.6  # a repetition comes back: its smaller fall from the turning point >= this x the larger
EDGE_FRACTION = 0.05  # a repetition starts/ends where the signal is this close (x its fall) to its low
MIN_REP_AMPLITUDE = 0.5  # a repetition moves at least this x the median repetition (smaller: a wobble)
MIN_RANGE = {"deg": None, "torso": 0.15}  # deg: options.min_range_deg; heights in torso lengths
SPACING_CHECK = 0.75  # turning points closer than this x the period (median gap) call for a shorter period


@dataclass(frozen=True)
class PoseSignal:
    """One candidate driving signal: name, unit ('deg' or 'torso' lengths) and values (N,), NaN where missing."""

    name: str
    unit: str
    values: np.ndarray


@dataclass(frozen=True)
class Rep:
    """One repetition: start, turning point and end as sample indices; range of the driving signal in it."""

    start: int
    peak: int
    end: int
    amplitude: float


@dataclass(frozen=True)
class RepCount:
    """The repetitions found, the driving signal, its period (s, None without one), the sign whose peaks
    are the turning points, the method ('periodic', 'single' or 'none') and each candidate's periodicity."""

    reps: tuple[Rep, ...]
    driving: str | None
    unit: str | None
    period_s: float | None
    sign: float
    method: str
    strengths: dict[str, float]

    @property
    def count(self) -> int:
        return len(self.reps)


def pose_signals(angles: dict[str, np.ndarray], points: dict[str, np.ndarray]) -> list[PoseSignal]:
    """Candidate driving signals: each angle (deg), bilateral means of angles, and keypoint heights in torso
    lengths (up positive; points: name -> (N, 2) pixels, y down)."""
    out = [PoseSignal(name, "deg", np.asarray(v, float)) for name, v in angles.items()]
    for name, (a, b) in BILATERAL.items():
        if a in angles and b in angles:
            out.append(PoseSignal(name, "deg", _mean_of(angles[a], angles[b])))
    if all(k in points for k in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")):
        shoulder = (points["left_shoulder"] + points["right_shoulder"]) / 2
        hip = (points["left_hip"] + points["right_hip"]) / 2
        torso = np.linalg.norm(shoulder - hip, axis=1)
        scale = float(np.nanmedian(torso)) if np.isfinite(torso).any() else np.nan
        if np.isfinite(scale) and scale > 0:
            for name, parts in HEIGHTS.items():
                if all(p in points for p in parts):
                    y = np.mean([points[p][:, 1] for p in parts], axis=0)
                    out.append(PoseSignal(name, "torso", -y / scale))
    return out


def _mean_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    both = np.isfinite(a) & np.isfinite(b)
    return np.where(both, (a + b) / 2, np.where(np.isfinite(a), a, b))


def candidates(signals: list[PoseSignal], exercise: str) -> list[PoseSignal]:
    """The signals an exercise may be driven by (all for 'auto')."""
    if exercise == "auto":
        return list(signals)
    allowed = EXERCISES[exercise]
    return [s for s in signals if s.name in allowed]


def _pieces(values: np.ndarray, rate_hz: float, min_len: int) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Gap-free runs (after interpolating short gaps): (time_s, x, first index) of at least min_len samples."""
    x = interpolate_gaps(values, int(MAX_GAP_S * rate_hz))
    return [(np.arange(a, b) / rate_hz, x[a:b], int(a)) for a, b in finite_runs(np.isfinite(x)) if b - a >= min_len]


ACTIVE_WINDOW_S = 1.0  # the moving standard deviation that tells movement from stillness
ACTIVE_FRACTION = 0.2  # moving: a standard deviation above this x the largest one


def _active(x: np.ndarray, rate_hz: float) -> np.ndarray:
    """x from the first to the last moment it moves: a still setup or final rest would otherwise correlate
    with itself at every lag and hide the period of the repetitions."""
    n = max(3, int(ACTIVE_WINDOW_S * rate_hz))
    if len(x) <= n:
        return x
    c1, c2 = np.cumsum(np.concatenate([[0.0], x])), np.cumsum(np.concatenate([[0.0], x * x]))
    mean = (c1[n:] - c1[:-n]) / n
    std = np.sqrt(np.clip((c2[n:] - c2[:-n]) / n - mean**2, 0, None))
    moving = np.flatnonzero(std >= ACTIVE_FRACTION * std.max())
    if moving.size == 0:
        return x
    return x[moving[0] : moving[-1] + n]


def _spread(values: np.ndarray) -> float:
    v = values[np.isfinite(values)]
    return float(np.percentile(v, 98) - np.percentile(v, 2)) if v.size >= 3 else 0.0


def count_repetitions(signals: list[PoseSignal], rate_hz: float, min_period_s: float = 0.5,
                      max_period_s: float = 8.0, min_prominence: float = 0.35,
                      min_range_deg: float = 15.0) -> RepCount:
    """Count repetitions on the most periodic of the candidate signals (see module docstring).

    Only the periodic stretch counts: turning points must stand out (prominence), come back on both sides
    (`RETURN_FRACTION`) and move as far as the other repetitions (`MIN_REP_AMPLITUDE`), so a setup, a rest or
    a walk-out adds none. Without any periodic signal (a clip of one repetition), the angle with the largest
    movement is read as single excursions that leave and come back; a still or non-returning pose gives 0.
    """
    min_range = {"deg": min_range_deg, "torso": MIN_RANGE["torso"]}
    min_len = max(3, int(1.5 * min_period_s * rate_hz))
    scored: list[tuple[float, float, PoseSignal]] = []
    strengths: dict[str, float] = {}
    for sig in signals:
        if _spread(sig.values) < min_range[sig.unit]:
            strengths[sig.name] = 0.0
            continue
        found = []
        for _, x, _ in _pieces(sig.values, rate_hz, min_len):
            x = _active(x, rate_hz)
            if len(x) < min_len:
                continue
            # video: a long set drifts in tempo, so a missing autocorrelation peak at twice the period does not
            # reject it (the IMU counter keeps the stricter default)
            period, strength = periodicity(x, rate_hz, min_period_s, max_period_s, require_repeat=False)
            if period is not None:
                found.append((period, strength, len(x)))
        if not found:
            strengths[sig.name] = 0.0
            continue
        weights = np.array([f[2] for f in found], float)
        strength = float(np.average([f[1] for f in found], weights=weights))
        strengths[sig.name] = round(strength, 4)
        scored.append((strength, float(np.median([f[0] for f in found])), sig))
    # the most periodic signal drives; angles before heights on a tie (they give range_deg directly)
    scored.sort(key=lambda s: (-s[0], s[2].unit != "deg"))
    if scored and scored[0][0] >= MIN_STRENGTH:
        strength, period, sig = scored[0]
        period = _checked_period(sig, rate_hz, period, min_period_s, min_prominence, min_len)
        reps, sign = _best_reps(sig, rate_hz, period, min_prominence, min_len, min_range[sig.unit])
        if reps:
            return RepCount(tuple(reps), sig.name, sig.unit, period, sign, "periodic", strengths)
    return _single_excursions(signals, rate_hz, min_period_s, max_period_s, min_prominence, min_range, strengths)


def _checked_period(sig: PoseSignal, rate_hz: float, period_s: float, min_period_s: float, min_prominence: float,
                    min_len: int) -> float:
    """The period checked against the spacing of the turning points. On a short clip the autocorrelation also
    sees the athlete getting into position and can come out too long; then the prominent turning points (found
    at half the spacing rule) lie closer together. Their median gap replaces the period unless the signal repeats
    better at twice that gap (then the gap is half a repetition: the half-period trap)."""
    pieces = _pieces(sig.values, rate_hz, min_len)
    if not pieces:
        return period_s
    active = [_active(x, rate_hz) for _, x, _ in pieces]
    best = period_s
    for sign in (1.0, -1.0):
        peaks, _ = repetition_peaks([(t, x) for t, x, _ in pieces], rate_hz, period_s, min_prominence, (sign,),
                                    spacing=0.3, smooth_cycles=5.0)
        gaps = [np.diff(p) for p in peaks if len(p) >= 2]
        if not gaps:
            continue
        spacing = float(np.median(np.concatenate(gaps))) / rate_hz
        if not min_period_s <= spacing < SPACING_CHECK * period_s:
            continue
        lag = int(round(spacing * rate_hz))
        weights = [len(a) for a in active]
        at_lag = float(np.average([lag_strength(a, lag) for a in active], weights=weights))
        twice = [lag_strength(a, 2 * lag) for a in active if 3 * lag <= len(a)]
        # no absolute threshold: a set whose tempo drifts (fatigue) correlates weakly at any single lag
        if at_lag > 0 and not (twice and max(twice) > at_lag):
            best = min(best, spacing)
    return best


def _best_reps(sig: PoseSignal, rate_hz: float, period_s: float, min_prominence: float, min_len: int,
               min_amplitude: float) -> tuple[list[Rep], float]:
    """Repetitions of a signal at a known period, for the sign (peaks or valleys as turning points) that
    gives more complete repetitions."""
    pieces = _pieces(sig.values, rate_hz, min(min_len, max(3, int(0.5 * period_s * rate_hz))))
    best: tuple[list[Rep], float] = ([], 1.0)
    for sign in (1.0, -1.0):
        peaks, _ = repetition_peaks([(t, x) for t, x, _ in pieces], rate_hz, period_s, min_prominence, (sign,))
        reps = []
        for (_, x, first), p in zip(pieces, peaks, strict=True):
            xs = zero_lag_filter(sign * x, rate_hz, None, 2.5 / period_s)
            reps += _bounded(xs, p, int(round(period_s * rate_hz)), first)
        reps = _typical(reps, min_amplitude)
        if len(reps) > len(best[0]):
            best = (reps, sign)
    return best


def _bounded(xs: np.ndarray, peaks: np.ndarray, period: int, offset: int) -> list[Rep]:
    """Each turning point with its start and end (lowest point within a period before and after, not past the
    neighbouring turning points); kept only when the signal comes back on both sides."""
    out = []
    for i, p in enumerate(peaks):
        lo = max(0, p - period, peaks[i - 1] if i > 0 else 0)
        hi = min(len(xs) - 1, p + period, peaks[i + 1] if i + 1 < len(peaks) else len(xs) - 1)
        before, after = xs[lo : p + 1], xs[p : hi + 1]
        # where the signal reaches its low (within EDGE_FRACTION of the fall), not a noise dip in a rest after it
        start = lo + int(np.flatnonzero(before <= before.min() + EDGE_FRACTION * (xs[p] - before.min()))[-1])
        end = p + int(np.flatnonzero(after <= after.min() + EDGE_FRACTION * (xs[p] - after.min()))[0])
        fall_in, fall_out = xs[p] - before.min(), xs[p] - after.min()
        if min(fall_in, fall_out) <= 0 or min(fall_in, fall_out) < RETURN_FRACTION * max(fall_in, fall_out):
            continue
        out.append(Rep(offset + start, offset + int(p), offset + end, float(max(fall_in, fall_out))))
    return out


def _typical(reps: list[Rep], min_amplitude: float) -> list[Rep]:
    """Repetitions that move at least `min_amplitude` and `MIN_REP_AMPLITUDE` x the median repetition."""
    reps = [r for r in reps if r.amplitude >= min_amplitude]
    if not reps:
        return []
    median = float(np.median([r.amplitude for r in reps]))
    return [r for r in reps if r.amplitude >= MIN_REP_AMPLITUDE * median]


def _single_excursions(signals, rate_hz, min_period_s, max_period_s, min_prominence, min_range,
                       strengths) -> RepCount:
    """No periodic signal: the angle with the largest movement, its excursions away from its resting level
    read as repetitions when they come back (one or two repetitions in a clip)."""
    angles = [s for s in signals if s.unit == "deg" and _spread(s.values) >= min_range["deg"]]
    none = RepCount((), None, None, None, 1.0, "none", strengths)
    if not angles:
        return none
    sig = max(angles, key=lambda s: _spread(s.values))
    v = sig.values[np.isfinite(sig.values)]
    rest = float(np.median(v))
    sign = 1.0 if np.max(v) - rest >= rest - np.min(v) else -1.0
    pieces = _pieces(sig.values, rate_hz, max(3, int(min_period_s * rate_hz)))
    if not pieces:
        return none
    _, x, _ = max(pieces, key=lambda p: np.ptp(p[1]))
    p = int(np.argmax(sign * x))
    if p in (0, len(x) - 1):
        return none  # the clip starts or ends at the extreme: it never comes back
    width = float(peak_widths(sign * x, [p], rel_height=0.5)[0][0]) / rate_hz
    period = float(np.clip(2 * width, min_period_s, max_period_s))
    min_len = max(3, int(0.5 * period * rate_hz))
    reps, sign = _best_reps(sig, rate_hz, period, min_prominence, min_len, min_range["deg"])
    if not reps:
        return none
    return RepCount(tuple(reps), sig.name, sig.unit, None, sign, "single", strengths)
