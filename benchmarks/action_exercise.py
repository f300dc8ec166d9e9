"""Exercise type (push-up, pull-up, squat, dips) of the 64 workout clips with the skeleton model, split by
source group (../shared/data/video/workout-reps-calimiro/README.md).

Grouped cross-validation: every source group of a class that has other groups is held out once (its class
keeps training clips from the other groups), the model trained on all remaining clips. Squat has a single
group (squat-dark-gym), so no squat clip can be tested on a scene the model has not seen: squat clips stay in
training in those folds, and are tested separately in 3 folds inside their group (scene leaks: optimistic,
reported on its own row). Skeletons: BlazePose through the pose pipeline; `sportlens reps` outputs under
--pose-cache (<clip>/pose/keypoints.csv) are reused when present, the video is run through pose otherwise.

    .venv/bin/python benchmarks/action_exercise.py [--epochs 60] [--pose-cache /tmp/bench-reps] [--record]

A yardstick on the same folds (not a sportlens model): a random forest on posture statistics of each clip
(10th/50th/90th percentile and spread of the trunk's tilt from vertical, elbow, knee, hip and shoulder angles,
and the wrists' and ankles' position along the trunk axis).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from action import cross_validate  # noqa: E402
from bench_record import append_row, machine, shared_path, today  # noqa: E402

SECTION = "Actions: skeleton models (issue 16)"


def workout_clips(pose_cache: Path | None):
    """SkeletonClips of the 64 clips (label = exercise) and their source groups."""
    from sportlens.action.data import read_clip

    root = shared_path("video/workout-reps-calimiro")
    rows = list(csv.DictReader(open(root / "labels.csv")))
    clips, groups, cached = [], [], 0
    for row in rows:
        name = Path(row["video"]).stem
        pose = pose_cache / name / "pose" / "keypoints.csv" if pose_cache else None
        if pose is not None and pose.is_file():
            clip, cached = read_clip(pose, row["exercise"]), cached + 1
        else:
            clip = read_clip(root / row["video"], row["exercise"])
        clips.append(clip)
        groups.append(row["source_group"])
    print(f"{len(clips)} clips ({cached} skeletons from {pose_cache}, {len(clips) - cached} through pose)")
    return clips, groups


def posture_features(xy: np.ndarray) -> np.ndarray:
    """Per-clip posture statistics of (T, 13, 2) joints for the forest yardstick (see the module docstring)."""
    from sportlens.action.skeleton import JOINTS, normalise

    j = {n: k for k, n in enumerate(JOINTS)}
    xy = normalise(xy)

    def angle(a, b, c):
        u, v = xy[:, j[a]] - xy[:, j[b]], xy[:, j[c]] - xy[:, j[b]]
        cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1) + 1e-9)
        return np.degrees(np.arccos(np.clip(cos, -1, 1)))

    shoulders = (xy[:, j["left_shoulder"]] + xy[:, j["right_shoulder"]]) / 2
    hips = (xy[:, j["left_hip"]] + xy[:, j["right_hip"]]) / 2
    trunk = shoulders - hips
    axis = trunk / (np.linalg.norm(trunk, axis=-1, keepdims=True) + 1e-9)
    per = [np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))]  # 0 = upright (image y points down)
    for s in ("left", "right"):
        per += [angle(f"{s}_shoulder", f"{s}_elbow", f"{s}_wrist"), angle(f"{s}_hip", f"{s}_knee", f"{s}_ankle"),
                angle(f"{s}_shoulder", f"{s}_hip", f"{s}_knee"), angle(f"{s}_elbow", f"{s}_shoulder", f"{s}_hip"),
                ((xy[:, j[f"{s}_wrist"]] - shoulders) * axis).sum(-1), ((xy[:, j[f"{s}_ankle"]] - hips) * axis).sum(-1)]
    per = np.nan_to_num(np.stack(per, axis=1))
    return np.concatenate([*np.percentile(per, [10, 50, 90], axis=0), per.std(axis=0)])


def forest_cv(clips, folds) -> dict:
    from sklearn.ensemble import RandomForestClassifier

    from sportlens.training.metrics import classification_metrics

    x = np.stack([posture_features(c.xy) for c in clips])
    y = np.array([c.label for c in clips])
    truth, predicted = [], []
    for train, test in folds:
        model = RandomForestClassifier(500, random_state=0, n_jobs=1).fit(x[train], y[train])
        truth += list(y[test])
        predicted += list(model.predict(x[test]))
    names = sorted(set(truth) | set(predicted))
    full = classification_metrics(np.array([names.index(t) for t in truth]),
                                  np.array([names.index(p) for p in predicted]), names)
    return {"accuracy": full["accuracy"], "macro_f1": full["macro_f1"], "clips": len(truth)}


def main() -> None:
    from sportlens.action.options import TrainOptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--model", default="skeleton-tcn")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pose-cache", default="/tmp/bench-reps")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    clips, groups = workout_clips(Path(args.pose_cache) if args.pose_cache else None)
    labels = [c.label for c in clips]
    options = TrainOptions(model=args.model, epochs=args.epochs, seed=0, threads=args.threads, batch_size=16)
    grouped = []
    for name in sorted(set(groups)):
        test = [i for i, g in enumerate(groups) if g == name]
        train = [i for i, g in enumerate(groups) if g != name]
        if {labels[i] for i in test} <= {labels[i] for i in train}:
            grouped.append((train, test))
    single = sorted({labels[i] for i in range(len(clips))} - {labels[i] for _, test in grouped for i in test})
    inside = []
    for label in single:
        members = [i for i, lab in enumerate(labels) if lab == label]
        for f in range(3):
            test = members[f::3]
            inside.append(([i for i in range(len(clips)) if i not in test], test))
    rows = {}
    for tag, folds in (("group held out (classes with >= 2 groups)", grouped),
                       (f"inside the one group ({', '.join(single)}; scene leaks)", inside)):
        if not folds:
            continue
        t0 = time.perf_counter()
        forest = forest_cv(clips, folds)
        forest["minutes"], forest["folds"] = (time.perf_counter() - t0) / 60, len(folds)
        rows[(tag, "posture forest (yardstick)")] = forest
        print(f"{tag}, forest: accuracy {forest['accuracy']:.3f}, macro F1 {forest['macro_f1']:.3f}")
        t0 = time.perf_counter()
        r = rows[(tag, args.model)] = cross_validate(clips, folds, options, tag)
        r["minutes"], r["folds"] = (time.perf_counter() - t0) / 60, len(folds)
        print(f"{tag}: accuracy {r['accuracy']:.3f}, macro F1 {r['macro_f1']:.3f} on {r['clips']} clips, "
              f"{len(folds)} folds, {r['minutes']:.1f} min")
    if args.record:
        for (tag, model), r in rows.items():
            epochs = args.epochs if model == args.model else "-"
            append_row(SECTION, "| date | machine | set | model | epochs | split | folds | clips tested | accuracy | "
                       "macro F1 | minutes |",
                       f"| {today()} | {machine()} | workout exercise type (64 clips, 4 classes), BlazePose "
                       f"skeletons | {model} | {epochs} | {tag} | {r['folds']} | {r['clips']} | {r['accuracy']:.3f} | "
                       f"{r['macro_f1']:.3f} | {r['minutes']:.1f} |")


if __name__ == "__main__":
    main()
