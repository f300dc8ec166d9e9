"""Signal processing shared by pose and imu: zero-lag Butterworth filters, gap interpolation, periodicity.

Every filter is applied forward and backward (no lag) and, where a series has gaps (NaN), to each run of
finite samples on its own, so nothing is smeared across a gap.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sp_signal

from sportlens.errors import UserError


def finite_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/stop index pairs of the True runs of a 1-D boolean mask."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2], edges[1::2], strict=True))


def interpolate_gaps(values: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill interior NaN runs of at most max_gap samples linearly along axis 0; longer gaps and the
    ends stay NaN. Works column by column on any trailing shape."""
    values = np.asarray(values, dtype=float)
    out = values.copy()
    flat = out.reshape(len(out), -1)
    x = np.arange(len(out))
    for col in range(flat.shape[1]):
        y = flat[:, col]
        for start, stop in finite_runs(np.isnan(y)):
            if start == 0 or stop == len(y) or stop - start > max_gap:
                continue
            y[start:stop] = np.interp(x[start:stop], [start - 1, stop], [y[start - 1], y[stop]])
    return out


def butterworth_sos(rate_hz: float, low_hz: float | None, high_hz: float | None, order: int):
    """Second-order sections of a Butterworth high-pass (low_hz), low-pass (high_hz) or band-pass (both);
    None when neither cut-off is set."""
    if low_hz and high_hz:
        return sp_signal.butter(order, [low_hz, high_hz], btype="bandpass", fs=rate_hz, output="sos")
    if low_hz:
        return sp_signal.butter(order, low_hz, btype="highpass", fs=rate_hz, output="sos")
    if high_hz:
        return sp_signal.butter(order, high_hz, btype="lowpass", fs=rate_hz, output="sos")
    return None


def zero_lag_filter(x: np.ndarray, rate_hz: float, low_hz: float | None = None, high_hz: float | None = None,
                    order: int = 2, padlen: int | None = None) -> np.ndarray:
    """Zero-phase Butterworth band/low/high-pass along axis 0 of gap-free data; a cut-off at or above
    0.95 Nyquist is dropped (the data cannot hold that frequency anyway). padlen: samples of odd extension
    at each end (default 3 * (2 * sections + 1), scipy's own rule for second-order sections)."""
    high_hz = None if high_hz is None or high_hz >= 0.95 * rate_hz / 2 else high_hz
    sos = butterworth_sos(rate_hz, low_hz, high_hz, order)
    x = np.asarray(x, dtype=float)
    if sos is None:
        return x
    pad = 3 * (2 * len(sos) + 1) if padlen is None else padlen
    return sp_signal.sosfiltfilt(sos, x, axis=0, padlen=min(pad, len(x) - 1))


def lowpass_with_gaps(values: np.ndarray, cutoff_hz: float, fs_hz: float, order: int = 4) -> np.ndarray:
    """Zero-lag Butterworth low-pass along axis 0, applied to each run of finite samples separately so gaps
    stay gaps. Runs of fewer than 2 samples are left as they are."""
    if not 0 < cutoff_hz < fs_hz / 2:
        raise UserError(
            f"filter cut-off {cutoff_hz:g} Hz must be above 0 and below half the frame rate ({fs_hz / 2:g} Hz)",
            hint="choose a lower --cutoff or use --no-filter",
        )
    sos = sp_signal.butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    values = np.asarray(values, dtype=float)
    out = values.copy()
    flat = out.reshape(len(out), -1)
    default_pad = 3 * (2 * len(sos) + 1)
    for col in range(flat.shape[1]):
        y = flat[:, col]
        for start, stop in finite_runs(np.isfinite(y)):
            if stop - start < 2:
                continue
            y[start:stop] = sp_signal.sosfiltfilt(sos, y[start:stop], padlen=min(default_pad, stop - start - 1))
    return out


def gaussian_with_gaps(values: np.ndarray, sigma_samples: float) -> np.ndarray:
    """Gaussian smoothing (zero lag: the kernel is symmetric) along axis 0, per run of finite samples."""
    from scipy.ndimage import gaussian_filter1d

    values = np.asarray(values, dtype=float)
    out = values.copy()
    flat = out.reshape(len(out), -1)
    for col in range(flat.shape[1]):
        y = flat[:, col]
        for start, stop in finite_runs(np.isfinite(y)):
            if stop - start >= 2:
                y[start:stop] = gaussian_filter1d(y[start:stop], sigma_samples, mode="nearest")
    return out


