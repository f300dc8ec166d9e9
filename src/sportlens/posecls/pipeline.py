"""`run_train`, `run_eval`, `run_predict` for pose classification from keypoints, through the task contract."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from sportlens.errors import DataFormatError, ModelError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.posecls.data import PoseSet, estimate_keypoints, images_of, labelled_images
from sportlens.posecls.features import FEATURE_VERSION, feature_pairs
from sportlens.posecls.options import EvalOptions, PredictOptions, TrainOptions
from sportlens.summary import Summary, plain

TASK = "posecls"
MODEL_FILE = "model.joblib"


def build_classifier(options: TrainOptions):
    """The scikit-learn classifier named by options.classifier (fixed settings, not tuned on a benchmark)."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=options.n_trees, random_state=options.seed, n_jobs=-1,
                                  class_weight="balanced")


def fit_poses(xy: np.ndarray, labels: list[str], options: TrainOptions):
    """A classifier fitted on the poses (N, 33, 2) and their mirror images, with the same labels."""
    plain_x, mirrored = feature_pairs(xy)
    model = build_classifier(options)
    model.fit(np.concatenate([plain_x, mirrored]), np.array(list(labels) * 2))
    return model


def predict_proba(model, xy: np.ndarray) -> np.ndarray:
    """Class probabilities (N, C), in model.classes_ order: the average over each pose and its mirror image."""
    plain_x, mirrored = feature_pairs(xy)
    if not len(plain_x):
        return np.zeros((0, len(model.classes_)))
    return (model.predict_proba(plain_x) + model.predict_proba(mirrored)) / 2


def _skipped_warning(summary: Summary, poses: PoseSet) -> None:
    if poses.skipped:
        summary.warn(f"{len(poses.skipped)} image(s) skipped, no person found (first: {poses.skipped[0]['file']})")


