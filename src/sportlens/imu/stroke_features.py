"""Stroke windows and features that do not depend on how the sensor sits on the wrist.

Three parts, each usable alone:

* `invariant_features`: features of one acc + gyro window that are unchanged when the sensor is turned by any
  fixed rotation R (every sample x becomes R x): norms, eigenvalues, and components along axes found in the
  window itself (the dominant rotation axis, the mean acceleration). Declared as a table (`INVARIANT_FEATURES`).
* `event_windows`: windows centred on the |gyro| peaks of the stroke detector (`sportlens.imu.events`), plus
  windows from stretches with no peak near them ("no stroke").
* `session_zscore`: each feature standardised over all windows of its session (no labels used), which removes a
  per-session offset and scale of every feature, e.g. a gain or placement that shifts a whole recording day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sportlens.imu.events import detect_strokes
from sportlens.imu.features import SPECTRAL_BANDS_HZ, window_features
from sportlens.imu.recording import ImuRecording

INVARIANT_FEATURE_VERSION = 1
_EPS = 1e-12

# statistics of a scalar (rotation-invariant) signal: name -> function of a (W,) array
SCALAR_STATS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": np.mean,
    "std": np.std,
    "min": np.min,
    "max": np.max,
    "p10": lambda x: np.percentile(x, 10),
    "p50": np.median,
    "p90": lambda x: np.percentile(x, 90),
}


def _norm(x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(x, axis=1)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > _EPS else np.zeros_like(v)


# scalar signals of a window, each invariant because it is a norm: name -> function (acc, gyro, rate_hz) -> (W,)
SCALAR_SIGNALS: dict[str, Callable[[np.ndarray, np.ndarray, float], np.ndarray]] = {
    "acc_norm": lambda acc, gyro, r: _norm(acc),
    "gyro_norm": lambda acc, gyro, r: _norm(gyro),
    "acc_dynamic_norm": lambda acc, gyro, r: _norm(acc - acc.mean(axis=0)),
    "jerk_norm": lambda acc, gyro, r: _norm(np.diff(acc, axis=0)) * r,
    "gyro_accel_norm": lambda acc, gyro, r: _norm(np.diff(gyro, axis=0)) * r,
}
SPECTRAL_SIGNALS = ("acc_norm", "gyro_norm")


def _principal(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal axes (rows, largest variance first) and the standard deviation along each of samples (W, 3)."""
    _, sv, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    return vt, sv / np.sqrt(len(x))


def dominant_rotation_axis(gyro: np.ndarray) -> np.ndarray:
    """The axis (3,) the window turns about most (first principal axis of the angular rate), signed so that the
    fastest sample turns positively about it; turning the sensor turns this axis with it."""
    v = _principal(gyro)[0][0]
    p = gyro @ v
    return v if p[np.argmax(np.abs(p))] >= 0 else -v


def _skew(x: np.ndarray) -> float:
    sd = x.std()
    return float(np.mean((x - x.mean()) ** 3) / sd**3) if sd > 1e-9 else 0.0


def _spread(acc, gyro, rate_hz):
    return list(_principal(acc)[1]) + list(_principal(gyro)[1])


def _rotation(acc, gyro, rate_hz):
    v = dominant_rotation_axis(gyro)
    p = gyro @ v
    total = float(np.sum(gyro**2))
    share = float(np.sum(p**2) / total) if total > _EPS else 0.0
    return [float(p.mean()), float(p.std()), float(p.min()), float(p.max()), _skew(p), share]


def _gravity(acc, gyro, rate_hz):
    # the mean specific force is mostly gravity: how the rotation axis and the acceleration sit relative to it,
    # and how far it turns between the first and the last quarter of the window
    v = dominant_rotation_axis(gyro)
    g = _unit(acc.mean(axis=0))
    q = max(1, len(acc) // 4)
    turn = float(np.dot(_unit(acc[:q].mean(axis=0)), _unit(acc[-q:].mean(axis=0))))
    along = acc @ v
    return [float(np.dot(g, v)), turn, float(along.mean()), float(along.std())]


def _acc_gyro_angle(acc, gyro, rate_hz):
    na, ng = _norm(acc), _norm(gyro)
    ok = (na > 1e-6) & (ng > 1e-6)
    cos = np.sum(acc[ok] * gyro[ok], axis=1) / (na[ok] * ng[ok]) if ok.any() else np.zeros(1)
    # the triple product (acc x gyro) . v tells which way the acceleration turns about the rotation axis
    v = dominant_rotation_axis(gyro)
    triple = np.cross(acc, gyro) @ v
    return [float(cos.mean()), float(cos.std()), float(triple.mean() / (na.mean() * ng.mean() + _EPS))]


# name -> (function (acc (W, 3), gyro (W, 3), rate_hz) -> values, value names)
VECTOR_FEATURES: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "spread": (_spread, ("acc_sd1", "acc_sd2", "acc_sd3", "gyro_sd1", "gyro_sd2", "gyro_sd3")),
    "rotation_axis": (_rotation, ("mean", "std", "min", "max", "skew", "energy_share")),
    "gravity": (_gravity, ("cos_rotation_axis", "turn_cos", "acc_along_axis_mean", "acc_along_axis_std")),
    "acc_gyro": (_acc_gyro_angle, ("cos_mean", "cos_std", "triple")),
}