def dominant_period(
    x: np.ndarray, rate_hz: float, min_period_s: float, max_period_s: float, near_best: float = 0.8,
    require_repeat: bool = True,
) -> float | None:
    """The repetition period (s) of x from its autocorrelation, or None if it has no peak in range.

    A peak at lag P between the two periods is a candidate when the movement repeats again at 2P (a positive
    autocorrelation peak within 10 % of 2P, unless 2P lies beyond the signal) and repeats no better there
    than at P (else P is half a period: a movement whose two halves look alike). The period is the first
    candidate nearly as high (`near_best`) as the highest candidate; with no candidate, the same rule on
    all peaks. require_repeat=False drops the first condition (a missing peak near 2P no longer rejects P,
    a higher one still does): for people whose tempo drifts over a long set, which smears the peak at 2P.
    """
    x = np.asarray(x, dtype=float) - np.mean(x)
    n = len(x)
    lo, hi = int(min_period_s * rate_hz), min(int(max_period_s * rate_hz), n - 2)
    if hi <= lo + 1:
        return None
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0]
    all_peaks, _ = sp_signal.find_peaks(ac)
    peaks = all_peaks[(all_peaks >= lo) & (all_peaks <= hi)]
    if peaks.size == 0:
        return None

    def repeats(p: int) -> bool:
        tol = max(1, p // 10)
        if 2 * p + tol >= n:
            return True
        near = all_peaks[np.abs(all_peaks - 2 * p) <= tol]
        if not near.size:
            return not require_repeat
        return bool(ac[near].max() <= ac[p])

    candidates = np.array([p for p in peaks if repeats(p)], dtype=int)
    if candidates.size == 0:
        candidates = peaks
    best = candidates[np.argmax(ac[candidates])]
    # a multiple of the true period can win on a noisy signal: take the first candidate nearly as high
    first = next((p for p in candidates if ac[p] >= near_best * ac[best]), best)
    return first / rate_hz


def periodicity(x: np.ndarray, rate_hz: float, min_period_s: float, max_period_s: float,
                require_repeat: bool = True) -> tuple[float | None, float]:
    """(period_s, strength): the `dominant_period` of x and its normalised autocorrelation at that lag
    (1 = every cycle alike, 0 = no repetition); (None, 0.0) when x has no period in range."""
    period = dominant_period(x, rate_hz, min_period_s, max_period_s, require_repeat=require_repeat)
    if period is None:
        return None, 0.0
    return period, lag_strength(x, int(round(period * rate_hz)))


def lag_strength(x: np.ndarray, lag: int) -> float:
    """Normalised autocorrelation of x at one lag (samples), clipped to [0, 1]; unbiased at the lag (divided by
    the overlap), so a short clip of two repetitions is not penalised. 0 when the lag is outside x."""
    x = np.asarray(x, dtype=float) - np.mean(x)
    energy = float(np.dot(x, x))
    if energy <= 0 or not 0 < lag < len(x):
        return 0.0
    strength = float(np.dot(x[:-lag], x[lag:]) / (len(x) - lag)) / (energy / len(x))
    return max(0.0, min(1.0, strength))


def repetition_peaks(
    pieces: list[tuple[np.ndarray, np.ndarray]],
    rate_hz: float,
    period_s: float,
    min_prominence: float = 0.35,
    signs: tuple[float, ...] = (1.0, -1.0),
    spacing: float = 0.6,
    smooth_cycles: float = 2.5,
) -> tuple[list[np.ndarray], float]:
    """One turning point per repetition of a periodic signal: (peak indices per piece, the sign they are
    peaks of).

    pieces: (time_s, x) gap-free runs of one signal, sampled at rate_hz. Each x (times each sign in `signs`)
    is low-passed at `smooth_cycles` / period (zero lag); peaks at least `spacing` x period apart are kept
    when their prominence is at least `min_prominence` x the typical prominence (median of the strongest
    as many as the pieces' length holds periods), so pauses and small wobbles add none. Of the signs, the
    one giving more peaks wins (the first on a tie)."""
    distance = max(1, int(spacing * period_s * rate_hz))
    expected = max(1, int(sum(t[-1] - t[0] for t, _ in pieces) / period_s)) if pieces else 1
    best: list[np.ndarray] | None = None
    best_sign = signs[0]
    for sign in signs:
        found = []
        for _, x in pieces:
            xs = zero_lag_filter(sign * np.asarray(x, dtype=float), rate_hz, None, smooth_cycles / period_s)
            peaks, props = sp_signal.find_peaks(xs, distance=distance, prominence=0)
            found.append((peaks, props["prominences"]))
        proms = np.concatenate([f[1] for f in found]) if found else np.array([])
        if proms.size == 0:
            continue
        typical = np.median(np.sort(proms)[::-1][:expected])
        kept = [p[pr >= min_prominence * typical] for p, pr in found]
        if best is None or sum(k.size for k in kept) > sum(k.size for k in best):
            best, best_sign = kept, sign
    if best is None:
        best = [np.array([], dtype=int) for _ in pieces]
    return best, best_sign
