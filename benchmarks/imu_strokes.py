"""Tennis wrist strokes (../shared/data/imu/tennis-wrist): the old window recipe against the stroke recipe under
the splits this data set honestly allows, and under a simulated change of sensor placement and calibration.

    .venv/bin/python benchmarks/imu_strokes.py [--record]

The set is one session (one day, 2025-11-18) with one continuous recording per class and no participant ids, so
leave-one-session-out and leave-one-participant-out cannot be run. What can be run:
  * `blocks`: 20 s time blocks of each recording as groups, stratified group 5-fold (the earlier 0.94 figure);
  * `halves`: the first half of every recording against the second half (2 folds): the model meets a later
    stretch of the session, no block of which neighbours its training data except at the one midpoint;
  * `halves, test sensor turned`: as `halves`, with the test half read by a sensor turned 40 deg about a random
    axis (another strap placement); `... + gain/bias`: also acc x0.95, gyro x1.08 and a gyro bias of a few
    deg/s (another sensor or day). Rotating already-clipped samples is a simulation, not a recording.
Old = `forest` recipe, `basic` sensor-axis features, fixed 1.5 s windows every 0.5 s (the earlier setup).
New = `stroke-invariant` recipe, rotation-invariant features (`sportlens.imu.stroke_features`), 1.0 s windows on
the stroke detector's |gyro| peaks plus "no stroke" windows (labelled idle). Intermediate rows separate the
features from the windows; three rows add a per-session normalisation: the still-moment calibration (acc scale,
gyro bias) or a feature z-score over each session (the original recordings are one session, the changed sensor's
another), or over each half (class mix differs between halves).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.imu.classify import RECIPES  # noqa: E402
from sportlens.imu.stroke_features import (  # noqa: E402
    event_windows,
    fixed_windows,
    invariant_features,
    sensor_frame_features,
    session_zscore,
    still_calibration,
)

SECTION = "IMU and physics"
HEADER = "| date | machine | measurement | result |"
BLOCK_S = 20.0
TURN_DEG = 40.0
ACC_GAIN, GYRO_GAIN = 0.95, 1.08
GYRO_BIAS_RADS = np.array([0.05, -0.03, 0.04])

# name -> (feature function, windows "fixed"/"events", window_s, recipe, per-session normalisation)
# normalisation: None; "still" (acc scale and gyro bias from the session's still moments, on the signals);
# "z-score" (each feature standardised over the session's windows); "z-score per half" (over each half's windows)
VARIANTS = {
    "old: basic features, fixed 1.5 s windows, forest": (sensor_frame_features, "fixed", 1.5, "forest", None),
    "basic features, stroke-event 1.0 s windows, forest": (sensor_frame_features, "events", 1.0, "forest", None),
    "invariant features, fixed 1.5 s windows": (invariant_features, "fixed", 1.5, "stroke-invariant", None),
    "new: invariant features, stroke-event windows": (invariant_features, "events", 1.0, "stroke-invariant", None),
    "invariant, stroke-event windows, still calibration per session": (
        invariant_features, "events", 1.0, "stroke-invariant", "still"),
    "invariant, stroke-event windows, feature z-score per session": (
        invariant_features, "events", 1.0, "stroke-invariant", "z-score"),
    "invariant, stroke-event windows, feature z-score per half": (
        invariant_features, "events", 1.0, "stroke-invariant", "z-score per half"),
}


def turned(rec, rng, gain: bool):
    """The recording as a sensor turned by TURN_DEG about a random axis would read it (and, with `gain`, with
    other gains and a gyro bias)."""
    from scipy.spatial.transform import Rotation

    axis = rng.normal(size=3)
    R = Rotation.from_rotvec(np.deg2rad(TURN_DEG) * axis / np.linalg.norm(axis)).as_matrix()
    acc, gyro = rec.acc_mps2 @ R.T, rec.gyro_rads @ R.T
    if gain:
        acc, gyro = acc * ACC_GAIN, gyro * GYRO_GAIN + GYRO_BIAS_RADS
    return rec.replace(acc_mps2=acc, gyro_rads=gyro)


def labelled_windows(items, feature_fn, windows: str, window_s: float, norm: str | None = None):
    """Windows of one session's recordings with their label, 20 s block and half (None where a window straddles
    an edge); `norm` "still" calibrates the signals, "z-score" standardises the features over the session."""
    recs = [x.recording for x in items]
    if norm == "still":
        cal = still_calibration(recs)
        recs = [cal.apply(r) for r in recs]
    if windows == "events":
        w = event_windows(recs, window_s, 0.5, feature_fn=feature_fn)
    else:
        w = fixed_windows(recs, window_s, 0.5, feature_fn=feature_fn)
    X = session_zscore(w.X, np.zeros(len(w.X))) if norm == "z-score" else w.X
    labels = np.array([items[i].label for i in w.recording_index], dtype=object)
    labels[~w.is_stroke] = "idle"  # a stretch with no stroke peak near it is idle, whatever the run was
    rid = np.array([items[i].recording_id for i in w.recording_index], dtype=object)
    t0 = np.array([items[i].recording.time_s[0] for i in w.recording_index])
    t1 = np.array([items[i].recording.time_s[-1] for i in w.recording_index])
    end = w.start_s + window_s
    block = np.floor((w.start_s - t0) / BLOCK_S + 1e-9)
    blocks = np.array([f"{r}#{int(b)}" for r, b in zip(rid, block, strict=True)], dtype=object)
    blocks[np.floor((end - 1e-9 - t0) / BLOCK_S) != block] = None  # straddles a block edge
    mid = 0.5 * (t0 + t1)
    halves = np.where(end <= mid, "first", np.where(w.start_s >= mid, "second", None)).astype(object)
    return {"X": X, "y": labels, "rid": rid, "blocks": blocks, "halves": halves, "is_stroke": w.is_stroke}


def scores(y, pred) -> dict:
    from sklearn.metrics import confusion_matrix, f1_score

    classes = sorted(set(y) | set(pred))
    return {
        "accuracy": float(np.mean(y == pred)),
        "macro_f1": float(f1_score(y.astype(str), pred.astype(str), average="macro")),
        "classes": classes,
        "confusion": confusion_matrix(y.astype(str), pred.astype(str), labels=classes).tolist(),
        "n": int(len(y)),
    }


def run_blocks(ws, recipe: str) -> dict:
    from sklearn.model_selection import StratifiedGroupKFold

    keep = ws["blocks"] != None  # noqa: E711
    X, y, g = ws["X"][keep], ws["y"][keep], ws["blocks"][keep].astype(str)
    pred = np.empty(len(y), dtype=object)
    for train, test in StratifiedGroupKFold(5, shuffle=True, random_state=0).split(X, y, g):
        pred[test] = RECIPES.build(recipe, seed=0).fit(X[train], y[train]).predict(X[test])
    return scores(y, pred)


def run_halves(ws, shifted, recipe: str, zscore_half: bool) -> dict:
    """Train on one half of the original recordings, test on the other half of `shifted` (the same recordings as
    a changed sensor reads them), both ways; pooled."""
    ys, preds = [], []
    for train_half, test_half in (("first", "second"), ("second", "first")):
        tr, te = ws["halves"] == train_half, shifted["halves"] == test_half
        Xtr, Xte = ws["X"][tr], shifted["X"][te]
        if zscore_half:  # each half is its own session: standardised on its own windows, no labels
            Xtr, Xte = session_zscore(Xtr, np.zeros(len(Xtr))), session_zscore(Xte, np.zeros(len(Xte)))
        model = RECIPES.build(recipe, seed=0).fit(Xtr, ws["y"][tr])
        ys.append(shifted["y"][te])
        preds.append(model.predict(Xte))
    return scores(np.concatenate(ys), np.concatenate(preds))


def counts_line(ws) -> str:
    parts = []
    for half in ("first", "second"):
        c = Counter(ws["y"][ws["halves"] == half])
        parts.append(f"{half} half " + "/".join(f"{k} {c[k]}" for k in sorted(c)))
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    from sportlens.imu.readers import load_dataset

    items = load_dataset("tennis", shared_path("imu/tennis-wrist"))
    print("groups in the data: sessions", sorted({x.group for x in items}), "recordings",
          [x.recording_id for x in items], "(one per class; no participant column)")
    import os

    from sportlens.imu.events import detect_strokes

    strokes = {x.recording_id: len(detect_strokes(x.recording)) for x in items}
    print("strokes detected per recording:", strokes, f"; load average {os.getloadavg()[0]:.1f}")
    rng_seed = 16
    rows = [(
        "Tennis strokes: groups the data allows",
        "one session (S1, 2025-11-18), one continuous recording per class, no participant column: "
        "leave-one-session-out and leave-one-participant-out cannot be run; time blocks and halves only. "
        "Strokes detected: " + ", ".join(f"{k} {v}" for k, v in strokes.items()),
    )]
    results = {}
    for name, (fn, windows, window_s, recipe, norm) in VARIANTS.items():
        t0 = time.perf_counter()
        ws = labelled_windows(items, fn, windows, window_s, norm)
        # the changed sensor is a session of its own: the same turn (and gains) for every recording of it
        turn = labelled_windows([_with(x, turned(x.recording, np.random.default_rng(rng_seed), False))
                                 for x in items], fn, windows, window_s, norm)
        gain = labelled_windows([_with(x, turned(x.recording, np.random.default_rng(rng_seed), True))
                                 for x in items], fn, windows, window_s, norm)
        half = norm == "z-score per half"
        res = {
            "blocks": run_blocks(ws, recipe),
            "halves": run_halves(ws, ws, recipe, half),
            "halves, test sensor turned": run_halves(ws, turn, recipe, half),
            "halves, test turned + gain/bias": run_halves(ws, gain, recipe, half),
        }
        results[name] = res
        print(f"\n{name} ({recipe}; {time.perf_counter() - t0:.0f} s)\n    windows: {counts_line(ws)}")
        for split, r in res.items():
            print(f"    {split:32s} acc {r['accuracy']:.3f}  macro F1 {r['macro_f1']:.3f}  n {r['n']}  "
                  f"{r['classes']} {r['confusion']}")
        rows.append((
            f"Tennis strokes ({name}), one session S1",
            "; ".join(f"{split} acc {r['accuracy']:.3f} / F1 {r['macro_f1']:.3f}" for split, r in res.items())
            + f" ({counts_line(ws)})",
        ))
    if args.record:
        for what, result in rows:
            append_row(SECTION, HEADER, f"| {today()} | {machine()} | {what} | {result} |")
        print(f"recorded {len(rows)} rows in BENCHMARKS.md")


def _with(item, rec):
    from dataclasses import replace

    return replace(item, recording=rec)


if __name__ == "__main__":
    main()