def _band_name(lo: float, hi: float) -> str:
    return f"band_{lo:g}_{hi:g}hz" if hi < 1e9 else f"band_{lo:g}plus_hz"


def invariant_feature_names() -> list[str]:
    """Names of `invariant_features`, in order."""
    out = [f"{s}_{st}" for s in SCALAR_SIGNALS for st in SCALAR_STATS]
    out += [f"{s}_{_band_name(lo, hi)}" for s in SPECTRAL_SIGNALS for lo, hi in SPECTRAL_BANDS_HZ]
    out += [f"{s}_dominant_hz" for s in SPECTRAL_SIGNALS]
    out += [f"{name}_{p}" for name, (_, parts) in VECTOR_FEATURES.items() for p in parts]
    return out


def invariant_features(acc: np.ndarray, gyro: np.ndarray, rate_hz: float) -> np.ndarray:
    """Rotation-invariant features of one window: acc (W, 3) m/s^2 and gyro (W, 3) rad/s sampled at `rate_hz`,
    in `invariant_feature_names` order."""
    out: list[float] = []
    signals = {name: fn(acc, gyro, rate_hz) for name, fn in SCALAR_SIGNALS.items()}
    for x in signals.values():
        out += [float(f(x)) for f in SCALAR_STATS.values()]
    freqs = np.fft.rfftfreq(len(acc), 1.0 / rate_hz)
    dominant = []
    for name in SPECTRAL_SIGNALS:
        x = signals[name]
        power = np.abs(np.fft.rfft(x - x.mean())) ** 2
        total = power.sum()
        for lo, hi in SPECTRAL_BANDS_HZ:
            out.append(float(power[(freqs >= lo) & (freqs < hi)].sum() / total) if total > 0 else 0.0)
        dominant.append(float(freqs[np.argmax(power)]) if total > 0 else 0.0)
    out += dominant
    for fn, parts in VECTOR_FEATURES.values():
        values = fn(acc, gyro, rate_hz)
        assert len(values) == len(parts)
        out += [float(v) for v in values]
    return np.asarray(out)


# ---- windows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StrokeWindows:
    """Windows of one or many recordings: X (n, features), start_s / centre_s (n,), the recording of each,
    and whether it is centred on a detected stroke (True) or lies in a stretch without one (False)."""

    X: np.ndarray
    start_s: np.ndarray
    centre_s: np.ndarray
    recording_index: np.ndarray
    is_stroke: np.ndarray


