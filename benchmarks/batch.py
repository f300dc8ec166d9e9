"""`sportlens batch` throughput on the shared workout clips (issue 18): files/s with 1 and 2 local workers and on
a local Ray instance (2 CPUs), the same clips, the same analyze settings, in one run.

    .venv/bin/python benchmarks/batch.py [--clips 8] [--tasks pose,reps] [--record]

Each configuration analyses the --clips clips of ../shared/data/video/workout-reps-calimiro (every k-th by
name, the long sets left out) into a fresh folder; files/s is the batch's own figure (inputs analysed / wall
seconds of the analyses).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, shared_path, today  # noqa: E402

SECTION = "Service, batch and model lifecycle (issue 18)"


def run(listing: Path, out: Path, tasks: str, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "sportlens", "batch", str(listing), "-o", str(out), "--tasks", tasks,
               "--no-video", "--json", *extra]
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, SPORTLENS_NO_PROGRESS="1"))
    if done.returncode != 0:
        raise SystemExit(f"batch failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)["metrics"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--tasks", default="pose,reps")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    folder = shared_path("video/workout-reps-calimiro")
    every = sorted(c for c in folder.glob("*.mp4") if "long" not in c.stem)  # the long sets would dominate
    clips = every[:: max(1, len(every) // args.clips)][: args.clips]  # spread over the four exercises
    work = Path(tempfile.mkdtemp(prefix="sportlens-batch-bench-"))
    listing = work / "clips.txt"
    listing.write_text("\n".join(str(c) for c in clips) + "\n")
    load_before = os.getloadavg()[0]
    configs = [("local, 1 worker", ["--workers", "1"]), ("local, 2 workers", ["--workers", "2"])]
    if not args.no_ray:
        configs.append(("Ray (local instance, 2 CPUs)", ["--workers", "2", "--ray", "local"]))
    figures = {}
    for name, extra in configs:
        metrics = run(listing, work / name.replace(" ", "_").replace(",", ""), args.tasks, extra)
        figures[name] = metrics
        print(f"{name}: {metrics['done']} done, {metrics['failed']} failed, {metrics['files_per_s']:.3f} files/s")
    base = figures["local, 1 worker"]["files_per_s"]
    if args.record:
        names = ["local, 1 worker", "local, 2 workers", "Ray (local instance, 2 CPUs)"]
        cells = " | ".join(f"{figures[n]['files_per_s']:.3f} ({figures[n]['files_per_s'] / base:.2f}x)"
                           if n in figures else "not run" for n in names)
        append_row(SECTION, "| date | machine | load avg before | clips (tasks) | files/s: 1 local worker | 2 local "
                   "workers | Ray local, 2 CPUs |",
                   f"| {today()} | {machine()} | {load_before:.1f} | {len(clips)} ({args.tasks}) | {cells} |")


if __name__ == "__main__":
    main()
