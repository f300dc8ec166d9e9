"""Window classification of IMU recordings (activity, exercise, stroke) with scikit-learn.

Recipes live in a registry; evaluation always splits by group (person, or time block when no person is
known), so no window of a test group was seen in training. A saved model is one joblib file holding the
fitted pipeline and its model card (`sportlens.models.card`, shared with the torch checkpoints).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from sportlens.errors import ModelError
from sportlens.imu.features import FEATURE_VERSION, feature_names, make_windows
from sportlens.imu.mirror import to_right_side
from sportlens.imu.readers import LabelledRecording
from sportlens.imu.recording import ImuRecording
from sportlens.imu.stroke_features import (
    StrokeWindows,
    event_windows,
    fixed_windows,
    invariant_feature_names,
    sensor_frame_features,
)
from sportlens.models.card import load_joblib_model, new_card, save_joblib_model
from sportlens.models.registry import Registry

TASK = "imu"  # the task named in the model card
RECIPES: Registry = Registry("IMU classifier recipe")


@RECIPES.register("forest")
def _forest(seed: int = 0):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=200, min_samples_leaf=2, n_jobs=1, random_state=seed)


@RECIPES.register("extra-trees")
def _extra_trees(seed: int = 0):
    from sklearn.ensemble import ExtraTreesClassifier

    return ExtraTreesClassifier(n_estimators=300, min_samples_leaf=2, n_jobs=1, random_state=seed)


@RECIPES.register("logistic")
def _logistic(seed: int = 0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=seed))


@RECIPES.register("stroke-invariant")
def _stroke_invariant(seed: int = 0):
    # meant for the rotation-invariant stroke features (`sportlens.imu.stroke_features`); balanced class weights
    # because stroke-event windows leave far fewer "no stroke" windows than stroke ones
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=300, min_samples_leaf=2, class_weight="balanced", n_jobs=1,
                                  random_state=seed)


@dataclass(frozen=True)
class WindowSet:
    """Feature windows with their label, group and recording: X (n, f), y/groups/recording_ids (n,)."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    recording_ids: np.ndarray
    start_s: np.ndarray


def window_set(
    data: list[LabelledRecording],
    window_s: float,
    hop_s: float,
    rate_hz: float | None = None,
    use_gyro: bool = True,
    block_s: float | None = None,
    feature_set: str = "basic",
    mirror_left: bool = False,
    windows: str = "fixed",
) -> WindowSet:
    """Windows of labelled recordings. With `block_s`, the group of a window is its recording's time block
    (`recording_id#block`); windows that cross a block edge are dropped, so no two neighbours can sit on both
    sides of a split. With `mirror_left`, recordings whose meta "side" is "left" are mirrored into the right
    wrist's frame (`sportlens.imu.mirror`), so both arms share one set of classes. `feature_set` "invariant" (the
    `stroke-invariant` recipe's) computes `sportlens.imu.stroke_features`; `windows` "events" puts the windows on
    the stroke detector's peaks, and the windows of stretches without a stroke are labelled `NO_STROKE_LABEL`."""
    recs = [d.recording for d in data]
    if mirror_left:
        missing = [d.recording_id for d in data if d.meta.get("side") not in ("left", "right")]
        if missing:
            raise ModelError(f"mirroring needs the side (left/right) of every recording; none for {missing[0]!r}")
        recs = [to_right_side(d.recording, d.meta["side"]) for d in data]
    w = _windows(recs, window_s, hop_s, rate_hz, use_gyro, feature_set, windows)
    idx = w.recording_index
    y = np.array([data[i].label for i in idx], dtype=object)
    if windows == "events":
        y[~w.is_stroke] = NO_STROKE_LABEL
    rids = np.array([data[i].recording_id for i in idx], dtype=object)
    groups = np.array([data[i].group for i in idx], dtype=object)
    keep = np.ones(len(idx), dtype=bool)
    if block_s:
        t0 = np.array([data[i].recording.time_s[0] for i in idx])
        first = np.floor((w.start_s - t0) / block_s + 1e-9)
        last = np.floor((w.start_s + window_s - 1e-9 - t0) / block_s)
        keep = first == last
        groups = np.array([f"{r}#{int(b)}" for r, b in zip(rids, first, strict=True)], dtype=object)
    return WindowSet(w.X[keep], y[keep], groups[keep], rids[keep], w.start_s[keep])


NO_STROKE_LABEL = "idle"  # the label of an event-mode window with no stroke peak near it, whatever the recording's
RECIPE_FEATURES = {"stroke-invariant": "invariant"}  # recipes that bring their own feature set


