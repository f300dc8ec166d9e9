"""Push-up form (issue 14) on ../shared/data/video/pushup-form: correct / wrong per clip from the form rules.

    .venv/bin/python benchmarks/form.py [--cache DIR] [--record]

Per clip: pose (through `run_reps --exercise push-up`, kept in DIR/<clip>/pose with --cache so a rerun takes
seconds), the repetitions, then the push-up rules of `movement.form` on each repetition (on the whole clip when
none is counted). Rule-based indicator: a clip is `correct` when every measured rule passes on every repetition;
its thresholds are fixed coaching cues, nothing is fitted, so all 101 clips are test clips. Learned indicator: a
logistic regression on the per-clip rule values (worst value over the repetitions), evaluated leave-one-source-
video-out (the `source_video` groups of labels.csv), so no source video is in its own training set. Prints accuracy
and macro F1 of both; --record appends a dated row to BENCHMARKS.md's `## Movement: push-up form (issue 14)`.
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
from sportlens.movement.form import evaluate_form, measure_curves, rules_for  # noqa: E402
from sportlens.movement.options import RepsOptions  # noqa: E402
from sportlens.movement.pipeline import POSE_FOLDER, _keypoints, run_reps  # noqa: E402

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
    return values


def scores(truth, pred) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return float(accuracy_score(truth, pred)), float(f1_score(truth, pred, average="macro"))


def learned(table: pd.DataFrame, features: list[str]) -> np.ndarray:
    """Leave-one-source-video-out predictions of a logistic regression on the rule values."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = table[features].to_numpy(float), table["label"].to_numpy()
    pred = np.empty(len(y), dtype=object)
    for train, test in LeaveOneGroupOut().split(x, y, table["group"]):
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
    majority = table["label"].value_counts().idxmax()
    base_acc, base_f1 = scores(table["label"], [majority] * len(table))
    groups = table["group"].nunique()
    print(f"\n{len(table)} clips, {groups} source videos: rule-based accuracy {rule_acc:.3f}, macro F1 "
          f"{rule_f1:.3f}; learned (logistic regression on the rule values, leave-one-source-video-out) accuracy "
          f"{learned_acc:.3f}, macro F1 {learned_f1:.3f}; majority class ({majority}) {base_acc:.3f} / {base_f1:.3f}")
    for rule in rules_for("push-up"):
        flagged = table[~table[f"{rule.name}_ok"].astype(bool)] if f"{rule.name}_ok" in table else table.iloc[:0]
        wrong_share = float((flagged["label"] == "wrong").mean()) if len(flagged) else float("nan")
        print(f"    {rule.name:12s} flags {len(flagged):3d} clips, of which wrong {wrong_share:.2f}")
    if args.record:
        append_row(SECTION, "| date | machine | clips (source videos) | rule-based: accuracy | macro F1 | "
                   "learned (LOSO): accuracy | macro F1 | majority class |",
                   f"| {today()} | {machine()} | {len(table)} ({table['group'].nunique()}) | {rule_acc:.3f} | "
                   f"{rule_f1:.3f} | {learned_acc:.3f} | {learned_f1:.3f} | {base_acc:.3f} / {base_f1:.3f} |")


if __name__ == "__main__":
    main()
