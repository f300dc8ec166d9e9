"""Multi-camera 3D on Pose2Sim's demo (../shared/data/peers/pose2sim): mean reprojection error, share of points
triangulated, frames/s; with --pose2sim-python, Pose2Sim 0.7.2 itself on the same inputs in the same run.

    .venv/bin/python benchmarks/pose3d.py [--pose2sim-python /tmp/p2s/bin/python] [--record]

Inputs: the 4-camera OpenPose BODY_25B JSON folders of each trial, the shipped Calib_qualisys.toml, 60 fps, the
demo's parameters (confidence 0.3, 15 px, 2 cameras, gaps < 10 frames, Butterworth 6 Hz order 4) and Pose2Sim's
21 keypoints (eyes and ears left out, as Pose2Sim's BODY_25B skeleton does). Reprojection error: per triangulated
point, the mean distance (px) between its projections and the 2D detections of the cameras used; averaged over
every triangulated point of every frame (Pose2Sim's figure, read from its error table, not its rounded log).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_record import append_row, machine, shared_path, today

TRIALS = {
    "balancing": "S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial",
    "static": "S00_P00_SingleParticipant/S00_P00_T00_StaticTrial",
}
KEYPOINTS = ("nose", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
             "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "neck", "head_top",
             "left_foot_index", "left_small_toe", "left_heel", "right_foot_index", "right_small_toe", "right_heel")


P2S_NAMES = {"Nose": "nose", "Neck": "neck", "Head": "head_top"} | {
    f"{side[0].upper()}{part}": f"{side}_{name}" for side in ("left", "right")
    for part, name in (("Shoulder", "shoulder"), ("Elbow", "elbow"), ("Wrist", "wrist"), ("Hip", "hip"),
                       ("Knee", "knee"), ("Ankle", "ankle"), ("BigToe", "foot_index"), ("SmallToe", "small_toe"),
                       ("Heel", "heel"))}


def read_pose2sim_trc(path: Path) -> dict:
    """Pose2Sim's TRC (Y-up, metres) as {our keypoint name: (N, 3)}; empty cells are NaN."""
    import numpy as np

    lines = path.read_text().splitlines()
    names = [c for c in lines[3].split("\t")[2:] if c]
    rows = [[float(v) if v else np.nan for v in line.split("\t")[:2 + 3 * len(names)]] for line in lines[5:]
            if line.strip()]
    data = np.array(rows)
    return {P2S_NAMES[n]: data[:, 2 + 3 * i: 5 + 3 * i] for i, n in enumerate(names) if n in P2S_NAMES}


def run_ours(demo: Path, trial: str, out: Path) -> dict:
    from sportlens.pose3d.options import Pose3dOptions
    from sportlens.pose3d.pipeline import run_pose3d

    folders = sorted((demo / trial / "pose").iterdir())
    options = Pose3dOptions(fps=60, keypoint_set="body_25b", keypoints=KEYPOINTS, plot=False)
    t0 = time.perf_counter()
    summary = run_pose3d(folders, demo / "S00_Calibration" / "Calib_qualisys.toml", out, options)
    total = time.perf_counter() - t0
    m = summary.metrics
    compute = summary.timings["associate_s"] + summary.timings["triangulate_s"]
    from sportlens.io.opensim import read_trc

    return {"markers": read_trc(out / "markers.trc")[1], "frames": m["frames"],
            "reprojection_px_mean": m["reprojection_px_mean"],
            "triangulated_share": m["triangulated_share"], "fps": m["frames"] / compute,
            "fps_end_to_end": m["frames"] / total}


def run_sync(demo: Path, trial: str, mode: str, tmp: Path) -> dict:
    """Offsets found by --sync MODE on the (synchronised, per the data's README) demo cameras."""
    from sportlens.pose3d.options import Pose3dOptions
    from sportlens.pose3d.pipeline import run_pose3d

    folders = sorted((demo / trial / "pose").iterdir())
    options = Pose3dOptions(fps=60, keypoint_set="body_25b", keypoints=KEYPOINTS, plot=False, sync=mode,
                            sync_keypoint="right_wrist", max_offset_frames=10)
    m = run_pose3d(folders, demo / "S00_Calibration" / "Calib_qualisys.toml", tmp / mode, options).metrics
    return {"offsets": m["offsets"], "frames": m["frames"], "reprojection_px_mean": m["reprojection_px_mean"],
            "triangulated_share": m["triangulated_share"]}


def run_from_videos(demo: Path, trial: str, tmp: Path) -> dict:
    """`sportlens pose` (BlazePose, all 33 keypoints) on each camera's video, then pose3d on those outputs."""
    from sportlens.io.opensim import read_trc
    from sportlens.pose.options import PoseOptions
    from sportlens.pose.pipeline import run_pose
    from sportlens.pose3d.options import Pose3dOptions
    from sportlens.pose3d.pipeline import run_pose3d

    folders = []
    for video in sorted((demo / trial / "videos").glob("*.mp4")):
        folders.append(tmp / video.stem)
        run_pose([video], folders[-1], PoseOptions(annotated_video=False, plot=False))
    t0 = time.perf_counter()
    summary = run_pose3d(folders, demo / "S00_Calibration" / "Calib_qualisys.toml", tmp / "out",
                         Pose3dOptions(plot=False))
    total = time.perf_counter() - t0
    m = summary.metrics
    compute = summary.timings["associate_s"] + summary.timings["triangulate_s"]
    return {"markers": read_trc(tmp / "out" / "markers.trc")[1], "frames": m["frames"],
            "reprojection_px_mean": m["reprojection_px_mean"], "triangulated_share": m["triangulated_share"],
            "fps": m["frames"] / compute, "fps_end_to_end": m["frames"] / total}


