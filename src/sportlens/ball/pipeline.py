"""`run_track` and `run_eval`: the library entry points of `sportlens ball track` and `sportlens ball eval`."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sportlens.ball.formats import LabelledClip, find_labelled_clips, track_table
from sportlens.ball.metrics import evaluate, point_counts, sibatracc_clip
from sportlens.ball.models import check_model, model_label, tracker_for
from sportlens.ball.options import EvalOptions, TrackOptions
from sportlens.ball.postprocess import PostSettings, postprocess
from sportlens.ball.track import BallTrack
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain
from sportlens.video.decode import VideoInfo, contiguous_frames, decode_frames, prefetch, probe_video


def track_source(info: VideoInfo, model: str, post: PostSettings, progress: Progress | None = None,
                 n_frames: int | None = None, on_heatmaps=None) -> tuple[BallTrack, BallTrack, list, float]:
    """Decode and track one source in one streaming pass, then post-process.

    Returns (post-processed track, raw track, skipped frames, seconds for decode + tracking + post-processing).
    n_frames: cut or pad the result to this many frames (the label count in eval). on_heatmaps: receives the
    network's frames and heatmaps as they are made (heatmap networks; see inference.heatmap_tracker)."""
    tracker = tracker_for(model, info, on_heatmaps)
    skipped: list = []
    t0 = time.perf_counter()
    frames = decode_frames(info.path, info=info, on_skip=lambda i, why: skipped.append({"frame": i, "reason": why}))
    if progress is not None:
        with progress.step("track", total=info.n_frames, unit="frames") as step:
            raw = tracker(contiguous_frames(prefetch(frames), step=step))
    else:
        raw = tracker(contiguous_frames(prefetch(frames)))
    if n_frames is not None and len(raw) != n_frames:
        pts = np.full((n_frames, 2), np.nan)
        conf = np.zeros(n_frames)
        m = min(n_frames, len(raw))
        pts[:m], conf[:m] = raw.points()[:m], raw.confidence[:m]
        raw = BallTrack.from_points(pts, conf, raw.width, raw.height, raw.fps)
    done = postprocess(raw, post)
    return done, raw, skipped, time.perf_counter() - t0


def run_track(source: str | Path, out_dir: str | Path, options: TrackOptions | None = None,
              progress: Progress | None = None) -> Summary:
    """Track the ball in one video (or image folder): track.csv, annotated.mp4, track.png, summary.json."""
    options = options or TrackOptions()
    progress = ensure_progress(progress, "ball")
    source = Path(source)
    info = probe_video(source)
    check_model(options.model)
    court_from_options(options, info)  # a bad --court is an error now, before the output folder is touched
    summary = Summary("ball track", inputs=[str(source)], options=plain(options))
    post = PostSettings(max_jump=options.max_jump, max_gap_frames=options.max_gap_frames,
                        revisit_s=0.5 if options.plausibility_gate else None)
    if options.heatmap_video and options.model == "classic":
        from sportlens.options import OptionError

        raise OptionError("--heatmap-video needs a heatmap network (--model tracknet-small or a trained run); the "
                          "classic tracker makes no heatmap")
    with output_run(out_dir, summary, source) as out:
        if options.heatmap_video:
            track, raw, skipped, seconds = _track_with_heatmap_video(info, options.model, post, progress,
                                                                     out / "heatmap.mp4")
        else:
            track, raw, skipped, seconds = track_source(info, options.model, post, progress)
        write_track_outputs(info, track, raw, skipped, seconds, out, options, summary, progress)
    return summary


def _track_with_heatmap_video(info: VideoInfo, model: str, post: PostSettings, progress: Progress, target: Path):
    """track_source, writing heatmap.mp4 (each frame at the network's size with its heatmap blended on top) in
    the same decode pass."""
    from sportlens.ball.inference import heatmap_overlay
    from sportlens.ball.models import cached_model
    from sportlens.video.encode import VideoWriter

    spec = cached_model(model).spec
    with VideoWriter(target, info.fps, spec.width, spec.height) as writer:
        def write(images: np.ndarray, heatmaps: np.ndarray) -> None:
            for image, heat in zip(images, heatmaps, strict=True):
                writer.write(heatmap_overlay(image, heat))

        return track_source(info, model, post, progress, on_heatmaps=write)


