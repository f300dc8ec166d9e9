"""Fixed-length windows of a recording and their features (statistics and spectrum), as tables of data.

A feature is one row in `STAT_FEATURES` / `SPECTRAL_BANDS_HZ` (the "basic" set) or `MOTION_FEATURES` (added by
the "motion" set: the movement's plane and rotation axis in the sensor frame); `feature_names` and
`window_features` both read those tables, so names and values cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sportlens.imu.recording import ImuRecording

FEATURE_VERSION = 1

# per-channel statistics: name -> function of a (W,) window
STAT_FEATURES: dict[str, Callable[[np.ndarray], float]] = {
    "mean": np.mean,
    "std": np.std,
    "min": np.min,
    "max": np.max,
    "p10": lambda x: np.percentile(x, 10),
    "p50": np.median,
    "p90": lambda x: np.percentile(x, 90),
    "range": np.ptp,
    "mean_abs_diff": lambda x: np.mean(np.abs(np.diff(x))),
    "zero_cross_rate": lambda x: np.mean(np.diff(np.signbit(x - np.mean(x))) != 0),
}
# share of a channel's spectral power (mean removed) in each band, plus the dominant frequency
SPECTRAL_BANDS_HZ: tuple[tuple[float, float], ...] = (
    (0.0, 0.5),
    (0.5, 1.0),
    (1.0, 2.0),
    (2.0, 4.0),
    (4.0, 8.0),
    (8.0, 1e9),
)
BANDS = SPECTRAL_BANDS_HZ
CORRELATION_PAIRS = (("acc_x", "acc_y"), ("acc_x", "acc_z"), ("acc_y", "acc_z"))
GRAVITY_LOWPASS_HZ = 0.5  # below the repetition rates of exercises: what is left is the gravity direction
GRAVITY_PAD_SAMPLES = 15  # edge padding of that filter within a window (part of FEATURE_VERSION 1)
XYZ = ("x", "y", "z")
PAIRS = ("xx", "yy", "zz", "xy", "xz", "yz")


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, n, out=np.zeros_like(v), where=n > 1e-12)


def _axis_pairs(v: np.ndarray) -> list[float]:
    """Products of an axis's components (xx, yy, zz, xy, xz, yz): the same for v and -v, so the arbitrary sign
    of a principal axis does not matter."""
    return [v[0] ** 2, v[1] ** 2, v[2] ** 2, v[0] * v[1], v[0] * v[2], v[1] * v[2]]


def _principal_axes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal axes (rows, largest variance first) and variance shares of 3-D samples x (W, 3)."""
    _, sv, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    total = np.sum(sv**2)
    return vt, (sv**2 / total if total > 0 else np.zeros(3))


def gravity_direction(acc: np.ndarray, rate_hz: float) -> np.ndarray:
    """Unit vectors (W, 3) of the low-passed acceleration: the direction of gravity in the sensor frame."""
    from sportlens.signals import zero_lag_filter

    if GRAVITY_LOWPASS_HZ >= 0.45 * rate_hz or len(acc) < 16:
        return _unit(np.repeat(acc.mean(axis=0, keepdims=True), len(acc), axis=0))
    # FEATURE_VERSION 1 pads each window with 15 samples (not zero_lag_filter's 9): the features, and the
    # models saved with them, depend on it
    return _unit(zero_lag_filter(acc, rate_hz, high_hz=GRAVITY_LOWPASS_HZ, order=2, padlen=GRAVITY_PAD_SAMPLES))


def rotation_axis(gyro: np.ndarray) -> np.ndarray:
    """Principal rotation axis (3,) of angular-rate samples (W, 3): the direction of largest variance (sign
    arbitrary)."""
    return _principal_axes(gyro)[0][0]


def _gravity(acc, gyro, rate_hz):
    g = gravity_direction(acc, rate_hz)
    return list(g.mean(axis=0)) + list(g.min(axis=0)) + list(g.max(axis=0))


