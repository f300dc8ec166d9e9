"""Push-up form (issue 14) on ../shared/data/video/pushup-form: correct / wrong per clip from the form rules.

    .venv/bin/python benchmarks/form.py [--cache DIR] [--record]

Per clip: pose (through `run_reps --exercise push-up`, kept in DIR/<clip>/pose with --cache so a rerun takes
seconds), the repetitions, then the push-up rules of `movement.form` on each repetition (on the whole clip when
none is counted). Rule-based indicator: a clip is `correct` when every measured rule passes on every repetition;
its thresholds are fixed coaching cues, nothing is fitted, so all 101 clips are test clips. Learned indicators,
each evaluated leave-one-source-video-out (the `source_video` groups of labels.csv), so no source video is in its
own training set: (a) a logistic regression on the per-clip rule values (worst value over the repetitions); (b) the
same model (chosen before the run, not tuned) on per-clip distributions of 3D features from BlazePose's world
coordinates (x_m, y_m, z_m: the camera angle does not bend them): the 3D body line (`form.body_line_3d_deg`), the
3D hip and elbow flexion, each as its 10th/50th/90th percentile over the repetitions' frames (the whole clip
without repetitions), plus the elbow's range. Prints accuracy and macro F1 of each; --record appends a dated row
to BENCHMARKS.md's `## Movement: push-up form (issue 14)`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from reps import cached_fps, recount  # noqa: E402
from sportlens.movement.form import body_line_3d_deg, evaluate_form, measure_curves, rules_for  # noqa: E402
from sportlens.movement.options import RepsOptions  # noqa: E402
from sportlens.movement.pipeline import POSE_FOLDER, _keypoints, run_reps  # noqa: E402
from sportlens.pose.angles import joint_angles_deg  # noqa: E402

SECTION = "Movement: push-up form (issue 14)"


def clip_values(out: Path, fps: float) -> dict | None:
    """Per rule, the worst value over the clip's repetitions and whether every measured repetition passes; None
    without a person."""
    if not (out / POSE_FOLDER / "angles.csv").is_file():
        return None
    angles = pd.read_csv(out / POSE_FOLDER / "angles.csv")
    points = _keypoints(out / POSE_FOLDER / "keypoints.csv", len(angles))
    result = recount(out, fps, "push-up")
    spans = [(r.start, r.end) for r in result.reps] if result and result.count else [(0, len(angles) - 1)]
    rules = rules_for("push-up")
    rows = evaluate_form(rules, measure_curves(rules, {c: angles[c].to_numpy(float) for c in angles.columns}, points),
                         spans)
    values = {"reps": len(spans) if result and result.count else 0}
    for rule in rules:
        seen = [r[rule.name] for r in rows if r[rule.name] is not None]
        # the repetition that fares worst: the lowest value for a ">=" rule, the highest for a "<=" rule
        values[rule.name] = (min(seen) if rule.op == ">=" else max(seen)) if seen else np.nan
        oks = [r[f"{rule.name}_ok"] for r in rows if r[f"{rule.name}_ok"] is not None]
        values[f"{rule.name}_ok"] = all(oks) if oks else True
    values["rule_says"] = "correct" if all(values[f"{r.name}_ok"] for r in rules) else "wrong"
    return {**values, **features_3d(out, spans, len(angles))}


def world_points(path: Path, n: int) -> dict[str, np.ndarray]:
    """pose/keypoints.csv's world coordinates: name -> (n, 3) metres (NaN where the keypoint was not seen)."""
    table = pd.read_csv(path, usecols=["keypoint", "x_px", "x_m", "y_m", "z_m"])
    names = list(dict.fromkeys(table["keypoint"]))
    xyz = table[["x_m", "y_m", "z_m"]].to_numpy(float).reshape(n, len(names), 3)
    xyz[np.isnan(table["x_px"].to_numpy(float)).reshape(n, len(names))] = np.nan  # unseen in the image
    return {name: xyz[:, k] for k, name in enumerate(names)}


def flexion_3d(world: dict[str, np.ndarray], a: str, b: str, c: str) -> np.ndarray:
    """180 - the 3D angle at b, mean of the two sides where both are seen (deg)."""
    sides = [180.0 - joint_angles_deg(world[f"{s}_{a}"], world[f"{s}_{b}"], world[f"{s}_{c}"])[0]
             for s in ("left", "right")]
    return np.nanmean(np.stack(sides), axis=0)


FEATURES_3D = [f"{m}_p{q}" for m in ("body_line_3d", "hip_flexion_3d", "elbow_flexion_3d") for q in (10, 50, 90)]
FEATURES_3D += ["elbow_range_3d"]


def features_3d(out: Path, spans: list[tuple[int, int]], n: int) -> dict[str, float]:
    """Per clip: percentiles of the 3D measures over the frames of the spans, and the elbow's range (p90 - p10)."""
    world = world_points(out / POSE_FOLDER / "keypoints.csv", n)
    inside = np.zeros(n, bool)
    for a, b in spans:
        inside[a : b + 1] = True
    curves = {"body_line_3d": body_line_3d_deg(world),
              "hip_flexion_3d": flexion_3d(world, "shoulder", "hip", "knee"),
              "elbow_flexion_3d": flexion_3d(world, "shoulder", "elbow", "wrist")}
    values = {}
    for name, curve in curves.items():
        seen = curve[inside & np.isfinite(curve)]
        for q in (10, 50, 90):
            values[f"{name}_p{q}"] = float(np.percentile(seen, q)) if seen.size else np.nan
    values["elbow_range_3d"] = values["elbow_flexion_3d_p90"] - values["elbow_flexion_3d_p10"]
    return values