def court_from_options(options: TrackOptions, info: VideoInfo):
    """The `Court` of --court / --court-size, or None; OptionError when the corners cannot define one."""
    from sportlens.ball.analytics import Court
    from sportlens.options import OptionError

    size = options.court_dimensions()
    if size is None:
        return None
    corners = np.asarray(options.court, float).reshape(4, 2)
    outside = [k + 1 for k, (x, y) in enumerate(corners)
               if not (-info.width <= x <= 2 * info.width and -info.height <= y <= 2 * info.height)]
    if outside:
        raise OptionError(f"--court: corner(s) {', '.join(map(str, outside))} lie far outside the "
                          f"{info.width}x{info.height} image; give the corners in image pixels")
    try:
        return Court.from_corners(corners, size[0], size[1], size[2])
    except ValueError:
        raise OptionError("--court: the four corners do not span a court (three on one line?); give the "
                          "far-left, far-right, near-right and near-left corners in image pixels") from None


def write_analytics(track: BallTrack, info: VideoInfo, out: Path, options: TrackOptions, summary: Summary):
    """Shots, rallies and speed of a track with a ball: shots.csv, rallies.csv, speed.csv, court.png (with a
    court), the metrics; returns the BallAnalytics for the plot."""
    import pandas as pd

    from sportlens.ball.analytics import AnalyticsSettings, analyse, analytics_metrics, event_rows, rally_rows

    court = court_from_options(options, info)
    result = analyse(track, AnalyticsSettings(bounces=options.bounces), court)
    summary.metrics.update(analytics_metrics(result))
    speed = pd.DataFrame({"frame": np.arange(len(track)), "time_s": np.round(track.time_s, 4),
                          "speed_px_s": np.round(result.speed_px_s, 1)})
    if result.court_m is not None:
        speed["court_x_m"], speed["court_y_m"] = np.round(result.court_m[:, 0], 3), np.round(result.court_m[:, 1], 3)
        speed["speed_mps"] = np.round(result.speed_mps, 2)
    write_csv(out / "speed.csv", speed)
    if result.events:
        write_csv(out / "shots.csv", pd.DataFrame(event_rows(result)))
    else:
        summary.warn("no shot found: the ball never turns sharply enough (min 30 degrees) on the frames it is seen")
    if result.rallies:
        write_csv(out / "rallies.csv", pd.DataFrame(rally_rows(result)))
    if court is not None and options.plot:
        from sportlens.ball.render import plot_court

        plot_court(result, out / "court.png", f"{info.path.name}: where the ball lands")
    return result


def write_track_outputs(info: VideoInfo, track: BallTrack, raw: BallTrack, skipped: list, seconds: float,
                        out: Path, options: TrackOptions, summary: Summary, progress: Progress) -> None:
    """The files and metrics of `ball track` for a track already made (post-processed `track`, `raw` before
    post-processing): track.csv, annotated.mp4 and track.png when a ball was found, the warnings and metrics.
    out is an output folder the caller prepared. `analyze` calls it for the track made on its shared frames."""
    n, found = len(track), int(track.visible.sum())
    if skipped:
        summary.warn(f"{len(skipped)} frame(s) could not be decoded; no ball is reported for them "
                     f"(first: frame {skipped[0]['frame']})")
    write_csv(out / "track.csv", track_table(track))
    if found == 0 and raw.visible.any():
        summary.warn(f"no ball found: the {int(raw.visible.sum())} detection(s) of {n} frames keep coming back to the "
                     "same image points (a fixed or swaying thing in the scene, not a ball in play), so track.csv has "
                     "no position; no annotated video or plot was made")
    elif found == 0:
        summary.warn(f"no ball found in any of the {n} frames: track.csv has no position "
                     "(is the ball small and moving in this video?); no annotated video or plot was made")
    if found == 0:
        summary.metrics.update({"shots": 0, "rallies": 0, "max_speed_px_s": None, "median_speed_px_s": None})
    else:
        analytics = write_analytics(track, info, out, options, summary)
        if options.annotated_video:
            from sportlens.ball.render import render_annotated

            render_annotated(info, track, out / "annotated.mp4", options.trail_frames, progress)
        if options.plot:
            from sportlens.ball.render import plot_track

            plot_track(track, out / "track.png", f"{info.path.name}: ball in {found}/{n} frames", analytics)
    summary.metrics.update({
        "model": model_label(options.model), "frames": n, "frames_with_ball": found,
        "frames_detected": int(raw.visible.sum()), "frames_filled": int((track.visible & ~raw.visible).sum()),
        "fps": round(n / seconds, 1) if seconds > 0 else None, "video_fps": info.fps,
        "width": info.width, "height": info.height,
    })
    summary.timings["track_s"] = round(seconds, 3)


