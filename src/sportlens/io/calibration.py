"""Camera calibration files in Pose2Sim's TOML format (one table per camera, then [metadata]), read with
checks that name the camera and field, written atomically.

```
[cam_01]
name = "cam_01"
size = [ 1088.0, 1920.0]           # width, height px
matrix = [ [ fx, 0, cx], [ 0, fy, cy], [ 0, 0, 1]]
distortions = [ k1, k2, p1, p2]    # OpenCV model
rotation = [ rx, ry, rz]           # Rodrigues vector (rad), world -> camera
translation = [ tx, ty, tz]        # metres, X_cam = R X_world + t
fisheye = false
[metadata]
adjusted = false
error = 0.0
```
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np

from sportlens.camera import Camera
from sportlens.errors import DataFormatError, InputFileError
from sportlens.io.atomic import write_text

# field: (shape, what it is) — checked on read, in this order
CAMERA_FIELDS: dict[str, tuple[tuple[int, ...] | None, str]] = {
    "size": ((2,), "[width, height] in px"),
    "matrix": ((3, 3), "the 3x3 intrinsic matrix in px"),
    "distortions": (None, "OpenCV distortions [k1, k2, p1, p2] (4, 5, 8, 12 or 14 numbers)"),
    "rotation": ((3,), "a Rodrigues vector [rx, ry, rz] in rad"),
    "translation": ((3,), "[tx, ty, tz] in metres"),
}
DISTORTION_LENGTHS = (4, 5, 8, 12, 14)
METADATA = "metadata"


def _field(path: Path, section: str, table: dict, name: str) -> np.ndarray:
    shape, what = CAMERA_FIELDS[name]
    fix = f"give {name} = {what}"
    if name not in table:
        raise DataFormatError(f"calibration camera [{section}] has no field '{name}'", path, fix)
    try:
        value = np.asarray(table[name], dtype=float)
    except (TypeError, ValueError):
        raise DataFormatError(f"calibration camera [{section}] field '{name}' is not numbers", path, fix) from None
    if shape is None:
        ok = value.ndim == 1 and len(value) in DISTORTION_LENGTHS
    else:
        ok = value.shape == shape
    if not ok:
        got = "x".join(str(n) for n in value.shape) or "a single value"
        raise DataFormatError(f"calibration camera [{section}] field '{name}' has shape {got}", path, fix)
    if not np.isfinite(value).all():
        raise DataFormatError(f"calibration camera [{section}] field '{name}' has a non-finite value", path, fix)
    return value


def read_calibration(path: str | Path) -> list[Camera]:
    """The cameras of a Pose2Sim-format calibration TOML, in file order; DataFormatError naming the camera and
    field when one is missing or has the wrong shape."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("calibration file not found", path, "give a calibration TOML (sportlens calibrate)")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"calibration file is not valid TOML ({exc})", path, "fix the file") from None
    cameras = []
    for section, table in document.items():
        if section == METADATA or not isinstance(table, dict):
            continue
        values = {name: _field(path, section, table, name) for name in CAMERA_FIELDS}
        k = values["matrix"]
        if k[0, 0] <= 0 or k[1, 1] <= 0 or abs(k[2, 2] - 1) > 1e-9 or np.any(k[2, :2]):
            raise DataFormatError(f"calibration camera [{section}] field 'matrix' is not an intrinsic matrix "
                                  "(positive fx, fy and a last row 0 0 1)", path, "fix the matrix")
        if np.any(values["size"] <= 0):
            raise DataFormatError(f"calibration camera [{section}] field 'size' must be positive", path,
                                  "give size = [width, height] in px")
        cameras.append(Camera(str(table.get("name", section)), values["size"], k, values["distortions"],
                              values["rotation"], values["translation"], bool(table.get("fisheye", False))))
    if not cameras:
        raise DataFormatError("calibration file has no camera table", path,
                              "expected one [camera] table per camera with size, matrix, distortions, rotation, "
                              "translation")
    names = [c.name for c in cameras]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataFormatError(f"calibration file names camera {dup[0]!r} twice", path, "give each camera its own name")
    return cameras


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("calibration values must be finite")
    return repr(float(value))


def _array(values) -> str:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        return "[ " + ", ".join(_number(v) for v in arr) + "]"
    return "[ " + ", ".join(_array(row) for row in arr) + "]"


def calibration_text(cameras: list[Camera], metadata: dict | None = None) -> str:
    """The TOML text of a calibration (Pose2Sim's layout; values as Python's shortest exact float text, so a
    round trip is exact)."""
    lines = []
    for cam in cameras:
        lines += [
            f"[{cam.name}]",
            f'name = "{cam.name}"',
            f"size = {_array(cam.size)}",
            f"matrix = {_array(cam.matrix)}",
            f"distortions = {_array(cam.distortions)}",
            f"rotation = {_array(cam.rotation)}",
            f"translation = {_array(cam.translation)}",
            f"fisheye = {'true' if cam.fisheye else 'false'}",
            "",
        ]
    meta = {"adjusted": False, "error": 0.0, **(metadata or {})}
    lines.append(f"[{METADATA}]")
    for key, value in meta.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = _number(value)
        else:
            text = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def write_calibration(target: str | Path, cameras: list[Camera], metadata: dict | None = None) -> Path:
    """Write cameras as a Pose2Sim-format calibration TOML, atomically."""
    for cam in cameras:
        if not cam.name or any(ch in cam.name for ch in '[]."\n '):
            raise ValueError(f"camera name {cam.name!r} cannot be a TOML table name")
    return write_text(target, calibration_text(cameras, metadata))


def write_plane(target: str | Path, homography: np.ndarray, rms_m: float, points: int,
                court_size: tuple[float, float] | None = None, court_px: np.ndarray | None = None) -> Path:
    """Write an image-to-plane calibration: [plane] homography (3x3, image px -> plane m), its fit, and with a
    court size a [ball] table holding `sportlens ball track`'s court and court_size values."""
    h = np.asarray(homography, dtype=float)
    lines = ["# image pixels -> plane metres: [x_m, y_m, w] = homography @ [x_px, y_px, 1], then divide by w",
             "[plane]", f"homography = {_array(h / h[2, 2])}", f"rms_m = {_number(rms_m)}", f"points = {int(points)}"]
    if court_size is not None and court_px is not None:
        w, length = court_size
        lines += ["", "# the court's far-left, far-right, near-right, near-left corners in pixels, for",
                  "# sportlens ball track --court X1,Y1,...,X4,Y4 --court-size WIDTH,LENGTH", "[ball]",
                  f"court = {_array(np.asarray(court_px, float).ravel().round(2))}",
                  f'court_size = "{w:g},{length:g}"']
    return write_text(target, "\n".join(lines) + "\n")


def read_plane(path: str | Path) -> np.ndarray:
    """The 3x3 image-to-plane homography (px -> m) of a plane.toml written by `sportlens calibrate plane`."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError("plane file not found", path, "give a plane.toml from sportlens calibrate plane")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("plane", {})
        h = np.asarray(table["homography"], dtype=float)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
        raise DataFormatError("not a plane calibration (no [plane] homography of 3x3 numbers)", path,
                              "give a plane.toml from sportlens calibrate plane") from None
    if h.shape != (3, 3) or not np.isfinite(h).all():
        raise DataFormatError("plane field 'homography' must be 3x3 finite numbers", path, "fix the file")
    return h
