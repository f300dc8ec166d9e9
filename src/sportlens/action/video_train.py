"""Training, loading and running the video action models (`sportlens.action.video_models`) through the shared
fit loop: augmented batches (`sportlens.action.video_data`), class-weighted cross-entropy, the best epoch on
held-out clips saved with its model card, resume and the time budget from `sportlens.training.fit`.
`action train --model NAME` comes here for a video model; eval and predict read the card and come back here."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from sportlens.action.options import TrainOptions
from sportlens.action.pipeline import LoadedActionModel
from sportlens.action.video_data import PrepSettings, VideoSample, load_video_clips, sample_input
from sportlens.action.video_models import streams_of
from sportlens.errors import DataFormatError, ModelError
from sportlens.events import Progress, ensure_progress

TASK = "action"
KIND = "video"


def class_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Inverse class frequency, scaled to average 1 over the classes present (absent classes get 0)."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    w = np.where(counts > 0, 1.0 / np.maximum(counts, 1), 0.0)
    return (w * (counts > 0).sum() / w.sum()).astype(np.float32)


def build(name: str, n_classes: int, pretrained: bool = True, progress: Progress | None = None):
    from sportlens.action.models import MODELS

    module = MODELS.build(name, n_classes=n_classes, pretrained=pretrained)
    note = getattr(module, "weights_note", None)
    if note and progress is not None:
        progress.message(note)
    return module


def video_logits(module, samples: list[VideoSample], streams: tuple[str, ...], frames: int, size: int,
                 batch: int = 8, mirror: bool = True) -> np.ndarray:
    """Logits (N, C) of whole clips, averaged over each clip and its mirror image when `mirror`."""
    import torch

    module.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(samples), batch):
            chunk = samples[s:s + batch]
            a = np.stack([sample_input(c, streams, frames, size) for c in chunk])
            logits = module(torch.from_numpy(a))
            if mirror:
                b = np.stack([sample_input(c, streams, frames, size, flip=True) for c in chunk])
                logits = (logits + module(torch.from_numpy(b))) / 2
            out.append(logits.float().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def fit_video(samples: list[VideoSample], train_idx: list[int], val_idx: list[int], classes: list[str],
              options: TrainOptions, run_dir: Path, progress: Progress | None = None,
              card_extra: dict[str, Any] | None = None, pretrained: bool = True, bn_batches: int = 0):
    """Train options.model on samples[train_idx], the best epoch chosen on samples[val_idx]; writes
    run_dir/best.pt with its card and last.pt. Returns the FitResult (also used by the benchmark)."""
    import torch
    import torch.nn.functional as F

    from sportlens.training import FitConfig, Phase, fit, save_checkpoint
    from sportlens.training.checkpoint import new_card

    if options.threads:
        torch.set_num_threads(options.threads)
    streams = streams_of(options.model)
    if not streams:
        raise ModelError(f"{options.model!r} is not a video model")
    if "pose" in streams and any(samples[i].pose is None for i in train_idx):
        raise DataFormatError(f"{options.model} needs poses of the clips", hint="prepare the clips with poses")
    label_of = {c: k for k, c in enumerate(classes)}
    y = np.array([label_of.get(s.label, -1) for s in samples])
    weights = torch.from_numpy(class_weights(y[train_idx], len(classes)))
    torch.manual_seed(options.seed)
    module = build(options.model, len(classes), pretrained, progress)
    batch = min(options.batch_size, len(train_idx))
    steps = max(len(train_idx) // batch, 1)
    frames, size = options.video_frames, options.size

    def batches(epoch: int, gen: torch.Generator):
        rng = np.random.default_rng(options.seed * 7919 + epoch)
        order = np.asarray(train_idx)[rng.permutation(len(train_idx))]
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            x = np.stack([sample_input(samples[i], streams, frames, size, rng, options.flip) for i in idx])
            yield torch.from_numpy(x), torch.from_numpy(y[idx])

    def step(model, x, target, gen):
        return F.cross_entropy(model(x).float(), target, weight=weights, label_smoothing=0.1)

    def validate(model) -> dict[str, float]:
        if not len(val_idx):
            return {"accuracy": 0.0, "loss": 0.0}
        logits = video_logits(model, [samples[i] for i in val_idx], streams, frames, size, mirror=options.flip)
        target = torch.from_numpy(y[val_idx])
        return {"loss": float(F.cross_entropy(torch.from_numpy(logits), target)),
                "accuracy": float(np.mean(logits.argmax(1) == y[val_idx]))}

    card_base = {"model": options.model, "kind": KIND, "streams": list(streams), "classes": classes,
                 "video_frames": frames, "size": size, "flip": options.flip,
                 "weights": getattr(module, "weights_note", "from scratch"),
                 "augmentation": "rotation +-10 deg, zoom 0.85-1.15, shift +-10 %, flip when `flip` (flow x negated, "
                                 "joints swapped), temporal jitter 80-100 % of the clip",
                 "loss": "cross-entropy, class weights 1/frequency, label smoothing 0.1", **(card_extra or {})}

    def save_best(state, metrics, epoch) -> None:
        save_checkpoint(run_dir / "best.pt", state, new_card(TASK, **card_base, metrics={"val": metrics},
                                                              training={"best_epoch": epoch}))

    config = FitConfig(phases=(Phase("train", options.epochs, options.lr),), weight_decay=options.weight_decay,
                       label_smoothing=0.1, seed=options.seed, amp="off", channels_last=False,
                       bn_recalibration_batches=bn_batches,
                       time_budget_s=None if options.time_budget_min is None else 60 * options.time_budget_min)
    return fit(module, [list(module.parameters())], batches, steps, validate, config, run_dir, save_best,
               resume=options.resume, progress=progress, step=step)


class LoadedVideoModel(LoadedActionModel):
    """A video model with its card: the skeleton model's loaded type plus its input streams."""

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.card["streams"])

    def logits(self, samples: list[VideoSample]) -> np.ndarray:
        return video_logits(self.module, samples, self.streams, int(self.card["video_frames"]), int(self.card["size"]),
                            mirror=bool(self.card.get("flip", True)))