def _windows(recs, window_s, hop_s, rate_hz, use_gyro, feature_set, windows):
    """Feature windows (fixed or on stroke events) of recordings, with `is_stroke` for event windows."""
    if feature_set != "invariant" and windows == "fixed":
        w = make_windows(recs, window_s, hop_s, rate_hz, use_gyro, feature_set)
        return StrokeWindows(w.X, w.start_s, w.start_s + window_s / 2, w.recording_index,
                             np.ones(len(w.start_s), dtype=bool))
    if not use_gyro or any(r.gyro_rads is None for r in recs):
        raise ModelError("stroke-event windows and invariant features need a gyroscope in every recording")
    fn = None if feature_set == "invariant" else partial(sensor_frame_features, feature_set=feature_set)
    if windows == "events":
        return event_windows(recs, window_s, hop_s, rate_hz, feature_fn=fn)
    return fixed_windows(recs, window_s, hop_s, rate_hz, feature_fn=fn)


def _n_features(use_gyro: bool, feature_set: str) -> int:
    return len(invariant_feature_names()) if feature_set == "invariant" else len(feature_names(use_gyro, feature_set))


def cross_validate(
    ws: WindowSet, recipe: str = "forest", n_splits: int | None = None, seed: int = 0, on_fold=None
) -> dict:
    """Grouped cross-validation: leave-one-group-out for <= 12 groups, else stratified group k-fold.

    Returns accuracy (all test windows pooled), balanced accuracy, per-fold accuracies, the confusion
    matrix (rows = true, columns = predicted, `classes` order), and per-recording majority-vote accuracy.
    """
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix
    from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

    groups = ws.groups.astype(str)
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ModelError("cross-validation needs at least 2 groups (people or time blocks)")
    if n_splits is None and n_groups <= 12:
        splitter = LeaveOneGroupOut()
        split_name = "leave-one-group-out"
    else:
        k = min(n_splits or 5, n_groups)
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        split_name = f"stratified-group-{k}-fold"
    pred = np.empty(len(ws.y), dtype=object)
    folds = []
    splits = list(splitter.split(ws.X, ws.y, groups))
    for done, (train, test) in enumerate(splits, 1):
        model = RECIPES.build(recipe, seed=seed)
        model.fit(ws.X[train], ws.y[train])
        pred[test] = model.predict(ws.X[test])
        folds.append({"test_groups": sorted(set(groups[test])), "accuracy": float(np.mean(pred[test] == ws.y[test]))})
        if on_fold is not None:
            on_fold(done, len(splits))
    classes = sorted(set(ws.y))
    per_rec = majority_accuracy(ws.recording_ids, ws.y, pred)
    return {
        "split": split_name,
        "n_windows": int(len(ws.y)),
        "n_groups": n_groups,
        "accuracy": float(np.mean(pred == ws.y)),
        "balanced_accuracy": float(balanced_accuracy_score(ws.y.astype(str), pred.astype(str))),
        "recording_accuracy": per_rec,
        "folds": folds,
        "classes": classes,
        "confusion": confusion_matrix(ws.y.astype(str), pred.astype(str), labels=classes).tolist(),
    }


def nested_cross_validate(sets: dict[float, WindowSet], recipes: list[str], seed: int = 0, on_fold=None) -> dict:
    """Leave-one-group-out accuracy with the window length and recipe chosen inside each training fold.

    `sets` holds the same recordings cut into windows of several lengths (key: window_s). For each test group,
    every (window_s, recipe) pair is scored by leave-one-group-out on the training groups only (pooled window
    accuracy); the best is refitted on all training groups and predicts the test group, so the test group
    never takes part in a choice. Returns the pooled window accuracy (over the chosen windows), per-recording
    majority accuracy, and per fold the choice and its inner score.
    """
    from sklearn.model_selection import LeaveOneGroupOut

    any_set = next(iter(sets.values()))
    groups = sorted(set(any_set.groups.astype(str)))
    if len(groups) < 3:
        raise ModelError("nested cross-validation needs at least 3 groups (people)")
    hits, rec_hits, folds = [], [], []
    for done, test_group in enumerate(groups, 1):
        scores = {}
        for window_s, ws in sets.items():
            g = ws.groups.astype(str)
            train = g != test_group
            inner = list(LeaveOneGroupOut().split(ws.X[train], ws.y[train], g[train]))
            for recipe in recipes:
                right = 0
                for a, b in inner:
                    model = RECIPES.build(recipe, seed=seed)
                    model.fit(ws.X[train][a], ws.y[train][a])
                    right += int(np.sum(model.predict(ws.X[train][b]) == ws.y[train][b]))
                scores[(window_s, recipe)] = right / int(train.sum())
        window_s, recipe = max(scores, key=lambda k: (scores[k], -recipes.index(k[1]), k[0]))
        ws = sets[window_s]
        test = ws.groups.astype(str) == test_group
        model = RECIPES.build(recipe, seed=seed)
        model.fit(ws.X[~test], ws.y[~test])
        pred = model.predict(ws.X[test])
        hits.append(pred == ws.y[test])
        for rid in sorted(set(ws.recording_ids[test])):
            m = ws.recording_ids[test] == rid
            labels, counts = np.unique(pred[m].astype(str), return_counts=True)
            rec_hits.append(labels[np.argmax(counts)] == str(ws.y[test][m][0]))
        folds.append(
            {
                "test_group": test_group,
                "window_s": window_s,
                "recipe": recipe,
                "inner_accuracy": round(scores[(window_s, recipe)], 4),
                "accuracy": float(np.mean(hits[-1])),
            }
        )
        if on_fold is not None:
            on_fold(done, len(groups))
    return {
        "split": "nested leave-one-group-out",
        "accuracy": float(np.mean(np.concatenate(hits))),
        "recording_accuracy": float(np.mean(rec_hits)),
        "n_windows": int(sum(len(h) for h in hits)),
        "n_groups": len(groups),
        "folds": folds,
    }


