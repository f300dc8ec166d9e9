"""Gap interpolation and a zero-lag Butterworth low-pass for keypoint or angle series."""

from __future__ import annotations

import numpy as np
from scipy import signal

from sportlens.errors import UserError


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/stop index pairs of the True runs of a 1-D boolean mask."""
    padded = np.concatenate([[False], mask, [False]])
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
        for start, stop in _runs(np.isnan(y)):
            if start == 0 or stop == len(y) or stop - start > max_gap:
                continue
            y[start:stop] = np.interp(x[start:stop], [start - 1, stop], [y[start - 1], y[stop]])
    return out


def butterworth_lowpass(values: np.ndarray, cutoff_hz: float, fs_hz: float, order: int = 4) -> np.ndarray:
    """Zero-lag (forward-backward) Butterworth low-pass along axis 0, applied to each run of finite
    samples separately so gaps stay gaps. Runs of fewer than 2 samples are left as they are."""
    if not 0 < cutoff_hz < fs_hz / 2:
        raise UserError(
            f"filter cut-off {cutoff_hz:g} Hz must be above 0 and below half the frame rate ({fs_hz / 2:g} Hz)",
            hint="choose a lower --cutoff or use --no-filter",
        )
    sos = signal.butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    values = np.asarray(values, dtype=float)
    out = values.copy()
    flat = out.reshape(len(out), -1)
    default_pad = 3 * (2 * len(sos) + 1)
    for col in range(flat.shape[1]):
        y = flat[:, col]
        for start, stop in _runs(np.isfinite(y)):
            if stop - start < 2:
                continue
            y[start:stop] = signal.sosfiltfilt(sos, y[start:stop], padlen=min(default_pad, stop - start - 1))
    return out
