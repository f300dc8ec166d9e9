"""Metre calibration against a known reference: Pose2Sim's calibrated 4-camera demo session.

`sportlens pose --person-height 1.72` scales each camera's image to metres from the athlete's height alone
(one camera, no calibration). The reference comes from the lab's camera calibration (Qualisys, shipped with
the demo): the athlete's mid-hip is triangulated from the four views, and for each camera the true scale at
the athlete is depth / focal length (metres per pixel of a pinhole camera at that depth). Pose2Sim's config
gives the participant's height, 1.72 m. The set is small: one athlete, two trials, 4 views each.

    .venv/bin/python benchmarks/pose_metres.py [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.pose.kinematics import metres_per_pixel  # noqa: E402
from sportlens.pose.options import PoseOptions  # noqa: E402
from sportlens.pose.pipeline import clean_sequence, estimate_sequence  # noqa: E402
from sportlens.video.decode import probe_video  # noqa: E402

SECTION = "Pose (issue 2)"
HEIGHT_M = 1.72  # participant_height in the demo's Config.toml


def cameras(calib: Path) -> dict[str, dict]:
    import cv2

    out = {}
    for name, cam in tomllib.loads(calib.read_text()).items():
        if not name.startswith("cam_"):
            continue
        k = np.array(cam["matrix"], float)
        r, _ = cv2.Rodrigues(np.array(cam["rotation"], float))
        t = np.array(cam["translation"], float)
        out[name.replace("_", "")] = {"K": k, "R": r, "t": t, "P": k @ np.hstack([r, t[:, None]])}
    return out


def triangulate(points: dict[str, np.ndarray], cams: dict[str, dict]) -> np.ndarray:
    """Least-squares (DLT) 3D point from pixel points in several calibrated views."""
    rows = []
    for name, (u, v) in points.items():
        p = cams[name]["P"]
        rows += [u * p[2] - p[0], v * p[2] - p[1]]
    _, _, vt = np.linalg.svd(np.array(rows))
    x = vt[-1]
    return x[:3] / x[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--segments", action="store_true", help="print each segment's share of the height")
    args = parser.parse_args()
    session = shared_path("peers/pose2sim/S00_Demo_Session")
    cams = cameras(session / "S00_Calibration" / "Calib_qualisys.toml")
    rows = []
    for trial in ("S00_P00_T00_StaticTrial", "S00_P00_T01_BalancingTrial"):
        folder = session / "S00_P00_SingleParticipant" / trial / "videos"
        seqs, scales, segs = {}, {}, {}
        for name in sorted(cams):
            info = probe_video(folder / f"{name}.mp4")
            seq = clean_sequence(estimate_sequence(info, PoseOptions(workers=1)).sequence, PoseOptions())
            seqs[name] = seq
            scales[name] = metres_per_pixel(seq, HEIGHT_M)[0]
            if args.segments:
                p = seq.point
                parts = {"heel-knee": (p("left_heel"), p("left_knee")), "knee-hip": (p("left_knee"), p("left_hip")),
                         "hip-shoulder": (p("mid_hip"), p("mid_shoulder")),
                         "shoulder-ear": (p("mid_shoulder"), p("mid_ear"))}
                segs[name] = {k: float(np.nanmedian(np.linalg.norm(a - b, axis=1))) for k, (a, b) in parts.items()}
        n = min(len(s) for s in seqs.values())
        depth = {name: [] for name in cams}
        for i in range(n):
            hips = {name: s.point("mid_hip")[i] for name, s in seqs.items() if np.isfinite(s.point("mid_hip")[i]).all()}
            if len(hips) < 3:
                continue
            x = triangulate(hips, cams)
            for name, cam in cams.items():
                depth[name].append((cam["R"] @ x + cam["t"])[2])
        for name, cam in cams.items():
            focal = (cam["K"][0, 0] + cam["K"][1, 1]) / 2
            reference = float(np.median(depth[name])) / focal
            ours = scales[name]
            if args.segments:
                print("   segment / height at the reference scale: " + ", ".join(
                    f"{k} {v * reference / HEIGHT_M:.3f}" for k, v in segs[name].items()))
            rows.append((trial, name, reference, ours, (ours / reference - 1) * 100))
            print(f"{trial} {name}: reference {reference * 1000:.3f} mm/px (depth {np.median(depth[name]):.2f} m), "
                  f"from the height {ours * 1000:.3f} mm/px, error {rows[-1][4]:+.1f} %")
    errors = np.array([r[4] for r in rows])
    print(f"scale error: median {np.median(errors):+.1f} %, mean |error| {np.mean(np.abs(errors)):.1f} %, "
          f"worst {errors[np.argmax(np.abs(errors))]:+.1f} % over {len(rows)} camera-trials")
    if args.record:
        detail = ", ".join(f"{t.split('_')[-1]} {c} {e:+.1f}%" for t, c, _, _, e in rows)
        append_row(SECTION, "| date | machine | metre calibration (known reference) | camera-trials | "
                   "scale error median | mean abs error | worst | detail |",
                   f"| {today()} | {machine()} | Pose2Sim demo, 4 calibrated cameras, athlete 1.72 m: "
                   f"`--person-height` scale vs calibration depth/focal at the triangulated mid-hip | {len(rows)} | "
                   f"{np.median(errors):+.1f} % | {np.mean(np.abs(errors)):.1f} % | "
                   f"{errors[np.argmax(np.abs(errors))]:+.1f} % | {detail} |")


if __name__ == "__main__":
    main()