def is_video_card(card: dict[str, Any]) -> bool:
    return card.get("kind") == KIND


def load_video_model(run: str | Path) -> LoadedVideoModel:
    """RUN/best.pt (or a .pt file) of a video model with its card."""
    from sportlens.training.checkpoint import load_checkpoint

    run = Path(run)
    path = run / "best.pt" if run.is_dir() else run
    state, card = load_checkpoint(path, TASK)
    if not is_video_card(card):
        raise ModelError("not a video action model", path, "use the skeleton model commands")
    module = build(card["model"], len(card["classes"]), pretrained=False)
    try:
        module.load_state_dict(state)
    except RuntimeError:
        raise ModelError(f"weights do not match model {card['model']!r}", path, "retrain the model") from None
    module.eval()
    return LoadedVideoModel(module, card, path)


def prep_settings(options: TrainOptions) -> PrepSettings:
    return PrepSettings(store=max(options.size + options.size // 4, 16), store_frames=2 * options.video_frames)


def run_video_train(data: str | Path, out_dir: str | Path, options: TrainOptions, progress: Progress | None = None):
    """`action train DATA -o RUN --model VIDEO_MODEL`: DATA holds CLASS/ sub-folders of videos; the flow and
    the prepared crops are cached in RUN/cache. Writes best.pt (card), last.pt, history.csv, summary.json."""
    import pandas as pd

    from sportlens.action.pipeline import _split
    from sportlens.io.atomic import write_csv
    from sportlens.io.output_dir import output_run
    from sportlens.summary import Summary, plain
    from sportlens.training.metrics import classification_metrics

    progress = ensure_progress(progress, "action train")
    data, out_dir = Path(data), Path(out_dir)
    streams = streams_of(options.model)
    summary = Summary("action train", inputs=[str(data)], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, data, clean=not options.resume):
        settings = prep_settings(options)
        samples = load_video_clips(data, settings, "pose" in streams, out_dir / "cache", progress=progress)
        train_idx, val_idx, test_idx = _split(samples, options.val_fraction, options.seed)
        classes = sorted({samples[i].label for i in train_idx})
        if len(classes) < 2:
            raise DataFormatError("training needs clips of at least 2 classes", data)
        short = [s.source for s in samples if len(s.rgb) < 2]
        if short:
            raise DataFormatError(f"clip too short: {short[0]}", data)
        split = {"train": len(train_idx), "val": len(val_idx), "test": len(test_idx),
                 "method": "val stratified, seeded", "seed": options.seed}
        progress.message(f"training {options.model} ({'+'.join(streams)}) on {len(train_idx)} clips, validating "
                         f"on {len(val_idx)}, {len(classes)} classes")
        result = fit_video(samples, train_idx, val_idx, classes, options, out_dir, progress,
                           {"data": {"source": str(data.resolve()), "clips": len(samples)}, "split": split,
                            "prep": asdict(settings)})
        loaded = load_video_model(out_dir)
        test = None
        if test_idx:
            logits = loaded.logits([samples[i] for i in test_idx])
            labels = np.array([classes.index(samples[i].label) for i in test_idx])
            full = classification_metrics(labels, logits.argmax(1), classes)
            test = {"n_clips": len(test_idx), "accuracy": full["accuracy"], "macro_f1": full["macro_f1"]}
        write_csv(out_dir / "history.csv", pd.DataFrame(result.history))
        summary.metrics.update({"model": options.model, "streams": list(streams), "classes": classes,
                                "val": result.best_metrics, "test": test, "best_epoch": result.best_epoch,
                                "epochs_run": result.epochs_run, "stopped_by": result.stopped_by, "split": split,
                                "weights": loaded.card.get("weights")})
        summary.timings["train_s"] = round(time.perf_counter() - t0, 2)
    return summary


def is_video_run(run: str | Path) -> bool:
    """Whether RUN (a run folder or .pt) holds a video model (False when it is missing or unreadable: the
    skeleton path then gives its own error)."""
    import torch

    run = Path(run)
    path = run / "best.pt" if run.is_dir() else run
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        return is_video_card(blob.get("card") or {})
    except Exception:  # any unreadable file: left to load_checkpoint's error
        return False


def _samples_for(loaded: LoadedVideoModel, data_or_videos, progress: Progress, labelled: bool = True):
    from sportlens.action.video_data import cached_clip

    settings = PrepSettings(**loaded.card["prep"]) if "prep" in loaded.card else PrepSettings()
    cache = loaded.path.parent / "cache"
    with_pose = "pose" in loaded.streams
    if labelled:
        return load_video_clips(data_or_videos, settings, with_pose, cache, progress=progress)
    out = []
    for video in data_or_videos:
        xy = None
        if with_pose:
            from sportlens.action.data import read_clip

            xy = read_clip(Path(video)).xy
        out.append(cached_clip(video, settings, xy, None, cache))
    return out


def run_video_eval(run: str | Path, data: str | Path, out_dir: str | Path | None, options,
                   progress: Progress | None = None):
    """`action eval` of a video model on DATA (CLASS/ sub-folders of videos; every clip is scored)."""
    import pandas as pd

    from sportlens.io.atomic import write_csv
    from sportlens.io.output_dir import output_run
    from sportlens.summary import Summary, plain
    from sportlens.training.metrics import classification_metrics

    progress = ensure_progress(progress, "action eval")
    loaded = load_video_model(run)
    data = Path(data)
    if options.split not in ("auto", "all"):
        raise DataFormatError(f"no clips in split {options.split!r}: a folder of videos has no split", data,
                              "use --split all")
    samples = _samples_for(loaded, data, progress)
    unknown = sorted({s.label for s in samples} - set(loaded.classes))
    if unknown:
        raise DataFormatError(f"class(es) the model was not trained on: {', '.join(unknown)}", data)
    out_dir = Path(out_dir) if out_dir is not None else loaded.path.parent / "eval"
    summary = Summary("action eval", inputs=[str(run), str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        pred = loaded.logits(samples).argmax(1)
        labels = np.array([loaded.classes.index(s.label) for s in samples])
        full = classification_metrics(labels, pred, loaded.classes)
        write_csv(out_dir / "predictions.csv", pd.DataFrame({
            "source": [s.source for s in samples], "label": [s.label for s in samples],
            "predicted": [loaded.classes[p] for p in pred]}))
        summary.metrics.update({"split": "all", "n_clips": len(samples), "accuracy": full["accuracy"],
                                "macro_f1": full["macro_f1"], "per_class": full["per_class"],
                                "confusion": full["confusion"], "classes": loaded.classes})
    return summary


def run_video_predict(run: str | Path, inputs: list[str | Path], out_dir: str | Path | None, options,
                      progress: Progress | None = None):
    """`action predict` of a video model: top-k classes of each video."""
    import pandas as pd

    from sportlens.action.pipeline import softmax
    from sportlens.io.atomic import write_csv
    from sportlens.io.output_dir import output_run
    from sportlens.summary import Summary, plain

    progress = ensure_progress(progress, "action predict")
    loaded = load_video_model(run)
    samples = _samples_for(loaded, [Path(p) for p in inputs], progress, labelled=False)
    probs = softmax(loaded.logits(samples))
    k = min(options.top_k, len(loaded.classes))
    rows = []
    for sample, p in zip(samples, probs, strict=True):
        best = np.argsort(-p, kind="stable")[:k]
        rows.append({"input": sample.source, "top_k": [
            {"label": loaded.classes[i], "probability": round(float(p[i]), 4)} for i in best]})
    summary = Summary("action predict", inputs=[str(p) for p in inputs], options=plain(options))
    summary.metrics.update({"model": loaded.card["model"], "predictions": rows})
    if out_dir is not None:
        with output_run(out_dir, summary, *inputs):
            write_csv(Path(out_dir) / "predictions.csv", pd.DataFrame(
                [{"input": r["input"], "label": r["top_k"][0]["label"], "probability": r["top_k"][0]["probability"]}
                 for r in rows]))
    return summary
