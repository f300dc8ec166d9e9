"""`run_intrinsics`, `run_extrinsics`, `run_plane`: the library entry points of `sportlens calibrate`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.calib.extrinsics import PoseResult, poses_from_points, read_points_table, solve_pose
from sportlens.calib.intrinsics import IntrinsicResult, calibrate_views, coverage, detect_views, source_images
from sportlens.calib.options import ExtrinsicsOptions, IntrinsicsOptions, PlaneOptions
from sportlens.camera import apply_homography, court_corners_m, court_homography
from sportlens.errors import DataFormatError, InputFileError, UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.calibration import read_calibration, write_calibration
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain

CALIB_FILE = "calib.toml"


def _listing(labels: list[str], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _board_hint(options) -> str:
    if options.board_type == "charuco":
        return (f"check --board (squares, e.g. 5x7), --dictionary ({options.dictionary}) and that the board is "
                "in view")
    cols, rows = options.board.split("x")
    return (f"check --board: it counts inner corners ({options.board} is a board of {int(cols) + 1}x{int(rows) + 1} "
            "squares), and that the whole board is in view and sharp")


def run_intrinsics(sources: Sequence[str | Path], out_dir: str | Path, options: IntrinsicsOptions = IntrinsicsOptions(),
                   progress: Progress | None = None) -> Summary:
    """Calibrate each source (a folder of board images or a video; one per camera) -> calib.toml (Pose2Sim
    format, extrinsics zero), views.csv, coverage.png."""
    progress = ensure_progress(progress, "calibrate")
    sources = [Path(s) for s in sources]
    names = list(options.names) or [f"cam_{i + 1:02d}" for i in range(len(sources))]
    if len(names) != len(sources):
        raise UserError(f"--names gives {len(names)} camera name(s) for {len(sources)} input(s)",
                        hint="give one name per input, comma-separated")
    board = options.make_board()
    t0 = time.perf_counter()
    results: list[IntrinsicResult] = []
    warnings: list[str] = []
    for name, source in zip(names, sources, strict=True):
        count, images = source_images(source, options.max_frames)
        with progress.step(f"board {name}", total=count, unit="images") as step:
            views, size = detect_views(board, images, step.advance)
        found = [v for v in views if v.detection is not None]
        missing = [v.label for v in views if v.detection is None]
        if len(found) < options.min_views:
            raise InputFileError(
                f"board found in {len(found)} of {len(views)} images (at least {options.min_views} needed); none in "
                f"{_listing(missing)}", source, _board_hint(options))
        if missing:
            warnings.append(f"{name}: no board in {len(missing)} of {len(views)} images ({_listing(missing)}); "
                            "they were skipped")
        results.append(calibrate_views(name, size, views, options.outlier_factor))
    fit_s = time.perf_counter() - t0

    summary = Summary("calibrate intrinsics", inputs=[str(s) for s in sources], options=plain(options))
    for text in warnings:
        summary.warn(text)
    with output_run(out_dir, summary, *sources) as out:
        note = "none (rotation and translation are zero): run sportlens calibrate extrinsics"
        write_calibration(out / CALIB_FILE, [r.camera for r in results],
                          {"adjusted": False, "error": float(np.mean([r.rms_px for r in results])), "extrinsics": note})
        write_csv(out / "views.csv", _views_table(results))
        if options.plot:
            from sportlens.calib.plots import coverage_figure

            coverage_figure(out / "coverage.png", results)
        summary.metrics = {"cameras": [_camera_metrics(r) for r in results],
                           "rms_px": round(float(np.mean([r.rms_px for r in results])), 4)}
        summary.timings["calibrate_s"] = round(fit_s, 3)
        for res in results:
            if res.rms_px > 1.0:
                summary.warn(f"{res.camera.name}: RMS reprojection error {res.rms_px:.2f} px is high (> 1 px): check "
                             "the board is flat, sharp in every view and measured right (--square-mm)")
            cov = coverage(np.concatenate([v.detection.image_px for v in res.used]), res.camera.size)
            if cov < 0.5:
                summary.warn(f"{res.camera.name}: board corners cover {100 * cov:.0f} % of the image; distortion "
                             "near the edges is a guess (show the board in the corners too)")
    return summary


def _views_table(results: list[IntrinsicResult]) -> pd.DataFrame:
    rows = []
    for res in results:
        for v in res.views:
            rows.append({"camera": res.camera.name, "image": v.label, "used": not v.rejected,
                         "corners": 0 if v.detection is None else len(v.detection.image_px),
                         "rms_px": round(v.rms_px, 4) if np.isfinite(v.rms_px) else None, "rejected": v.rejected})
    return pd.DataFrame(rows, columns=["camera", "image", "used", "corners", "rms_px", "rejected"])


def _camera_metrics(res: IntrinsicResult) -> dict:
    k = res.camera.matrix
    used = res.used
    corners = np.concatenate([v.detection.image_px for v in used])
    return {"name": res.camera.name, "size": list(res.camera.size), "rms_px": round(res.rms_px, 4),
            "views_used": len(used), "views_rejected": len(res.views) - len(used),
            "fx_px": round(float(k[0, 0]), 3), "fy_px": round(float(k[1, 1]), 3),
            "cx_px": round(float(k[0, 2]), 3), "cy_px": round(float(k[1, 2]), 3),
            "distortions": [round(float(d), 6) for d in res.camera.distortions],
            "coverage": round(coverage(corners, res.camera.size), 3)}


def _board_pose(board, camera, source: Path) -> tuple[PoseResult, str]:
    """The camera posed by the first image of source (an image, a folder or a video) where the board is found."""
    count, images = source_images(source, 40)
    for label, gray in images:
        if gray is None:
            continue
        if (gray.shape[1], gray.shape[0]) != camera.size:
            raise InputFileError(f"image {label} is {gray.shape[1]}x{gray.shape[0]} px but camera {camera.name!r} "
                                 f"was calibrated at {camera.size[0]}x{camera.size[1]}", source,
                                 "use images at the calibrated size")
        found = board.detect(gray)
        if found is not None:
            posed, rms = solve_pose(camera, found.object_m, found.image_px)
            return PoseResult(posed, rms, len(found.image_px), f"{source.name}: {label}"), label
    raise InputFileError(f"board not found in any of {count} image(s)", source,
                         "every camera must see the board once; " + _board_hint_short(board))


def _board_hint_short(board) -> str:
    return f"check --board ({board.kind}, {board.columns}x{board.rows})"


def run_extrinsics(calib: str | Path, sources: Sequence[str | Path], out_dir: str | Path,
                   options: ExtrinsicsOptions = ExtrinsicsOptions(), progress: Progress | None = None) -> Summary:
    """Pose every camera of an intrinsic calibration in one world frame: the board's (one image, folder or video
    per camera, in the calibration's camera order) or that of known 3D points -> calib.toml, extrinsics.csv,
    cameras.png."""
    progress = ensure_progress(progress, "calibrate")
    calib = Path(calib)
    cameras = read_calibration(calib)
    sources = [Path(s) for s in sources]
    points = None
    with progress.step("pose cameras", total=len(cameras), unit="cameras") as step:
        if options.points_3d is not None:
            if sources:
                raise UserError("give board images or --points-3d/--points-2d, not both")
            results = poses_from_points(cameras, Path(options.points_3d), Path(options.points_2d))
            step.advance(len(cameras))
            points = pd.read_csv(options.points_3d)[["x_m", "y_m", "z_m"]].to_numpy(float)
        else:
            if len(sources) != len(cameras):
                raise UserError(f"{calib.name} has {len(cameras)} camera(s) ({', '.join(c.name for c in cameras)}) but "
                                f"{len(sources)} board input(s) were given",
                                hint="give one image, folder or video per camera, in the calibration's order")
            board = options.make_board()
            results = []
            for cam, source in zip(cameras, sources, strict=True):
                results.append(_board_pose(board, cam, source)[0])
                step.advance()
            points = board.object_points()
    inputs = [calib, *sources] + ([Path(options.points_3d), Path(options.points_2d)] if options.points_3d else [])
    summary = Summary("calibrate extrinsics", inputs=[str(p) for p in inputs], options=plain(options))
    with output_run(out_dir, summary, *inputs) as out:
        posed = [r.camera for r in results]
        write_calibration(out / CALIB_FILE, posed, {"adjusted": False,
                                                   "error": float(np.mean([r.rms_px for r in results]))})
        rows = [{"camera": r.camera.name, "source": r.source, "points": r.points, "rms_px": round(r.rms_px, 4),
                 **{f"centre_{a}_m": round(float(v), 5) for a, v in zip("xyz", r.camera.centre_m, strict=True)}}
                for r in results]
        write_csv(out / "extrinsics.csv", pd.DataFrame(rows))
        if options.plot:
            from sportlens.calib.plots import cameras_figure

            cameras_figure(out / "cameras.png", posed, points)
        summary.metrics = {"cameras": rows, "rms_px": round(float(np.mean([r.rms_px for r in results])), 4)}
        for r in results:
            if r.rms_px > 2.0:
                summary.warn(f"{r.camera.name}: RMS reprojection error {r.rms_px:.2f} px is high (> 2 px): check the "
                             "points (names, units in metres) or the intrinsics")
    return summary


def read_plane_points(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(image_px (n, 2), plane_m (n, 2)) from a CSV with columns x_px, y_px, x_m, y_m (at least 4 rows)."""
    table = read_points_table(path, ("x_px", "y_px", "x_m", "y_m"), "plane points")
    if len(table) < 4:
        raise DataFormatError(f"plane points file has {len(table)} point(s); a homography needs at least 4", path,
                              "add rows: four or more points on the plane, not three on a line")
    return table[["x_px", "y_px"]].to_numpy(float), table[["x_m", "y_m"]].to_numpy(float)


