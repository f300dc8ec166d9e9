"""Humanoid replay (`sportlens sim replay`): how well the inverse kinematics recovers known joint angles, and what
it gives on a real recording.

    .venv/bin/python benchmarks/sim_replay.py accuracy [--record]
    .venv/bin/python benchmarks/sim_replay.py real [--pose-dir DIR] [--record]

accuracy: the humanoid itself performs `demo_motion` (60 frames; a squat, side arm raise to 55 degrees, trunk
turn and lean, walking 0.5 m) facing four directions; its keypoints (forward kinematics) get Gaussian noise of
0, 5, 10 and 20 mm per coordinate (seeded) and are fitted by `fit_recording` on a model scaled from the noisy
recording itself. Figures: RMS and worst hinge-angle error (degrees, all 22 hinges, all frames) and the median
residual. real: `sportlens pose ../shared/data/video/clip720.mp4 --person-height 1.75` (or --pose-dir with its
pose3d.trc), then `run_replay` three times in one run: without video, with MuJoCo's renderer and with the
matplotlib stick figure, so the speed ratios compare.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, shared_path, today  # noqa: E402

SECTION = "Humanoid replay (issue 20, sim replay)"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def accuracy(record: bool) -> None:
    from sportlens.sim.humanoid import (
        HINGES,
        Dimensions,
        build_model,
        demo_motion,
        measure_dimensions,
        pose_model,
        site_positions,
    )
    from sportlens.sim.options import ReplayOptions
    from sportlens.sim.replay import InverseKinematics, Recording, fit_recording

    model = build_model(Dimensions())
    pelvis, lean, frames = demo_motion(60)
    header = ("| date | facing (deg) | noise (mm) | hinge error RMS (deg) | worst hinge error (deg) | worst hinge | "
              "median residual (mm) | fit frames/s | machine |")
    for yaw in (0.0, 30.0, 90.0, 180.0):
        qpos = np.stack([pose_model(model, a, xyz, yaw, tilt)
                         for xyz, tilt, a in zip(pelvis, lean, frames, strict=True)])
        truth_points = site_positions(model, qpos)
        for noise_mm in (0.0, 5.0, 10.0, 20.0):
            rng = np.random.default_rng(int(yaw) * 100 + int(noise_mm))
            points = {k: v + rng.normal(0, noise_mm / 1000, v.shape) for k, v in truth_points.items()}
            rec = Recording(Path("demo"), np.arange(60), np.arange(60) / 30, 30.0, points, "trc")
            fitted_model = build_model(measure_dimensions(points))
            t0 = time.perf_counter()
            fit = fit_recording(rec, fitted_model, ReplayOptions(renderer="none"))
            speed = len(rec) / (time.perf_counter() - t0)
            ik = InverseKinematics(fitted_model)
            err = np.degrees(np.abs(fit.qpos[:, ik.hinge_qpos] - qpos[:, ik.hinge_qpos]))
            worst = HINGES[int(err.max(axis=0).argmax())].name
            row = (f"| {today()} | {yaw:.0f} | {noise_mm:.0f} | {np.sqrt((err ** 2).mean()):.2f} | {err.max():.2f} | "
                   f"{worst} | {np.median(fit.residual_mm):.1f} | {speed:.0f} | {machine()} |")
            print(row)
            if record:
                append_row(SECTION, header, row)


def real(pose_dir: Path | None, record: bool) -> None:
    from sportlens.sim.options import ReplayOptions
    from sportlens.sim.replay import run_replay

    work = Path(tempfile.mkdtemp(prefix="replay-bench-"))
    if pose_dir is None:
        from sportlens.pose.options import PoseOptions
        from sportlens.pose.pipeline import run_pose

        pose_dir = work / "pose"
        run_pose([shared_path("video/clip720.mp4")], pose_dir, PoseOptions(person_height_m=1.75, annotated_video=False))
    header = ("| date | recording | frames | renderer | residual median / p95 / max (mm) | frames beyond a limit "
              "(joints) | fit frames/s | video frames/s | load avg | machine |")
    for renderer in ("none", "mujoco", "matplotlib"):
        load = _load()
        summary = run_replay(pose_dir, work / f"replay-{renderer}", ReplayOptions(renderer=renderer))
        m, t = summary.metrics, summary.timings
        r = m["residual_mm"]
        video = f"{m['video_frames'] / t['render_s']:.1f}" if "render_s" in t else "-"
        joints = ", ".join(f"{k} {v}" for k, v in m["limit_breaks_by_joint"].items()) or "-"
        row = (f"| {today()} | clip720.mp4 (`sportlens pose --person-height 1.75`, pose3d.trc) | {m['frames']} | "
               f"{m['renderer']} | {r['median']} / {r['p95']} / {r['max']} | {m['frames_beyond_limits']} ({joints}) | "
               f"{m['frames'] / t['fit_s']:.0f} | {video} | {load} | {machine()} |")
        print(row)
        if record:
            append_row(SECTION, header, row)
    print(f"outputs in {work}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["accuracy", "real"])
    parser.add_argument("--pose-dir", type=Path, default=None, help="a `sportlens pose` output folder to replay")
    parser.add_argument("--record", action="store_true", help="append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    if args.what == "accuracy":
        accuracy(args.record)
    else:
        real(args.pose_dir, args.record)


if __name__ == "__main__":
    main()
