"""`run_compare`: two performances (videos, or `sportlens pose` output folders) aligned by dynamic time warping on
their joint angles: distances.csv, path.csv, deviations.csv, compare.png, compare.mp4 and summary.json."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.errors import UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.movement.options import CompareOptions
from sportlens.summary import Summary, plain
from sportlens.video.decode import probe_video

SIDES = ("a", "b")


@dataclass
class Performance:
    """One side of the comparison: its input, the pose folder read, frame numbers and times of the rows, frame
    rate, angles (name -> (N,) deg, gaps filled) and the source video when there is one to draw on."""

    source: Path
    pose_dir: Path | None
    frames: np.ndarray
    time_s: np.ndarray
    fps: float
    angles: dict[str, np.ndarray]
    video: Path | None


def _check_input(path: Path, side: str) -> str:
    """'video' or 'pose' (a folder holding angles.csv); anything else is a UserError naming the input."""
    if path.is_dir():
        if not (path / "angles.csv").is_file():
            raise UserError(f"input {side.upper()} is a folder without angles.csv", path,
                            "give a video or the output folder of `sportlens pose`")
        return "pose"
    info = probe_video(path)
    if info.kind != "video":
        raise UserError(f"input {side.upper()} must be a video or a pose output folder, not an image", path,
                        "give an mp4/mov/avi/mkv file or a `sportlens pose` output folder")
    return "video"


def _read_pose(source: Path, pose_dir: Path, names: tuple[str, ...], fps_hint: float | None) -> Performance:
    """A pose output folder back into a Performance (angles filled over gaps, all-missing angles left out)."""
    from sportlens.movement.dtw import filled

    table = pd.read_csv(pose_dir / "angles.csv")
    if table.empty:
        raise UserError("no person in any frame", source, "check the video shows the athlete")
    meta = {}
    if (pose_dir / "summary.json").is_file():
        meta = json.loads((pose_dir / "summary.json").read_text())
    fps = float(fps_hint or meta.get("metrics", {}).get("video_fps") or 0) or _fps_from_times(table)
    angles = {}
    for name in names:
        if name in table.columns:
            values = filled(table[name].to_numpy(float))
            if values is not None:
                angles[name] = values
    video = None
    for candidate in meta.get("inputs", []):
        if Path(candidate).is_file():
            video = Path(candidate)
            break
    return Performance(source, pose_dir, table["frame"].to_numpy(int), table["time_s"].to_numpy(float), fps,
                       angles, video)


def _fps_from_times(table: pd.DataFrame) -> float:
    dt = np.diff(table["time_s"].to_numpy(float)) / np.maximum(np.diff(table["frame"].to_numpy(float)), 1)
    dt = dt[dt > 0]
    return float(1.0 / np.median(dt)) if dt.size else 30.0


def run_compare(a: str | Path, b: str | Path, out_dir: str | Path, options: CompareOptions = CompareOptions(),
                progress: Progress | None = None) -> Summary:
    """Compare two performances. a, b: videos (pose is run into out_dir/pose_a, pose_b) or pose output folders.
    out_dir gets distances.csv (per angle and overall: DTW distance and rms_deg), path.csv (the alignment: frame
    in A, frame in B, deviation), deviations.csv (the top_k moments of largest deviation), compare.png,
    compare.mp4 (both clips side by side along the path) and summary.json (metrics: distance, rms_deg,
    per_angle, deviations)."""
    from sportlens.movement.dtw import align, largest_deviations

    progress = ensure_progress(progress, "compare")
    sources = (Path(a), Path(b))
    kinds = [_check_input(p, side) for p, side in zip(sources, SIDES, strict=True)]
    out_dir = Path(out_dir)
    summary = Summary("compare", inputs=[str(p) for p in sources], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, *sources):
        sides = []
        for source, kind, side in zip(sources, kinds, SIDES, strict=True):
            if kind == "video":
                from sportlens.pose.options import PoseOptions
                from sportlens.pose.pipeline import run_pose

                pose_dir = out_dir / f"pose_{side}"
                pose = run_pose(source, pose_dir, PoseOptions(pose_max_side=options.pose_max_side,
                                                              workers=options.workers, annotated_video=False,
                                                              plot=False, formats=("csv",)), progress)
                for warning in pose.warnings:
                    summary.warn(f"pose {side.upper()}: {warning}")
                if not (pose_dir / "angles.csv").is_file():
                    raise UserError(f"no person found in input {side.upper()}", source,
                                    "check the video shows the athlete")
                sides.append(_read_pose(source, pose_dir, options.angles, pose.metrics.get("video_fps")))
            else:
                sides.append(_read_pose(source, source, options.angles, None))
        perf_a, perf_b = sides
        names = tuple(n for n in options.angles if n in perf_a.angles and n in perf_b.angles)
        skipped = [n for n in options.angles if n not in names]
        if skipped:
            summary.warn(f"angles missing in A or B, not compared: {', '.join(skipped)}")
        if not names:
            asked = ", ".join(options.angles)
            raise UserError("no angle is present in both inputs", None,
                            f"choose --angles among those in both angles.csv files (asked: {asked})")
        with progress.step("align", total=1, unit="alignments") as step:
            alignment = align(perf_a.angles, perf_b.angles, names)
            step.advance()
        gap = max(1, int(round(options.min_gap_s * perf_a.fps)))
        moments = largest_deviations(alignment, perf_a.angles, perf_b.angles, options.top_k, gap)
        _write_tables(out_dir, alignment, perf_a, perf_b, moments)
        summary.metrics.update({
            "angles": list(names), "distance": round(alignment.distance, 3), "rms_deg": round(alignment.rms_deg, 3),
            "per_angle": {n: {"distance": round(d, 3), "rms_deg": round(r, 3)}
                          for n, (d, r) in alignment.per_angle.items()},
            "frames_a": len(perf_a.frames), "frames_b": len(perf_b.frames), "path_length": len(alignment.path),
            "deviations": [_moment_row(m, perf_a, perf_b) for m in moments],
        })
        if options.plot:
            from sportlens.movement.render import plot_comparison

            plot_comparison(alignment, perf_a, perf_b, moments, out_dir / "compare.png")
        if options.video:
            if perf_a.video is None or perf_b.video is None:
                summary.warn("compare.mp4 not written: the source video of a pose folder is not available")
            else:
                from sportlens.movement.render import render_side_by_side

                render_side_by_side(alignment, perf_a, perf_b, out_dir / "compare.mp4", options.video_height,
                                    progress)
        summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    return summary


def _moment_row(m: dict, perf_a: Performance, perf_b: Performance) -> dict:
    return {"frame_a": int(perf_a.frames[m["i"]]), "frame_b": int(perf_b.frames[m["j"]]),
            "time_a_s": round(float(perf_a.time_s[m["i"]]), 3), "time_b_s": round(float(perf_b.time_s[m["j"]]), 3),
            "deviation_deg": round(m["deviation_deg"], 2), "angle": m["angle"],
            "angle_a_deg": round(m["angle_a_deg"], 2), "angle_b_deg": round(m["angle_b_deg"], 2)}


def _write_tables(out_dir: Path, alignment, perf_a: Performance, perf_b: Performance, moments: list[dict]) -> None:
    rows = [{"angle": n, "dtw_distance": round(d, 4), "rms_deg": round(r, 4)}
            for n, (d, r) in alignment.per_angle.items()]
    rows.append({"angle": "all", "dtw_distance": round(alignment.distance, 4), "rms_deg": round(alignment.rms_deg, 4)})
    write_csv(out_dir / "distances.csv", pd.DataFrame(rows))
    i, j = alignment.path[:, 0], alignment.path[:, 1]
    write_csv(out_dir / "path.csv", pd.DataFrame({
        "step": np.arange(len(i)), "frame_a": perf_a.frames[i], "frame_b": perf_b.frames[j],
        "time_a_s": np.round(perf_a.time_s[i], 3), "time_b_s": np.round(perf_b.time_s[j], 3),
        "deviation_deg": np.round(alignment.deviation_deg, 3)}))
    columns = ["rank", "frame_a", "frame_b", "time_a_s", "time_b_s", "deviation_deg", "angle", "angle_a_deg",
               "angle_b_deg"]
    write_csv(out_dir / "deviations.csv", pd.DataFrame(
        [{"rank": k, **_moment_row(m, perf_a, perf_b)} for k, m in enumerate(moments, 1)], columns=columns))