def run_pose2sim(python: str, demo: Path, trial: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "S00_Demo_Session"
        shutil.copytree(demo, copy)
        for path in copy.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        copy.chmod(0o755)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MPLBACKEND": "Agg"}
        script = Path(__file__).with_name("pose3d_pose2sim.py")
        t0 = time.perf_counter()
        done = subprocess.run([python, str(script), str(copy), trial], capture_output=True, text=True, env=env,
                              timeout=900)
        total = time.perf_counter() - t0
        trc = sorted((copy / trial / "pose-3d").glob("*.trc"))
        markers = read_pose2sim_trc(trc[0]) if trc else {}
    line = next((x for x in done.stdout.splitlines() if x.startswith("P2S_RESULT ")), None)
    if line is None:
        sys.exit(f"Pose2Sim failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    result = json.loads(line.removeprefix("P2S_RESULT "))
    result["fps"] = result["frames"] / (result["association_s"] + result["triangulation_s"])
    result["fps_end_to_end"] = result["frames"] / total
    result["markers"] = markers
    return result


def distance_mm(ours: dict, theirs: dict) -> float:
    """Mean distance (mm) between the two tools' points of the same keypoint and frame (both TRC, Y-up)."""
    import numpy as np

    d = [np.linalg.norm(ours[name] - theirs[name], axis=1) for name in theirs if name in ours]
    return float(np.nanmean(np.concatenate(d)) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pose2sim-python", help="Python of a separate environment with pose2sim 0.7.2")
    parser.add_argument("--videos", action="store_true",
                        help="Also the balancing trial from its videos: sportlens pose (BlazePose) per camera, then "
                             "pose3d (minutes)")
    parser.add_argument("--sync", action="store_true",
                        help="Also the offsets --sync speed and --sync reprojection find on the balancing trial")
    parser.add_argument("--record", action="store_true", help="Append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    demo = shared_path("peers/pose2sim/S00_Demo_Session")
    rows = []
    balancing_p2s = None
    for name, trial in TRIALS.items():
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_ours(demo, trial, Path(tmp) / "out")
        theirs = run_pose2sim(args.pose2sim_python, demo, trial) if args.pose2sim_python else None
        print(f"{name}: sportlens {ours['reprojection_px_mean']:.3f} px, {100 * ours['triangulated_share']:.2f} % "
              f"triangulated, {ours['fps']:.1f} frames/s ({ours['fps_end_to_end']:.1f} end to end)")
        if theirs:
            print(f"{name}: Pose2Sim {theirs['version']} {theirs['reprojection_px_mean']:.3f} px, "
                  f"{100 * theirs['triangulated_share']:.2f} % triangulated, {theirs['fps']:.1f} frames/s "
                  f"({theirs['fps_end_to_end']:.1f} end to end, with its start-up)")
        if theirs:
            theirs["distance_mm"] = distance_mm(ours["markers"], theirs["markers"])
            print(f"{name}: mean distance between the two tools' 3D points {theirs['distance_mm']:.1f} mm")
        rows.append((name, ours, theirs))
        balancing_p2s = theirs if name == "balancing" else balancing_p2s
    if args.videos:
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_from_videos(demo, TRIALS["balancing"], Path(tmp))
        line = (f"balancing from videos (sportlens pose, BlazePose 33): {ours['reprojection_px_mean']:.3f} px, "
                f"{100 * ours['triangulated_share']:.2f} % triangulated, {ours['fps']:.1f} frames/s")
        if balancing_p2s:
            ours["distance_mm"] = distance_mm(ours["markers"], balancing_p2s["markers"])
            line += f", {ours['distance_mm']:.1f} mm from Pose2Sim's points (its OpenPose input)"
        print(line)
        rows.append(("balancing from videos, sportlens pose (BlazePose 33 keypoints)", ours, None))
    if args.sync:
        sync_header = ("| date | trial | sync | offsets found (frames at 60 fps) | frames kept | mean reprojection "
                       "error (px) | points triangulated |")
        for mode in ("none", "speed", "reprojection"):
            with tempfile.TemporaryDirectory() as tmp:
                r = run_sync(demo, TRIALS["balancing"], mode, Path(tmp))
            print(f"sync {mode}: offsets {r['offsets']}, {r['frames']} frames, {r['reprojection_px_mean']:.3f} px")
            if args.record:
                append_row("Calibration and multi-camera 3D (issue 19)", sync_header,
                           f"| {today()} | balancing (OpenPose JSON) | {mode} | {r['offsets']} | {r['frames']} | "
                           f"{r['reprojection_px_mean']:.3f} | {100 * r['triangulated_share']:.2f} % |")
    if args.record:
        header = ("| date | trial (frames) | tool | mean reprojection error (px) | points triangulated | "
                  "frames/s (association + triangulation) | frames/s end to end | "
                  "mean distance between the tools' points (mm) | machine |")
        for name, ours, theirs in rows:
            distance = f"{(theirs or ours).get('distance_mm', float('nan')):.1f}".replace("nan", "-")
            for tool, r in (("sportlens", ours), (f"Pose2Sim {theirs['version']}" if theirs else None, theirs)):
                if r is None:
                    continue
                append_row("Calibration and multi-camera 3D (issue 19)", header,
                           f"| {today()} | {name} ({r['frames']}) | {tool} | {r['reprojection_px_mean']:.3f} | "
                           f"{100 * r['triangulated_share']:.2f} % | {r['fps']:.1f} | {r['fps_end_to_end']:.1f} | "
                           f"{distance} | {machine()}, load {os.getloadavg()[0]:.1f} |")

if __name__ == "__main__":
    main()
