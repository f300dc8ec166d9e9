"""Skeleton action recognition on Penn Action's official split (2,326 hand-annotated sequences, 15 actions).

Trains `sportlens action train` once per seed on the official training sequences (10 % of them, stratified,
held out to choose the best epoch) and reports accuracy and macro F1 on the official test split, mean and
spread over the seeds.

    .venv/bin/python benchmarks/action.py [--seeds 0,1,2] [--epochs 80] [--model skeleton-tcn] [--record]

With --tennis: the 111 tennis stroke clips (7 classes, 18 scene groups) through BlazePose, then three
cross-validations of the same model: leave-one-group-out (every scene held out once; a class whose only
groups are held out cannot be learnt: pessimistic), group-honest (a group is held out only when each of
its classes keeps another group in training; reported on those groups only) and stratified 5-fold
(scenes leak across the split: optimistic).

    .venv/bin/python benchmarks/action.py --tennis [--epochs 60] [--cache /tmp/tennis.npz] [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.action.options import TrainOptions  # noqa: E402
from sportlens.action.pipeline import run_train  # noqa: E402

SECTION = "Actions: skeleton models (issue 16)"


def tennis_clips(cache: Path | None):
    """Skeletons of the tennis clips (BlazePose via the action data reader), their groups; cached."""
    import csv

    from sportlens.action.data import load_clips
    from sportlens.action.skeleton import SkeletonClip

    root = shared_path("video/tennis-strokes")
    groups = {row["video"]: row["source_group"] for row in csv.DictReader(open(root / "labels.csv"))}
    if cache is not None and cache.exists():
        blob = np.load(cache, allow_pickle=True)
        clips = [SkeletonClip(xy, str(label), str(src)) for xy, label, src in
                 zip(blob["xy"], blob["labels"], blob["sources"], strict=True)]
    else:
        clips = load_clips(root)
        if cache is not None:
            np.savez(cache, xy=np.array([c.xy for c in clips], dtype=object),
                     labels=np.array([c.label for c in clips]), sources=np.array([c.source for c in clips]))
    keys = ["/".join(Path(c.source).parts[-2:]) for c in clips]
    return clips, [groups[k] for k in keys]


def cross_validate(clips, folds: list[tuple[list[int], list[int]]], options, tag: str) -> dict:
    """Train on each fold's training clips (10 % of them, stratified, choose the epoch), test on the rest;
    pooled accuracy and macro F1 over every tested clip."""
    from sportlens.action.pipeline import _split, evaluate_clips, fit_clips, load_action_model
    from sportlens.action.skeleton import SkeletonClip
    from sportlens.training.metrics import classification_metrics

    truth, predicted = [], []
    for k, (train, test) in enumerate(folds):
        sub = [clips[i] for i in train]
        marked = [SkeletonClip(c.xy, c.label, c.source, None, c.fps) for c in sub]
        tr, va, _ = _split(marked, options.val_fraction, options.seed)
        classes = sorted({c.label for c in sub})
        with tempfile.TemporaryDirectory() as tmp:
            fit_clips(marked, tr, va, classes, options, Path(tmp))
            loaded = load_action_model(Path(tmp))
            result = evaluate_clips(loaded.module, [clips[i] for i in test], classes, options.frames)
        fold_truth = [clips[i].label for i in test]
        truth += fold_truth
        predicted += result["predicted"]
        hits = np.mean(np.array(result["predicted"]) == np.array(fold_truth))
        print(f"  {tag} fold {k + 1}/{len(folds)}: {hits:.2f} on {len(test)}")
    names = sorted(set(truth) | set(predicted))
    full = classification_metrics(np.array([names.index(t) for t in truth]),
                                  np.array([names.index(p) for p in predicted]), names)
    return {"accuracy": full["accuracy"], "macro_f1": full["macro_f1"], "clips": len(truth)}


def tennis(args) -> None:
    clips, groups = tennis_clips(Path(args.cache) if args.cache else None)
    options = TrainOptions(model=args.model, epochs=args.epochs, seed=0, threads=args.threads, batch_size=16)
    labels = [c.label for c in clips]
    group_names = sorted(set(groups))
    logo = [([i for i, g in enumerate(groups) if g != name], [i for i, g in enumerate(groups) if g == name])
            for name in group_names]
    honest = []
    for train, test in logo:
        kept = {labels[i] for i in train}
        if all(labels[i] in kept for i in test):
            honest.append((train, test))
    rng = np.random.default_rng(0)
    strat = [([], []) for _ in range(5)]
    for label in sorted(set(labels)):
        members = [i for i, lab in enumerate(labels) if lab == label]
        rng.shuffle(members)
        for k, i in enumerate(members):
            for f in range(5):
                (strat[f][1] if k % 5 == f else strat[f][0]).append(i)
    rows = {}
    for tag, folds in (("leave-one-group-out", logo), ("group-honest", honest), ("stratified 5-fold", strat)):
        t0 = time.perf_counter()
        rows[tag] = cross_validate(clips, folds, options, tag)
        rows[tag]["minutes"] = (time.perf_counter() - t0) / 60
        rows[tag]["folds"] = len(folds)
        print(f"{tag}: accuracy {rows[tag]['accuracy']:.3f}, macro F1 {rows[tag]['macro_f1']:.3f} on "
              f"{rows[tag]['clips']} clips, {len(folds)} folds")
    if args.record:
        for tag, r in rows.items():
            append_row(SECTION, "| date | machine | set | model | epochs | split | folds | clips tested | accuracy | "
                       "macro F1 | minutes |",
                       f"| {today()} | {machine()} | tennis strokes (111 clips, 7 classes), BlazePose skeletons | "
                       f"{args.model} | {args.epochs} | {tag} | {r['folds']} | {r['clips']} | {r['accuracy']:.3f} | "
                       f"{r['macro_f1']:.3f} | {r['minutes']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--model", default="skeleton-tcn")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--tennis", action="store_true", help="the tennis strokes cross-validations instead")
    parser.add_argument("--cache", default=None, help="with --tennis: an .npz file for the clips' skeletons")
    args = parser.parse_args()
    if args.tennis:
        tennis(args)
        return
    data = shared_path("keypoints/penn-action")
    accs, f1s, minutes = [], [], []
    for seed in (int(s) for s in args.seeds.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            summary = run_train(data, Path(tmp) / "run", TrainOptions(model=args.model, epochs=args.epochs, seed=seed,
                                                                     threads=args.threads))
            minutes.append((time.perf_counter() - t0) / 60)
        test = summary.metrics["test"]
        accs.append(test["accuracy"])
        f1s.append(test["macro_f1"])
        print(f"seed {seed}: test accuracy {test['accuracy']:.4f}, macro F1 {test['macro_f1']:.4f} on "
              f"{test['n_clips']} sequences (best epoch {summary.metrics['best_epoch']}), {minutes[-1]:.1f} min")
    a, f = np.array(accs), np.array(f1s)
    print(f"{args.model}: accuracy {a.mean():.4f} +- {a.std():.4f} (min {a.min():.4f}, max {a.max():.4f}), "
          f"macro F1 {f.mean():.4f} over {len(a)} seeds")
    if args.record:
        append_row(SECTION, "| date | machine | model | epochs | seeds | test accuracy mean +- sd (min-max) | "
                   "macro F1 mean | wall minutes per run |",
                   f"| {today()} | {machine()} | {args.model} | {args.epochs} | {args.seeds} | "
                   f"{a.mean():.4f} +- {a.std():.4f} ({a.min():.4f}-{a.max():.4f}) | {f.mean():.4f} | "
                   f"{np.mean(minutes):.1f} |")


if __name__ == "__main__":
    main()