def run_plane(points: str | Path, out_dir: str | Path, options: PlaneOptions = PlaneOptions(),
              progress: Progress | None = None) -> Summary:
    """The homography from image pixels to a plane in metres (a field, a court) from >= 4 known points ->
    plane.toml (with `sportlens ball track` court flags when a court size is given), plane_points.csv, plane.png."""
    progress = ensure_progress(progress, "calibrate")
    points = Path(points)
    image_px, plane_m = read_plane_points(points)
    try:
        h = court_homography(image_px, plane_m)
    except ValueError as exc:
        raise DataFormatError(f"plane points give no homography ({exc})", points,
                              "use four or more points spread over the plane, no three on one line") from None
    image = None
    if options.image is not None:
        from sportlens.video.decode import read_image

        if not Path(options.image).is_file():
            raise InputFileError("image not found", options.image, "check the path given to --image")
        try:
            image = read_image(Path(options.image))
        except ValueError:
            raise InputFileError("not a readable image", options.image, "give a PNG or JPEG") from None
    fitted_m = apply_homography(h, image_px)
    back_px = apply_homography(np.linalg.inv(h), plane_m)
    err_m = np.linalg.norm(fitted_m - plane_m, axis=1)
    err_px = np.linalg.norm(back_px - image_px, axis=1)
    summary = Summary("calibrate plane", inputs=[str(points)] + ([options.image] if options.image else []),
                      options=plain(options))
    with output_run(out_dir, summary, points, *([options.image] if options.image else [])) as out:
        court = options.court_dimensions()
        corners_px = None
        if court is not None:
            corners_px = apply_homography(np.linalg.inv(h), court_corners_m(*court))
        from sportlens.io.calibration import write_plane

        write_plane(out / "plane.toml", h, rms_m=float(np.sqrt(np.mean(err_m ** 2))), points=len(image_px),
                    court_size=court, court_px=corners_px)
        write_csv(out / "plane_points.csv", pd.DataFrame({
            "x_px": image_px[:, 0], "y_px": image_px[:, 1], "x_m": plane_m[:, 0], "y_m": plane_m[:, 1],
            "fitted_x_m": fitted_m[:, 0].round(5), "fitted_y_m": fitted_m[:, 1].round(5),
            "error_m": err_m.round(5), "error_px": err_px.round(3)}))
        from sportlens.calib.plots import plane_figure

        plane_figure(out / "plane.png", h, image_px, plane_m, options.grid_m, image)
        summary.metrics = {"points": len(image_px), "rms_m": round(float(np.sqrt(np.mean(err_m ** 2))), 5),
                           "max_error_m": round(float(err_m.max()), 5),
                           "rms_px": round(float(np.sqrt(np.mean(err_px ** 2))), 3),
                           "homography": h.round(10).tolist()}
        if corners_px is not None:
            flat = ",".join(f"{v:.1f}" for v in corners_px.ravel())
            summary.metrics["ball_court_flags"] = f"--court {flat} --court-size {court[0]:g},{court[1]:g}"
        if len(image_px) > 4 and summary.metrics["max_error_m"] > 0.05 * float(np.ptp(plane_m, axis=0).max()):
            summary.warn(f"a point is {err_m.max():.3f} m off the fitted plane: check it (plane_points.csv) — a "
                         "mistyped coordinate, or a point off the plane")
    return summary
