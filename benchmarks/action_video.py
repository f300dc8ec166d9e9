"""Video action models on the tennis strokes (111 clips, 7 classes, 18 scene groups): the twin RGB + flow
network, one torchvision video network trained from scratch, the skeleton TCN (BlazePose skeletons) and
their late fusion (the average of the three models' probabilities).

Cross-validations: leave-one-group-out (each scene group held out once) and group-honest (a group is held
out only when each of its classes keeps another group in training; when that admits every group the two
are the same folds and are trained once). Each fold: 10 % of the training clips (stratified) choose the
epoch; every model has a time budget per fold. Figures: accuracy and macro F1 pooled over the tested
clips, training minutes (all folds) and clips/s at inference (whole clips with the mirrored average).

    .venv/bin/python benchmarks/action_video.py [--budget 0.75] [--threads 2] [--folds N] [--record]
        [--skeletons /tmp/tennis.npz] [--cache /tmp/sportlens-video-cache]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402

SECTION = "Actions: skeleton models (issue 16)"


def load(args):
    from action import tennis_clips
    from sportlens.action.video_data import PrepSettings, load_video_clips

    root = shared_path("video/tennis-strokes")
    groups = {row["video"]: row["source_group"] for row in csv.DictReader(open(root / "labels.csv"))}
    t0 = time.perf_counter()
    samples = load_video_clips(root, PrepSettings(store=80, store_frames=32), cache_dir=args.cache)
    print(f"prepared {len(samples)} clips in {time.perf_counter() - t0:.0f} s (cached in {args.cache})")
    skeletons, _ = tennis_clips(Path(args.skeletons))
    by_key = {"/".join(Path(c.source).parts[-2:]): c for c in skeletons}
    keys = ["/".join(Path(s.source).parts[-2:]) for s in samples]
    return samples, [by_key[k] for k in keys], [groups[k] for k in keys]


def folds_of(labels, groups):
    names = sorted(set(groups))
    logo = [([i for i, g in enumerate(groups) if g != n], [i for i, g in enumerate(groups) if g == n]) for n in names]
    honest = [(tr, te) for tr, te in logo if all(labels[i] in {labels[j] for j in tr} for i in te)]
    return logo, honest


def run_folds(samples, skeletons, folds, classes, args):
    """Probabilities (N, C) of each model on each fold's held-out clips; seconds of training and inference."""
    import torch

    from sportlens.action.options import TrainOptions
    from sportlens.action.pipeline import _inputs, _split, fit_clips, load_action_model, logits_with_mirror, softmax
    from sportlens.action.video_models import TORCHVISION
    from sportlens.action.video_train import fit_video, load_video_model

    torch.set_num_threads(args.threads)
    n = len(samples)
    probs = {m: np.full((n, len(classes)), np.nan) for m in (*args.models, "skeleton-tcn")}
    train_s = dict.fromkeys(probs, 0.0)
    infer_s = dict.fromkeys(probs, 0.0)
    for k, (train, test) in enumerate(folds):
        sub_tr, sub_va, _ = _split([samples[i] for i in train], 0.1, 0)
        tr, va = [train[i] for i in sub_tr], [train[i] for i in sub_va]
        fold_classes = sorted({samples[i].label for i in train})
        cols = [classes.index(c) for c in fold_classes]
        for name in args.models:
            tv = name in TORCHVISION
            options = TrainOptions(model=name, epochs=args.epochs, time_budget_min=args.budget,
                                   video_frames=args.tv_frames if tv else 16, size=args.tv_size if tv else args.size,
                                   batch_size=8, lr=1e-3 if tv else 3e-3, threads=args.threads)
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                fit_video(samples, tr, va, fold_classes, options, Path(tmp), pretrained=False,
                          bn_batches=4 if tv else 0)
                train_s[name] += time.perf_counter() - t0
                loaded = load_video_model(tmp)
                t0 = time.perf_counter()
                logits = loaded.logits([samples[i] for i in test])
                infer_s[name] += time.perf_counter() - t0
            p = np.zeros((len(test), len(classes)))
            p[:, cols] = softmax(logits)
            probs[name][test] = p
        options = TrainOptions(model="skeleton-tcn", epochs=args.skeleton_epochs, batch_size=16, threads=args.threads)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            fit_clips(skeletons, tr, va, fold_classes, options, Path(tmp))
            train_s["skeleton-tcn"] += time.perf_counter() - t0
            loaded = load_action_model(tmp)
            t0 = time.perf_counter()
            logits = logits_with_mirror(loaded.module, _inputs([skeletons[i] for i in test], options.frames))
            infer_s["skeleton-tcn"] += time.perf_counter() - t0
        p = np.zeros((len(test), len(classes)))
        p[:, cols] = softmax(logits)
        probs["skeleton-tcn"][test] = p
        hits = {m: float(np.mean(probs[m][test].argmax(1) == [classes.index(samples[i].label) for i in test]))
                for m in probs}
        print(f"  fold {k + 1}/{len(folds)} ({len(test)} clips): "
              + ", ".join(f"{m} {h:.2f}" for m, h in hits.items()), flush=True)
    return probs, train_s, infer_s


