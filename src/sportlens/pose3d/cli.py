"""`sportlens pose3d CAM_DIRS... --calib calib.toml -o OUT`: a thin command over `run_pose3d`.

Only light imports here (typer, pathlib, enum), so `sportlens --help` stays fast."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP

HELP = "3D keypoints in metres from two or more calibrated cameras' 2D keypoints (triangulation, TRC for OpenSim)."


class KeypointSetChoice(StrEnum):
    auto = "auto"
    body_25 = "body_25"
    body_25b = "body_25b"
    coco_17 = "coco_17"
    halpe_26 = "halpe_26"
    blazepose_33 = "blazepose_33"


class SyncChoice(StrEnum):
    none = "none"
    speed = "speed"
    reprojection = "reprojection"


class UpChoice(StrEnum):
    z = "z"
    y = "y"


def _list(text: str | None, kind=str):
    return None if text is None else tuple(kind(p.strip()) for p in text.split(",") if p.strip())


def command(
    folders: list[Path] = typer.Argument(..., metavar="CAM_DIRS...", show_default=False,
                                         help="One folder per camera: a sportlens pose output (keypoints.csv) or "
                                              "OpenPose JSON files, one per frame."),
    calib: Path = typer.Option(..., "--calib", metavar="CALIB.toml", show_default=False,
                               help="Calibration of these cameras (Pose2Sim format; sportlens calibrate)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    cameras: str | None = typer.Option(None, "--cameras", metavar="NAME,NAME", show_default=False,
                                       help="The calibration camera of each folder [matched by number: cam01 <-> "
                                            "cam_01, else by order]."),
    keypoint_set: KeypointSetChoice | None = typer.Option(None, "--keypoint-set", show_default=False,
                                                          help="The 2D model's keypoints (JSON folders) [auto: 25 "
                                                               "points are body_25]."),
    keypoints: str | None = typer.Option(None, "--keypoints", metavar="NAME,NAME", show_default=False,
                                         help="Triangulate only these keypoints [all]."),
    fps: float | None = typer.Option(None, "--fps", metavar="FPS", show_default=False,
                                     help="Frame rate (needed for JSON folders; pose outputs carry theirs)."),
    min_confidence: float | None = typer.Option(None, metavar="0..1", show_default=False,
                                                help="2D points below this confidence are not used [0.3]."),
    max_error: float | None = typer.Option(None, "--max-error-px", metavar="PX", show_default=False,
                                           help="Drop cameras until a point reprojects within this [15]."),
    min_cameras: int | None = typer.Option(None, metavar="N", show_default=False,
                                           help="Cameras a point needs [2]."),
    offsets: str | None = typer.Option(None, "--offsets", metavar="F1,F2,...", show_default=False,
                                       help="Frames each camera started after the first (by hand) [0,...]."),
    sync: SyncChoice | None = typer.Option(None, "--sync", show_default=False,
                                           help="Find the offsets: speed (cross-correlation of --sync-keypoint's "
                                                "image speed) or reprojection (the lag at which the other cameras' "
                                                "3D keypoints fit each camera best) [none]."),
    sync_keypoint: str | None = typer.Option(None, metavar="NAME", show_default=False,
                                             help="The keypoint --sync speed follows [right_wrist]."),
    max_offset: int | None = typer.Option(None, "--max-offset-frames", metavar="FRAMES", show_default=False,
                                          help="--sync looks this far either way [60]."),
    max_gap: int | None = typer.Option(None, metavar="FRAMES", show_default=False,
                                       help="Interpolate gaps up to this many frames [10]."),
    cutoff: float | None = typer.Option(None, metavar="HZ", show_default=False,
                                        help="Butterworth cut-off in Hz (order 4) [6]."),
    no_filter: bool = typer.Option(False, "--no-filter", help="Keep the triangulated points unfiltered."),
    up: UpChoice | None = typer.Option(None, "--up", show_default=False,
                                       help="The world's up axis in the calibration [z]; markers.trc is Y-up."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Skip pose3d.png."),
    animation: bool = typer.Option(False, "--animation", help="Also write skeleton3d.mp4 (the 3D skeleton moving)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.pose3d.options import Pose3dOptions
    from sportlens.pose3d.pipeline import run_pose3d

    try:
        offset_values = _list(offsets, int)
    except ValueError:
        from sportlens.options import OptionError

        raise OptionError(f"--offsets needs whole numbers of frames, got {offsets!r}") from None
    values = {"cameras": _list(cameras), "keypoint_set": None if keypoint_set is None else keypoint_set.value,
              "keypoints": _list(keypoints), "fps": fps, "min_confidence": min_confidence, "max_error_px": max_error,
              "min_cameras": min_cameras, "offsets": offset_values, "sync": None if sync is None else sync.value,
              "sync_keypoint": sync_keypoint, "max_offset_frames": max_offset, "max_gap_frames": max_gap,
              "cutoff_hz": cutoff,
              "filter": "none" if no_filter else None, "up_axis": None if up is None else up.value,
              "plot": False if no_plot else None, "animation": animation or None}
    options = Pose3dOptions(**{key: v for key, v in values.items() if v is not None})
    summary = run_task("pose3d", lambda progress: run_pose3d(folders, calib, out, options, progress))
    m = summary.metrics
    error = "n/a" if m["reprojection_px_mean"] is None else f"{m['reprojection_px_mean']:.2f} px"
    lines = [f"[green]pose3d[/] {m['frames']} frames x {m['keypoints']} keypoints from {len(m['cameras'])} cameras: "
             f"{100 * m['triangulated_share']:.1f} % triangulated, mean reprojection error {error}, "
             f"{m['triangulation_fps']} frames/s"]
    report(summary, as_json, lines, out)
