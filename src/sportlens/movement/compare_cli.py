"""`sportlens compare A B -o OUT`: two performances aligned by dynamic time warping on their joint angles.

Thin: flags become CompareOptions, then `run_compare`. Only light imports here, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import OUT_HELP

HELP = ("Compare two performances (videos or pose output folders): DTW distance per joint angle and overall, the "
        "alignment path, the moments of largest deviation, a plot and a side-by-side video.")
JSON_HELP = ("Print summary.json as one JSON object on stdout; its `metrics` hold `distance`, `rms_deg`, "
             "`per_angle` and `deviations`.")


def command(
    a: Path = typer.Argument(..., metavar="A", show_default=False,
                             help="A video, or the output folder of `sportlens pose` (with angles.csv)."),
    b: Path = typer.Argument(..., metavar="B", show_default=False, help="The performance to compare with A."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    angles: str | None = typer.Option(None, "--angles", metavar="NAME,NAME", show_default=False,
                                      help="Comma-separated angle names to align [limbs and trunk_lean]."),
    top_k: int | None = typer.Option(None, "--top-k", metavar="K", show_default=False,
                                     help="Moments of largest deviation to report [5]."),
    pose_max_side: int | None = typer.Option(None, metavar="PX", show_default=False,
                                             help="Videos: shrink frames to this longer side for pose [640]."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip compare.mp4 (faster)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.movement.comparison import run_compare
    from sportlens.movement.options import CompareOptions
    from sportlens.options import options_from_mapping

    names = None if angles is None else tuple(n.strip() for n in angles.split(",") if n.strip())
    flags = {"angles": names, "top_k": top_k, "pose_max_side": pose_max_side, "video": False if no_video else None}
    options = options_from_mapping(CompareOptions, {k: v for k, v in flags.items() if v is not None},
                                   "the command line")
    summary = run_task("compare", lambda progress: run_compare(a, b, out, options, progress))
    m = summary.metrics
    report(summary, as_json, [f"[green]compare[/] {m['rms_deg']:.1f} deg per aligned frame over "
                              f"{len(m['angles'])} angles (DTW {m['distance']:.0f})"], out)