def _clip_row(clip: LabelledClip, predicted: BallTrack, seconds: float, tolerance_px: float) -> dict:
    counts = point_counts(clip.track, predicted, tolerance_px).metrics()
    return {"clip": clip.name, "group": clip.group, "layout": clip.layout, "frames": len(clip.track),
            "frames_with_ball": int(clip.track.visible.sum()), "sibatracc": sibatracc_clip(clip.track, predicted),
            **{k: counts[k] for k in ("precision", "recall", "f1", "accuracy", "rmse_px", "tp", "fp", "fn", "tn")},
            "fps": len(clip.track) / seconds if seconds > 0 else None}


def evaluate_clips(clips: list[LabelledClip], options: EvalOptions, progress: Progress | None = None,
                   on_clip=None) -> tuple[dict, list[dict], list[str]]:
    """Track every clip and score it: (pooled metrics, one row per clip, warnings)."""
    post = PostSettings(max_jump=options.max_jump, max_gap_frames=options.max_gap_frames)
    pairs, rows, warnings = [], [], []
    total_s = 0.0
    for clip in clips:
        info = probe_video(clip.frames, options.fps)
        predicted, _, skipped, seconds = track_source(info, options.model, post, progress, len(clip.track))
        total_s += seconds
        if skipped:
            warnings.append(f"{clip.name}: {len(skipped)} frame(s) could not be decoded")
        pairs.append((clip.track, predicted))
        rows.append(_clip_row(clip, predicted, seconds, options.tolerance_px))
        if on_clip is not None:
            on_clip(clip, predicted)
    metrics = evaluate(pairs, options.tolerance_px)
    metrics["fps"] = round(metrics["frames"] / total_s, 1) if total_s > 0 else None
    return metrics, rows, warnings


def run_eval(data: str | Path, out_dir: str | Path | None = None, options: EvalOptions | None = None,
             progress: Progress | None = None) -> Summary:
    """Track every labelled clip under `data` and score it (SiBaTrAcc, precision, recall, F1, accuracy, rmse_px).

    With out_dir: per_clip.csv and summary.json there; without, only the returned Summary."""
    import pandas as pd

    options = options or EvalOptions()
    progress = ensure_progress(progress, "ball")
    data = Path(data)
    clips = find_labelled_clips(data, options.fps)  # every label file is read and checked before any output
    check_model(options.model)
    summary = Summary("ball eval", inputs=[str(data)], options=plain(options))

    def run(out: Path | None) -> None:
        metrics, rows, warnings = evaluate_clips(clips, options, progress)
        for w in warnings:
            summary.warn(w)
        summary.metrics.update({"model": model_label(options.model), **metrics, "per_clip": rows})
        summary.timings["track_s"] = round(metrics["frames"] / metrics["fps"], 3) if metrics["fps"] else 0.0
        if out is not None:
            write_csv(out / "per_clip.csv", pd.DataFrame(rows))

    if out_dir is None:
        run(None)
    else:
        with output_run(out_dir, summary, data) as out:
            run(out)
    return summary