def scores(probs, labels, classes, tested):
    from sportlens.training.metrics import classification_metrics

    truth = np.array([classes.index(labels[i]) for i in tested])
    full = classification_metrics(truth, probs[tested].argmax(1), classes)
    return full["accuracy"], full["macro_f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="twin-rgb-flow,mc3-18")
    parser.add_argument("--budget", type=float, default=0.75, help="minutes per fold per video model")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--skeleton-epochs", type=int, default=60)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--tv-frames", type=int, default=8, help="frames of the torchvision network's clips")
    parser.add_argument("--tv-size", type=int, default=48, help="crop side of the torchvision network")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", type=int, default=None, help="only the first N folds (a quick check)")
    parser.add_argument("--skeletons", default="/tmp/tennis.npz",
                        help="BlazePose skeleton cache (benchmarks/action.py)")
    parser.add_argument("--cache", default=f"{tempfile.gettempdir()}/sportlens-video-cache")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    args.models = args.models.split(",")
    samples, skeletons, groups = load(args)
    labels = [s.label for s in samples]
    classes = sorted(set(labels))
    logo, honest = folds_of(labels, groups)
    same = [te for _, te in logo] == [te for _, te in honest]
    print(f"{len(logo)} groups; group-honest keeps {len(honest)} of them" + (" (the same folds)" if same else ""))
    load0 = os.getloadavg()[0]
    runs = [("leave-one-group-out", logo)] + ([] if same else [("group-honest", honest)])
    for tag, folds in runs:
        folds = folds[:args.folds] if args.folds else folds
        probs, train_s, infer_s = run_folds(samples, skeletons, folds, classes, args)
        tested = sorted(i for _, te in folds for i in te)
        probs["late fusion"] = np.mean([probs[m] for m in (*args.models, "skeleton-tcn")], axis=0)
        tags = [tag, "group-honest (= leave-one-group-out here)"] if same and not args.folds else [tag]
        for name, p in probs.items():
            acc, f1 = scores(p, labels, classes, tested)
            minutes = sum(train_s.values()) / 60 if name == "late fusion" else train_s[name] / 60
            speed = len(tested) / sum(infer_s.values()) if name == "late fusion" else len(tested) / infer_s[name]
            print(f"{tag}: {name}: accuracy {acc:.3f}, macro F1 {f1:.3f} on {len(tested)} clips; training "
                  f"{minutes:.1f} min, {speed:.1f} clips/s at inference")
            if args.record:
                for t in tags:
                    append_row(SECTION, "| date | machine | set | model | input | split | folds | clips tested | "
                               "accuracy | macro F1 | training min (all folds) | clips/s inference | load |",
                               f"| {today()} | {machine()}, {args.threads} torch threads | tennis strokes "
                               f"(111 clips, 7 classes) | {name} | {input_of(name, args)} | {t} | {len(folds)} | "
                               f"{len(tested)} | "
                               f"{acc:.3f} | {f1:.3f} | {minutes:.1f} | {speed:.1f} | {load0:.1f}/"
                               f"{os.getloadavg()[0]:.1f} |")


def input_of(name: str, args) -> str:
    if name == "skeleton-tcn":
        return f"BlazePose skeletons, 64 steps, {args.skeleton_epochs} epochs"
    if name == "late fusion":
        return "mean of the probabilities of the rows above"
    from sportlens.action.video_models import TORCHVISION

    frames, size = (args.tv_frames, args.tv_size) if name in TORCHVISION else (16, args.size)
    return (f"{frames} x {size} px ROI crops, {args.budget} min/fold (<= {args.epochs} epochs), from scratch"
            + (" (RGB + flow)" if name.startswith("twin") else " (RGB)"))


if __name__ == "__main__":
    main()
