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


def plot_trajectories(target: Path) -> None:
    """Football kicked at 25 m/s: paths at 30/45/60 deg with and without drag, and the best angle with drag."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import atomic_path

    ball = CASES[1][3]
    fig, ax = plt.subplots(figsize=(10, 3.4))
    for k, angle in enumerate((30.0, 45.0, 60.0)):
        color = f"C{k}"
        free, dragged = projectile(25.0, angle), projectile(25.0, angle, drag=ball)
        ax.plot(
            free.x_m, free.y_m, color=color, ls="--", lw=1, label=f"{angle:.0f} deg, no drag ({free.range_m:.1f} m)"
        )
        ax.plot(dragged.x_m, dragged.y_m, color=color, lw=1.8, label=f"{angle:.0f} deg, drag ({dragged.range_m:.1f} m)")
    best, best_range = best_release_angle(25.0, 0.0, ball)
    path = projectile(25.0, best, drag=ball)
    ax.plot(path.x_m, path.y_m, color="k", lw=1.2, label=f"best with drag {best:.1f} deg ({best_range:.1f} m)")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title("Football, 25 m/s, quadratic drag C_d 0.25 vs none", fontsize=10)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
    print(f"plot written to {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append the rows to BENCHMARKS.md")
    parser.add_argument("--plot", type=Path, help="write a PNG of drag-free and dragged football trajectories")
    args = parser.parse_args()
    if args.plot:
        plot_trajectories(args.plot)
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
