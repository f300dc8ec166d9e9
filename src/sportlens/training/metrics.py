"""Classification metrics: accuracy, macro F1, per-class precision/recall/F1/support, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> dict:
    """Metrics of integer predictions against integer labels (indices into `classes`).

    accuracy = correct / all; macro_f1 = unweighted mean F1 over the classes that occur in y_true or
    y_pred (a class never seen and never predicted does not count); confusion[i][j] counts items of
    class i predicted as class j, over all `classes`.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    present = np.union1d(y_true, y_pred)
    present = present[(present >= 0) & (present < len(classes))]  # -1 means "no prediction": not a class
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=np.arange(len(classes)), zero_division=0
    )
    macro_f1 = float(np.mean(f1[present])) if len(present) else 0.0
    per_class = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(classes)
    }
    return {
        "n_images": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "macro_f1": macro_f1,
        "per_class": per_class,
        "confusion": confusion_matrix(y_true, y_pred, labels=np.arange(len(classes))).tolist(),
    }
