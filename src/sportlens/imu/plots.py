"""PNG plots of a signal with its events marked, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.imu.events import Jump, Reps, Steps, Stroke
from sportlens.imu.recording import ImuRecording
from sportlens.io.atomic import save_figure


def _figure(title: str, rows: int = 1):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, 1, figsize=(11, 3.2 * rows), sharex=True, squeeze=False)
    fig.suptitle(title, fontsize=11)
    return fig, axes[:, 0]


def _save(fig, target: Path) -> Path:
    fig.tight_layout()
    return save_figure(fig, target, dpi=90)


def _shade_gaps(ax, rec: ImuRecording) -> None:
    for start, length in rec.timing.gaps:
        ax.axvspan(start, start + length, color="0.85", lw=0)


def plot_reps(rec: ImuRecording, reps: Reps, target: Path) -> Path:
    fig, (ax0, ax1) = _figure(f"{rec.name}: {reps.count} repetitions (period {reps.period_s:.2f} s)", 2)
    ax0.plot(rec.time_s, np.linalg.norm(rec.acc_mps2, axis=1), lw=0.7, color="0.3")
    ax0.set_ylabel("|acc| (m/s²)")
    _shade_gaps(ax0, rec)
    ax1.plot(reps.time_s, reps.signal, lw=0.8, label="principal component (band-passed)")
    if reps.count:
        ax1.plot(reps.times_s, np.interp(reps.times_s, reps.time_s, reps.signal), "rv", label="repetition")
        for i, t in enumerate(reps.times_s, 1):
            ax1.annotate(
                str(i),
                (t, np.interp(t, reps.time_s, reps.signal)),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    ax1.set_ylabel("signal (a.u.)")
    ax1.set_xlabel("time (s)")
    ax1.legend(loc="upper right", fontsize=8)
    return _save(fig, target)


def plot_jumps(rec: ImuRecording, jumps: list[Jump], free_fall_mps2: float, target: Path) -> Path:
    def label(j: Jump) -> str:
        height = "no plausible height" if j.height_m is None else f"{j.height_m * 100:.1f} cm ({j.height_method})"
        return f"{height}, T={j.flight_time_s:.3f} s" + ("" if j.plausible else ", IMPLAUSIBLE: see warnings")

    title = f"{rec.name}: {len(jumps)} jump(s)"
    if jumps:
        title += "; " + "; ".join(label(j) for j in jumps[:3]) + (" ..." if len(jumps) > 3 else "")
    fig, (ax,) = _figure(title)
    ax.plot(rec.time_s, np.linalg.norm(rec.acc_mps2, axis=1), lw=0.8, label="|acc|")
    ax.axhline(free_fall_mps2, color="r", ls=":", lw=0.8, label="free-fall threshold")
    _shade_gaps(ax, rec)
    for k, j in enumerate(jumps):
        ax.axvspan(j.takeoff_s, j.landing_s, color="tab:orange" if j.plausible else "tab:gray", alpha=0.3,
                   label=("flight" if j.plausible else "flight (implausible)") if k == 0 else None)
        ax.axvline(j.takeoff_s, color="tab:green", lw=1, label="take-off" if k == 0 else None)
        ax.axvline(j.landing_s, color="tab:red", lw=1, label="landing" if k == 0 else None)
    ax.set_ylabel("|acc| (m/s²)")
    ax.set_xlabel("time (s)")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, target)


def plot_strokes(rec: ImuRecording, strokes: list[Stroke], min_peak_rads: float, target: Path) -> Path:
    fig, (ax,) = _figure(f"{rec.name}: {len(strokes)} stroke(s)")
    ax.plot(rec.time_s, np.linalg.norm(rec.gyro_rads, axis=1), lw=0.6, label="|ω|")
    ax.axhline(min_peak_rads, color="r", ls=":", lw=0.8, label="peak threshold")
    _shade_gaps(ax, rec)
    for k, s in enumerate(strokes):
        ax.axvspan(s.start_s, s.end_s, color="tab:orange", alpha=0.25, label="stroke" if k == 0 else None)
        ax.plot(
            s.peak_s,
            s.peak_rads,
            "v",
            color="tab:red" if s.clipped else "tab:green",
            label=("peak (clipped)" if s.clipped else "peak") if k in (0,) else None,
        )
    ax.set_ylabel("|ω| (rad/s)")
    ax.set_xlabel("time (s)")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, target)


def plot_steps(rec: ImuRecording, steps: Steps, target: Path) -> Path:
    fig, (ax,) = _figure(f"{rec.name}: {steps.count} steps, cadence {steps.cadence_spm:.0f} steps/min")
    mag = np.linalg.norm(rec.acc_mps2, axis=1)
    ax.plot(rec.time_s, mag, lw=0.6, label="|acc|")
    if steps.count:
        ax.plot(steps.times_s, np.interp(steps.times_s, rec.time_s, mag), "rv", ms=4, label="step")
    _shade_gaps(ax, rec)
    ax.set_ylabel("|acc| (m/s²)")
    ax.set_xlabel("time (s)")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, target)


def plot_orientation(time_s: np.ndarray, euler_deg: np.ndarray, earth_acc: np.ndarray, name: str, target: Path):
    fig, (ax0, ax1) = _figure(f"{name}: orientation (imufusion AHRS)", 2)
    for k, lbl in enumerate(("roll", "pitch", "yaw")):
        ax0.plot(time_s, euler_deg[:, k], lw=0.8, label=lbl)
    ax0.set_ylabel("angle (deg)")
    ax0.legend(loc="upper right", fontsize=8)
    for k, lbl in enumerate("xyz"):
        ax1.plot(time_s, earth_acc[:, k], lw=0.6, label=f"earth {lbl}")
    ax1.set_ylabel("acc, gravity removed (m/s²)")
    ax1.set_xlabel("time (s)")
    ax1.legend(loc="upper right", fontsize=8)
    return _save(fig, target)