def _gravity_plane(acc, gyro, rate_hz):
    # the gravity direction moves in the plane of the movement; its normal is the axis the limb turns about
    return _axis_pairs(_principal_axes(gravity_direction(acc, rate_hz))[0][2])


def _rotation_axis(acc, gyro, rate_hz):
    axes, share = _principal_axes(gyro)
    return _axis_pairs(axes[0]) + list(share)


def _skew(x: np.ndarray) -> list[float]:
    z = x - x.mean(axis=0)
    sd = z.std(axis=0)
    return list(np.divide(np.mean(z**3, axis=0), sd**3, out=np.zeros(3), where=sd > 1e-9))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = a.std() > 1e-12 and b.std() > 1e-12
    return float(np.corrcoef(a, b)[0, 1]) if ok else 0.0


def _acc_gyro_corr(acc, gyro, rate_hz):
    return [_corr(acc[:, i], gyro[:, j]) for i in range(3) for j in range(3)]


def _gyro_corr(acc, gyro, rate_hz):
    return [_corr(gyro[:, i], gyro[:, j]) for i, j in ((0, 1), (0, 2), (1, 2))]


def _gravity_swing(acc, gyro, rate_hz):
    # repetition-synchronous: where the limb is at either end of its turn about the principal axis, how far
    # apart the gravity directions are (per axis, sign-free), and how lopsided the turn's timing is
    v = rotation_axis(gyro)
    w = (gyro - gyro.mean(axis=0)) @ v
    angle = np.cumsum(w) / rate_hz
    g = gravity_direction(acc, rate_hz)
    hi, lo = angle >= np.percentile(angle, 80), angle <= np.percentile(angle, 20)
    d = g[hi].mean(axis=0) - g[lo].mean(axis=0) if hi.any() and lo.any() else np.zeros(3)
    return list(np.abs(d)) + [abs(float(np.mean(w > 0)) - 0.5)]


# name -> (needs gyro, function (acc (W,3), gyro (W,3) or None, rate_hz) -> values, value names)
MOTION_FEATURES: dict[str, tuple[bool, Callable, tuple[str, ...]]] = {
    "gravity_dir": (False, _gravity, tuple(f"{s}_{a}" for s in ("mean", "min", "max") for a in XYZ)),
    "gravity_plane_normal": (False, _gravity_plane, PAIRS),
    "rotation_axis": (True, _rotation_axis, PAIRS + ("share1", "share2", "share3")),
    "skew": (
        True,
        lambda acc, gyro, r: _skew(acc) + _skew(gyro),
        tuple(f"{s}_{a}" for s in ("acc", "gyro") for a in XYZ),
    ),
    "corr_acc_gyro": (True, _acc_gyro_corr, tuple(f"{a}{b}" for a in XYZ for b in XYZ)),
    "corr_gyro": (True, _gyro_corr, ("xy", "xz", "yz")),
    "gravity_swing": (True, _gravity_swing, ("x", "y", "z", "timing")),
}
FEATURE_SETS = ("basic", "motion")


def channel_names(has_gyro: bool) -> list[str]:
    names = ["acc_x", "acc_y", "acc_z", "acc_mag"]
    return names + (["gyro_x", "gyro_y", "gyro_z", "gyro_mag"] if has_gyro else [])


def feature_names(has_gyro: bool, feature_set: str = "basic") -> list[str]:
    _check_set(feature_set)
    out = []
    for ch in channel_names(has_gyro):
        out += [f"{ch}_{s}" for s in STAT_FEATURES]
        out += [
            f"{ch}_band_{lo:g}_{hi:g}hz" if hi < 1e9 else f"{ch}_band_{lo:g}plus_hz" for lo, hi in SPECTRAL_BANDS_HZ
        ]
        out.append(f"{ch}_dominant_hz")
    out += [f"corr_{a}_{b}" for a, b in CORRELATION_PAIRS]
    if feature_set == "motion":
        for name, (needs_gyro, _, parts) in MOTION_FEATURES.items():
            if has_gyro or not needs_gyro:
                out += [f"{name}_{p}" for p in parts]
    return out


