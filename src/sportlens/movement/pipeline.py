"""`run_reps`: pose on a video (the pose task's own `run_pose`, into pose/), then repetitions counted on the
most periodic pose signal; reps.csv, reps.png, reps.mp4 and summary.json."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.errors import UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.movement.form import evaluate_form, form_summary, measure_curves, rules_for, seen_segments
from sportlens.movement.options import RepsOptions
from sportlens.movement.reps import RepCount, candidates, count_repetitions, pose_signals
from sportlens.summary import Summary, plain
from sportlens.video.decode import probe_video

POSE_FOLDER = "pose"


def run_reps(inputs: str | Path | list[str | Path], out_dir: str | Path, options: RepsOptions = RepsOptions(),
             progress: Progress | None = None) -> Summary:
    """Count the repetitions in one video. out_dir gets pose/ (the pose task's files), reps.csv, reps.png,
    reps.mp4 and summary.json, whose metrics hold count, reps (start_frame, end_frame, duration_s, range_deg
    ... and, for an exercise with form rules, each rule's value and <rule>_ok), exercise, driving signal, period_s
    and form (per rule: threshold and repetitions passed). No person or no repetition: count 0 and a warning."""
    from sportlens.pose.options import PoseOptions
    from sportlens.pose.pipeline import run_pose

    progress = ensure_progress(progress, "reps")
    paths = [Path(inputs)] if isinstance(inputs, (str, Path)) else [Path(p) for p in inputs]
    if len(paths) != 1:
        raise UserError(f"reps takes one video, got {len(paths)} inputs", hint="run it once per video")
    source = paths[0]
    info = probe_video(source)
    if info.kind != "video":
        raise UserError("reps needs a video, not an image or a folder", source, "give an mp4/mov/avi/mkv file")
    out_dir = Path(out_dir)
    pose_options = PoseOptions(pose_max_side=options.pose_max_side, workers=options.workers,
                               start_s=options.start_s, end_s=options.end_s, annotated_video=False, plot=False,
                               formats=("csv",))
    summary = Summary("reps", inputs=[str(source)], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, source):
        pose = run_pose(source, out_dir / POSE_FOLDER, pose_options, progress)
        frames = reps_from_pose(source, info, out_dir / POSE_FOLDER, pose, out_dir, options, summary, progress)
        seconds = time.perf_counter() - t0
        summary.metrics["fps"] = round(frames / seconds, 2) if seconds > 0 and frames else None
        summary.timings.update({"pose_s": pose.timings.get("total_s"), "total_s": round(seconds, 3)})
    return summary


def reps_from_pose(source: Path, info, pose_dir: Path, pose: Summary, out_dir: Path, options: RepsOptions,
                   summary: Summary, progress: Progress) -> int:
    """The steps of `sportlens reps` after its pose run, on a pose output folder (pose_dir, whose run's summary
    is `pose`): fills summary.metrics and writes reps.csv, reps.png and reps.mp4 into out_dir (an output
    folder already prepared by the caller). Returns the number of frames analysed. `analyze` calls it on the
    pose folder of its shared decode pass."""
    fps = float(pose.metrics.get("video_fps") or info.fps)
    summary.metrics.update({"count": 0, "reps": [], "exercise": options.exercise, "driving_signal": None,
                            "period_s": None, "frames": pose.metrics.get("frames"),
                            "frames_with_person": pose.metrics.get("frames_with_person"), "video_fps": fps})
    for warning in pose.warnings:
        summary.warn(f"pose: {warning}")
    angles_file, keypoints_file = pose_dir / "angles.csv", pose_dir / "keypoints.csv"
    if not angles_file.is_file() or not keypoints_file.is_file():
        summary.warn("no person found: 0 repetitions counted")
        return 0
    angles = pd.read_csv(angles_file)
    frames = angles["frame"].to_numpy(int)
    points = _keypoints(keypoints_file, len(frames))
    values = {c: angles[c].to_numpy(float) for c in angles.columns if c not in ("frame", "time_s", "person_id")}
    signals = pose_signals(values, points)
    result = count_repetitions(candidates(signals, options.exercise), fps, options.min_period_s,
                               options.max_period_s, options.min_prominence, options.min_range_deg)
    driving = next((s for s in signals if s.name == result.driving), None)
    range_angle = _range_angle(result, signals)
    table = rep_table(result, frames, fps, range_angle)
    rules = rules_for(options.exercise)
    if rules:
        # per repetition; without repetitions (a ski run, a board ride) per stretch with the athlete in view
        spans = [(rep.start, rep.end) for rep in result.reps] or seen_segments(points, fps)
        by = "rep" if result.count else "segment"
        form = evaluate_form(rules, measure_curves(rules, values, points, fps, options.mirrored), spans)
        if form and result.count:
            table = pd.concat([table, pd.DataFrame(form, index=table.index)], axis=1)
        form_rows = [{by: k, "start_frame": int(frames[a]), "end_frame": int(frames[b]),
                      "start_s": round(frames[a] / fps, 3), "end_s": round(frames[b] / fps, 3), **row}
                     for k, ((a, b), row) in enumerate(zip(spans, form, strict=True), 1)]
        summary.metrics.update({"form": form_summary(rules, form), "form_by": by, "form_rows": form_rows,
                                "mirrored": options.mirrored})
        if form_rows:
            write_csv(out_dir / "form.csv", pd.DataFrame(form_rows))
    summary.metrics.update({
        "count": result.count,
        "reps": table.drop(columns=["rep"]).to_dict("records"),
        "driving_signal": result.driving, "driving_unit": result.unit,
        "range_angle": None if range_angle is None else range_angle.name,
        "period_s": None if result.period_s is None else round(result.period_s, 3),
        "method": result.method, "periodicity": result.strengths,
    })
    if driving is not None:  # the curve under the rep markers (the report plots it)
        summary.metrics["driving_curve"] = [None if not np.isfinite(v) else round(float(v), 3)
                                            for v in driving.values]
    if result.count == 0:
        summary.warn("no repetition found: no pose signal repeats or moves and comes back "
                     f"({'all signals' if options.exercise == 'auto' else options.exercise + ' signals'} tried)")
    else:
        write_csv(out_dir / "reps.csv", table)
    if options.plot and driving is not None:
        from sportlens.movement.render import plot_reps

        plot_reps(angles["time_s"].to_numpy(float), driving, result, out_dir / "reps.png", source.name)
    if options.annotated_video:
        from sportlens.movement.render import render_reps_video

        render_reps_video(info, keypoints_file, frames, fps, result, driving, out_dir / "reps.mp4", progress)
    return len(frames)


def _keypoints(path: Path, n: int) -> dict[str, np.ndarray]:
    """pose/keypoints.csv back into name -> (n, 2) pixel arrays (the file has one row per frame and keypoint,
    keypoints in the same order in every frame)."""
    table = pd.read_csv(path, usecols=["keypoint", "x_px", "y_px"])
    names = list(dict.fromkeys(table["keypoint"]))
    xy = table[["x_px", "y_px"]].to_numpy(float).reshape(n, len(names), 2)
    return {name: xy[:, k] for k, name in enumerate(names)}


def _range_angle(result: RepCount, signals):
    """The angle whose range each repetition reports: the driving signal when it is an angle, else the most
    periodic angle."""
    by_name = {s.name: s for s in signals}
    if result.driving is None:
        return None
    if result.unit == "deg":
        return by_name[result.driving]
    angles = [(v, by_name[k]) for k, v in result.strengths.items() if k in by_name and by_name[k].unit == "deg"]
    return max(angles, key=lambda a: a[0])[1] if angles else None


def rep_table(result: RepCount, frames: np.ndarray, fps: float, range_angle) -> pd.DataFrame:
    """reps.csv: rep, start_frame, end_frame, start_s, end_s, duration_s, range_deg (of `range_angle`)."""
    rows = []
    for k, rep in enumerate(result.reps, 1):
        seg = None if range_angle is None else range_angle.values[rep.start : rep.end + 1]
        finite = None if seg is None else seg[np.isfinite(seg)]
        rows.append({
            "rep": k, "start_frame": int(frames[rep.start]), "end_frame": int(frames[rep.end]),
            "start_s": round(frames[rep.start] / fps, 3), "end_s": round(frames[rep.end] / fps, 3),
            "duration_s": round((rep.end - rep.start) / fps, 3),
            "range_deg": round(float(np.ptp(finite)), 2) if finite is not None and finite.size else None,
        })
    columns = ["rep", "start_frame", "end_frame", "start_s", "end_s", "duration_s", "range_deg"]
    return pd.DataFrame(rows, columns=columns)
