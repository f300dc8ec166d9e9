"""`ImuRecording`: one sensor's samples in SI units, with its timing checked (gaps, duplicated stamps)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class TimingReport:
    """What the time stamps say: median rate, gaps (> `gap_factor` x median step) and duplicated stamps.

    `gaps` holds (start_s, length_s) pairs; `duplicates` the number of samples whose stamp equals the one
    before; `backwards` the number of steps that go back in time.
    """

    n_samples: int
    duration_s: float
    median_rate_hz: float
    gaps: tuple[tuple[float, float], ...]
    duplicates: int
    backwards: int

    @property
    def ok(self) -> bool:
        return not self.gaps and self.duplicates == 0 and self.backwards == 0

    def as_dict(self) -> dict:
        return {
            "n_samples": self.n_samples,
            "duration_s": round(self.duration_s, 6),
            "median_rate_hz": round(self.median_rate_hz, 6),
            "gaps": [{"start_s": round(a, 6), "length_s": round(b, 6)} for a, b in self.gaps],
            "duplicates": self.duplicates,
            "backwards": self.backwards,
        }

    def lines(self) -> list[str]:
        """Human-readable warnings, empty when the timing is clean."""
        out = []
        if self.gaps:
            total = sum(length for _, length in self.gaps)
            out.append(f"{len(self.gaps)} gap(s) in the time stamps, {total:.2f} s in all (not interpolated)")
        if self.duplicates:
            out.append(f"{self.duplicates} duplicated time stamp(s) (later copies ignored by the analysis)")
        if self.backwards:
            out.append(f"{self.backwards} time stamp(s) go backwards (those samples are ignored by the analysis)")
        return out


def check_timing(time_s: np.ndarray, gap_factor: float = 2.5) -> TimingReport:
    """Report gaps and duplicated stamps of a time axis (s); a gap is a step > gap_factor x median step."""
    t = np.asarray(time_s, dtype=float)
    steps = np.diff(t)
    positive = steps[steps > 0]
    median_step = float(np.median(positive)) if positive.size else float("nan")
    gaps: list[tuple[float, float]] = []
    if positive.size:
        for i in np.flatnonzero(steps > gap_factor * median_step):
            gaps.append((float(t[i]), float(steps[i])))
    return TimingReport(
        n_samples=int(t.size),
        duration_s=float(t[-1] - t[0]) if t.size else 0.0,
        median_rate_hz=1.0 / median_step if positive.size else float("nan"),
        gaps=tuple(gaps),
        duplicates=int(np.sum(steps == 0)),
        backwards=int(np.sum(steps < 0)),
    )


def _vectors(name: str, value, n: int) -> np.ndarray | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if arr.shape != (n, 3):
        raise ValueError(f"{name} must have shape ({n}, 3), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite values")
    arr = arr.copy()
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class ImuRecording:
    """One IMU's samples on one time axis, in SI units.

    time_s (N,) seconds; acc_mps2 (N, 3) m/s^2 including gravity; gyro_rads (N, 3) rad/s or None (an
    accelerometer-only device); mag_ut (N, 3) microtesla (or the device's unit) or None. `rate_hz` is the
    nominal rate (the median rate of the stamps when not given); `source_rates_hz` the rate of each stream
    before it was put on this time axis; `units` the units the source used; `placement` where it was worn;
    `notes` what the reader changed (empty cells interpolated, rows sorted), for the user's warnings.
    """

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyro_rads: np.ndarray | None = None
    mag_ut: np.ndarray | None = None
    rate_hz: float = 0.0
    source_rates_hz: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    placement: str = "unknown"
    name: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        t = np.asarray(self.time_s, dtype=float)
        if t.ndim != 1 or t.size < 2:
            raise ValueError("time_s must be 1-D with at least 2 samples")
        if not np.all(np.isfinite(t)):
            raise ValueError("time_s has non-finite values")
        t = t.copy()
        t.flags.writeable = False
        object.__setattr__(self, "time_s", t)
        object.__setattr__(self, "acc_mps2", _vectors("acc_mps2", self.acc_mps2, t.size))
        object.__setattr__(self, "gyro_rads", _vectors("gyro_rads", self.gyro_rads, t.size))
        object.__setattr__(self, "mag_ut", _vectors("mag_ut", self.mag_ut, t.size))
        if not self.rate_hz:
            rate = self.timing.median_rate_hz
            if not np.isfinite(rate):
                raise ValueError("time_s has no increasing steps; cannot tell the sample rate")
            object.__setattr__(self, "rate_hz", float(rate))
        if self.rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {self.rate_hz}")

    @cached_property
    def timing(self) -> TimingReport:
        return check_timing(self.time_s)

    def __len__(self) -> int:
        return int(self.time_s.size)

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1] - self.time_s[0])

    @property
    def has_gyro(self) -> bool:
        return self.gyro_rads is not None

    def replace(self, **changes) -> ImuRecording:
        return dataclasses.replace(self, **changes)

    def select(self, index) -> ImuRecording:
        """A recording of the samples picked by a boolean mask or index array (same metadata)."""
        return self.replace(
            time_s=self.time_s[index],
            acc_mps2=self.acc_mps2[index],
            gyro_rads=None if self.gyro_rads is None else self.gyro_rads[index],
            mag_ut=None if self.mag_ut is None else self.mag_ut[index],
        )

    def clean(self) -> ImuRecording:
        """Drop samples whose stamp repeats or goes back (keeping the first); gaps are kept as gaps."""
        t = self.time_s
        keep = np.ones(t.size, dtype=bool)
        last = t[0]
        for i in range(1, t.size):
            if t[i] <= last:
                keep[i] = False
            else:
                last = t[i]
        return self if keep.all() else self.select(keep)

    def segments(self, gap_factor: float = 2.5) -> list[ImuRecording]:
        """Contiguous pieces between gaps (after `clean`), so no analysis bridges a gap."""
        rec = self.clean()
        steps = np.diff(rec.time_s)
        cuts = np.flatnonzero(steps > gap_factor * np.median(steps)) + 1
        bounds = [0, *cuts.tolist(), len(rec)]
        return [rec.select(slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b - a >= 2]

    def uniform(self, rate_hz: float | None = None) -> ImuRecording:
        """Linear resampling onto a uniform grid at `rate_hz` (default: own rate); call per segment."""
        rec = self.clean()
        rate = float(rate_hz or rec.rate_hz)
        n = int(np.floor(rec.duration_s * rate + 1e-9)) + 1
        grid = rec.time_s[0] + np.arange(n) / rate

        def interp(values):
            if values is None:
                return None
            return np.column_stack([np.interp(grid, rec.time_s, values[:, k]) for k in range(3)])

        return rec.replace(
            time_s=grid,
            acc_mps2=interp(rec.acc_mps2),
            gyro_rads=interp(rec.gyro_rads),
            mag_ut=interp(rec.mag_ut),
            rate_hz=rate,
        )

    def summary(self) -> dict:
        return {
            "name": self.name,
            "n_samples": len(self),
            "duration_s": round(self.duration_s, 6),
            "rate_hz": round(self.rate_hz, 6),
            "source_rates_hz": self.source_rates_hz,
            "units": self.units,
            "placement": self.placement,
            "streams": ["acc"] + (["gyro"] if self.has_gyro else []) + (["mag"] if self.mag_ut is not None else []),
            "timing": self.timing.as_dict(),
        }


def merge_streams(
    acc_time_s: np.ndarray,
    acc_mps2: np.ndarray,
    gyro_time_s: np.ndarray,
    gyro_rads: np.ndarray,
    rate_hz: float,
    gap_s: float | None = None,
    **meta,
) -> ImuRecording:
    """Put an accelerometer and a gyroscope logged at different rates on one uniform grid at `rate_hz`.

    The grid covers only the time both streams cover; grid points inside a gap of either stream (a step
    longer than `gap_s`, default 2.5 source periods) are left out, so the result shows the gap instead of
    bridging it. Times in s, acc in m/s^2, gyro in rad/s.
    """
    streams = []
    for t, v in ((acc_time_s, acc_mps2), (gyro_time_s, gyro_rads)):
        t = np.asarray(t, dtype=float)
        v = np.asarray(v, dtype=float)
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
        keep = np.concatenate([[True], np.diff(t) > 0])
        streams.append((t[keep], v[keep]))
    (ta, va), (tg, vg) = streams
    start, stop = max(ta[0], tg[0]), min(ta[-1], tg[-1])
    if stop <= start:
        raise ValueError("the accelerometer and gyroscope streams do not overlap in time")
    grid = start + np.arange(int(np.floor((stop - start) * rate_hz + 1e-9)) + 1) / rate_hz
    inside = np.ones(grid.size, dtype=bool)
    for t in (ta, tg):
        steps = np.diff(t)
        limit = gap_s if gap_s is not None else 2.5 * float(np.median(steps))
        for i in np.flatnonzero(steps > limit):
            inside &= ~((grid > t[i]) & (grid < t[i + 1]))
    grid = grid[inside]
    acc = np.column_stack([np.interp(grid, ta, va[:, k]) for k in range(3)])
    gyro = np.column_stack([np.interp(grid, tg, vg[:, k]) for k in range(3)])
    rates = {"acc": 1.0 / float(np.median(np.diff(ta))), "gyro": 1.0 / float(np.median(np.diff(tg)))}
    meta.setdefault("source_rates_hz", {k: round(v, 6) for k, v in rates.items()})
    return ImuRecording(time_s=grid, acc_mps2=acc, gyro_rads=gyro, rate_hz=rate_hz, **meta)
