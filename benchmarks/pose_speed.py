"""Pose speed as a user meets it: `sportlens pose clip720.mp4 -o OUT` as a whole process (start-up, probe,
pose, every file, annotated video) against bare BlazePose (decode + mediapipe pose on every frame, one
tracker, one process), measured back to back in the same run so machine load hits both.

    .venv/bin/python benchmarks/pose_speed.py [--reps 2] [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_record import append_row, machine, shared_path, timed_process, today  # noqa: E402

SECTION = "Pose speed and start-up (issue 12)"
BARE = """
import sys, time
from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced
from sportlens.video.decode import decode_frames, probe_video
path, max_side = sys.argv[1], int(sys.argv[2])
info = probe_video(path)
n = 0
with native_stderr_silenced(), BlazePoseEstimator() as pose:
    for frame in decode_frames(path, max_side=max_side or None, info=info):
        pose(frame.image, info.width, info.height)
        n += 1
print(n)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--record", action="store_true", help="append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    clip = shared_path("video/clip720.mp4")
    exe = Path(sys.executable)
    cli = [str(exe.with_name("sportlens"))]
    frames = 420
    load = os.getloadavg()[0]  # before the run: what other jobs were doing
    rows = {"bare_full": [], "bare_640": [], "e2e": [], "e2e_novideo": []}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):  # interleaved: load changes hit every variant
            rows["bare_full"].append(frames / timed_process([str(exe), "-c", BARE, str(clip), "0"]))
            rows["bare_640"].append(frames / timed_process([str(exe), "-c", BARE, str(clip), "640"]))
            rows["e2e"].append(frames / timed_process([*cli, "pose", str(clip), "-o", f"{tmp}/full{rep}"]))
            rows["e2e_novideo"].append(frames / timed_process([*cli, "pose", str(clip), "-o", f"{tmp}/nov{rep}",
                                                       "--no-video"]))
        helps = {}
        for command in (["--help"], ["pose", "--help"], ["classify", "train", "--help"], ["imu", "reps", "--help"]):
            times = sorted(timed_process([*cli, *command]) for _ in range(5))
            helps[" ".join(command)] = times[2]
    best = {k: max(v) for k, v in rows.items()}
    bare = max(best["bare_full"], best["bare_640"])
    ratio, ratio_nov = best["e2e"] / bare, best["e2e_novideo"] / bare
    print(f"bare BlazePose: {best['bare_full']:.1f} fps on full frames, {best['bare_640']:.1f} fps at 640 px")
    print(f"sportlens pose (whole process): {best['e2e']:.1f} fps, ratio {ratio:.2f}; --no-video "
          f"{best['e2e_novideo']:.1f} fps, ratio {ratio_nov:.2f}")
    print("help start-up (median of 5): " + ", ".join(f"{k} {v:.2f} s" for k, v in helps.items()))
    if args.record:
        append_row(SECTION, "| date | machine | load avg before | bare BlazePose fps (full / 640 px) | "
                   "sportlens pose fps (whole process) | ratio to the faster bare | --no-video fps | ratio |",
                   f"| {today()} | {machine()} | {load:.1f} | {best['bare_full']:.1f} / {best['bare_640']:.1f} | "
                   f"{best['e2e']:.1f} | {ratio:.2f} | {best['e2e_novideo']:.1f} | {ratio_nov:.2f} |")
        append_row(SECTION, "| date | machine | load avg before | " + " | ".join(f"`sportlens {k}` (s)" for k in helps)
                   + " |", f"| {today()} | {machine()} | {load:.1f} | "
                   + " | ".join(f"{v:.2f}" for v in helps.values()) + " |")


if __name__ == "__main__":
    main()