def run_train(data: str | Path, out_dir: str | Path, options: TrainOptions = TrainOptions(),
              progress: Progress | None = None) -> Summary:
    """Train on DATA (CLASS/ sub-folders of photos) into out_dir: model.joblib with its card, summary.json."""
    from sportlens.models.card import new_card, save_joblib_model

    progress = ensure_progress(progress, "posecls train")
    data, out_dir = Path(data), Path(out_dir)
    items = labelled_images(data)
    t0 = time.perf_counter()
    poses = estimate_keypoints([f for f, _ in items], [c for _, c in items], options.max_side, progress)
    classes = sorted(set(poses.labels))
    if len(classes) < 2:
        raise DataFormatError(f"training needs photos with a person in at least 2 classes, found {len(classes)}",
                              data, "add CLASS/ sub-folders with photos of people")
    pose_s = time.perf_counter() - t0
    summary = Summary("posecls train", inputs=[str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        t1 = time.perf_counter()
        model = fit_poses(poses.xy, poses.labels, options)
        counts = {c: poses.labels.count(c) for c in classes}
        card = new_card(TASK, classifier=options.classifier, classes=classes, feature_version=FEATURE_VERSION,
                        max_side=options.max_side, data={"source": str(data.resolve()), "images": len(items),
                                                         "with_person": len(poses.files), "per_class": counts})
        save_joblib_model(out_dir / MODEL_FILE, model, card)
        _skipped_warning(summary, poses)
        summary.metrics.update({"classifier": options.classifier, "classes": classes, "images": len(items),
                                "images_with_person": len(poses.files), "skipped_images": len(poses.skipped),
                                "per_class": counts})
        summary.timings.update({"pose_s": round(pose_s, 2), "fit_s": round(time.perf_counter() - t1, 2)})
    return summary


def load_posecls_model(run: str | Path) -> tuple[Any, dict[str, Any], Path]:
    """(model, card, path) from RUN/model.joblib or a .joblib file, checked."""
    from sportlens.models.card import load_joblib_model

    run = Path(run)
    path = run / MODEL_FILE if run.is_dir() else run
    model, card = load_joblib_model(path, TASK)
    if card.get("feature_version") != FEATURE_VERSION:
        raise ModelError(f"model made for pose features v{card.get('feature_version')}, this sportlens computes "
                         f"v{FEATURE_VERSION}", path, "retrain the model")
    return model, card, path


def evaluate_poses(model, xy: np.ndarray, labels: list[str], mistakes: int = 10,
                   files: list[Path] | None = None) -> dict[str, Any]:
    """Accuracy, macro F1, per-class figures, confusion and the most confident mistakes."""
    from sportlens.training.metrics import classification_metrics

    classes = [str(c) for c in model.classes_]
    proba = predict_proba(model, xy)
    pred = proba.argmax(1)
    truth = np.array([classes.index(c) if c in classes else -1 for c in labels])
    known = truth >= 0
    out = classification_metrics(truth[known], pred[known], classes)
    out["accuracy"] = float(np.mean(pred == truth)) if len(truth) else 0.0
    wrong = np.flatnonzero(pred != truth)
    wrong = wrong[np.argsort(-proba[wrong, pred[wrong]], kind="stable")][:mistakes]
    out["mistakes"] = [{"file": str(files[i]) if files else int(i), "label": labels[i], "predicted": classes[pred[i]],
                        "probability": round(float(proba[i, pred[i]]), 4)} for i in wrong]
    out["predicted"] = [classes[p] for p in pred]
    out["probability"] = proba.max(1).round(4).tolist() if len(proba) else []
    return out


def run_eval(run: str | Path, data: str | Path, out_dir: str | Path | None = None,
             options: EvalOptions = EvalOptions(), progress: Progress | None = None) -> Summary:
    """Accuracy, macro F1, confusion matrix and most confident mistakes of RUN on DATA (CLASS/ sub-folders)."""
    import pandas as pd

    progress = ensure_progress(progress, "posecls eval")
    model, card, path = load_posecls_model(run)
    data = Path(data)
    items = labelled_images(data)
    unknown = sorted({c for _, c in items} - set(card["classes"]))
    if unknown:
        raise DataFormatError(f"class(es) the model was not trained on: {', '.join(unknown)}", data)
    poses = estimate_keypoints([f for f, _ in items], [c for _, c in items], options.max_side, progress)
    if not poses.files:
        raise DataFormatError(f"no person found in any of the {len(items)} image(s)", data)
    out_dir = Path(out_dir) if out_dir is not None else path.parent / "eval"
    summary = Summary("posecls eval", inputs=[str(run), str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        full = evaluate_poses(model, poses.xy, poses.labels, options.mistakes, poses.files)
        write_csv(out_dir / "predictions.csv", pd.DataFrame({
            "file": [str(f) for f in poses.files], "label": poses.labels, "predicted": full["predicted"],
            "probability": full["probability"]}))
        _skipped_warning(summary, poses)
        summary.metrics.update({k: full[k] for k in ("accuracy", "macro_f1", "per_class", "confusion", "mistakes")})
        summary.metrics.update({"classes": list(card["classes"]), "n_images": len(poses.files),
                                "skipped_images": len(poses.skipped)})
    return summary


def run_predict(run: str | Path, inputs: list[str | Path], out_dir: str | Path | None = None,
                options: PredictOptions = PredictOptions(), progress: Progress | None = None) -> Summary:
    """Top-k pose classes of each photo (images, or folders of images)."""
    import pandas as pd

    progress = ensure_progress(progress, "posecls predict")
    model, card, _ = load_posecls_model(run)
    paths = [Path(p) for p in inputs]
    files = images_of(paths)
    poses = estimate_keypoints(files, [None] * len(files), options.max_side, progress)
    proba = predict_proba(model, poses.xy)
    classes = [str(c) for c in model.classes_]
    k = min(options.top_k, len(classes))
    rows = []
    for file, p in zip(poses.files, proba, strict=True):
        best = np.argsort(-p, kind="stable")[:k]
        rows.append({"input": str(file), "top_k": [{"label": classes[i], "probability": round(float(p[i]), 4)}
                                                    for i in best]})
    summary = Summary("posecls predict", inputs=[str(p) for p in paths], options=plain(options))
    summary.metrics.update({"classifier": card.get("classifier"), "predictions": rows,
                            "skipped_images": [s["file"] for s in poses.skipped]})
    _skipped_warning(summary, poses)
    if out_dir is not None:
        with output_run(out_dir, summary, *paths):
            write_csv(Path(out_dir) / "predictions.csv", pd.DataFrame(
                [{"input": r["input"], "label": r["top_k"][0]["label"], "probability": r["top_k"][0]["probability"]}
                 for r in rows], columns=["input", "label", "probability"]))
    return summary
