"""Physics checks and timings: closed form vs solver, best release angles, drag effect on real balls.

.venv/bin/python benchmarks/physics.py [--record]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, today  # noqa: E402
from sportlens.physics import Drag, best_release_angle, projectile  # noqa: E402
from sportlens.physics.projectile import optimal_angle_closed_form  # noqa: E402

# (what, speed m/s, release height m, drag or None): typical release values
CASES = [
    ("shot put 7.26 kg, 13.5 m/s from 2.1 m", 13.5, 2.1, Drag.ball(0.12, 7.26, 0.47)),
    ("football 0.43 kg, 25 m/s kick from the ground", 25.0, 0.0, Drag.ball(0.22, 0.43, 0.25)),
    ("basketball 0.62 kg, 8 m/s from 2.2 m", 8.0, 2.2, Drag.ball(0.24, 0.62, 0.47)),
    ("tennis ball 0.058 kg, 30 m/s from 1 m", 30.0, 1.0, Drag.ball(0.067, 0.058, 0.55)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    rows = []
    for what, v, h, drag in CASES:
        t0 = time.perf_counter()
        a_free, r_free = best_release_angle(v, h)
        a_drag, r_drag = best_release_angle(v, h, drag)
        seconds = time.perf_counter() - t0
        closed = optimal_angle_closed_form(v, h)
        at_free = projectile(v, a_free, h, drag).range_m
        line = (
            f"best angle no drag {a_free:.2f} deg (closed form {closed:.2f}), range {r_free:.2f} m; with drag "
            f"{a_drag:.2f} deg, range {r_drag:.2f} m ({r_drag / r_free:.0%} of drag-free; the drag-free angle "
            f"gives {at_free:.2f} m); both searches {seconds:.2f} s"
        )
        print(f"{what}: {line}")
        rows.append((what, line))
    if args.record:
        header = "| date | machine | measurement | result |"
        for what, result in rows:
            append_row("IMU and physics", header, f"| {today()} | {machine()} | physics: {what} | {result} |")
        print(f"recorded {len(rows)} rows in BENCHMARKS.md")


if __name__ == "__main__":
    main()
