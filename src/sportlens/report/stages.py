"""The post-processing of `analyze` for tasks whose own entry point starts from a file path: the same steps
and the same files as `sportlens reps` and `sportlens ball track`, fed from the shared decode pass instead
(reps from the pose folder analyze already wrote, the ball from a track made on the shared frames)."""

from __future__ import annotations

import time
from pathlib import Path

from sportlens.events import Progress
from sportlens.io.output_dir import output_run
from sportlens.movement.options import RepsOptions
from sportlens.summary import Summary, plain
from sportlens.video.decode import VideoInfo


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
    """`sportlens ball track`'s files for a raw track made on the shared frames: post-processing, then the ball
    task's own writer (track.csv, annotated.mp4, track.png, the same metrics) and summary.json."""
    from sportlens.ball.pipeline import write_track_outputs
    from sportlens.ball.postprocess import PostSettings, postprocess

    summary = Summary("ball track", inputs=[str(source)], options=plain(options))
    with output_run(out_dir, summary, source):
        t0 = time.perf_counter()
        track = postprocess(raw, PostSettings(max_jump=options.max_jump, max_gap_frames=options.max_gap_frames,
                                          revisit_s=0.5 if options.plausibility_gate else None))
        seconds += time.perf_counter() - t0
        write_track_outputs(info, track, raw, skipped, seconds, out_dir, options, summary, progress)
    return summary
