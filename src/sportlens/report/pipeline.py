"""`run_analyze`: every task that applies to one input, in one decode pass for a video, then report.html.

A video is decoded once; its frames go, as they are decoded, to the pose estimator and the ball tracker
(each in its own thread, a few frames queued each). Then each task's own post-processing writes its
sub-folder (pose/, reps/, ball/, action/) with the files its command writes. An IMU CSV runs the one-recording
IMU commands (reps/, jumps/, strokes/, steps/); a folder of photos or an image runs pose only. A task that does
not apply, or fails, is listed with its reason and becomes a warning; the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sportlens.errors import DataFormatError, InputFileError, UserError
from sportlens.events import Cancelled, Progress, ensure_progress
from sportlens.io.output_dir import output_run
from sportlens.report.options import IMU_TASKS, VIDEO_TASKS, AnalyzeOptions
from sportlens.summary import Summary, plain

IMU_SUFFIXES = (".csv", ".tsv", ".txt")


@dataclass
class TaskRun:
    """What became of one task: status 'done', 'skipped' (does not apply) or 'failed' (with the reason)."""

    name: str
    status: str
    reason: str | None = None
    folder: str | None = None
    summary: Summary | None = None

    def row(self) -> dict:
        return {"task": self.name, "status": self.status, "reason": self.reason, "folder": self.folder,
                "command": None if self.summary is None else self.summary.command,
                "warnings": [] if self.summary is None else list(self.summary.warnings)}


def input_kind(source: Path) -> str:
    """'video', 'photos' (a folder or an image) or 'imu' (a CSV); raises InputFileError when it is missing."""
    if not source.exists():
        raise InputFileError("input not found", source, "give a video, an image folder or an IMU CSV")
    if source.is_file() and source.suffix.lower() in IMU_SUFFIXES:
        return "imu"
    from sportlens.video.decode import probe_video

    info = probe_video(source)  # raises VideoError for an unreadable video or an empty folder
    return "video" if info.kind == "video" else "photos"


def run_analyze(source: str | Path, out_dir: str | Path, options: AnalyzeOptions = AnalyzeOptions(),
                progress: Progress | None = None) -> Summary:
    """Analyse one input into out_dir: a sub-folder per task, report.html and summary.json, whose metrics hold
    `input_kind`, `tasks` (name, status, reason, folder, warnings) and the key numbers of each task."""
    progress = ensure_progress(progress, "analyze")
    source, out_dir = Path(source), Path(out_dir)
    kind = input_kind(source)
    options = _production_models(options)
    run = {"video": _analyze_video, "imu": _analyze_imu, "photos": _analyze_photos}[kind]
    return run(source, out_dir, options, progress)


def _production_models(options: AnalyzeOptions) -> AnalyzeOptions:
    """Models not named by the user come from the registry's production versions when there are any
    (`sportlens models promote`): the action model, and the ball network in place of the shipped default."""
    import dataclasses

    from sportlens.ball.options import TrackOptions
    from sportlens.lifecycle.registry import production_run

    if options.action_model is None and options.wants("action"):
        run = production_run("action")
        if run is not None:
            options = dataclasses.replace(options, action_model=str(run))
    if options.ball.model == TrackOptions().model and options.wants("ball") and options.ball_sport:
        run = production_run("ball")
        if run is not None:
            options = dataclasses.replace(options, ball=dataclasses.replace(options.ball, model=str(run)))
    return options


def _task(runs: list[TaskRun], summary: Summary, name: str, folder: Path, work: Callable[[], Summary]) -> TaskRun:
    """Run one task's step; its UserError or crash becomes a failed task and a warning, never the run's end."""
    try:
        result = TaskRun(name, "done", folder=folder.name, summary=work())
    except (Cancelled, KeyboardInterrupt):
        raise
    except UserError as exc:
        result = TaskRun(name, "failed", exc.message, folder.name if folder.exists() else None)
    except Exception as exc:  # a task's bug must not cost the user the other tasks' results
        result = TaskRun(name, "failed", f"{type(exc).__name__}: {exc}", folder.name if folder.exists() else None)
    runs.append(result)
    if result.status == "failed":
        summary.warn(f"{name}: failed: {result.reason}")
    elif result.summary is not None:
        for warning in result.summary.warnings:
            summary.warn(f"{name}: {warning}")
    return result


def _skip(runs: list[TaskRun], name: str, reason: str) -> None:
    runs.append(TaskRun(name, "skipped", reason))


def _finish(out_dir: Path, source: Path, kind: str, options: AnalyzeOptions, summary: Summary, runs: list[TaskRun],
            progress: Progress, t0: float, recording=None) -> None:
    from sportlens.report.html import write_report

    summary.metrics["tasks"] = [r.row() for r in runs]
    summary.metrics["results"] = {r.name: r.summary.metrics for r in runs if r.summary is not None}
    summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    if options.report:
        with progress.step("report", total=1, unit="files") as step:
            write_report(out_dir, source, kind, summary, runs, recording)
            step.advance()


def _analyze_video(source: Path, out_dir: Path, options: AnalyzeOptions, progress: Progress) -> Summary:
    from sportlens.pose.pipeline import plan_pose

    unknown = [t for t in options.tasks if t not in VIDEO_TASKS]
    if unknown:
        raise UserError(f"--tasks {', '.join(unknown)} do(es) not apply to a video", source,
                        f"for a video choose from {', '.join(VIDEO_TASKS)}")
    plan = plan_pose(source, options.pose)  # every check on the input before the output folder is touched
    if options.action_model is not None and options.wants("action"):
        from sportlens.action.pipeline import load_action_model

        load_action_model(options.action_model)  # a bad model is an error now, not a failed task later
    t0 = time.perf_counter()
    summary = Summary("analyze", inputs=[str(source)], options=plain(options))
    runs: list[TaskRun] = []
    want_pose = any(options.wants(t) for t in ("pose", "reps", "action"))
    ball_why = _ball_not_applicable(options)
    want_ball = ball_why is None
    with output_run(out_dir, summary, source):
        passed = _decode_pass(plan, options, progress, want_pose, want_ball)
        summary.metrics.update({"input_kind": "video", "decode": passed["decode"]})
        summary.timings["decode_pass_s"] = passed["decode"]["seconds"]
        from sportlens.video.overlay import collect_overlays

        # the tasks register their annotated videos; one decode below writes them all
        with collect_overlays() as videos:
            pose = None
            if want_pose:
                from sportlens.pose.pipeline import run_pose_estimated

                def pose_step() -> Summary:
                    if passed["pose"].error is not None:
                        raise passed["pose"].error
                    return run_pose_estimated(plan, passed["pose"].result, out_dir / "pose", options.pose,
                                              progress.child("pose"))

                pose = _task(runs, summary, "pose", out_dir / "pose", pose_step)
            else:
                _skip(runs, "pose", "not in --tasks")
            _reps_and_action(source, plan.info, out_dir, options, summary, runs, pose, progress)
            if want_ball:
                from sportlens.report.stages import write_ball

                consumer = passed["ball"]

                def ball_step() -> Summary:
                    if consumer.error is not None:
                        raise consumer.error
                    raw, seconds = consumer.result
                    return write_ball(source, plan.info, raw, seconds, passed["skipped"], out_dir / "ball",
                                      options.ball, progress.child("ball"))

                ball = _task(runs, summary, "ball", out_dir / "ball", ball_step)
                if ball.status == "done":
                    _judge_ball(ball, options)
            else:
                _skip(runs, "ball", ball_why)
        _render_videos(plan.info, videos.overlays, out_dir, runs, summary, progress)
        runs.sort(key=lambda r: VIDEO_TASKS.index(r.name))
        _finish(out_dir, source, "video", options, summary, runs, progress, t0)
    return summary


def _render_videos(info, overlays: list, out_dir: Path, runs: list[TaskRun], summary: Summary,
                   progress: Progress) -> None:
    """Every task's annotated video from one more decode of the input (the tasks' drawings need their whole
    results first: filtered keypoints, repetition ends, the post-processed ball track); then the tasks'
    summary.json list the videos. A ball that is "no result" gets no video. A failure here is a warning: the
    tasks' data files stand."""
    from sportlens.summary import write_summary
    from sportlens.video.overlay import render_overlays

    no_ball = any(r.name == "ball" and r.status != "done" for r in runs)
    if no_ball:
        overlays = [o for o in overlays if not o.target.resolve().is_relative_to((out_dir / "ball").resolve())]
    if not overlays:
        return
    t0 = time.perf_counter()
    try:
        render_overlays(info, overlays, progress.child("video"), step_name="annotated videos")
    except (Cancelled, KeyboardInterrupt):
        raise
    except Exception as exc:  # a video that cannot be encoded must not cost the analysis
        summary.warn(f"annotated videos: failed: {type(exc).__name__}: {exc}")
        return
    summary.timings["annotated_videos_s"] = round(time.perf_counter() - t0, 3)
    summary.metrics.setdefault("decode", {})["render_passes"] = 1
    for run in runs:
        folder = out_dir / (run.folder or "")
        if run.summary is not None and run.folder and any(o.target.parent == folder for o in overlays):
            write_summary(folder, run.summary)  # its outputs now include the video


