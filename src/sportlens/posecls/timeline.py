"""Pose labels over the frames of a video: the per-frame classifier output smoothed by a majority vote over a
short window, the runs of one label as segments, and a plot of both."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.io.atomic import save_figure


def majority_labels(proba: np.ndarray, seen: np.ndarray, window: int) -> np.ndarray:
    """Smoothed label index per frame (N,), -1 where no person is seen: the label most frames within a centred
    window of `window` frames vote for (each frame with a person votes for its most probable class), ties broken
    by the summed probability. proba: (N, C) class probabilities; seen: (N,) bool."""
    n, c = proba.shape
    if n == 0:
        return np.zeros(0, int)
    votes = np.zeros((n, c))
    votes[np.flatnonzero(seen), proba[seen].argmax(1)] = 1.0
    weight = votes + 1e-6 * np.where(seen[:, None], proba, 0.0)  # probabilities only break ties
    half = max(0, window // 2)
    cum = np.concatenate([np.zeros((1, c)), np.cumsum(weight, axis=0)])
    lo, hi = np.clip(np.arange(n) - half, 0, n), np.clip(np.arange(n) + half + 1, 0, n)
    return np.where(seen, (cum[hi] - cum[lo]).argmax(1), -1)


def label_segments(frames: np.ndarray, time_s: np.ndarray, labels: list[str | None], probability: np.ndarray,
                   step_s: float) -> pd.DataFrame:
    """Runs of one label over consecutive analysed frames (a frame without a person ends a run): label,
    start_frame, end_frame, start_s, end_s, duration_s (end - start + one analysed frame) and mean_probability."""
    rows = []
    start = 0
    for k in range(1, len(labels) + 1):
        if k < len(labels) and labels[k] == labels[start]:
            continue
        if labels[start] is not None:
            rows.append({"label": labels[start], "start_frame": int(frames[start]), "end_frame": int(frames[k - 1]),
                         "start_s": round(float(time_s[start]), 3), "end_s": round(float(time_s[k - 1]), 3),
                         "duration_s": round(float(time_s[k - 1] - time_s[start] + step_s), 3),
                         "mean_probability": round(float(np.mean(probability[start:k])), 4)})
        start = k
    columns = ["label", "start_frame", "end_frame", "start_s", "end_s", "duration_s", "mean_probability"]
    return pd.DataFrame(rows, columns=columns)


def plot_labels(table: pd.DataFrame, segments: pd.DataFrame, classes: list[str], target: Path, title: str) -> Path:
    """The smoothed label over time as one bar per segment on its class's row, each frame's own (unsmoothed) label
    as a dot, and the probability of the smoothed label below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_p) = plt.subplots(2, 1, figsize=(10, 1.2 + 0.35 * len(classes) + 1.4), sharex=True,
                                   gridspec_kw={"height_ratios": [max(2, len(classes)), 2]})
    colours = plt.get_cmap("tab10")
    row = {c: k for k, c in enumerate(classes)}
    for seg in segments.itertuples():
        k = row[seg.label]
        ax.broken_barh([(seg.start_s, max(seg.duration_s, 1e-3))], (k - 0.35, 0.7), color=colours(k % 10), alpha=0.8)
    raw = table.dropna(subset=["raw_label"])
    ax.plot(raw["time_s"], [row[c] for c in raw["raw_label"]], ".", color="black", ms=2, alpha=0.5,
            label="per frame (unsmoothed)")
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set_ylim(-0.6, len(classes) - 0.4)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(f"pose over time — {title}", fontsize=10, loc="left")
    ax_p.plot(table["time_s"], table["probability"], color="tab:blue", lw=1)
    ax_p.set_ylim(0, 1.02)
    ax_p.set_ylabel("probability", fontsize=8)
    ax_p.set_xlabel("time (s)")
    ax_p.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, target, dpi=80)
