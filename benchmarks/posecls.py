"""Pose classification (issue 14) on ../shared/data/images/yoga8: its 5 folds (split.csv).

    .venv/bin/python benchmarks/posecls.py [--record]

BlazePose (static mode, photos shrunk to 640 px) once per photo, then per fold a random forest (the
`sportlens posecls train` defaults, fixed before this run) on the other four folds' poses and their mirror
images, predicting the held-out fold with the mirror average. Pooled over the folds: accuracy and macro F1 over
every photo (a photo without a person found counts as a mistake) and over the photos with a person. --record
appends a dated row to BENCHMARKS.md's `## Movement: pose classification (issue 14)`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.events import Progress  # noqa: E402
from sportlens.posecls.data import estimate_keypoints  # noqa: E402
from sportlens.posecls.options import TrainOptions  # noqa: E402
from sportlens.posecls.pipeline import fit_poses, predict_proba  # noqa: E402
from sportlens.training.metrics import classification_metrics  # noqa: E402

SECTION = "Movement: pose classification (issue 14)"
HEADER = ("| date | machine | photos (with a person) | classifier | accuracy, all photos | macro F1, all photos "
          "| accuracy, with a person | macro F1, with a person | image classifier (resnet18) | pose s/photo |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append a dated row to BENCHMARKS.md")
    args = parser.parse_args()
    root = shared_path("images/yoga8")
    split = pd.read_csv(root / "split.csv")
    files = [root / p for p in split["path"]]
    classes = sorted(split["class"].unique())
    options = TrainOptions()
    t0 = time.perf_counter()
    poses = estimate_keypoints(files, list(split["class"]), options.max_side, Progress("bench"),
                               retry=options.retry)
    pose_s = (time.perf_counter() - t0) / len(files)
    retried = pd.Series(poses.retried, dtype=object)
    print(f"second pass found a person in {len(retried)} photos: {retried.value_counts().to_dict()}; "
          f"{len(poses.skipped)} still without one: {[Path(s['file']).name for s in poses.skipped]}")
    kept = {str(f): k for k, f in enumerate(poses.files)}
    index = np.array([kept.get(str(f), -1) for f in files])
    folds = split["fold"].to_numpy()
    truth = np.array([classes.index(c) for c in split["class"]])
    pred = np.full(len(files), -1)
    for fold in sorted(set(folds)):
        train = (folds != fold) & (index >= 0)
        test = (folds == fold) & (index >= 0)
        model = fit_poses(poses.xy[index[train]], list(split["class"][train]), options)
        proba = predict_proba(model, poses.xy[index[test]])
        order = [classes.index(str(c)) for c in model.classes_]
        pred[test] = np.array(order)[proba.argmax(1)]
        print(f"fold {fold}: accuracy {np.mean(pred[folds == fold] == truth[folds == fold]):.3f} "
              f"({int(test.sum())}/{int((folds == fold).sum())} with a person)")
    everything = classification_metrics(truth, pred, classes)
    # a photo without a person (-1) is a miss of its class; macro F1 over the 8 classes only
    everything["macro_f1"] = float(f1_score(truth, pred, labels=np.arange(len(classes)), average="macro",
                                            zero_division=0))
    found = index >= 0
    with_person = classification_metrics(truth[found], pred[found], classes)
    print(f"all {len(files)} photos: accuracy {everything['accuracy']:.3f}, macro F1 {everything['macro_f1']:.3f}")
    print(f"{int(found.sum())} with a person: accuracy {with_person['accuracy']:.3f}, macro F1 "
          f"{with_person['macro_f1']:.3f}; pose {pose_s:.3f} s/photo")
    print("per class F1:", {c: round(v["f1"], 3) for c, v in with_person["per_class"].items()})
    print("confusion (rows truth):", classes, with_person["confusion"])
    if len(retried):
        rows = [k for k, f in enumerate(files) if str(f) in poses.retried]
        right = int(np.sum(pred[rows] == truth[rows]))
        print(f"photos found by the second pass: {right}/{len(rows)} classified right; wrong: "
              f"{[(files[k].name, classes[pred[k]]) for k in rows if pred[k] != truth[k]]}")
    if args.record:
        append_row(SECTION, HEADER, (
            f"| {today()} | {machine()} | {len(files)} ({int(found.sum())}) | random forest, {options.n_trees} trees, "
            f"keypoints + angles, mirror-averaged"
            f"{', second pass on photos without a person' if options.retry else ''} | "
            f"{everything['accuracy']:.3f} | {everything['macro_f1']:.3f} | "
            f"{with_person['accuracy']:.3f} | {with_person['macro_f1']:.3f} | 0.811 / 0.781 | {pose_s:.3f} |"))


if __name__ == "__main__":
    main()
