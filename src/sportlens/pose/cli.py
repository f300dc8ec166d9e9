"""`sportlens pose INPUT -o OUT`: keypoints, joint angles, standard files, annotated video."""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import run_task
from sportlens.errors import UserError
from sportlens.io.atomic import print_json
from sportlens.pose.pipeline import PoseOptions, run_pose
from sportlens.progress import stderr_console

HELP = "2D/3D keypoints and joint angles from a video, an image folder or one image (BlazePose)."


def command(
    source: Path = typer.Argument(..., help="Video (mp4/mov/avi/mkv), folder of frames (0000.jpg ...) or one image."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder (created if needed)."),
    min_visibility: float = typer.Option(0.5, help="Keypoints below this visibility count as missing."),
    max_gap: int = typer.Option(10, help="Interpolate gaps up to this many frames; longer gaps stay empty."),
    cutoff: float = typer.Option(6.0, help="Butterworth low-pass cut-off in Hz (zero lag, order 4)."),
    no_filter: bool = typer.Option(False, "--no-filter", help="Switch the low-pass filter off."),
    fps: float = typer.Option(None, help="Frame rate of an image folder (default 30); videos carry their own."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip annotated.mp4 (faster)."),
    pose_max_side: int = typer.Option(640, help="Shrink frames to this longer side for pose estimation."),
    workers: int = typer.Option(2, min=1, help="Track this many segments of a video (each >= 150 frames) in "
                                "parallel threads; each segment starts tracking afresh. 1 = one tracker."),
    as_json: bool = typer.Option(False, "--json", help="Print summary.json on stdout."),
) -> None:
    if min_visibility < 0 or min_visibility > 1:
        raise UserError(f"--min-visibility must be between 0 and 1, got {min_visibility}")
    if max_gap < 0:
        raise UserError(f"--max-gap must be 0 or more, got {max_gap}")
    options = PoseOptions(
        min_visibility=min_visibility,
        max_gap_frames=max_gap,
        cutoff_hz=None if no_filter else cutoff,
        fps=fps,
        annotated_video=not no_video,
        pose_max_side=pose_max_side,
        workers=workers,
    )
    summary = run_task("pose", lambda progress: run_pose(source, out, options, progress))
    if as_json:
        print_json(summary.to_dict())
    skipped = summary["skipped_frames"]
    if skipped:
        first = skipped[0]
        stderr_console.print(
            f"[yellow]warning:[/] {len(skipped)} frame(s) could not be decoded and were skipped "
            f"(first: frame {first['frame']}, {first['reason']}); all are listed in summary.json",
            highlight=False,
        )
    stderr_console.print(
        f"[green]pose[/] {summary['frames_with_person']}/{summary['frames']} frames with a person, "
        f"{summary['fps']} frames/s end to end → {out}"
    )
