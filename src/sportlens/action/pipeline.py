"""`run_train`, `run_eval`, `run_predict` for skeleton action models, through the shared training layer
and the task contract."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sportlens.action.data import load_clips, read_clip
from sportlens.action.models import MODELS
from sportlens.action.options import EvalOptions, PredictOptions, TrainOptions
from sportlens.action.skeleton import (
    FEATURE_VERSION,
    JOINTS,
    N_FEATURES,
    SkeletonClip,
    features,
    mirror,
    normalise,
    resample,
)
from sportlens.errors import DataFormatError, ModelError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain

TASK = "action"


def duration(clip: SkeletonClip) -> float:
    return len(clip.xy) / clip.fps if clip.fps > 0 else len(clip.xy) / 30.0


@dataclass(frozen=True)
class ClipBatch:
    """Whole clips ready for a model: joints (N, frames, 13, 2) normalised and resampled, durations (N,)."""

    joints: np.ndarray
    duration_s: np.ndarray

    def __len__(self) -> int:
        return len(self.joints)


def _inputs(clips: list[SkeletonClip], frames: int) -> ClipBatch:
    """Whole clips, no augmentation."""
    if not clips:
        return ClipBatch(np.zeros((0, frames, len(JOINTS), 2)), np.zeros(0))
    return ClipBatch(np.stack([resample(normalise(c.xy), frames) for c in clips]),
                     np.array([duration(c) for c in clips]))


def logits_with_mirror(module, clips: ClipBatch, batch: int = 256) -> np.ndarray:
    """Logits averaged over the clip and its left/right mirror image (test-time augmentation)."""
    import torch

    module.eval()
    x = features(clips.joints, clips.duration_s)
    xm = features(mirror(clips.joints), clips.duration_s)
    out = []
    with torch.no_grad():
        for s in range(0, len(x), batch):
            a = module(torch.from_numpy(np.ascontiguousarray(x[s:s + batch])))
            b = module(torch.from_numpy(np.ascontiguousarray(xm[s:s + batch])))
            out.append(((a + b) / 2).float().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def _split(clips: list[SkeletonClip], val_fraction: float, seed: int) -> tuple[list[int], list[int], list[int]]:
    """train / val / test indices: the data's own test split is kept; val is drawn (stratified, seeded)
    from the rest."""
    rng = np.random.default_rng(seed)
    test = [i for i, c in enumerate(clips) if c.split == "test"]
    rest = [i for i, c in enumerate(clips) if c.split != "test"]
    val = []
    for label in sorted({clips[i].label for i in rest}):
        members = [i for i in rest if clips[i].label == label]
        rng.shuffle(members)
        val += members[: max(1, round(val_fraction * len(members)))] if len(members) > 1 else []
    train = [i for i in rest if i not in set(val)]
    return sorted(train), sorted(val), sorted(test)


def _augmented_batch(norm: list[np.ndarray], durations: list[float], frames: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Random temporal crop (80-100 % of the clip), mirror (half), scale (0.9-1.1), rotation (+-10 deg)."""
    out = []
    for xy, dur in zip(norm, durations, strict=True):
        length = rng.uniform(0.8, 1.0)
        start = rng.uniform(0.0, 1.0 - length)
        seq = resample(xy, frames, start, start + length)
        if rng.random() < 0.5:
            seq = mirror(seq)
        angle = np.radians(rng.uniform(-10, 10))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        out.append(features(seq @ rot.T * rng.uniform(0.9, 1.1), dur * length))
    return np.stack(out)


def _metrics(labels: np.ndarray, pred: np.ndarray, classes: list[str]) -> dict[str, Any]:
    from sportlens.training.metrics import classification_metrics

    return classification_metrics(labels, pred, classes)


