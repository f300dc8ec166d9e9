"""Sport events from an `ImuRecording`: jumps, repetitions, strokes/swings and steps.

Every detector works on gap-free segments (see `ImuRecording.segments`), so nothing is interpolated
across a gap; times are seconds on the recording's own time axis.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import find_peaks

from sportlens.constants import STANDARD_GRAVITY
from sportlens.errors import DataFormatError
from sportlens.imu.recording import ImuRecording
from sportlens.signals import dominant_period, repetition_peaks, zero_lag_filter


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

# Plausibility of a jump, as data: heights a person can reach (centre of mass rise, m), and how far two
# independent height estimates of one jump may differ (ratio of the larger to the smaller) before one of them
# is taken as wrong. Heights scale as velocity squared, so 1.5 allows 22 % between the velocities: the force
# plate of the shared CMJ itself differs by 1.22x in height between take-off and landing velocity (the athlete
# lands lower than they took off).
PLAUSIBLE_HEIGHT_M = (0.03, 1.0)
MAX_HEIGHT_RATIO = 1.5
STILL_SEARCH_S = 2.5  # the still stance that starts the velocity integration lies this close before take-off
STILL_MAX_STD_MPS2 = 0.3  # |acc| std of a still stance (a phone held at the chest: 0.05)
STILL_MAX_RATE_RADS = 0.15  # mean |gyro| of a still stance (above a gyro's bias; a slow turn is not still)


@dataclass(frozen=True)
class Jump:
    """One jump: take-off and landing (s), flight time (s) and three independent heights (m):

    - from the flight time, g T^2 / 8 (needs the sensor in free fall from take-off to landing);
    - from the take-off velocity v^2 / 2g (m/s; integrating the vertical acceleration from a still stance to
      take-off: needs the sensor to move with the body up to take-off);
    - from the landing velocity (the vertical velocity at landing, from the same integration carried on to
      landing: needs the sensor to move with the body at the stance and at landing only, so a loose sensor's
      wobble in between cancels).

    `problems` lists the plausibility checks that failed; `height_m` is the flight-time height unless a problem
    concerns it, else the landing-velocity height when that one is plausible, else None (`height_method` says
    which).
    """

    takeoff_s: float
    landing_s: float
    flight_time_s: float
    height_flight_m: float
    takeoff_velocity_mps: float | None
    height_velocity_m: float | None
    landing_velocity_mps: float | None = None
    height_landing_m: float | None = None
    problems: tuple[str, ...] = ()
    height_m: float | None = None
    height_method: str | None = None

    @property
    def plausible(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        out: dict = {}
        for k, v in asdict(self).items():
            if k == "problems":
                out[k] = list(v)
            elif isinstance(v, str) or v is None:
                out[k] = v
            else:
                out[k] = round(float(v), 6)
        out["plausible"] = self.plausible
        return out


def jump_height_from_flight(flight_time_s: float, g: float = STANDARD_GRAVITY) -> float:
    """Height of the centre of mass (m) from the flight time T (s): h = g T^2 / 8 (take-off = landing height)."""
    return g * flight_time_s**2 / 8.0


def _window_means(x: np.ndarray, n: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    return (c[n:] - c[:-n]) / n


def still_window(seg: ImuRecording, before: int, window_s: float = 0.3, search_s: float = STILL_SEARCH_S,
                 max_std_mps2: float = STILL_MAX_STD_MPS2, max_rate_rads: float = STILL_MAX_RATE_RADS) -> slice | None:
    """The stillest `window_s` of samples (lowest std of |acc|, and with a gyroscope a mean |omega| below
    `max_rate_rads`) in the `search_s` before sample `before`: the athlete standing before the jump; None
    when even that one moves (std above `max_std_mps2`)."""
    n = max(3, int(round(window_s * seg.rate_hz)))
    lo = max(0, before - int(round(search_s * seg.rate_hz)))
    if before - lo < n:
        return None
    mag = np.linalg.norm(seg.acc_mps2[lo:before], axis=1)
    mean = _window_means(mag, n)
    var = np.clip(_window_means(mag**2, n) - mean**2, 0, None)
    if seg.gyro_rads is not None:
        turning = _window_means(np.linalg.norm(seg.gyro_rads[lo:before], axis=1), n) > max_rate_rads
        var = np.where(turning, np.inf, var)
    best = int(np.argmin(var))
    if not np.sqrt(var[best]) <= max_std_mps2:
        return None
    return slice(lo + best, lo + best + n)


def vertical_velocity(seg: ImuRecording, still: slice, stop: int) -> tuple[np.ndarray, float]:
    """Vertical velocity (m/s, up positive) of the sensor from the still window `still` (velocity 0 there) to
    sample `stop` (inclusive), and the gravity measured in the still window (m/s^2).

    The acceleration is turned into the earth frame before its vertical part is taken: with a gyroscope the
    orientation is integrated from the still window's tilt (gyro bias = its mean rate there), so a sensor
    that tilts during the push-off is followed; without one the still window's gravity direction is kept.
    Gravity is the |acc| measured while still, so a scale error of the accelerometer cancels.
    """
    from scipy.integrate import cumulative_trapezoid

    a = seg.acc_mps2[still.start : stop + 1]
    t = seg.time_s[still.start : stop + 1]
    mean = seg.acc_mps2[still].mean(axis=0)
    g_measured = float(np.linalg.norm(mean))
    up = mean / g_measured
    if seg.gyro_rads is None:
        a_up = a @ up
    else:
        a_up = _earth_vertical(a, seg.gyro_rads[still.start : stop + 1] - seg.gyro_rads[still].mean(axis=0), t, up)
    return cumulative_trapezoid(a_up - g_measured, t, initial=0.0), g_measured


def _earth_vertical(acc: np.ndarray, gyro: np.ndarray, t: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Vertical component of acc (N, 3) in a frame that starts with `up` as vertical and turns with the gyro."""
    from scipy.spatial.transform import Rotation

    rot = Rotation.align_vectors([[0.0, 0.0, 1.0]], [up])[0]  # sensor -> earth at the first sample
    rates = 0.5 * (gyro[1:] + gyro[:-1]) * np.diff(t)[:, None]  # mean rate over each step
    steps = Rotation.from_rotvec(rates).as_matrix()
    matrix = rot.as_matrix()
    out = np.empty(len(acc))
    out[0] = (matrix @ acc[0])[2]
    for k in range(1, len(acc)):
        matrix = matrix @ steps[k - 1]
        out[k] = (matrix @ acc[k])[2]
    return out