AUTO_MIN_BALL_SHARE = 0.10  # --sport auto: a ball video shows its ball in at least this share of frames
AUTO_MIN_BALL_FRAMES = 15


def _judge_ball(ball: TaskRun, options: AnalyzeOptions) -> None:
    """No ball found is 'no result'; under --sport auto, a ball seen in too few frames is too (the trackers'
    plausibility gate removes fixed and swaying things, but a hand or a shoe may pass for a ball briefly)."""
    m = ball.summary.metrics
    found, frames = int(m["frames_with_ball"]), max(int(m["frames"]), 1)
    if found == 0:
        ball.status, ball.reason = "no result", "no ball found"
    elif options.sport == "auto" and (found < AUTO_MIN_BALL_FRAMES or found / frames < AUTO_MIN_BALL_SHARE):
        ball.status = "no result"
        ball.reason = (f"--sport auto: a ball in only {found} of {frames} frames (a ball video shows it in at least "
                       f"{AUTO_MIN_BALL_SHARE:.0%}): not taken for a ball sport; give --sport NAME to keep the track")


def _ball_not_applicable(options: AnalyzeOptions) -> str | None:
    """Why the ball tracker does not run on this video, or None when it does."""
    if not options.wants("ball"):
        return "not in --tasks"
    if not options.ball_sport:
        return f"not applicable: --sport {options.sport} is played without a ball"
    return None