def fit_clips(clips: list[SkeletonClip], train_idx: list[int], val_idx: list[int], classes: list[str],
              options: TrainOptions, run_dir: Path, progress: Progress | None = None,
              card_extra: dict[str, Any] | None = None):
    """Train options.model on clips[train_idx], choosing the best epoch on clips[val_idx]; writes
    run_dir/best.pt (with its card) and last.pt. Returns the FitResult. Used by run_train and by the
    benchmarks' cross-validation."""
    import torch
    import torch.nn.functional as F

    from sportlens.training import FitConfig, Phase, fit, save_checkpoint
    from sportlens.training.checkpoint import new_card

    if options.threads:
        torch.set_num_threads(options.threads)
    label_of = {c: k for k, c in enumerate(classes)}
    y = np.array([label_of.get(c.label, -1) for c in clips])
    norm = {i: normalise(clips[i].xy) for i in train_idx}
    x_val = _inputs([clips[i] for i in val_idx], options.frames)
    torch.manual_seed(options.seed)
    module = MODELS.build(options.model, n_features=N_FEATURES, n_classes=len(classes))
    batch = min(options.batch_size, len(train_idx))
    steps = max(len(train_idx) // batch, 1)

    def batches(epoch: int, gen: torch.Generator):
        rng = np.random.default_rng(options.seed * 7919 + epoch)
        order = np.asarray(train_idx)[rng.permutation(len(train_idx))]
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            x = _augmented_batch([norm[i] for i in idx], [duration(clips[i]) for i in idx], options.frames, rng)
            yield torch.from_numpy(x), torch.from_numpy(y[idx])

    def validate(model) -> dict[str, float]:
        if not len(val_idx):
            return {"accuracy": 0.0, "loss": 0.0}
        logits = logits_with_mirror(model, x_val)
        target = torch.from_numpy(y[val_idx])
        return {"loss": float(F.cross_entropy(torch.from_numpy(logits), target)),
                "accuracy": float(np.mean(logits.argmax(1) == y[val_idx]))}

    card_base = {"model": options.model, "classes": classes, "frames": options.frames, "joints": list(JOINTS),
                 "feature_version": FEATURE_VERSION,
                 "features": "joints, bones, their velocities and log duration (docs/action.md)",
                 **(card_extra or {})}

    def save_best(state, metrics, epoch) -> None:
        save_checkpoint(run_dir / "best.pt", state, new_card(TASK, **card_base, metrics={"val": metrics},
                                                              training={"best_epoch": epoch}))

    config = FitConfig(phases=(Phase("train", options.epochs, options.lr),), weight_decay=options.weight_decay,
                       label_smoothing=0.1, seed=options.seed, amp="off", channels_last=False,
                       time_budget_s=None if options.time_budget_min is None else 60 * options.time_budget_min)
    return fit(module, [list(module.parameters())], batches, steps, validate, config, run_dir, save_best,
               resume=options.resume, progress=progress)


def evaluate_clips(module, clips: list[SkeletonClip], classes: list[str], frames: int) -> dict[str, Any]:
    """Accuracy, macro F1, per-class figures and confusion of a model on labelled clips (labels outside
    `classes` count as errors)."""
    labels = np.array([classes.index(c.label) if c.label in classes else -1 for c in clips])
    pred = logits_with_mirror(module, _inputs(clips, frames)).argmax(1)
    known = labels >= 0
    full = _metrics(labels[known], pred[known], classes)
    full["accuracy"] = float(np.mean(pred == labels)) if len(labels) else 0.0
    full["n_clips"] = int(len(labels))
    full["predicted"] = [classes[p] for p in pred]
    return full


def run_train(data: str | Path, out_dir: str | Path, options: TrainOptions = TrainOptions(),
              progress: Progress | None = None) -> Summary:
    """Train a skeleton model on DATA into out_dir (best.pt with its card, history.csv, summary.json)."""
    import pandas as pd

    from sportlens.action.video_models import streams_of

    if streams_of(options.model):  # a video model (RGB / flow / pose): its own data preparation
        from sportlens.action.video_train import run_video_train

        return run_video_train(data, out_dir, options, progress)
    progress = ensure_progress(progress, "action train")
    data, out_dir = Path(data), Path(out_dir)
    clips = load_clips(data, progress)
    train_idx, val_idx, test_idx = _split(clips, options.val_fraction, options.seed)
    classes = sorted({clips[i].label for i in train_idx})
    if len(classes) < 2:
        raise DataFormatError("training needs clips of at least 2 classes", data)
    unknown = sorted({clips[i].label for i in val_idx + test_idx} - set(classes))
    if unknown:
        raise DataFormatError(f"class(es) with no training clip: {', '.join(unknown)}", data)
    split = {"train": len(train_idx), "val": len(val_idx), "test": len(test_idx),
             "method": "the data's test split; val stratified, seeded", "seed": options.seed}
    summary = Summary("action train", inputs=[str(data)], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, data, clean=not options.resume):
        progress.message(f"training {options.model} on {len(train_idx)} clips, validating on {len(val_idx)}, "
                         f"{len(classes)} classes")
        result = fit_clips(clips, train_idx, val_idx, classes, options, out_dir, progress,
                           {"data": {"source": str(data.resolve()), "clips": len(clips)}, "split": split,
                            "clip_s": round(float(np.median([duration(clips[i]) for i in train_idx])), 3)})
        loaded = load_action_model(out_dir)
        test = None
        if test_idx:
            full = evaluate_clips(loaded.module, [clips[i] for i in test_idx], classes, options.frames)
            test = {k: full[k] for k in ("n_clips", "accuracy", "macro_f1")}
        write_csv(out_dir / "history.csv", pd.DataFrame(result.history))
        summary.metrics.update({"model": options.model, "classes": classes, "val": result.best_metrics,
                                "test": test, "best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
                                "stopped_by": result.stopped_by, "split": split})
        summary.timings["train_s"] = round(time.perf_counter() - t0, 2)
    return summary


@dataclass
class LoadedActionModel:
    module: Any
    card: dict[str, Any]
    path: Path

    @property
    def classes(self) -> list[str]:
        return list(self.card["classes"])


def load_action_model(run: str | Path) -> LoadedActionModel:
    """RUN/best.pt (or a .pt file) with its card, checked against the registry."""
    from sportlens.training.checkpoint import load_checkpoint

    run = Path(run)
    path = run / "best.pt" if run.is_dir() else run
    state, card = load_checkpoint(path, TASK)
    if card.get("kind") == "video":
        raise ModelError(f"{card['model']} is a video model: `action detect` runs skeleton models only so far", path,
                         "train a skeleton model (--model skeleton-tcn) for detection")
    if card.get("feature_version", 1) != FEATURE_VERSION:
        raise ModelError(f"model made for skeleton features v{card.get('feature_version', 1)}, this sportlens "
                         f"computes v{FEATURE_VERSION}", path, "retrain the model")
    module = MODELS.build(card["model"], n_features=N_FEATURES, n_classes=len(card["classes"]))
    try:
        module.load_state_dict(state)
    except RuntimeError:
        raise ModelError(f"weights do not match model {card['model']!r}", path, "retrain the model") from None
    module.eval()
    return LoadedActionModel(module, card, path)


def run_eval(run: str | Path, data: str | Path, out_dir: str | Path | None = None,
             options: EvalOptions = EvalOptions(), progress: Progress | None = None) -> Summary:
    """Accuracy, macro F1, per-class figures and the confusion matrix of RUN on DATA."""
    import pandas as pd

    from sportlens.action.video_train import is_video_run, run_video_eval

    if is_video_run(run):
        return run_video_eval(run, data, out_dir, options, progress)
    progress = ensure_progress(progress, "action eval")
    loaded = load_action_model(run)
    data = Path(data)
    clips = load_clips(data, progress)
    wanted = options.split
    if wanted == "auto":
        wanted = "test" if any(c.split == "test" for c in clips) else "all"
    chosen = [c for c in clips if wanted == "all" or c.split == wanted]
    if not chosen:
        raise DataFormatError(f"no clips in split {wanted!r}", data, "use --split all")
    unknown = sorted({c.label for c in chosen} - set(loaded.classes))
    if unknown:
        raise DataFormatError(f"class(es) the model was not trained on: {', '.join(unknown)}", data)
    out_dir = Path(out_dir) if out_dir is not None else loaded.path.parent / "eval"
    summary = Summary("action eval", inputs=[str(run), str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        full = evaluate_clips(loaded.module, chosen, loaded.classes, int(loaded.card["frames"]))
        write_csv(out_dir / "predictions.csv", pd.DataFrame({
            "source": [c.source for c in chosen], "label": [c.label for c in chosen],
            "predicted": full["predicted"]}))
        summary.metrics.update({"split": wanted, "n_clips": len(chosen), "accuracy": full["accuracy"],
                                "macro_f1": full["macro_f1"], "per_class": full.get("per_class"),
                                "confusion": full.get("confusion"), "classes": loaded.classes})
    return summary


def run_predict(run: str | Path, inputs: list[str | Path], out_dir: str | Path | None = None,
                options: PredictOptions = PredictOptions(), progress: Progress | None = None) -> Summary:
    """Top-k actions of each input clip (video, keypoints.csv, pose output folder or .mat)."""
    import pandas as pd

    from sportlens.action.video_train import is_video_run, run_video_predict

    if is_video_run(run):
        return run_video_predict(run, inputs, out_dir, options, progress)
    progress = ensure_progress(progress, "action predict")
    loaded = load_action_model(run)
    clips = [read_clip(Path(p), progress=progress) for p in inputs]
    probs = softmax(logits_with_mirror(loaded.module, _inputs(clips, int(loaded.card["frames"]))))
    k = min(options.top_k, len(loaded.classes))
    rows = []
    for clip, p in zip(clips, probs, strict=True):
        best = np.argsort(-p, kind="stable")[:k]
        rows.append({"input": clip.source, "top_k": [{"label": loaded.classes[i], "probability": round(float(p[i]), 4)}
                                                      for i in best]})
    summary = Summary("action predict", inputs=[str(p) for p in inputs], options=plain(options))
    summary.metrics.update({"model": loaded.card["model"], "predictions": rows})
    if out_dir is not None:
        with output_run(out_dir, summary, *inputs):
            write_csv(Path(out_dir) / "predictions.csv", pd.DataFrame(
                [{"input": r["input"], "label": r["top_k"][0]["label"], "probability": r["top_k"][0]["probability"]}
                 for r in rows]))
    return summary


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
