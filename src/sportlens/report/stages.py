"""The post-processing of `analyze` for tasks whose own entry point starts from a file path: the same steps
and the same files as `sportlens reps` and `sportlens ball track`, fed from the shared decode pass instead
(reps from the pose folder analyze already wrote, the ball from a track made on the shared frames)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.events import Progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.movement.options import RepsOptions
from sportlens.summary import Summary, plain
from sportlens.video.decode import Frame, VideoInfo, decode_frames, prefetch


def contiguous_frames(frames: Iterator[Frame], start: int = 0) -> Iterator[Frame]:
    """Frames with no index missing (a frame the decoder skipped repeats the one before it, so nothing moves
    there), re-indexed from 0, as the ball trackers expect: track row k is frame start + k."""
    expected, last = start, None
    for frame in frames:
        while last is not None and frame.index > expected:
            yield Frame(expected - start, last.time_s, last.image)
            expected += 1
        yield Frame(frame.index - start, frame.time_s, frame.image)
        last, expected = frame, frame.index + 1


def write_reps(source: Path, info: VideoInfo, pose_dir: Path, pose: Summary, out_dir: Path, options: RepsOptions,
               progress: Progress) -> Summary:
    """`sportlens reps`'s steps after its pose run, on analyze's pose folder: reps.csv, reps.png, reps.mp4 and
    summary.json with the same metrics."""
    from sportlens.movement.form import evaluate_form, form_summary, measure_curves, rules_for
    from sportlens.movement.pipeline import rep_table
    from sportlens.movement.reps import candidates, count_repetitions, pose_signals

    summary = Summary("reps", inputs=[str(source)], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, source):
        fps = float(pose.metrics.get("video_fps") or info.fps)
        summary.metrics.update({"count": 0, "reps": [], "exercise": options.exercise, "driving_signal": None,
                                "period_s": None, "frames": pose.metrics.get("frames"),
                                "frames_with_person": pose.metrics.get("frames_with_person"), "video_fps": fps,
                                "pose_folder": str(pose_dir)})
        angles_file, keypoints_file = pose_dir / "angles.csv", pose_dir / "keypoints.csv"
        if not angles_file.is_file() or not keypoints_file.is_file():
            summary.warn("no person found (or pose wrote no angles.csv/keypoints.csv): 0 repetitions counted")
            return summary
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
            form = evaluate_form(rules, measure_curves(rules, values, points),
                                 [(rep.start, rep.end) for rep in result.reps])
            if form:
                table = pd.concat([table, pd.DataFrame(form, index=table.index)], axis=1)
            summary.metrics["form"] = form_summary(rules, form)
        summary.metrics.update({
            "count": result.count, "reps": table.drop(columns=["rep"]).to_dict("records"),
            "driving_signal": result.driving, "driving_unit": result.unit,
            "range_angle": None if range_angle is None else range_angle.name,
            "period_s": None if result.period_s is None else round(result.period_s, 3),
            "method": result.method, "periodicity": result.strengths,
        })
        if driving is not None:  # the curve the report plots under the rep markers
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
        summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    return summary


def _keypoints(path: Path, n: int) -> dict[str, np.ndarray]:
    """keypoints.csv (one row per frame and keypoint, same keypoint order in every frame) as name -> (n, 2)."""
    table = pd.read_csv(path, usecols=["keypoint", "x_px", "y_px"])
    names = list(dict.fromkeys(table["keypoint"]))
    xy = table[["x_px", "y_px"]].to_numpy(float).reshape(n, len(names), 2)
    return {name: xy[:, k] for k, name in enumerate(names)}


def _range_angle(result, signals):
    """The angle each repetition's range is measured on: the driving signal when it is an angle, else the most
    periodic angle (as `sportlens reps`)."""
    by_name = {s.name: s for s in signals}
    if result.driving is None:
        return None
    if result.unit == "deg":
        return by_name[result.driving]
    angles = [(v, by_name[k]) for k, v in result.strengths.items() if k in by_name and by_name[k].unit == "deg"]
    return max(angles, key=lambda a: a[0])[1] if angles else None


def write_ball(source: Path, info: VideoInfo, raw, seconds: float, skipped: list[dict], out_dir: Path, options,
               progress: Progress) -> Summary:
    """`sportlens ball track`'s files for a raw track made on the shared frames: post-processing, track.csv,
    annotated.mp4 and track.png (when a ball was found) and summary.json with the same metrics."""
    from sportlens.ball.formats import track_table
    from sportlens.ball.models import model_label
    from sportlens.ball.postprocess import PostSettings, postprocess

    summary = Summary("ball track", inputs=[str(source)], options=plain(options))
    with output_run(out_dir, summary, source):
        t0 = time.perf_counter()
        track = postprocess(raw, PostSettings(max_jump=options.max_jump, max_gap_frames=options.max_gap_frames))
        seconds += time.perf_counter() - t0
        n, found = len(track), int(track.visible.sum())
        if skipped:
            summary.warn(f"{len(skipped)} frame(s) could not be decoded; no ball is reported for them "
                         f"(first: frame {skipped[0]['frame']})")
        write_csv(out_dir / "track.csv", track_table(track))
        if found == 0:
            summary.warn(f"no ball found in any of the {n} frames: track.csv has no position "
                         "(is the ball small and moving in this video?); no annotated video or plot was made")
        else:
            if options.annotated_video:
                from sportlens.ball.render import write_annotated

                with progress.step("annotate ball", total=info.n_frames, unit="frames") as step:
                    write_annotated(prefetch(decode_frames(info.path, info=info)), track, out_dir / "annotated.mp4",
                                    options.trail_frames, step)
            if options.plot:
                from sportlens.ball.render import plot_track

                plot_track(track, out_dir / "track.png", f"{source.name}: ball in {found}/{n} frames")
        summary.metrics.update({
            "model": model_label(options.model), "frames": n, "frames_with_ball": found,
            "frames_detected": int(raw.visible.sum()), "frames_filled": int((track.visible & ~raw.visible).sum()),
            "fps": round(n / seconds, 1) if seconds > 0 else None, "video_fps": info.fps,
            "width": info.width, "height": info.height,
        })
        summary.timings["track_s"] = round(seconds, 3)
    return summary
