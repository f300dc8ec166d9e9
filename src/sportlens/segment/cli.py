"""`sportlens segment VIDEO -o OUT`: thin; flags become SegmentOptions, then run_segment. Light imports only."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP

HELP = ("The athlete's mask per frame (MediaPipe selfie segmentation): mask and cut-out videos, silhouette area "
        "and centroid per frame.")


class ModelChoice(StrEnum):
    general = "general"
    landscape = "landscape"


def command(
    source: Path = typer.Argument(..., metavar="VIDEO", show_default=False,
                                  help="A video or a folder of numbered frames."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    model: ModelChoice = typer.Option(ModelChoice.general, help="Selfie segmentation model (both ship in the wheel)."),
    threshold: float = typer.Option(0.5, metavar="0..1", help="Probability from which a pixel is the athlete."),
    max_side: int = typer.Option(640, metavar="PX", help="Shrink frames to this longer side for the model."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip mask.mp4 and cutout.mp4."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.segment.options import SegmentOptions
    from sportlens.segment.pipeline import run_segment

    options = SegmentOptions(model=model.value, threshold=threshold, max_side=max_side,
                             mask_video=not no_video, cutout_video=not no_video)
    summary = run_task("segment", lambda progress: run_segment(source, out, options, progress))
    m = summary.metrics
    share = "" if m["area_share_mean"] is None else f", silhouette {100 * m['area_share_mean']:.1f} % of the frame"
    report(summary, as_json, [f"[green]segment[/] {m['frames_with_athlete']}/{m['frames']} frames with an "
                              f"athlete{share}"], out)
