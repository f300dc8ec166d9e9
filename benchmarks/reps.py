"""Repetitions from video (issue 14) on ../shared/data/video/workout-reps-calimiro: count vs label per video.

    .venv/bin/python benchmarks/reps.py [--only NAME,NAME] [--record] [--keep DIR]

Runs `run_reps` with --exercise set to the label's exercise (pose computed once per video), and recounts the
same pose output with --exercise auto. Prints per video: label, the two counts; then MAE normalised by the true
count (a label of 0 counts as 1 in the denominator) and off-by-one accuracy (|count - label| <= 1), overall and
per source group; and the frames/s of `reps` vs `pose` end to end on one clip. --record appends dated rows to the
`## Movement: repetitions (issue 14)` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.movement.options import RepsOptions  # noqa: E402
from sportlens.movement.pipeline import POSE_FOLDER, _keypoints, run_reps  # noqa: E402
from sportlens.movement.reps import candidates, count_repetitions, pose_signals  # noqa: E402
from sportlens.pose.options import PoseOptions  # noqa: E402
from sportlens.pose.pipeline import run_pose  # noqa: E402

SECTION = "Movement: repetitions (issue 14)"
YARDSTICK = "naive shoulder-height peak counter (issue 14): MAE/true 0.158, off-by-one 0.98"


def recount_auto(out: Path, fps: float) -> int:
    """The same pose output counted with --exercise auto (no pose rerun)."""
    angles_file = out / POSE_FOLDER / "angles.csv"
    if not angles_file.is_file():
        return 0
    angles = pd.read_csv(angles_file)
    points = _keypoints(out / POSE_FOLDER / "keypoints.csv", len(angles))
    signals = pose_signals({c: angles[c].to_numpy(float) for c in angles.columns
                            if c not in ("frame", "time_s", "person_id")}, points)
    return count_repetitions(candidates(signals, "auto"), fps).count


def scores(counts: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(MAE / true count, off-by-one accuracy)."""
    return float(np.mean(np.abs(counts - labels) / np.maximum(labels, 1))), float(np.mean(np.abs(counts - labels) <= 1))


def speed(video: Path, work: Path) -> tuple[float, float]:
    """Frames/s end to end of run_pose (with its annotated video) and run_reps (with reps.mp4), same clip."""
    t0 = time.perf_counter()
    pose = run_pose(video, work / "speed-pose", PoseOptions())
    t_pose = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_reps(video, work / "speed-reps", RepsOptions())
    t_reps = time.perf_counter() - t0
    n = pose.metrics["frames"]
    return n / t_pose, n / t_reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated video names")
    parser.add_argument("--record", action="store_true", help="append dated rows to BENCHMARKS.md")
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder (to look at them)")
    args = parser.parse_args()
    root = shared_path("video/workout-reps-calimiro")
    labels = pd.read_csv(root / "labels.csv")
    if args.only:
        labels = labels[labels["video"].isin(args.only.split(","))]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-reps-"))
    rows = []
    t0 = time.perf_counter()
    for item in labels.itertuples():
        out = work / Path(item.video).stem
        summary = run_reps(root / item.video, out, RepsOptions(exercise=item.exercise, annotated_video=False))
        m = summary.metrics
        auto = recount_auto(out, m["video_fps"])
        rows.append({"video": item.video, "group": item.source_group, "label": int(item.reps),
                     "count": int(m["count"]), "auto": auto, "driving": m["driving_signal"], "method": m.get("method")})
        print(f"{item.video:22s} label {item.reps:3d}  count {m['count']:3d}  auto {auto:3d}  "
              f"{m['driving_signal']} ({m.get('method')}, period {m['period_s']})", flush=True)
    table = pd.DataFrame(rows)
    seconds = time.perf_counter() - t0
    mae, obo = scores(table["count"].to_numpy(), table["label"].to_numpy())
    mae_auto, obo_auto = scores(table["auto"].to_numpy(), table["label"].to_numpy())
    print(f"\n{len(table)} videos in {seconds:.0f} s: --exercise <label> MAE/true {mae:.3f}, off-by-one {obo:.2f}; "
          f"--exercise auto MAE/true {mae_auto:.3f}, off-by-one {obo_auto:.2f}; yardstick {YARDSTICK}")
    for group, part in table.groupby("group"):
        g_mae, g_obo = scores(part["count"].to_numpy(), part["label"].to_numpy())
        print(f"    {group:30s} {len(part):2d} videos  MAE/true {g_mae:.3f}  off-by-one {g_obo:.2f}")
    wrong = table[table["count"] != table["label"]]
    print("    miscounted: " + ", ".join(f"{r.video} {r.count} vs {r.label}" for r in wrong.itertuples()))
    speed_clip = root / "pull-up_long1.mp4"
    fps_pose, fps_reps = speed(speed_clip, work)
    print(f"speed on {speed_clip.name}: pose {fps_pose:.1f} frames/s, reps {fps_reps:.1f} frames/s "
          f"(ratio {fps_reps / fps_pose:.2f})")
    if args.record:
        append_row(SECTION, "| date | machine | videos | exercise given: MAE/true | off-by-one | auto: MAE/true | "
                   "off-by-one | yardstick (naive) | reps / pose frames/s |",
                   f"| {today()} | {machine()} | {len(table)} | {mae:.3f} | {obo:.2f} | {mae_auto:.3f} | "
                   f"{obo_auto:.2f} | 0.158 / 0.98 | {fps_reps:.1f} / {fps_pose:.1f} = {fps_reps / fps_pose:.2f} |")


if __name__ == "__main__":
    main()
