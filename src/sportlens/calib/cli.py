"""`sportlens calibrate intrinsics|extrinsics|plane`: thin commands over `sportlens.calib.pipeline`.

Only light imports here (typer, pathlib, enum), so `sportlens --help` stays fast."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP

app = typer.Typer(help="Camera calibration: intrinsics from a board, extrinsics from a board or known points, a "
                       "plane (field, court) from known points. Files in Pose2Sim's TOML format.",
                  no_args_is_help=True)


class BoardChoice(StrEnum):
    checkerboard = "checkerboard"
    charuco = "charuco"


BOARD_HELP = "Checkerboard inner corners (9x6 for a 10x7-square board) or ChArUco squares (5x7) [9x6]."


def _board_values(board, board_type, square_mm, marker_mm, dictionary) -> dict:
    return {"board": board, "board_type": None if board_type is None else board_type.value, "square_mm": square_mm,
            "marker_mm": marker_mm, "dictionary": dictionary}


def _clean(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


@app.command("intrinsics")
def intrinsics(
    sources: list[Path] = typer.Argument(..., metavar="IMAGES|VIDEO...", show_default=False,
                                         help="Per camera: a folder of board images or a video."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    board: str | None = typer.Option(None, "--board", metavar="COLSxROWS", show_default=False, help=BOARD_HELP),
    board_type: BoardChoice | None = typer.Option(None, "--board-type", show_default=False,
                                                  help="The board [checkerboard]."),
    square_mm: float | None = typer.Option(None, "--square-mm", metavar="MM", show_default=False,
                                           help="Side of one square in millimetres [25]."),
    marker_mm: float | None = typer.Option(None, "--marker-mm", metavar="MM", show_default=False,
                                           help="ChArUco: side of one marker [0.75 x square]."),
    dictionary: str | None = typer.Option(None, "--dictionary", metavar="DICT_4X4_50", show_default=False,
                                          help="ChArUco: the ArUco dictionary [DICT_4X4_50]."),
    names: str | None = typer.Option(None, "--names", metavar="NAME,NAME", show_default=False,
                                     help="Camera names, one per input [cam_01,cam_02,...]."),
    max_frames: int | None = typer.Option(None, metavar="N", show_default=False,
                                          help="A video: search this many frames, spread evenly [40]."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Skip coverage.png."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Intrinsics (focal length, centre, distortion) per camera: calib.toml (Pose2Sim format), views.csv
    (views used/rejected, RMS per view), coverage.png (where the board corners were)."""
    from sportlens.calib.options import IntrinsicsOptions
    from sportlens.calib.pipeline import run_intrinsics
    from sportlens.command import report, run_task

    values = _board_values(board, board_type, square_mm, marker_mm, dictionary)
    values.update({"max_frames": max_frames, "plot": False if no_plot else None,
                   "names": None if names is None else tuple(n.strip() for n in names.split(",") if n.strip())})
    options = IntrinsicsOptions(**_clean(values))
    summary = run_task("calibrate", lambda progress: run_intrinsics(sources, out, options, progress))
    lines = [f"[green]{c['name']}[/] RMS {c['rms_px']:.3f} px, f {c['fx_px']:.1f}/{c['fy_px']:.1f} px, centre "
             f"({c['cx_px']:.1f}, {c['cy_px']:.1f}), {c['views_used']} views used, {c['views_rejected']} rejected"
             for c in summary.metrics["cameras"]]
    report(summary, as_json, lines, out)