def _reps_and_action(source: Path, info, out_dir: Path, options: AnalyzeOptions, summary: Summary,
                     runs: list[TaskRun], pose: TaskRun | None, progress: Progress) -> None:
    pose_ok = pose is not None and pose.status == "done"
    no_person = pose_ok and not pose.summary.metrics.get("frames_with_person")
    why = ("pose failed" if pose is not None and not pose_ok else "no person found" if no_person else None)
    if options.wants("reps"):
        if why:
            _skip(runs, "reps", f"not applicable: {why}")
        else:
            from sportlens.report.stages import write_reps

            _task(runs, summary, "reps", out_dir / "reps",
                  lambda: write_reps(source, info, out_dir / "pose", pose.summary, out_dir / "reps", options.reps,
                                     progress.child("reps")))
    else:
        _skip(runs, "reps", "not in --tasks")
    if not options.wants("action"):
        _skip(runs, "action", "not in --tasks")
    elif options.action_model is None:
        _skip(runs, "action", "no --action-model given")
    elif why:
        _skip(runs, "action", f"not applicable: {why}")
    else:
        _task(runs, summary, "action", out_dir / "action",
              lambda: _action_step(source, pose.summary.metrics, out_dir, options, progress.child("action")))


DETECT_MIN_WINDOWS = 1.5  # a video at least this many model windows long is searched for actions over time


def _action_step(source: Path, pose_metrics: dict, out_dir: Path, options: AnalyzeOptions,
                 progress: Progress) -> Summary:
    """A clip about as long as the model's training clips gets one label (action predict); a longer video is
    searched with sliding windows for segments (action detect), which the report shows as a timeline."""
    from sportlens.action.options import DetectOptions
    from sportlens.action.pipeline import load_action_model, run_predict

    window_s = float(load_action_model(options.action_model).card.get("clip_s") or 2.0)
    duration_s = int(pose_metrics.get("frames") or 0) / float(pose_metrics.get("video_fps") or 30.0)
    if duration_s >= DETECT_MIN_WINDOWS * window_s:
        from sportlens.action.detect import run_detect

        detect = DetectOptions(model=str(options.action_model), pose=str(out_dir / "pose"), video=False)
        return run_detect(source, out_dir / "action", detect, progress)
    return run_predict(options.action_model, [out_dir / "pose"], out_dir / "action", options.action, progress)


