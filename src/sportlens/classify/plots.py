"""Figures of a run: confusion matrix, most confident mistakes, training curves (PNG, written atomically)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sportlens.io.atomic import save_figure  # noqa: E402


def _save(fig, path: Path) -> Path:
    return save_figure(fig, path, dpi=110, tight=True)


def plot_confusion(confusion: Sequence[Sequence[int]], classes: Sequence[str], path: Path, title: str = "") -> Path:
    """Row-normalised confusion matrix (colour = share of the true class) with the counts written in."""
    counts = np.asarray(confusion, dtype=float)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    n = len(classes)
    side = max(4.0, 0.45 * n + 2)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), classes, rotation=60, ha="right")
    ax.set_yticks(range(n), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, int(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if shares[i, j] > 0.5 else "black")
    ax.set_title(title or "confusion matrix (rows: true class, colour: share of row)")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return _save(fig, path)


def plot_mistakes(images: np.ndarray, captions: Sequence[str], path: Path, columns: int = 4) -> Path:
    """A grid of images (N, H, W, 3 uint8) with captions such as 'true: golf / pred: polo 0.93'."""
    n = max(len(images), 1)
    rows = int(np.ceil(n / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 2.6, rows * 2.9), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k])
            ax.set_title(captions[k], fontsize=8)
    if not len(images):
        axes.flat[0].text(0.5, 0.5, "no mistakes", ha="center", va="center")
    fig.suptitle("most confident mistakes", fontsize=11)
    return _save(fig, path)


def plot_history(history: Sequence[dict], path: Path) -> Path:
    """Training and validation loss, validation accuracy and learning rate per epoch."""
    epochs = [row["epoch"] for row in history]
    fig, (ax_loss, ax_acc, ax_lr) = plt.subplots(1, 3, figsize=(13, 3.6))
    ax_loss.plot(epochs, [row["train_loss"] for row in history], label="train (with mixup/smoothing)")
    ax_loss.plot(epochs, [row.get("val_loss", np.nan) for row in history], label="validation")
    ax_loss.set_title("loss")
    ax_loss.legend(fontsize=8)
    ax_acc.plot(epochs, [row.get("val_accuracy", np.nan) for row in history], color="tab:green")
    ax_acc.set_title("validation accuracy")
    ax_acc.set_ylim(0, 1.02)
    ax_lr.plot(epochs, [row["lr"] for row in history], color="tab:gray")
    ax_lr.set_title("learning rate (top group, end of epoch)")
    for ax in (ax_loss, ax_acc, ax_lr):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    return _save(fig, path)
