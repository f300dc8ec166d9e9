"""Photos to keypoints: a folder of CLASS/ sub-folders of images (or single images), BlazePose in static mode
on each at most `max_side` px long, cached in memory for the process (eval after train reads no photo twice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sportlens.constants import IMAGE_SUFFIXES
from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress

_CACHE: dict[tuple[str, int, int, int], np.ndarray | None] = {}


@dataclass
class PoseSet:
    """Photos with a person: files, labels (None when unknown), keypoints (N, 33, 2) px; skipped: files
    without a person or unreadable, with the reason."""

    files: list[Path]
    labels: list[str | None]
    xy: np.ndarray
    skipped: list[dict[str, str]] = field(default_factory=list)


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def labelled_images(folder: Path) -> list[tuple[Path, str]]:
    """(image, class) for every image in CLASS/ sub-folders of `folder`; a user error when there is none."""
    if not folder.is_dir():
        raise InputFileError("data folder not found", folder, "give a folder of CLASS/ sub-folders of images")
    items = [(f, cls.name) for cls in sorted(p for p in folder.iterdir() if p.is_dir())
             for f in sorted(cls.iterdir()) if is_image(f)]
    if not items:
        raise DataFormatError("no images found", folder, "expected CLASS/ sub-folders holding images "
                              f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    return items


def images_of(inputs: list[Path]) -> list[Path]:
    """Images named directly or inside the folders given (not recursive)."""
    files: list[Path] = []
    for path in inputs:
        if not path.exists():
            raise InputFileError("input not found", path, "give images or folders of images")
        if path.is_dir():
            files += sorted(f for f in path.iterdir() if is_image(f))
        elif is_image(path):
            files.append(path)
        else:
            raise DataFormatError("not an image", path, f"give one of {', '.join(sorted(IMAGE_SUFFIXES))}")
    if not files:
        raise DataFormatError("no images found", inputs[0], "give images or folders of images")
    return files


def _key(path: Path, max_side: int) -> tuple[str, int, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size, max_side)


def estimate_keypoints(files: list[Path], labels: list[str | None], max_side: int, progress: Progress) -> PoseSet:
    """BlazePose (static mode) on each photo; photos without a person are skipped with the reason."""
    from sportlens.pose.photos import _shrink
    from sportlens.video.decode import read_image

    todo = [f for f in files if _key(f, max_side) not in _CACHE]
    if todo:
        from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced

        with native_stderr_silenced(), BlazePoseEstimator("full", static_image=True) as estimator, \
                progress.step("pose", total=len(todo), unit="photos") as step:
            for file in todo:
                try:
                    rgb = read_image(file)
                except ValueError:
                    _CACHE[_key(file, max_side)] = None
                    step.advance()
                    continue
                estimate = estimator(_shrink(rgb, max_side), rgb.shape[1], rgb.shape[0])
                _CACHE[_key(file, max_side)] = None if estimate is None else estimate.xy_px.copy()
                step.advance()
    kept_files, kept_labels, xy, skipped = [], [], [], []
    for file, label in zip(files, labels, strict=True):
        found = _CACHE[_key(file, max_side)]
        if found is None:
            skipped.append({"file": str(file), "reason": "no person found or not a readable image"})
            continue
        kept_files.append(file)
        kept_labels.append(label)
        xy.append(found)
    return PoseSet(kept_files, kept_labels, np.stack(xy) if xy else np.zeros((0, 33, 2)), skipped)
