"""Sport events from an `ImuRecording`: jumps, repetitions, strokes/swings and steps.

Every detector works on gap-free segments (see `ImuRecording.segments`), so nothing is interpolated
across a gap; times are seconds on the recording's own time axis.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.integrate import trapezoid
from scipy.ndimage import median_filter
from scipy.signal import find_peaks

from sportlens.constants import STANDARD_GRAVITY
from sportlens.errors import DataFormatError
from sportlens.imu.recording import ImuRecording
from sportlens.signals import dominant_period, zero_lag_filter


def _crossing(t: np.ndarray, y: np.ndarray, i: int, level: float) -> float:
    """Time where y crosses `level` between samples i-1 and i (linear interpolation)."""
    y0, y1 = y[i - 1], y[i]
    if y1 == y0:
        return float(t[i])
    return float(t[i - 1] + (level - y0) / (y1 - y0) * (t[i] - t[i - 1]))


def saturated_axes(values: np.ndarray, min_pairs: int = 2) -> list[int]:
    """Axes that sit at their extreme |value| for two samples in a row at least `min_pairs` times: a clipping
    sensor holds its limit, a smooth peak touches its maximum once. values (N, 3)."""
    out = []
    for k in range(values.shape[1]):
        v = np.abs(values[:, k])
        peak = np.max(v)
        at = np.isclose(v, peak, rtol=1e-6, atol=0)
        if peak > 0 and np.sum(at[1:] & at[:-1]) >= min_pairs:
            out.append(k)
    return out


# ---- jumps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Jump:
    """One jump: take-off and landing (s), flight time (s), height from flight time g T^2 / 8 (m), and height
    from take-off velocity v^2 / (2 g) (m) with that velocity (m/s) when a quiet stance precedes the jump."""

    takeoff_s: float
    landing_s: float
    flight_time_s: float
    height_flight_m: float
    takeoff_velocity_mps: float | None
    height_velocity_m: float | None

    def as_dict(self) -> dict:
        return {k: (None if v is None else round(float(v), 6)) for k, v in asdict(self).items()}


def jump_height_from_flight(flight_time_s: float, g: float = STANDARD_GRAVITY) -> float:
    """Height of the centre of mass (m) from the flight time T (s): h = g T^2 / 8 (take-off = landing height)."""
    return g * flight_time_s**2 / 8.0


def _takeoff_velocity(seg: ImuRecording, takeoff_index: int, quiet_s: float, g: float) -> float | None:
    """Integrate the vertical acceleration from the last quiet stance before take-off (m/s), or None."""
    acc = seg.acc_mps2
    mag = np.linalg.norm(acc, axis=1)
    n_quiet = max(3, int(round(quiet_s * seg.rate_hz)))
    # last window before take-off where |a| stays within 0.5 m/s^2 of g: the athlete is standing still
    ok = np.abs(mag - g) < 0.5
    start = None
    run = 0
    for i in range(takeoff_index - 1, -1, -1):
        run = run + 1 if ok[i] else 0
        if run >= n_quiet:
            start = i
            break
    if start is None:
        return None
    up = acc[start : start + n_quiet].mean(axis=0)
    up = up / np.linalg.norm(up)
    a_vert = acc[start : takeoff_index + 1] @ up - g  # gravity direction held fixed through the push-off
    t = seg.time_s[start : takeoff_index + 1]
    return float(trapezoid(a_vert, t))


def detect_jumps(
    rec: ImuRecording,
    free_fall_mps2: float = 0.3 * STANDARD_GRAVITY,
    min_flight_s: float = 0.12,
    max_flight_s: float = 1.5,
    quiet_s: float = 0.3,
    takeoff: str = "free-fall",
    g: float = STANDARD_GRAVITY,
) -> list[Jump]:
    """Jumps as free-fall phases: |acc| (3-sample median) below `free_fall_mps2` for `min_flight_s`..`max_flight_s`.

    Landing is the interpolated upward crossing of the threshold. Take-off is the downward crossing of the
    threshold (`takeoff="free-fall"`, right for a sensor fixed to the body) or the last downward crossing of
    1 g after the push-off peak (`takeoff="1g"`, the end of the push-off: robust to a loosely held sensor that jolts at
    take-off, but early by the few tens of ms between peak velocity and take-off). Height = g T^2 / 8. When a
    quiet stance precedes the jump, the take-off velocity (integral of the vertical acceleration up to
    take-off) gives a second height v^2 / 2g.
    """
    if takeoff not in ("free-fall", "1g"):
        raise ValueError(f"takeoff must be 'free-fall' or '1g', got {takeoff!r}")
    jumps = []
    for seg in rec.segments():
        # a 3-sample median removes single-sample spikes and keeps the edges of take-off and landing sharp
        mag = median_filter(np.linalg.norm(seg.acc_mps2, axis=1), size=3, mode="nearest")
        low = mag < free_fall_mps2
        edges = np.diff(low.astype(int))
        starts = np.flatnonzero(edges == 1) + 1
        ends = np.flatnonzero(edges == -1) + 1
        for i0 in starts:
            later = ends[ends > i0]
            if later.size == 0:
                break
            i1 = int(later[0])
            k = int(i0)
            if takeoff == "free-fall":
                t_off = _crossing(seg.time_s, mag, k, free_fall_mps2)
            else:
                floor = max(0, k - int(max_flight_s * seg.rate_hz))
                k = floor + int(np.argmax(mag[floor : k + 1]))  # the push-off peak
                while k < i0 and not (mag[k - 1] >= g > mag[k]):
                    k += 1
                t_off = _crossing(seg.time_s, mag, k, g)
            landing = _crossing(seg.time_s, mag, i1, free_fall_mps2)
            flight = landing - t_off
            if not (min_flight_s <= flight <= max_flight_s):
                continue
            v = _takeoff_velocity(seg, k - 1, quiet_s, g)  # up to the last sample still on the ground
            height_v = None if v is None or v <= 0 else v**2 / (2 * g)
            jumps.append(Jump(t_off, landing, flight, jump_height_from_flight(flight, g), v, height_v))
    return jumps


# ---- repetitions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reps:
    """Repetitions: count, the time of each repetition's turning point (s), the typical period (s), and the
    1-D signal they were counted on (time_s, signal: first principal component of the band-passed channels)."""

    count: int
    times_s: np.ndarray
    period_s: float
    time_s: np.ndarray = field(repr=False)
    signal: np.ndarray = field(repr=False)

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "period_s": round(float(self.period_s), 6),
            "times_s": [round(float(x), 4) for x in self.times_s],
        }


def _channels(seg: ImuRecording) -> np.ndarray:
    return seg.acc_mps2 if seg.gyro_rads is None else np.hstack([seg.acc_mps2, seg.gyro_rads])


def _principal(x: np.ndarray) -> np.ndarray:
    """First principal component of channels standardised to unit variance; x (N, C) -> (N,)."""
    z = x - x.mean(axis=0)
    std = z.std(axis=0)
    z = z[:, std > 1e-9] / std[std > 1e-9]
    if z.shape[1] == 0:
        return np.zeros(len(x))
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    return z @ vt[0]


def count_reps(
    rec: ImuRecording,
    min_period_s: float = 0.8,
    max_period_s: float = 10.0,
    band_hz: tuple[float, float] = (0.05, 2.0),
    min_prominence: float = 0.35,
) -> Reps:
    """Count repetitions: band-pass all channels, take their first principal component, find its period by
    autocorrelation, then count peaks at least 0.6 period apart whose prominence is at least `min_prominence`
    times the typical (median of the strongest) prominence. Pauses give no prominent peaks, so they add none.
    """
    sig_t, sig = [], []
    periods = []
    for seg in rec.segments():
        if len(seg) < 3 * seg.rate_hz * min_period_s / 2:
            continue
        seg = seg.uniform()  # the filters assume even steps; jittery stamps are put on the nominal grid
        pc = _principal(zero_lag_filter(_channels(seg), seg.rate_hz, band_hz[0], band_hz[1]))
        sig_t.append(seg.time_s)
        sig.append(pc)
    if not sig:
        return Reps(0, np.array([]), float("nan"), rec.time_s, np.zeros(len(rec)))
    rate = rec.rate_hz
    for x in sig:
        p = dominant_period(x, rate, min_period_s, max_period_s)
        if p is not None:
            periods.append(p)
    period = float(np.median(periods)) if periods else min_period_s
    distance = max(1, int(0.6 * period * rate))
    best: list[np.ndarray] | None = None
    for sign in (1.0, -1.0):
        found = []
        for t, x in zip(sig_t, sig, strict=True):
            xs = zero_lag_filter(sign * x, rate, None, 2.5 / period)
            peaks, props = find_peaks(xs, distance=distance, prominence=0)
            found.append((t, peaks, props["prominences"]))
        proms = np.concatenate([f[2] for f in found]) if found else np.array([])
        if proms.size == 0:
            continue
        expected = max(1, int(sum(t[-1] - t[0] for t in sig_t) / period))
        typical = np.median(np.sort(proms)[::-1][:expected])
        kept = [t[p[pr >= min_prominence * typical]] for t, p, pr in found]
        picked = np.concatenate(kept) if kept else np.array([])
        if best is None or picked.size > best.size:
            best = picked
    picked = np.sort(best) if best is not None else np.array([])
    return Reps(int(picked.size), picked, period, np.concatenate(sig_t), np.concatenate(sig))


# ---- strokes / swings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stroke:
    """One swing: peak time (s) and angular speed (rad/s), start/end (s) where |omega| falls below
    `edge_fraction` of the peak, and whether a gyro axis sat at its clipping value during it."""

    peak_s: float
    start_s: float
    end_s: float
    peak_rads: float
    clipped: bool

    def as_dict(self) -> dict:
        d = {k: round(float(v), 6) for k, v in asdict(self).items() if k != "clipped"}
        d["clipped"] = self.clipped
        return d


def detect_strokes(
    rec: ImuRecording,
    min_peak_rads: float = 5.0,
    min_gap_s: float = 1.0,
    edge_fraction: float = 0.3,
    smooth_hz: float = 10.0,
) -> list[Stroke]:
    """Swings/strokes as peaks of the angular speed |omega| (low-passed at `smooth_hz`) above `min_peak_rads`,
    at least `min_gap_s` apart; each is segmented where |omega| drops below `edge_fraction` x its peak."""
    if rec.gyro_rads is None:
        raise DataFormatError(f"the recording {rec.name!r} has no gyroscope", hint="strokes need gyr_x/y/z columns")
    clip_axes = saturated_axes(rec.gyro_rads)
    clip_level = {k: np.max(np.abs(rec.gyro_rads[:, k])) for k in clip_axes}
    strokes = []
    for raw in rec.segments():
        if len(raw) < 8:
            continue
        seg = raw.uniform()  # the filter assumes even steps; clipping is checked on the raw samples below
        speed = np.linalg.norm(zero_lag_filter(seg.gyro_rads, seg.rate_hz, None, smooth_hz), axis=1)
        peaks, _ = find_peaks(speed, height=min_peak_rads, distance=max(1, int(min_gap_s * seg.rate_hz)))
        t = seg.time_s
        for p in peaks:
            level = edge_fraction * speed[p]
            a = p
            while a > 0 and speed[a - 1] >= level:
                a -= 1
            b = p
            while b < len(speed) - 1 and speed[b + 1] >= level:
                b += 1
            inside = (raw.time_s >= t[a]) & (raw.time_s <= t[b])
            clipped = any(
                np.any(np.isclose(np.abs(raw.gyro_rads[inside, k]), lvl, rtol=1e-6)) for k, lvl in clip_level.items()
            )
            strokes.append(Stroke(float(t[p]), float(t[a]), float(t[b]), float(speed[p]), bool(clipped)))
    return strokes


# ---- steps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Steps:
    """Steps: their times (s, peaks of band-passed |acc|), count, and cadence (steps/min, from the mean of
    the typical step intervals)."""

    times_s: np.ndarray
    cadence_spm: float

    @property
    def count(self) -> int:
        return int(self.times_s.size)

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "cadence_spm": None if not np.isfinite(self.cadence_spm) else round(float(self.cadence_spm), 3),
            "times_s": [round(float(x), 4) for x in self.times_s],
        }


def detect_steps(
    rec: ImuRecording, band_hz: tuple[float, float] = (0.5, 5.0), min_step_s: float = 0.25, min_prominence: float = 0.5
) -> Steps:
    """Steps as peaks of |acc| band-passed in `band_hz`, at least `min_step_s` apart, with prominence at least
    `min_prominence` x the signal's standard deviation; cadence = 60 / mean step interval (outliers
    beyond 0.5-1.5 x the median left out)."""
    times, intervals = [], []
    for seg in rec.segments():
        if len(seg) < seg.rate_hz:
            continue
        seg = seg.uniform()
        x = zero_lag_filter(np.linalg.norm(seg.acc_mps2, axis=1), seg.rate_hz, band_hz[0], band_hz[1])
        peaks, _ = find_peaks(x, distance=max(1, int(min_step_s * seg.rate_hz)), prominence=min_prominence * x.std())
        ts = seg.time_s[peaks]
        times.append(ts)
        intervals.append(np.diff(ts))
    all_times = np.concatenate(times) if times else np.array([])
    steps = np.concatenate(intervals) if intervals else np.array([])
    if steps.size:
        # mean of the typical intervals: finer than one sample, and a missed or doubled step does not count
        median = np.median(steps)
        cadence = 60.0 / float(np.mean(steps[(steps > 0.5 * median) & (steps < 1.5 * median)]))
    else:
        cadence = float("nan")
    return Steps(all_times, cadence)
