"""`run_train`, `run_eval`, `run_predict` for pose classification from keypoints of photos and clips, through the
task contract."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sportlens.errors import DataFormatError, ModelError, UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.posecls.data import PoseSet, estimate_keypoints, inputs_of, is_video, labelled_inputs
from sportlens.posecls.features import FEATURE_VERSION, feature_pairs
from sportlens.posecls.options import EvalOptions, PredictOptions, TrainOptions
from sportlens.summary import Summary, plain

if TYPE_CHECKING:
    import pandas as pd

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
    summary.metrics["retried_images"] = poses.retried  # photo -> the second-pass variant that found its person
    if poses.skipped:
        first = poses.skipped[0]
        summary.warn(f"{len(poses.skipped)} image(s) or clip(s) with no person found in all or some frames, "
                     f"skipped there (first: {first['file']}: {first['reason']})")


def grouped_cv(xy: np.ndarray, labels: list[str], groups: list[str], options: TrainOptions) -> dict | None:
    """Cross-validated accuracy and macro F1 where each photo or clip is one group, so the frames of a clip are
    never on both sides of a split (neighbouring frames are near copies). Folds: options.cv_folds, fewer when a
    class has fewer sources; None when cross-validation is off or a class has a single source."""
    from sklearn.model_selection import StratifiedGroupKFold

    from sportlens.training.metrics import classification_metrics

    labels_arr, groups_arr = np.array(labels), np.array(groups)
    per_class = min(len(set(groups_arr[labels_arr == c])) for c in set(labels))
    folds = min(options.cv_folds, per_class)
    if options.cv_folds == 0 or folds < 2:
        return None
    classes = sorted(set(labels))
    truth = np.array([classes.index(c) for c in labels])
    pred = np.full(len(labels), -1)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=options.seed)
    for train, test in splitter.split(xy, truth, groups_arr):
        model = fit_poses(xy[train], list(labels_arr[train]), options)
        order = np.array([classes.index(str(c)) for c in model.classes_])
        pred[test] = order[predict_proba(model, xy[test]).argmax(1)]
    scores = classification_metrics(truth, pred, classes)
    return {"cv_folds": folds, "cv_accuracy": round(float(scores["accuracy"]), 4),
            "cv_macro_f1": round(float(scores["macro_f1"]), 4)}


def run_train(data: str | Path, out_dir: str | Path, options: TrainOptions = TrainOptions(),
              progress: Progress | None = None) -> Summary:
    """Train on DATA (CLASS/ sub-folders of photos and/or clips; frames_per_clip frames of each clip) into out_dir:
    model.joblib with its card, summary.json (with the grouped cross-validation's accuracy when cv_folds > 0)."""
    from sportlens.models.card import new_card, save_joblib_model

    progress = ensure_progress(progress, "posecls train")
    data, out_dir = Path(data), Path(out_dir)
    items = labelled_inputs(data)
    t0 = time.perf_counter()
    poses = estimate_keypoints([f for f, _ in items], [c for _, c in items], options.max_side, progress,
                               options.frames_per_clip, options.retry)
    classes = sorted(set(poses.labels))
    if len(classes) < 2:
        raise DataFormatError(f"training needs photos or clips with a person in at least 2 classes, found "
                              f"{len(classes)}", data, "add CLASS/ sub-folders with photos or clips of people")
    pose_s = time.perf_counter() - t0
    summary = Summary("posecls train", inputs=[str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        t1 = time.perf_counter()
        cv = grouped_cv(poses.xy, poses.labels, poses.groups, options)
        cv_s = time.perf_counter() - t1
        model = fit_poses(poses.xy, poses.labels, options)
        counts = {c: poses.labels.count(c) for c in classes}
        clips = sum(is_video(f) for f, _ in items)
        card = new_card(TASK, classifier=options.classifier, classes=classes, feature_version=FEATURE_VERSION,
                        max_side=options.max_side, data={"source": str(data.resolve()), "images": len(items) - clips,
                                                         "clips": clips, "frames_per_clip": options.frames_per_clip,
                                                         "poses": len(poses.files), "per_class": counts},
                        split="grouped by photo / clip" if cv else None, metrics=cv or {})
        save_joblib_model(out_dir / MODEL_FILE, model, card)
        _skipped_warning(summary, poses)
        summary.metrics.update({"classifier": options.classifier, "classes": classes, "images": len(items) - clips,
                                "clips": clips, "poses": len(poses.files),
                                "images_with_person": sum(fr is None for fr in poses.frames),
                                "skipped_images": len(poses.skipped), "per_class": counts, **(cv or {})})
        summary.timings["cv_s"] = round(cv_s, 2)
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
    out["mistake_rows"] = [int(i) for i in wrong]
    out["predicted"] = [classes[p] for p in pred]
    out["probability"] = proba.max(1).round(4).tolist() if len(proba) else []
    return out


def clip_accuracy(model, poses: PoseSet) -> dict[str, Any] | None:
    """Per clip, the class of the mean probability over its sampled frames against its label: accuracy and the
    number of clips; None when the poses hold no clip frames."""
    proba = predict_proba(model, poses.xy)
    classes = [str(c) for c in model.classes_]
    clips: dict[str, list[int]] = {}
    for i, (file, frame) in enumerate(zip(poses.files, poses.frames, strict=True)):
        if frame is not None:
            clips.setdefault(str(file), []).append(i)
    if not clips:
        return None
    right = [classes[int(proba[rows].mean(0).argmax())] == poses.labels[rows[0]] for rows in clips.values()]
    return {"clip_accuracy": round(float(np.mean(right)), 4), "n_clips": len(clips)}


def run_eval(run: str | Path, data: str | Path, out_dir: str | Path | None = None,
             options: EvalOptions = EvalOptions(), progress: Progress | None = None) -> Summary:
    """Accuracy, macro F1, confusion matrix and most confident mistakes of RUN on DATA (CLASS/ sub-folders of
    photos and/or clips: per photo and per sampled frame, plus per clip from the mean over its frames)."""
    import pandas as pd

    progress = ensure_progress(progress, "posecls eval")
    model, card, path = load_posecls_model(run)
    data = Path(data)
    items = labelled_inputs(data)
    unknown = sorted({c for _, c in items} - set(card["classes"]))
    if unknown:
        raise DataFormatError(f"class(es) the model was not trained on: {', '.join(unknown)}", data)
    poses = estimate_keypoints([f for f, _ in items], [c for _, c in items], options.max_side, progress,
                               options.frames_per_clip, options.retry)
    if not poses.files:
        raise DataFormatError(f"no person found in any of the {len(items)} image(s) or clip(s)", data)
    out_dir = Path(out_dir) if out_dir is not None else path.parent / "eval"
    summary = Summary("posecls eval", inputs=[str(run), str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        full = evaluate_poses(model, poses.xy, poses.labels, options.mistakes, poses.files)
        for mistake, i in zip(full["mistakes"], full["mistake_rows"], strict=True):
            if poses.frames[i] is not None:
                mistake["frame"] = poses.frames[i]
        write_csv(out_dir / "predictions.csv", pd.DataFrame({
            "file": [str(f) for f in poses.files], "frame": poses.frames, "label": poses.labels,
            "predicted": full["predicted"], "probability": full["probability"]}))
        _skipped_warning(summary, poses)
        summary.metrics.update({k: full[k] for k in ("accuracy", "macro_f1", "per_class", "confusion", "mistakes")})
        summary.metrics.update({"classes": list(card["classes"]), "n_images": len(poses.files),
                                "skipped_images": len(poses.skipped), **(clip_accuracy(model, poses) or {})})
    return summary


def classify_video(model, path: Path, options: PredictOptions, progress: Progress) -> pd.DataFrame:
    """Every options.step-th frame of a video classified (BlazePose in static mode as for the training photos and
    clips: tracking mode follows the previous frame's region and lags behind a sudden change of pose; the
    classifier's mirror average): frame, time_s, label and probability after the majority vote over
    options.smooth_s, and the frame's own raw_label and raw_probability; labels empty where no person is found."""
    import pandas as pd

    from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced
    from sportlens.posecls.timeline import majority_labels
    from sportlens.video.decode import decode_frames, probe_video

    info = probe_video(path)
    total = info.n_frames or int(round((info.duration_s or 0) * info.fps))
    frames, times, xy = [], [], []
    with native_stderr_silenced(), BlazePoseEstimator("full", static_image=True) as estimator, \
            progress.step("pose", total=(total + options.step - 1) // options.step, unit="frames") as step:
        for frame in decode_frames(path, max_side=options.max_side, info=info):
            if frame.index % options.step:
                continue
            estimate = estimator(frame.image, info.width, info.height)
            frames.append(frame.index)
            times.append(frame.time_s)
            xy.append(np.full((33, 2), np.nan) if estimate is None else estimate.xy_px)
            step.advance()
    classes = [str(c) for c in model.classes_]
    xy_arr = np.stack(xy) if xy else np.zeros((0, 33, 2))
    seen = np.isfinite(xy_arr).all(axis=(1, 2))
    proba = np.zeros((len(xy), len(classes)))
    proba[seen] = predict_proba(model, xy_arr[seen])
    window = max(1, int(round(options.smooth_s * info.fps / options.step)))
    smoothed = majority_labels(proba, seen, window | 1)  # odd: centred on the frame
    raw = np.where(seen, proba.argmax(1), -1)
    rows = np.arange(len(xy))
    return pd.DataFrame({
        "frame": frames, "time_s": np.round(times, 3),
        "label": [classes[k] if k >= 0 else None for k in smoothed],
        "probability": np.where(seen, proba[rows, np.maximum(smoothed, 0)], np.nan).round(4),
        "raw_label": [classes[k] if k >= 0 else None for k in raw],
        "raw_probability": np.where(seen, proba.max(1, initial=0.0), np.nan).round(4)})


def run_predict(run: str | Path, inputs: list[str | Path], out_dir: str | Path | None = None,
                options: PredictOptions = PredictOptions(), progress: Progress | None = None) -> Summary:
    """Top-k pose classes of each photo (images, or folders of images); for each video a label per frame, smoothed
    over time, with its segments and a plot (out_dir required): <stem>_frames.csv, <stem>_segments.csv,
    <stem>_labels.png."""
    import pandas as pd

    progress = ensure_progress(progress, "posecls predict")
    model, card, _ = load_posecls_model(run)
    paths = [Path(p) for p in inputs]
    files = inputs_of(paths)
    videos = [f for f in files if is_video(f)]
    photos = [f for f in files if not is_video(f)]
    if videos and out_dir is None:
        raise UserError("a video's per-frame labels, segments and plot need an output folder", videos[0],
                        "add -o OUT")
    stems = [v.stem for v in videos]
    if len(set(stems)) < len(stems):
        raise UserError("two videos share a file name; their outputs would collide", videos[0],
                        "predict them in separate runs")
    poses = estimate_keypoints(photos, [None] * len(photos), options.max_side, progress, retry=options.retry)
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
    if out_dir is None:
        return summary
    out_dir = Path(out_dir)
    with output_run(out_dir, summary, *paths):
        if rows:
            write_csv(out_dir / "predictions.csv", pd.DataFrame(
                [{"input": r["input"], "label": r["top_k"][0]["label"], "probability": r["top_k"][0]["probability"]}
                 for r in rows], columns=["input", "label", "probability"]))
        summary.metrics["videos"] = [_predict_video(model, video, out_dir, options, summary, progress)
                                     for video in videos]
    return summary


def _predict_video(model, video: Path, out_dir: Path, options: PredictOptions, summary: Summary,
                   progress: Progress) -> dict[str, Any]:
    """One video's per-frame labels into out_dir (frames.csv, segments.csv, labels.png named after the video);
    its entry of summary.metrics['videos']."""
    from sportlens.posecls.timeline import label_segments, plot_labels
    from sportlens.video.decode import probe_video

    table = classify_video(model, video, options, progress)
    entry: dict[str, Any] = {"input": str(video), "frames": len(table),
                             "frames_with_person": int(table["label"].notna().sum()), "segments": [],
                             "seconds_per_label": {}}
    if entry["frames_with_person"] == 0:
        summary.warn(f"no person found in any frame of {video}: no labels")
        return entry
    fps = probe_video(video).fps
    segments = label_segments(table["frame"].to_numpy(), table["time_s"].to_numpy(float),
                              [None if pd_isna(v) else v for v in table["label"]], table["probability"].to_numpy(),
                              options.step / fps)
    write_csv(out_dir / f"{video.stem}_frames.csv", table)
    write_csv(out_dir / f"{video.stem}_segments.csv", segments)
    plot_labels(table, segments, [str(c) for c in model.classes_], out_dir / f"{video.stem}_labels.png", video.name)
    entry["segments"] = segments.to_dict("records")
    entry["seconds_per_label"] = {k: round(float(v), 3)
                                  for k, v in segments.groupby("label")["duration_s"].sum().items()}
    return entry


def pd_isna(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
