"""The post-processing of `analyze` for tasks whose own entry point starts from a file path: the same steps
and the same files as `sportlens reps` and `sportlens ball track`, fed from the shared decode pass instead
(reps from the pose folder analyze already wrote, the ball from a track made on the shared frames)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

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
    """`sportlens reps`'s steps after its pose run (movement.pipeline.reps_from_pose), on analyze's pose
    folder: reps.csv, reps.png, reps.mp4 and summary.json with the same metrics."""
    from sportlens.movement.pipeline import reps_from_pose

    summary = Summary("reps", inputs=[str(source)], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, source):
        reps_from_pose(source, info, pose_dir, pose, out_dir, options, summary, progress)
        summary.metrics["pose_folder"] = str(pose_dir)
        summary.timings["total_s"] = round(time.perf_counter() - t0, 3)
    return summary


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
