"""`sportlens pose INPUT... -o OUT`: keypoints, joint angles, metres and speeds, standard files, annotated video.

Thin: flags become PoseOptions (on top of a --config TOML file), then `run_pose`. Only light imports here,
so `sportlens --help` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP

HELP = "2D/3D keypoints, joint angles, metres and speeds from videos, image folders or photos (BlazePose)."


class FilterChoice(StrEnum):
    butterworth = "butterworth"
    gaussian = "gaussian"
    none = "none"


class FolderChoice(StrEnum):
    auto = "auto"
    photos = "photos"
    sequence = "sequence"


def command(
    sources: list[Path] = typer.Argument(..., metavar="INPUT...", show_default=False,
                                         help="Videos (mp4/mov/avi/mkv), folders of photos or frames, or images."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    config: Path | None = typer.Option(None, "--config", metavar="FILE.toml", show_default=False,
                                       help="TOML file setting any option (a [pose] table or top-level keys); "
                                            "flags given here override it."),
    min_visibility: float | None = typer.Option(None, metavar="0..1", show_default=False,
                                                help="Keypoints below this visibility count as missing [0.5]."),
    max_gap: int | None = typer.Option(None, metavar="FRAMES", show_default=False,
                                       help="Interpolate gaps up to this many frames; longer stay empty [10]."),
    filter_type: FilterChoice | None = typer.Option(None, "--filter", show_default=False,
                                                    help="Zero-lag smoothing of the keypoints [butterworth]."),
    cutoff: float | None = typer.Option(None, metavar="HZ", show_default=False,
                                        help="Butterworth cut-off in Hz (order 4) [6]."),
    no_filter: bool = typer.Option(False, "--no-filter", help="Same as --filter none."),
    fps: float | None = typer.Option(None, metavar="FPS", show_default=False,
                                     help="Frame rate of a frame sequence [30]; videos carry their own."),
    folder_mode: FolderChoice | None = typer.Option(None, show_default=False,
                                                    help="A folder: independent photos, a numbered frame sequence, "
                                                         "or auto: a sequence when the names are numbered and "
                                                         "--fps is given, else photos [auto]."),
    start: float | None = typer.Option(None, metavar="SECONDS", show_default=False, help="Analyse from this time."),
    end: float | None = typer.Option(None, metavar="SECONDS", show_default=False, help="Analyse up to this time."),
    angles: str | None = typer.Option(None, metavar="NAME,NAME", show_default=False,
                                      help="Angles to compute (default all; see docs/angles.md)."),
    person_height: float | None = typer.Option(None, metavar="METRES", show_default=False,
                                               help="The athlete's height: metres, centre of mass and speeds."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip annotated.mp4 (faster)."),
    pose_max_side: int | None = typer.Option(None, metavar="PX", show_default=False,
                                             help="Shrink frames to this longer side for pose estimation [640]."),
    workers: int | None = typer.Option(None, metavar="N", show_default=False,
                                       help="Track this many segments of a long video in parallel threads [2]."),
    people: str | None = typer.Option(None, metavar="all|N", show_default=False,
                                      help="Several athletes: every person (all, up to 10) or up to N per frame, "
                                           "each with a stable person_id (MediaPipe PoseLandmarker); default: "
                                           "one athlete."),
    max_occlusion: int | None = typer.Option(None, metavar="FRAMES", show_default=False,
                                             help="With --people: a person hidden up to this many frames keeps "
                                                  "their id [30]."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.options import options_from_mapping, read_toml
    from sportlens.pose.options import PoseOptions
    from sportlens.pose.pipeline import run_pose

    values = {}
    if config is not None:
        table = read_toml(config)
        values = dict(table.get("pose", table))
    flags = {
        "min_visibility": min_visibility, "max_gap_frames": max_gap, "cutoff_hz": cutoff, "fps": fps,
        "filter": None if filter_type is None else filter_type.value,
        "folder_mode": None if folder_mode is None else folder_mode.value, "start_s": start, "end_s": end,
        "angles": None if angles is None else tuple(a.strip() for a in angles.split(",") if a.strip()),
        "person_height_m": person_height, "pose_max_side": pose_max_side, "workers": workers,
        "people": people, "max_occlusion_frames": max_occlusion,
    }
    if no_filter:
        flags["filter"] = "none"
    if no_video:
        flags["annotated_video"] = False
    values.update({k: v for k, v in flags.items() if v is not None})
    options = options_from_mapping(PoseOptions, values, config or "the command line")
    summary = run_task("pose", lambda progress: run_pose(sources, out, options, progress))
    m = summary.metrics
    if "people" in m:
        lines = [f"[green]pose[/] {m['people']} people, up to {m['max_people_in_frame']} in a frame; "
                 f"{m['frames_with_person']}/{m['frames']} frames with a person"]
    elif "runs" in m:
        lines = [f"[green]pose[/] {r['input']}: {r['frames_with_person']}/{r['frames']} with a person → "
                 f"{out / r['folder']}" for r in m["runs"]]
    else:
        rate = f", {m['fps']} frames/s end to end" if m.get("fps") else ""
        lines = [f"[green]pose[/] {m['frames_with_person']}/{m['frames']} "
                 f"{'frames' if m['input_kind'] in ('video', 'sequence') else 'images'} with a person{rate}"]
    report(summary, as_json, lines, out)