def _decode_pass(plan, options: AnalyzeOptions, progress: Progress, want_pose: bool, want_ball: bool) -> dict:
    """Decode the video once and fan the frames out to pose and the ball tracker; what each made, or its error."""
    import cv2

    from sportlens.pose.pipeline import estimate_frames
    from sportlens.report.fanout import Consumer, fan_out
    from sportlens.video.decode import Frame, contiguous_frames, decode_frames, prefetch

    info = plan.info
    skipped: list[dict] = []
    end = plan.stop if plan.stop is not None else info.n_frames
    total = None if end is None else max(end - plan.start, 0)
    consumers = []
    if want_pose:
        side = options.pose.pose_max_side
        scale = 1.0 if side is None or max(info.width, info.height) <= side else side / max(info.width, info.height)
        size = (max(2, round(info.width * scale / 2) * 2), max(2, round(info.height * scale / 2) * 2))

        def shrink(frame: Frame) -> Frame:
            if scale == 1.0:
                return frame
            return Frame(frame.index, frame.time_s, cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA))

        consumers.append(Consumer("pose", lambda frames: estimate_frames(
            frames, info, options.pose, progress.child("pose"), plan.start, total, skipped), shrink))
    if want_ball:
        from sportlens.ball.models import tracker_for

        tracker = tracker_for(options.ball.model, info)

        def track(frames):
            t0 = time.perf_counter()
            raw = tracker(contiguous_frames(frames, plan.start))
            return raw, time.perf_counter() - t0

        consumers.append(Consumer("ball", track))
    t0 = time.perf_counter()
    decoded = 0
    if consumers:
        frames = decode_frames(info.path, info=info, start=plan.start, stop=plan.stop,
                               on_skip=lambda i, why: skipped.append({"frame": i, "reason": why}))
        with progress.step("decode", total=total, unit="frames") as step:
            def counted(frames):
                nonlocal decoded
                for frame in frames:
                    decoded += 1
                    yield frame
                    step.advance()

            fan_out(counted(prefetch(frames)), consumers, progress, options.queue_frames)
    seconds = time.perf_counter() - t0
    out = {c.name: c for c in consumers}
    out["skipped"] = sorted(skipped, key=lambda s: s["frame"])
    out["decode"] = {"frames": decoded, "seconds": round(seconds, 3), "consumers": [c.name for c in consumers],
                     "fps": round(decoded / seconds, 2) if seconds > 0 else None, "passes": 1 if consumers else 0}
    return out


def _analyze_imu(source: Path, out_dir: Path, options: AnalyzeOptions, progress: Progress) -> Summary:
    from sportlens.imu import pipeline as imu

    unknown = [t for t in options.tasks if t not in IMU_TASKS]
    if unknown:
        raise UserError(f"--tasks {', '.join(unknown)} do(es) not apply to an IMU recording", source,
                        f"for an IMU CSV choose from {', '.join(IMU_TASKS)}")
    try:
        rec = imu.read_recording(source, options.imu["reps"])
    except UserError as exc:
        raise DataFormatError(f"not an IMU recording sportlens reads ({exc.message})", source,
                              "give a video, an image folder or an IMU CSV (docs/imu.md)") from None
    t0 = time.perf_counter()
    summary = Summary("analyze", inputs=[str(source)], options=plain(options))
    runs: list[TaskRun] = []
    commands = {"reps": imu.run_reps, "jumps": imu.run_jumps, "strokes": imu.run_strokes, "steps": imu.run_steps}
    with output_run(out_dir, summary, source):
        summary.metrics.update({"input_kind": "imu", "recording": rec.summary()})
        for name in IMU_TASKS:
            if not options.wants(name):
                _skip(runs, name, "not in --tasks")
                continue
            folder = out_dir / name
            _task(runs, summary, name, folder,
                  lambda name=name, folder=folder: commands[name](source, folder, options.imu[name],
                                                                  progress.child(f"imu {name}")))
        for r in runs:  # a recording without a gyroscope: strokes does not apply rather than fails
            if r.status == "failed" and "no gyroscope" in (r.reason or ""):
                r.status, r.reason = "skipped", f"not applicable: {r.reason}"
                summary.warnings[:] = [w for w in summary.warnings if not w.startswith(f"{r.name}: failed")]
        _finish(out_dir, source, "imu", options, summary, runs, progress, t0, recording=rec)
    return summary


def _analyze_photos(source: Path, out_dir: Path, options: AnalyzeOptions, progress: Progress) -> Summary:
    from sportlens.pose.pipeline import plan_pose, run_pose

    unknown = [t for t in options.tasks if t != "pose"]
    if unknown:
        raise UserError(f"--tasks {', '.join(unknown)} do(es) not apply to photos", source,
                        "an image or a folder of photos runs pose only")
    plan_pose(source, options.pose)
    t0 = time.perf_counter()
    summary = Summary("analyze", inputs=[str(source)], options=plain(options))
    runs: list[TaskRun] = []
    with output_run(out_dir, summary, source):
        summary.metrics["input_kind"] = "photos"
        _task(runs, summary, "pose", out_dir / "pose",
              lambda: run_pose(source, out_dir / "pose", options.pose, progress.child("pose")))
        for name in ("reps", "ball", "action"):
            _skip(runs, name, "not applicable to photos (needs a video)")
        _finish(out_dir, source, "photos", options, summary, runs, progress, t0)
    return summary
