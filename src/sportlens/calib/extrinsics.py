"""Extrinsic calibration: each camera's pose (rotation, translation) in a shared world frame, by solvePnP on
a board every camera sees (the world frame is the board's) or on known 3D points (a CSV of world points and
a CSV of where each camera sees them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.camera import Camera
from sportlens.errors import DataFormatError, InputFileError

MIN_POINTS = 4


@dataclass
class PoseResult:
    camera: Camera
    rms_px: float
    points: int
    source: str  # the image or "points"


def solve_pose(camera: Camera, object_m: np.ndarray, image_px: np.ndarray) -> tuple[Camera, float]:
    """The camera with rotation/translation fitted to world points (n, 3) m seen at image points (n, 2) px
    (SQPnP start, Levenberg-Marquardt refinement) and the RMS reprojection error in px."""
    import cv2

    obj = np.ascontiguousarray(object_m, dtype=np.float64).reshape(-1, 1, 3)
    img = np.ascontiguousarray(image_px, dtype=np.float64).reshape(-1, 1, 2)
    ok, rvec, tvec = cv2.solvePnP(obj, img, camera.matrix, camera.distortions, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        raise ValueError("no camera pose explains these points")
    rvec, tvec = cv2.solvePnPRefineLM(obj, img, camera.matrix, camera.distortions, rvec, tvec)
    posed = camera.replace(rotation=rvec.ravel(), translation=tvec.ravel())
    err = posed.project(object_m) - np.asarray(image_px, float).reshape(-1, 2)
    return posed, float(np.sqrt(np.mean(np.sum(err ** 2, axis=1))))


def read_points_table(path: Path, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    """A CSV of named points with the given columns (coordinates in *_m / *_px must be numbers); a missing
    `point` column, when not asked for, is filled with row numbers."""
    if not path.is_file():
        raise InputFileError(f"{what} file not found", path, "check the path")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{what} file is not a CSV table ({exc})", path, "fix the file") from None
    if "point" not in columns and "point" not in table.columns:
        table.insert(0, "point", [str(i + 1) for i in range(len(table))])
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataFormatError(f"{what} file has no column {', '.join(missing)}", path,
                              f"expected columns {', '.join(columns)}")
    numeric = [c for c in columns if c.endswith(("_m", "_px"))]
    bad = table[numeric].apply(pd.to_numeric, errors="coerce").isna().any(axis=1)
    if bad.any():
        raise DataFormatError(f"{what} file row {int(np.flatnonzero(bad)[0]) + 2} has a missing or non-numeric "
                              "coordinate", path, "give numbers in metres / pixels")
    table["point"] = table["point"].astype(str)
    return table


def poses_from_points(cameras: list[Camera], points_3d: Path, points_2d: Path) -> list[PoseResult]:
    """Each camera posed by the world points it sees (at least 4; 6 when they are not on one plane)."""
    world = read_points_table(points_3d, ("point", "x_m", "y_m", "z_m"), "3D points")
    seen = read_points_table(points_2d, ("camera", "point", "x_px", "y_px"), "2D points")
    seen["camera"] = seen["camera"].astype(str)
    where = world.set_index("point")[["x_m", "y_m", "z_m"]]
    unknown = sorted(set(seen["point"]) - set(where.index))
    if unknown:
        raise DataFormatError(f"2D points name point {unknown[0]!r}, which the 3D points file lacks", points_2d,
                              "use the names of the 3D points file")
    names = {c.name for c in cameras}
    stray = sorted(set(seen["camera"]) - names)
    if stray:
        raise DataFormatError(f"2D points name camera {stray[0]!r}, which the calibration lacks", points_2d,
                              f"cameras are {', '.join(sorted(names))}")
    results = []
    for cam in cameras:
        rows = seen[seen["camera"] == cam.name]
        if len(rows) < MIN_POINTS:
            raise DataFormatError(f"camera {cam.name!r} sees {len(rows)} known point(s); a pose needs at least "
                                  f"{MIN_POINTS}", points_2d, "add rows for more points seen by that camera")
        obj = where.loc[rows["point"]].to_numpy(float)
        posed, rms = solve_pose(cam, obj, rows[["x_px", "y_px"]].to_numpy(float))
        results.append(PoseResult(posed, rms, len(rows), "points"))
    return results
