"""Repetitions from video (issue 14) on ../shared/data/video/workout-reps-calimiro: count vs label per video.

    .venv/bin/python benchmarks/reps.py [--only NAME,NAME] [--record] [--keep DIR] [--cache DIR] [--no-speed]

Runs `run_reps` with --exercise set to the label's exercise (pose computed once per video), and recounts the
same pose output with --exercise auto. Prints per video: label, the two counts; then MAE normalised by the true
count (a label of 0 counts as 1 in the denominator) and off-by-one accuracy (|count - label| <= 1), overall and
per source group; and the frames/s of `reps` vs `pose` end to end on one clip. --record appends dated rows to the
`## Movement: repetitions (issue 14)` section of BENCHMARKS.md. --cache DIR reuses the pose output of an earlier
run kept in DIR/<video>/pose (pose is computed and kept there when missing), so a rerun only recounts: seconds.
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


def recount(out: Path, fps: float, exercise: str = "auto"):
    """The pose output in out/pose counted again (no pose rerun): a RepCount."""
    angles_file = out / POSE_FOLDER / "angles.csv"
    if not angles_file.is_file():
        return None
    angles = pd.read_csv(angles_file)
    points = _keypoints(out / POSE_FOLDER / "keypoints.csv", len(angles))
    signals = pose_signals({c: angles[c].to_numpy(float) for c in angles.columns
                            if c not in ("frame", "time_s", "person_id")}, points)
    return count_repetitions(candidates(signals, exercise), fps)


def cached_fps(out: Path) -> float | None:
    """The frame rate of a cached run (its pose summary), None when out holds no pose output."""
    import json

    pose_summary = out / POSE_FOLDER / "summary.json"
    if not pose_summary.is_file():
        return None
    m = json.loads(pose_summary.read_text())["metrics"]
    return float(m.get("video_fps") or m.get("fps"))


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
    parser.add_argument("--cache", type=Path, help="reuse (or keep) the pose outputs in this folder")
    parser.add_argument("--no-speed", action="store_true", help="skip the frames/s comparison")
    args = parser.parse_args()
    root = shared_path("video/workout-reps-calimiro")
    labels = pd.read_csv(root / "labels.csv")
    if args.only:
        labels = labels[labels["video"].isin(args.only.split(","))]
    work = args.cache or args.keep or Path(tempfile.mkdtemp(prefix="bench-reps-"))
    rows = []
    t0 = time.perf_counter()
    for item in labels.itertuples():
        out = work / Path(item.video).stem
        fps = cached_fps(out) if args.cache else None
        if fps is None:
            summary = run_reps(root / item.video, out, RepsOptions(exercise=item.exercise, annotated_video=False))
            fps = summary.metrics["video_fps"]
        given, auto = recount(out, fps, item.exercise), recount(out, fps)
        count = given.count if given else 0
        auto_count = auto.count if auto else 0
        driving, method = (given.driving, given.method) if given else (None, "none")
        period = None if given is None or given.period_s is None else round(given.period_s, 2)
        rows.append({"video": item.video, "group": item.source_group, "label": int(item.reps),
                     "count": count, "auto": auto_count, "driving": driving, "method": method})
        print(f"{item.video:22s} label {item.reps:3d}  count {count:3d}  auto {auto_count:3d}  "
              f"{driving} ({method}, period {period})", flush=True)
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
    if args.no_speed:
        if args.record:
            parser.error("--record needs the speed figures (drop --no-speed)")
        return
    speed_clip = root / "pull-up_long1.mp4"
    fps_pose, fps_reps = speed(speed_clip, Path(tempfile.mkdtemp(prefix="bench-reps-speed-")))
    print(f"speed on {speed_clip.name}: pose {fps_pose:.1f} frames/s, reps {fps_reps:.1f} frames/s "
          f"(ratio {fps_reps / fps_pose:.2f})")
    if args.record:
        append_row(SECTION, "| date | machine | videos | exercise given: MAE/true | off-by-one | auto: MAE/true | "
                   "off-by-one | yardstick (naive) | reps / pose frames/s |",
                   f"| {today()} | {machine()} | {len(table)} | {mae:.3f} | {obo:.2f} | {mae_auto:.3f} | "
                   f"{obo_auto:.2f} | 0.158 / 0.98 | {fps_reps:.1f} / {fps_pose:.1f} = {fps_reps / fps_pose:.2f} |")


if __name__ == "__main__":
    main()
