"""`sportlens analyze INPUT -o OUT`: every task that applies, one decode pass, report.html.

Thin: flags become AnalyzeOptions (on top of a --config TOML file with one table per task), then
`run_analyze`. Only light imports here, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP

HELP = "Everything that applies to a video, photos or an IMU CSV in one pass, with an interactive report.html."


class SportChoice(StrEnum):
    auto = "auto"
    none = "none"
    badminton = "badminton"
    tennis = "tennis"
    table_tennis = "table-tennis"
    squash = "squash"
    volleyball = "volleyball"
    football = "football"
    basketball = "basketball"
    cricket = "cricket"
    baseball = "baseball"
    fitness = "fitness"
    running = "running"


def command(
    source: Path = typer.Argument(..., metavar="INPUT", show_default=False,
                                  help="A video, a folder of photos (or one image), or an IMU recording (CSV)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    tasks: str | None = typer.Option(None, metavar="NAME,NAME", show_default=False,
                                     help="Tasks to run: pose, reps, ball, action (video); reps, jumps, strokes, "
                                          "steps (IMU) [every one that applies]."),
    config: Path | None = typer.Option(None, "--config", metavar="FILE.toml", show_default=False,
                                       help="TOML file: top-level analyze settings and a table per task ([pose], "
                                            "[reps], [ball], [action], [imu.reps] ...); flags override it."),
    sport: SportChoice | None = typer.Option(None, show_default=False,
                                             help="A ball sport tracks the ball; none/fitness/running do not; auto "
                                                  "tracks it and keeps it when a ball is seen in at least 10% of "
                                                  "the frames [auto]."),
    action_model: Path | None = typer.Option(None, metavar="RUN", show_default=False,
                                             help="An `sportlens action train` run folder (or best.pt) for action."),
    exercise: str | None = typer.Option(None, metavar="NAME", show_default=False,
                                        help="reps: the exercise (squat, push-up ...; see `sportlens reps --help`)."),
    ball_model: str | None = typer.Option(None, metavar="NAME|RUN", show_default=False,
                                          help="ball: classic, a network name or a `ball train` run "
                                                   "[tracknet-small]."),
    no_video: bool = typer.Option(False, "--no-video",
                                  help="Skip the annotated videos (faster; the report then plays the input)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.report.options import load_config
    from sportlens.report.pipeline import run_analyze

    flags = {
        "tasks": None if tasks is None else [t.strip() for t in tasks.split(",") if t.strip()],
        "sport": None if sport is None else sport.value,
        "action_model": None if action_model is None else str(action_model),
        "reps.exercise": exercise, "ball.model": ball_model,
    }
    if no_video:
        flags.update({"pose.annotated_video": False, "reps.annotated_video": False, "ball.annotated_video": False})
    options = load_config(config, flags)
    summary = run_task("analyze", lambda progress: run_analyze(source, out, options, progress))
    lines = []
    for row in summary.metrics["tasks"]:
        colour = {"done": "green", "failed": "red"}.get(row["status"], "yellow")
        lines.append(f"[{colour}]{row['task']}[/] {row['status']}" + (f": {row['reason']}" if row["reason"] else ""))
    if (out / "report.html").is_file():
        lines.append(f"report: {out / 'report.html'}")
    report(summary, as_json, lines, out)
