"""Fixed-length windows of a recording and their features (statistics and spectrum), as one table of data.

A feature is one row in `STAT_FEATURES` / `SPECTRAL_BANDS_HZ`; `feature_names` and `window_features` both
read those tables, so names and values cannot drift apart.
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


def channel_names(has_gyro: bool) -> list[str]:
    names = ["acc_x", "acc_y", "acc_z", "acc_mag"]
    return names + (["gyro_x", "gyro_y", "gyro_z", "gyro_mag"] if has_gyro else [])


def feature_names(has_gyro: bool) -> list[str]:
    out = []
    for ch in channel_names(has_gyro):
        out += [f"{ch}_{s}" for s in STAT_FEATURES]
        out += [
            f"{ch}_band_{lo:g}_{hi:g}hz" if hi < 1e9 else f"{ch}_band_{lo:g}plus_hz" for lo, hi in SPECTRAL_BANDS_HZ
        ]
        out.append(f"{ch}_dominant_hz")
    out += [f"corr_{a}_{b}" for a, b in CORRELATION_PAIRS]
    return out


def _channels(rec: ImuRecording) -> np.ndarray:
    acc = rec.acc_mps2
    cols = [acc, np.linalg.norm(acc, axis=1)[:, None]]
    if rec.gyro_rads is not None:
        cols += [rec.gyro_rads, np.linalg.norm(rec.gyro_rads, axis=1)[:, None]]
    return np.hstack(cols)


def window_features(window: np.ndarray, rate_hz: float, has_gyro: bool) -> np.ndarray:
    """Features of one window of channels (W, C) sampled at `rate_hz`, in `feature_names` order."""
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
    return np.asarray(out)


@dataclass(frozen=True)
class Windows:
    """Windows of one or many recordings: X (n, features), start_s (n,) and the recording of each window."""

    X: np.ndarray
    start_s: np.ndarray
    recording_index: np.ndarray


def make_windows(
    recs: list[ImuRecording], window_s: float, hop_s: float, rate_hz: float | None = None, use_gyro: bool = True
) -> Windows:
    """Cut each gap-free segment of each recording (resampled to `rate_hz` when given) into windows of
    `window_s` every `hop_s` seconds and compute their features; windows never cross a gap."""
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
                rows.append(window_features(ch[a : a + n], seg.rate_hz, seg.gyro_rads is not None))
                starts.append(seg.time_s[a])
                owners.append(i)
    width = len(feature_names(use_gyro and all(r.gyro_rads is not None for r in recs)))
    X = np.vstack(rows) if rows else np.zeros((0, width))
    return Windows(X, np.asarray(starts, dtype=float), np.asarray(owners, dtype=int))