def check_jump(jump: Jump) -> Jump:
    """The jump with its plausibility problems listed and its headline height chosen (see `Jump`)."""
    problems: list[str] = []
    flight_bad = False
    lo, hi = PLAUSIBLE_HEIGHT_M
    if jump.takeoff_velocity_mps is not None and jump.takeoff_velocity_mps <= 0:
        problems.append(
            f"take-off velocity {jump.takeoff_velocity_mps:.2f} m/s is not upward: the take-off was found after "
            "the athlete left the ground (the sensor was not in free fall at the start of the flight)"
        )
        flight_bad = True
    estimates = {"flight-time": jump.height_flight_m, "take-off-velocity": jump.height_velocity_m,
                 "landing-velocity": jump.height_landing_m}
    for name, h in estimates.items():
        if h is not None and not lo <= h <= hi:
            problems.append(f"{name} height {h:.3f} m is outside {lo:g}-{hi:g} m")
            flight_bad |= name == "flight-time"
    for a_name, b_name in (("flight-time", "landing-velocity"), ("take-off-velocity", "landing-velocity"),
                           ("flight-time", "take-off-velocity")):
        a, b = estimates[a_name], estimates[b_name]
        if b_name == "take-off-velocity" and estimates["landing-velocity"] is not None:
            continue  # with a landing velocity, each is compared with that one
        if a is None or b is None or a <= 0 or b <= 0:
            continue
        if max(a, b) / min(a, b) > MAX_HEIGHT_RATIO:
            problems.append(
                f"{a_name} height {a:.3f} m and {b_name} height {b:.3f} m disagree (more than "
                f"{MAX_HEIGHT_RATIO:g}x): the sensor did not move with the body (loose or hand-held?)"
            )
            flight_bad |= a_name == "flight-time" and b_name == "landing-velocity"
    height, method = jump.height_flight_m, "flight time"
    if flight_bad:
        landing = jump.height_landing_m
        height, method = (landing, "landing velocity") if landing is not None and lo <= landing <= hi else (None, None)
    return dataclasses.replace(jump, problems=tuple(problems), height_m=height, height_method=method)


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
    still stance (`quiet_s` long) precedes the jump, the vertical velocity integrated from it gives two more
    heights, from the take-off and the landing velocity (see `Jump`); `check_jump` then compares them.
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
            v_off = v_land = None
            still = still_window(seg, k - 1, quiet_s)
            if still is not None:
                v, g_still = vertical_velocity(seg, still, i1)
                v_off = float(v[k - 1 - still.start])  # up to the last sample still on the ground
                # in free fall the velocity falls at g: a line of slope -g through the free-fall samples, read at
                # the landing crossing, is less sensitive to the exact crossing than v there
                fall = np.arange(int(i0), i1) - still.start
                v_land = float(np.mean(v[fall] - g_still * (landing - seg.time_s[still.start :][fall])))
            height_v = None if v_off is None or v_off <= 0 else v_off**2 / (2 * g)
            height_land = None if v_land is None or v_land >= 0 else v_land**2 / (2 * g)
            jump = Jump(t_off, landing, flight, jump_height_from_flight(flight, g), v_off, height_v, v_land,
                        height_land)
            jumps.append(check_jump(jump))
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
            "period_s": round(float(self.period_s), 6) if np.isfinite(self.period_s) else None,
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