@app.command("extrinsics")
def extrinsics(
    calib: Path = typer.Argument(..., metavar="CALIB.toml", show_default=False,
                                 help="Intrinsic calibration (sportlens calibrate intrinsics or Pose2Sim)."),
    sources: list[Path] = typer.Argument(None, metavar="[BOARD_IMAGES...]", show_default=False,
                                         help="Per camera, in CALIB's order: an image, folder or video showing the "
                                              "board (the world frame is the board's)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    points_3d: Path | None = typer.Option(None, "--points-3d", metavar="FILE.csv", show_default=False,
                                          help="Known world points instead of a board: point,x_m,y_m,z_m."),
    points_2d: Path | None = typer.Option(None, "--points-2d", metavar="FILE.csv", show_default=False,
                                          help="Where each camera sees them: camera,point,x_px,y_px."),
    board: str | None = typer.Option(None, "--board", metavar="COLSxROWS", show_default=False, help=BOARD_HELP),
    board_type: BoardChoice | None = typer.Option(None, "--board-type", show_default=False,
                                                  help="The board [checkerboard]."),
    square_mm: float | None = typer.Option(None, "--square-mm", metavar="MM", show_default=False,
                                           help="Side of one square in millimetres [25]."),
    marker_mm: float | None = typer.Option(None, "--marker-mm", metavar="MM", show_default=False,
                                           help="ChArUco: side of one marker [0.75 x square]."),
    dictionary: str | None = typer.Option(None, "--dictionary", metavar="DICT_4X4_50", show_default=False,
                                          help="ChArUco: the ArUco dictionary [DICT_4X4_50]."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Skip cameras.png."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Camera positions in one world frame (solvePnP): calib.toml with rotation and translation, extrinsics.csv
    (RMS per camera, camera centres), cameras.png."""
    from sportlens.calib.options import ExtrinsicsOptions
    from sportlens.calib.pipeline import run_extrinsics
    from sportlens.command import report, run_task

    values = _board_values(board, board_type, square_mm, marker_mm, dictionary)
    values.update({"points_3d": None if points_3d is None else str(points_3d),
                   "points_2d": None if points_2d is None else str(points_2d), "plot": False if no_plot else None})
    options = ExtrinsicsOptions(**_clean(values))
    summary = run_task("calibrate", lambda progress: run_extrinsics(calib, sources or [], out, options, progress))
    lines = [f"[green]{c['camera']}[/] RMS {c['rms_px']:.3f} px on {c['points']} points, centre "
             f"({c['centre_x_m']:.3f}, {c['centre_y_m']:.3f}, {c['centre_z_m']:.3f}) m"
             for c in summary.metrics["cameras"]]
    report(summary, as_json, lines, out)


@app.command("plane")
def plane(
    points: Path = typer.Argument(..., metavar="POINTS.csv", show_default=False,
                                  help="Four or more known points: x_px,y_px,x_m,y_m (image pixels, plane metres)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    court_size: str | None = typer.Option(None, "--court-size", metavar="badminton|tennis|W,L", show_default=False,
                                          help="The points are on a court of this size (origin at the far-left "
                                               "corner): also write its corners for `sportlens ball track --court`."),
    image: Path | None = typer.Option(None, "--image", metavar="IMAGE", show_default=False,
                                      help="A frame of the scene to draw the metre grid on (plane.png)."),
    grid: float | None = typer.Option(None, "--grid-m", metavar="M", show_default=False,
                                      help="Spacing of the drawn grid in metres [1]."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Image-to-plane homography (pixels -> metres on a field or court): plane.toml, plane_points.csv (fit per
    point), plane.png (the metre grid in the image)."""
    from sportlens.calib.options import PlaneOptions
    from sportlens.calib.pipeline import run_plane
    from sportlens.command import report, run_task

    options = PlaneOptions(**_clean({"court_size": court_size, "image": None if image is None else str(image),
                                     "grid_m": grid}))
    summary = run_task("calibrate", lambda progress: run_plane(points, out, options, progress))
    m = summary.metrics
    lines = [f"[green]plane[/] from {m['points']} points: RMS {m['rms_m'] * 100:.2f} cm ({m['rms_px']:.2f} px)"]
    if "ball_court_flags" in m:
        lines.append(f"for ball track: {m['ball_court_flags']}")
    report(summary, as_json, lines, out)
