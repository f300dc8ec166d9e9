"""`sportlens reps VIDEO -o OUT`: count repetitions from the pose (no template per exercise needed).

Thin: flags become RepsOptions, then `run_reps`. Only light imports here, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import OUT_HELP

HELP = ("Count repetitions in a workout video from the pose: count, per-rep frames, duration and range of motion, "
        "a plot and an annotated video.")
JSON_HELP = ("Print summary.json as one JSON object on stdout; its `metrics` hold `count` and `reps` "
             "(start_frame, end_frame, duration_s, range_deg ...).")


class ExerciseChoice(StrEnum):
    auto = "auto"
    squat = "squat"
    push_up = "push-up"
    pull_up = "pull-up"
    dips = "dips"
    lunge = "lunge"
    sit_up = "sit-up"
    jumping_jack = "jumping-jack"
    curl = "curl"
    lateral_raise = "lateral-raise"
    press = "press"
    skiing = "skiing"
    board = "board"


def command(
    video: Path = typer.Argument(..., metavar="VIDEO", show_default=False, help="A video (mp4/mov/avi/mkv)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    exercise: ExerciseChoice = typer.Option(ExerciseChoice.auto, "--exercise",
                                            help="Limit the driving signal to this exercise's joints and report "
                                                 "its form rules (skiing, board: skill rules per segment when "
                                                 "nothing repeats); auto picks the most periodic pose signal."),
    min_period: float | None = typer.Option(None, metavar="SECONDS", show_default=False,
                                            help="Shortest repetition considered [0.5]."),
    max_period: float | None = typer.Option(None, metavar="SECONDS", show_default=False,
                                            help="Longest repetition considered [8]."),
    min_range: float | None = typer.Option(None, metavar="DEG", show_default=False,
                                           help="A repetition moves its angle at least this far [15]."),
    start: float | None = typer.Option(None, metavar="SECONDS", show_default=False, help="Analyse from this time."),
    end: float | None = typer.Option(None, metavar="SECONDS", show_default=False, help="Analyse up to this time."),
    pose_max_side: int | None = typer.Option(None, metavar="PX", show_default=False,
                                             help="Shrink frames to this longer side for pose estimation [640]."),
    workers: int | None = typer.Option(None, metavar="N", show_default=False,
                                       help="Track this many segments of a long video in parallel threads [2]."),
    mirrored: bool = typer.Option(False, "--mirrored",
                                  help="The video is a mirror image (selfie camera): left and right are swapped "
                                       "back before the form rules (board stance)."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip reps.mp4 (faster)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.movement.options import RepsOptions
    from sportlens.movement.pipeline import run_reps
    from sportlens.options import options_from_mapping

    flags = {"exercise": exercise.value, "min_period_s": min_period, "max_period_s": max_period,
             "min_range_deg": min_range, "start_s": start, "end_s": end, "pose_max_side": pose_max_side,
             "workers": workers, "annotated_video": False if no_video else None,
             "mirrored": True if mirrored else None}
    options = options_from_mapping(RepsOptions, {k: v for k, v in flags.items() if v is not None},
                                   "the command line")
    summary = run_task("reps", lambda progress: run_reps(video, out, options, progress))
    m = summary.metrics
    driving = f" on {m['driving_signal']}" if m.get("driving_signal") else ""
    period = f", period {m['period_s']:.2f} s" if m.get("period_s") else ""
    report(summary, as_json, [f"[green]reps[/] {m['count']}{driving}{period}"], out)