def _check_set(feature_set: str) -> None:
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; known: {', '.join(FEATURE_SETS)}")


def _channels(rec: ImuRecording) -> np.ndarray:
    acc = rec.acc_mps2
    cols = [acc, np.linalg.norm(acc, axis=1)[:, None]]
    if rec.gyro_rads is not None:
        cols += [rec.gyro_rads, np.linalg.norm(rec.gyro_rads, axis=1)[:, None]]
    return np.hstack(cols)


def window_features(window: np.ndarray, rate_hz: float, has_gyro: bool, feature_set: str = "basic") -> np.ndarray:
    """Features of one window of channels (W, C) sampled at `rate_hz` (acc x/y/z/|a| then gyro x/y/z/|w|, as
    `channel_names`), in `feature_names` order."""
    _check_set(feature_set)
    out = []
    freqs = np.fft.rfftfreq(len(window), 1.0 / rate_hz)
    for k in range(window.shape[1]):
        x = window[:, k]
        out += [float(f(x)) for f in STAT_FEATURES.values()]
        power = np.abs(np.fft.rfft(x - x.mean())) ** 2
        total = power.sum()
        for lo, hi in SPECTRAL_BANDS_HZ:
            out.append(float(power[(freqs >= lo) & (freqs < hi)].sum() / total) if total > 0 else 0.0)
        out.append(float(freqs[np.argmax(power)]) if total > 0 else 0.0)
    idx = {n: i for i, n in enumerate(channel_names(has_gyro))}
    for a, b in CORRELATION_PAIRS:
        xa, xb = window[:, idx[a]], window[:, idx[b]]
        ok = xa.std() > 1e-12 and xb.std() > 1e-12
        out.append(float(np.corrcoef(xa, xb)[0, 1]) if ok else 0.0)
    if feature_set == "motion":
        acc, gyro = window[:, 0:3], (window[:, 4:7] if has_gyro else None)
        for needs_gyro, fn, parts in MOTION_FEATURES.values():
            if has_gyro or not needs_gyro:
                values = fn(acc, gyro, rate_hz)
                assert len(values) == len(parts)
                out += [float(v) for v in values]
    return np.asarray(out)


@dataclass(frozen=True)
class Windows:
    """Windows of one or many recordings: X (n, features), start_s (n,) and the recording of each window."""

    X: np.ndarray
    start_s: np.ndarray
    recording_index: np.ndarray


def make_windows(
    recs: list[ImuRecording],
    window_s: float,
    hop_s: float,
    rate_hz: float | None = None,
    use_gyro: bool = True,
    feature_set: str = "basic",
) -> Windows:
    """Cut each gap-free segment of each recording (resampled to `rate_hz` when given) into windows of
    `window_s` every `hop_s` seconds and compute their features (`feature_set`: "basic" or "motion"); windows
    never cross a gap."""
    _check_set(feature_set)
    rows, starts, owners = [], [], []
    for i, rec in enumerate(recs):
        if not use_gyro and rec.gyro_rads is not None:
            rec = rec.replace(gyro_rads=None)
        for seg in rec.segments():
            seg = seg.uniform(rate_hz) if rate_hz else seg.uniform()
            n = int(round(window_s * seg.rate_hz))
            hop = max(1, int(round(hop_s * seg.rate_hz)))
            ch = _channels(seg)
            for a in range(0, len(seg) - n + 1, hop):
                rows.append(window_features(ch[a : a + n], seg.rate_hz, seg.gyro_rads is not None, feature_set))
                starts.append(seg.time_s[a])
                owners.append(i)
    width = len(feature_names(use_gyro and all(r.gyro_rads is not None for r in recs), feature_set))
    X = np.vstack(rows) if rows else np.zeros((0, width))
    return Windows(X, np.asarray(starts, dtype=float), np.asarray(owners, dtype=int))