# below these (std of the band-passed channels) a piece of recording holds no movement, only sensor noise; the
# quietest exercise set of the shared sets moves 0.77 m/s^2 (SPAR) and 0.15 rad/s (barbell)
MIN_MOTION_ACC_MPS2 = 0.2
MIN_MOTION_GYRO_RADS = 0.1


def _moves(channels: np.ndarray, has_gyro: bool) -> bool:
    """Whether band-passed channels (acc x/y/z, then gyro x/y/z) hold more than sensor noise."""
    std = channels.std(axis=0)
    return bool(std[:3].max() >= MIN_MOTION_ACC_MPS2 or (has_gyro and std[3:].max() >= MIN_MOTION_GYRO_RADS))


def count_reps(
    rec: ImuRecording,
    min_period_s: float = 0.8,
    max_period_s: float = 10.0,
    band_hz: tuple[float, float] = (0.05, 2.0),
    min_prominence: float = 0.35,
) -> Reps:
    """Count repetitions: band-pass all channels, take their first principal component, find its period by
    autocorrelation, then count peaks at least 0.6 period apart whose prominence is at least `min_prominence`
    times the typical (median of the strongest) prominence. Pauses give no prominent peaks, so they add none;
    a gap-free piece whose channels hold only sensor noise (`MIN_MOTION_*`) adds none either.
    """
    sig_t, sig, moving = [], [], []
    periods = []
    for seg in rec.segments():
        if len(seg) < 3 * seg.rate_hz * min_period_s / 2:
            continue
        seg = seg.uniform()  # the filters assume even steps; jittery stamps are put on the nominal grid
        channels = zero_lag_filter(_channels(seg), seg.rate_hz, band_hz[0], band_hz[1])
        # standardising the channels would blow a still piece's noise up to the size of a movement
        moves = _moves(channels, seg.gyro_rads is not None)
        sig_t.append(seg.time_s)
        sig.append(_principal(channels) if moves else np.zeros(len(seg)))
        moving.append(moves)
    if not any(moving):
        t_all = np.concatenate(sig_t) if sig_t else rec.time_s
        return Reps(0, np.array([]), float("nan"), t_all, np.concatenate(sig) if sig else np.zeros(len(rec)))
    rate = rec.rate_hz
    counted = [(t, x) for t, x, m in zip(sig_t, sig, moving, strict=True) if m]
    for _, x in counted:
        p = dominant_period(x, rate, min_period_s, max_period_s)
        if p is not None:
            periods.append(p)
    period = float(np.median(periods)) if periods else min_period_s
    peaks, _ = repetition_peaks(counted, rate, period, min_prominence)
    picked = np.concatenate([t[p] for (t, _), p in zip(counted, peaks, strict=True)])
    picked = np.sort(picked)
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


MIN_STEP_MPS2 = 0.5  # a step's peak rises at least this far (noise of a still phone: 0.05 m/s^2)


def detect_steps(
    rec: ImuRecording, band_hz: tuple[float, float] = (0.5, 5.0), min_step_s: float = 0.25, min_prominence: float = 0.5
) -> Steps:
    """Steps as peaks of |acc| band-passed in `band_hz`, at least `min_step_s` apart, with prominence at least
    `min_prominence` x the signal's standard deviation and at least `MIN_STEP_MPS2`; cadence = 60 / mean step
    interval (outliers beyond 0.5-1.5 x the median left out)."""
    times, intervals = [], []
    for seg in rec.segments():
        if len(seg) < seg.rate_hz:
            continue
        seg = seg.uniform()
        x = zero_lag_filter(np.linalg.norm(seg.acc_mps2, axis=1), seg.rate_hz, band_hz[0], band_hz[1])
        prominence = max(min_prominence * x.std(), MIN_STEP_MPS2)
        peaks, _ = find_peaks(x, distance=max(1, int(min_step_s * seg.rate_hz)), prominence=prominence)
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
