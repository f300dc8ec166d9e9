"""Intrinsic calibration of one camera from board views: views from a folder of images or a video, OpenCV's
calibrateCamera (4 distortions k1 k2 p1 p2, Pose2Sim's format), per-view RMS, outlier views dropped and refit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sportlens.calib.boards import Board, Detection
from sportlens.camera import Camera
from sportlens.errors import InputFileError
from sportlens.video.decode import IMAGE_SUFFIXES, decode_frames, image_sequence_files, probe_video, read_image


@dataclass
class View:
    """One image searched for the board: its label (file name or video frame), what was found, and why it was
    not used (empty when used)."""

    label: str
    detection: Detection | None
    rejected: str = ""
    rms_px: float = float("nan")


@dataclass
class IntrinsicResult:
    camera: Camera
    rms_px: float
    views: list[View] = field(default_factory=list)

    @property
    def used(self) -> list[View]:
        return [v for v in self.views if not v.rejected]


def source_images(source: Path, max_frames: int) -> tuple[int, Iterator[tuple[str, np.ndarray]]]:
    """(count, (label, grey image) ...) of a calibration source: every image of a folder, one image file, or
    max_frames frames spread evenly over a video."""
    import cv2

    if not source.exists():
        raise InputFileError("calibration input not found", source, "give a folder of board images or a video")
    if source.is_dir() or source.suffix.lower() in IMAGE_SUFFIXES:
        files = image_sequence_files(source) if source.is_dir() else [source]
        if not files:
            raise InputFileError("folder has no images", source, "give a folder of board images or a video")

        def images():
            for path in files:
                try:
                    rgb = read_image(path)
                except ValueError:
                    yield path.name, None
                    continue
                yield path.name, cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)

        return len(files), images()
    info = probe_video(source)
    n = info.n_frames or max_frames
    wanted = set(np.unique(np.linspace(0, n - 1, min(max_frames, n)).round().astype(int)).tolist())

    def frames():
        for frame in decode_frames(source, info=info):
            if frame.index in wanted:
                yield f"frame {frame.index}", cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
            if frame.index >= max(wanted):
                break

    return len(wanted), frames()


def calibrate_views(name: str, size: tuple[int, int], views: list[View],
                    outlier_factor: float = 3.0) -> IntrinsicResult:
    """Fit K and [k1, k2, p1, p2] to the views with a detection; views whose RMS exceeds outlier_factor x the
    median (and 1 px) are marked rejected and the fit is redone without them."""
    usable = [v for v in views if v.detection is not None and not v.rejected]
    camera, rms = _fit(name, size, usable)
    errors = [_view_rms(camera, v.detection) for v in usable]
    limit = max(outlier_factor * float(np.median(errors)), 1.0)
    bad = [v for v, e in zip(usable, errors, strict=True) if e > limit]
    if bad and len(usable) - len(bad) >= 3:
        for v, e in zip(usable, errors, strict=True):
            if e > limit:
                v.rejected = f"outlier: {e:.2f} px RMS > {limit:.2f} px"
        usable = [v for v in usable if not v.rejected]
        camera, rms = _fit(name, size, usable)
    for v in usable:
        v.rms_px = _view_rms(camera, v.detection)
    return IntrinsicResult(camera, rms, views)


def _fit(name: str, size: tuple[int, int], views: list[View]) -> tuple[Camera, float]:
    import cv2

    obj = [v.detection.object_m.astype(np.float32) for v in views]
    img = [v.detection.image_px.astype(np.float32) for v in views]
    criteria = (cv2.TERM_CRITERIA_COUNT + cv2.TERM_CRITERIA_EPS, 100, 1e-12)
    rms, k, dist, _, _ = cv2.calibrateCamera(obj, img, size, None, None, flags=cv2.CALIB_FIX_K3, criteria=criteria)
    return Camera(name, size, k, np.asarray(dist, float).ravel()[:4]), float(rms)


def _view_rms(camera: Camera, detection: Detection) -> float:
    """RMS reprojection error (px) of one view with its own best board pose under the camera's intrinsics."""
    import cv2

    ok, rvec, tvec = cv2.solvePnP(detection.object_m, detection.image_px, camera.matrix, camera.distortions)
    if not ok:
        return float("inf")
    proj, _ = cv2.projectPoints(detection.object_m, rvec, tvec, camera.matrix, camera.distortions)
    return float(np.sqrt(np.mean(np.sum((proj.reshape(-1, 2) - detection.image_px) ** 2, axis=1))))


def coverage(points_px: np.ndarray, size: tuple[int, int], cells: tuple[int, int] = (8, 6)) -> float:
    """Share (0..1) of an image grid's cells (columns x rows) holding at least one board corner."""
    if len(points_px) == 0:
        return 0.0
    w, h = size
    cx = np.clip((points_px[:, 0] / w * cells[0]).astype(int), 0, cells[0] - 1)
    cy = np.clip((points_px[:, 1] / h * cells[1]).astype(int), 0, cells[1] - 1)
    return len(set(zip(cx.tolist(), cy.tolist(), strict=True))) / (cells[0] * cells[1])


def detect_views(board: Board, images, on_image=None) -> tuple[list[View], tuple[int, int] | None]:
    """Search each (label, grey image or None) for the board; the views and the image size (width, height)."""
    views, size = [], None
    for label, gray in images:
        if gray is None:
            views.append(View(label, None, "not a readable image"))
        else:
            if size is None:
                size = (gray.shape[1], gray.shape[0])
            if (gray.shape[1], gray.shape[0]) != size:
                why = f"size {gray.shape[1]}x{gray.shape[0]} differs from {size[0]}x{size[1]}"
                views.append(View(label, None, why))
            else:
                found = board.detect(gray)
                views.append(View(label, found, "" if found is not None else "no board found"))
        if on_image is not None:
            on_image()
    return views, size