def scores(truth, pred) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return float(accuracy_score(truth, pred)), float(f1_score(truth, pred, average="macro"))


def learned(table: pd.DataFrame, features: list[str], split=None) -> np.ndarray:
    """Leave-one-source-video-out predictions of a logistic regression on the features (split: another
    scikit-learn splitter, for the leaky comparison)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = table[features].to_numpy(float), table["label"].to_numpy()
    pred = np.empty(len(y), dtype=object)
    for train, test in (split or LeaveOneGroupOut()).split(x, y, table["group"]):
        if len(set(y[train])) < 2:
            pred[test] = y[train][0]
            continue
        model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(x[train], y[train])
        pred[test] = model.predict(x[test])
    return pred


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="reuse (or keep) the pose outputs in this folder")
    parser.add_argument("--record", action="store_true", help="append a dated row to BENCHMARKS.md")
    args = parser.parse_args()
    root = shared_path("video/pushup-form")
    labels = pd.read_csv(root / "labels.csv")
    work = args.cache or Path(tempfile.mkdtemp(prefix="bench-form-"))
    rows = []
    for item in labels.itertuples():
        out = work / Path(item.video).stem
        fps = cached_fps(out) if args.cache else None
        if fps is None:
            summary = run_reps(root / item.video, out, RepsOptions(exercise="push-up", annotated_video=False,
                                                                   plot=False))
            fps = summary.metrics["video_fps"]
        values = clip_values(out, fps)
        if values is None:
            values = {"reps": 0, "rule_says": "correct"}
        rows.append({"video": item.video, "label": item.label, "group": item.source_video, **values})
        print(f"{item.video:16s} {item.label:8s} rule {values['rule_says']:8s} "
              + " ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items()
                         if k not in ("rule_says",)), flush=True)
    table = pd.DataFrame(rows)
    rule_acc, rule_f1 = scores(table["label"], table["rule_says"])
    features = [r.name for r in rules_for("push-up")]
    learned_acc, learned_f1 = scores(table["label"], learned(table, features))
    table["learned_3d"] = learned(table, FEATURES_3D)
    acc_3d, f1_3d = scores(table["label"], table["learned_3d"])
    per_group = table.groupby("group").apply(lambda g: float((g["learned_3d"] == g["label"]).mean()),
                                             include_groups=False)
    majority = table["label"].value_counts().idxmax()
    base_acc, base_f1 = scores(table["label"], [majority] * len(table))
    groups = table["group"].nunique()
    print(f"\n{len(table)} clips, {groups} source videos: rule-based accuracy {rule_acc:.3f}, macro F1 "
          f"{rule_f1:.3f}; learned (logistic regression on the rule values, leave-one-source-video-out) accuracy "
          f"{learned_acc:.3f}, macro F1 {learned_f1:.3f}; learned on 3D features (LOSO) accuracy {acc_3d:.3f}, macro "
          f"F1 {f1_3d:.3f}; majority class ({majority}) {base_acc:.3f} / {base_f1:.3f}")
    print("3D learned, accuracy per held-out source video:", per_group.round(2).to_dict())
    from sklearn.model_selection import StratifiedKFold

    leaky_acc, leaky_f1 = scores(table["label"], learned(table, FEATURES_3D, StratifiedKFold(5, shuffle=True,
                                                                                              random_state=0)))
    print(f"    for comparison, 3D learned with clips of one source video on both sides (stratified 5-fold, a leak): "
          f"accuracy {leaky_acc:.3f}, macro F1 {leaky_f1:.3f}")
    for label in ("correct", "wrong"):
        part = table[table["label"] == label]
        print(f"    {label}: 3D medians " + ", ".join(f"{f} {part[f].median():.1f}" for f in FEATURES_3D))
    for rule in rules_for("push-up"):
        flagged = table[~table[f"{rule.name}_ok"].astype(bool)] if f"{rule.name}_ok" in table else table.iloc[:0]
        wrong_share = float((flagged["label"] == "wrong").mean()) if len(flagged) else float("nan")
        print(f"    {rule.name:12s} flags {len(flagged):3d} clips, of which wrong {wrong_share:.2f}")
    if args.record:
        append_row(SECTION, "| date | machine | clips (source videos) | rule-based: accuracy | macro F1 | "
                   "learned on rule values (LOSO): accuracy | macro F1 | learned on 3D features (LOSO): accuracy | "
                   "macro F1 | majority class |",
                   f"| {today()} | {machine()} | {len(table)} ({table['group'].nunique()}) | {rule_acc:.3f} | "
                   f"{rule_f1:.3f} | {learned_acc:.3f} | {learned_f1:.3f} | {acc_3d:.3f} | {f1_3d:.3f} | "
                   f"{base_acc:.3f} / {base_f1:.3f} |")


if __name__ == "__main__":
    main()