def majority_accuracy(rids: np.ndarray, y: np.ndarray, pred: np.ndarray) -> float:
    """Share of recordings whose majority window prediction equals their label (the majority of their windows'
    labels: with stroke-event windows a recording also holds windows labelled idle)."""
    hits = []
    for rid in sorted(set(rids)):
        m = rids == rid
        labels, counts = np.unique(pred[m].astype(str), return_counts=True)
        truth, true_counts = np.unique(y[m].astype(str), return_counts=True)
        hits.append(labels[np.argmax(counts)] == truth[np.argmax(true_counts)])
    return float(np.mean(hits)) if hits else float("nan")


def fit(ws: WindowSet, recipe: str = "forest", seed: int = 0):
    model = RECIPES.build(recipe, seed=seed)
    model.fit(ws.X, ws.y.astype(str))
    return model


def make_card(**fields) -> dict:
    """The model card of a window classifier: the shared card (task "imu", command, library versions incl.
    scikit-learn) plus the feature version and `fields` (recipe, window, rate, classes, metrics ...)."""
    return new_card(TASK, feature_version=FEATURE_VERSION, **fields)


def save_model(path: str | Path, model, card: dict) -> Path:
    """Write the fitted pipeline and its card to one joblib file, atomically."""
    return save_joblib_model(path, model, card)


def load_model(path: str | Path):
    """(model, card) from a file written by `save_model`; a ModelError when it is not one, was made for other
    features, or with another scikit-learn minor version (its pickles are not portable across those)."""
    import sklearn

    path = Path(path)
    model, card = load_joblib_model(path, TASK)
    if card.get("feature_version") != FEATURE_VERSION:
        raise ModelError(
            f"model features v{card.get('feature_version')} but this sportlens computes v{FEATURE_VERSION}", path,
            "retrain the model with `sportlens imu train`",
        )
    trained = card.get("versions", {}).get("scikit-learn")
    if trained and trained.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ModelError(f"model made with scikit-learn {trained}, this is {sklearn.__version__}", path,
                         "retrain the model with `sportlens imu train`")
    return model, card


def predict_recording(model, card: dict, rec: ImuRecording, side: str | None = None) -> dict:
    """Per-window predictions for one recording, with the model's window, rate, channels and features, and
    the majority label; `side` ("left"/"right" wrist) is needed by a model trained with mirroring.
    Returns {"label", "windows": [{"start_s", "label", "confidence"}], "counts"}."""
    use_gyro = bool(card["use_gyro"])
    if use_gyro and rec.gyro_rads is None:
        raise ModelError(f"the model needs a gyroscope and the recording {rec.name!r} has none")
    if card.get("mirror_left"):
        if side not in ("left", "right"):
            raise ModelError("the model mirrors left-wrist recordings: give the wrist with --side left|right")
        rec = to_right_side(rec, side)
    feature_set = card.get("feature_set", "basic")
    w = _windows([rec], card["window_s"], card["hop_s"], card["rate_hz"], use_gyro, feature_set,
                 card.get("windows", "fixed"))
    if len(w.X) == 0:
        raise ModelError(
            f"the recording {rec.name!r} is shorter than one {card['window_s']} s window (per gap-free piece)"
        )
    expected = _n_features(use_gyro, feature_set)
    if w.X.shape[1] != expected:
        raise ModelError(f"feature count {w.X.shape[1]} does not match the model's {expected}")
    proba = model.predict_proba(w.X)
    classes = np.asarray(model.classes_).astype(str)
    labels = classes[np.argmax(proba, axis=1)]
    names, counts = np.unique(labels, return_counts=True)
    return {
        "label": str(names[np.argmax(counts)]),
        "counts": {str(n): int(c) for n, c in zip(names, counts, strict=True)},
        "windows": [
            {"start_s": round(float(s), 4), "label": str(lbl), "confidence": round(float(p.max()), 4)}
            for s, lbl, p in zip(w.start_s, labels, proba, strict=True)
        ],
    }