def event_starts(
    time_s: np.ndarray, peaks_s: np.ndarray, n: int, hop: int, idle_margin_s: float
) -> tuple[list[int], list[int]]:
    """Start indices of n-sample windows in one evenly sampled gap-free piece with times `time_s`: one per peak
    inside the piece, centred on the sample nearest the peak (moved just enough to stay inside the piece), and
    every `hop` samples the windows with no peak within `idle_margin_s` of either edge. Returns (stroke
    starts, no-stroke starts)."""
    m = len(time_s)
    if m < n:
        return [], []
    strokes = []
    for p in peaks_s:
        if time_s[0] <= p <= time_s[-1]:
            c = int(np.argmin(np.abs(time_s - p)))
            strokes.append(int(min(max(c - n // 2, 0), m - n)))
    quiet = []
    for a in range(0, m - n + 1, hop):
        lo, hi = time_s[a] - idle_margin_s, time_s[a + n - 1] + idle_margin_s
        if not np.any((peaks_s >= lo) & (peaks_s <= hi)):
            quiet.append(a)
    return strokes, quiet


def event_windows(
    recs: list[ImuRecording],
    window_s: float = 1.0,
    hop_s: float = 0.5,
    rate_hz: float | None = None,
    idle_margin_s: float = 1.0,
    min_peak_rads: float = 5.0,
    min_gap_s: float = 1.0,
    feature_fn: Callable[[np.ndarray, np.ndarray, float], np.ndarray] | None = None,
) -> StrokeWindows:
    """Invariant features of stroke-event windows: one `window_s` window per stroke that
    `sportlens.imu.events.detect_strokes` finds (centred on its |gyro| peak, within the gap-free piece), and
    windows every `hop_s` in stretches with no stroke peak within `idle_margin_s`. `feature_fn(acc, gyro,
    rate_hz)` replaces `invariant_features` (e.g. `sensor_frame_features`, to compare feature sets on the same
    windows)."""
    return _collect(recs, window_s, hop_s, rate_hz, (idle_margin_s, min_peak_rads, min_gap_s), feature_fn)


def fixed_windows(recs: list[ImuRecording], window_s: float, hop_s: float, rate_hz: float | None = None,
                  feature_fn: Callable[[np.ndarray, np.ndarray, float], np.ndarray] | None = None) -> StrokeWindows:
    """Invariant features of fixed windows (`window_s` every `hop_s`, never across a gap); `is_stroke` all True."""
    return _collect(recs, window_s, hop_s, rate_hz, None, feature_fn)


def sensor_frame_features(acc: np.ndarray, gyro: np.ndarray, rate_hz: float, feature_set: str = "basic"
                          ) -> np.ndarray:
    """The sensor-axis window features of `sportlens.imu.features` ("basic" or "motion") of one acc + gyro
    window."""
    ch = np.hstack([acc, _norm(acc)[:, None], gyro, _norm(gyro)[:, None]])
    return window_features(ch, rate_hz, True, feature_set)


def _collect(recs, window_s, hop_s, rate_hz, events, feature_fn) -> StrokeWindows:
    feature_fn = feature_fn or invariant_features
    rows, starts, centres, owners, kinds = [], [], [], [], []
    for i, rec in enumerate(recs):
        if rec.gyro_rads is None:
            raise ValueError(f"the recording {rec.name!r} has no gyroscope: stroke features need one")
        if events is not None:
            margin, min_peak, min_gap = events
            peaks = np.array([s.peak_s for s in detect_strokes(rec, min_peak, min_gap)])
        for seg in rec.segments():
            seg = seg.uniform(rate_hz) if rate_hz else seg.uniform()
            n = int(round(window_s * seg.rate_hz))
            hop = max(1, int(round(hop_s * seg.rate_hz)))
            if events is None:
                picked = [(a, True) for a in range(0, len(seg) - n + 1, hop)]
            else:
                on, off = event_starts(seg.time_s, peaks, n, hop, margin)
                picked = [(a, True) for a in on] + [(a, False) for a in off]
            for a, kind in picked:
                rows.append(feature_fn(seg.acc_mps2[a : a + n], seg.gyro_rads[a : a + n], seg.rate_hz))
                starts.append(seg.time_s[a])
                centres.append(0.5 * (seg.time_s[a] + seg.time_s[a + n - 1]))
                owners.append(i)
                kinds.append(kind)
    return StrokeWindows(
        np.vstack(rows) if rows else np.zeros((0, len(invariant_feature_names()))),
        np.asarray(starts, dtype=float),
        np.asarray(centres, dtype=float),
        np.asarray(owners, dtype=int),
        np.asarray(kinds, dtype=bool),
    )


# ---- per-session normalisation ----------------------------------------------------------------------


def session_zscore(X: np.ndarray, sessions: np.ndarray) -> np.ndarray:
    """Each column of X (n, f) standardised over the rows of each session (n,): (x - session mean) / session
    std; a column constant within a session becomes 0. Labels are not used, so it applies to new data too."""
    X = np.asarray(X, dtype=float)
    sessions = np.asarray(sessions).astype(str)
    out = np.empty_like(X)
    for s in np.unique(sessions):
        m = sessions == s
        mu, sd = X[m].mean(axis=0), X[m].std(axis=0)
        out[m] = np.divide(X[m] - mu, sd, out=np.zeros_like(X[m]), where=sd > 1e-12 * np.maximum(1.0, np.abs(mu)))
    return out


@dataclass(frozen=True)
class SessionCalibration:
    """What the still moments of one session say about its sensor: |acc| should read g there (`acc_scale`
    multiplies acc) and the gyro should read 0 (`gyro_bias_rads` (3,) is subtracted); `still_s` seconds were used."""

    acc_scale: float
    gyro_bias_rads: np.ndarray
    still_s: float

    def apply(self, rec: ImuRecording) -> ImuRecording:
        return rec.replace(acc_mps2=rec.acc_mps2 * self.acc_scale, gyro_rads=rec.gyro_rads - self.gyro_bias_rads)


def still_calibration(recs: list[ImuRecording], min_still_s: float = 1.0, acc_tol_mps2: float = 2.0
                      ) -> SessionCalibration:
    """Calibration of one session from the still moments of all its recordings (no labels): samples where the
    gyro is steady over 0.5 s (`sportlens.imu.orientation.still_mask`, with |acc| allowed `acc_tol_mps2` from g so
    that a gain error does not hide them). Fewer than `min_still_s` seconds: no correction (scale 1, bias 0)."""
    from sportlens.constants import STANDARD_GRAVITY
    from sportlens.imu.orientation import still_mask

    acc, gyro, seconds = [], [], 0.0
    for rec in recs:
        for seg in rec.segments():
            m = still_mask(seg, acc_tol_mps2=acc_tol_mps2)
            acc.append(seg.acc_mps2[m])
            gyro.append(seg.gyro_rads[m])
            seconds += m.sum() / seg.rate_hz
    if seconds < min_still_s:
        return SessionCalibration(1.0, np.zeros(3), seconds)
    acc_norm = np.linalg.norm(np.vstack(acc), axis=1)
    return SessionCalibration(float(STANDARD_GRAVITY / np.median(acc_norm)), np.vstack(gyro).mean(axis=0), seconds)
