"""Photos and clips to keypoints: a folder of CLASS/ sub-folders of images and/or videos (or single files),
BlazePose in static mode on each photo and on `frames_per_clip` frames spread evenly over each clip, at most
`max_side` px long, cached in memory for the process (eval after train reads no file twice). A photo without a
person gets a second pass (`retry_photo`): a lower detection threshold, then the photo padded, flipped, and both."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sportlens.constants import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress

# photo: xy (33, 2) or None; clip: [(frame, xy or None), ...]
_CACHE: dict[tuple, np.ndarray | None | list[tuple[int, np.ndarray | None]]] = {}
_RETRIED: dict[tuple, str] = {}
KINDS = ", ".join(sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))


@dataclass
class PoseSet:
    """Poses found: per pose its file (the photo or the clip), frame (None for a photo), label (None when
    unknown) and keypoints (N, 33, 2) px; skipped: photos without a person or unreadable, and clip frames
    without a person, each with the reason."""

    files: list[Path]
    labels: list[str | None]
    xy: np.ndarray
    skipped: list[dict[str, str]] = field(default_factory=list)
    frames: list[int | None] = field(default_factory=list)
    retried: dict[str, str] = field(default_factory=dict)  # photo -> the second-pass variant that found the person

    @property
    def groups(self) -> list[str]:
        """The source of each pose (photo or clip): frames of one clip are one group, never split."""
        return [str(f) for f in self.files]


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def is_video(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES


def labelled_inputs(folder: Path) -> list[tuple[Path, str]]:
    """(image or clip, class) for every image and video in CLASS/ sub-folders of `folder`; a user error when there
    is none."""
    if not folder.is_dir():
        raise InputFileError("data folder not found", folder, "give a folder of CLASS/ sub-folders of images or "
                                                              "clips")
    items = [(f, cls.name) for cls in sorted(p for p in folder.iterdir() if p.is_dir())
             for f in sorted(cls.iterdir()) if is_image(f) or is_video(f)]
    if not items:
        raise DataFormatError("no images or clips found", folder, f"expected CLASS/ sub-folders holding images or "
                              f"videos ({KINDS})")
    return items


def inputs_of(paths: list[Path]) -> list[Path]:
    """Images and videos named directly or inside the folders given (not recursive)."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputFileError("input not found", path, "give images, videos or folders of them")
        if path.is_dir():
            files += sorted(f for f in path.iterdir() if is_image(f) or is_video(f))
        elif is_image(path) or is_video(path):
            files.append(path)
        else:
            raise DataFormatError("not an image or a video", path, f"give one of {KINDS}")
    if not files:
        raise DataFormatError("no images or videos found", paths[0], "give images, videos or folders of them")
    return files


def _key(path: Path, *settings) -> tuple:
    stat = path.stat()
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size, *settings)


def sample_indices(n_frames: int, k: int) -> np.ndarray:
    """k frame indices spread evenly over n_frames (the centres of k equal parts), fewer when the clip is shorter."""
    if n_frames <= 0:
        return np.zeros(0, int)
    return np.unique(((np.arange(k) + 0.5) * n_frames / k).astype(int).clip(0, n_frames - 1))


RETRY_DETECTION = 0.1  # the second pass's person-detection threshold (the first pass: BlazePose's default 0.5)
RETRY_PAD = 0.25  # ... and the border added around the photo (x its longer side), for people cut by the edge


def retry_photo(rgb: np.ndarray, estimator) -> tuple[np.ndarray | None, str | None]:
    """Second pass on a photo (already shrunk) where BlazePose found no person, with an estimator of threshold
    RETRY_DETECTION: the photo as it is, padded by RETRY_PAD (black), flipped left-right, flipped and padded; the
    first that finds a person wins. Returns (xy (33, 2) px in rgb's frame, the variant's name) or (None, None).
    A flipped photo's keypoints are flipped back and their left/right names swapped back."""
    import cv2

    from sportlens.posecls.features import MIRROR

    h, w = rgb.shape[:2]
    pad = int(RETRY_PAD * max(h, w))
    padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    for name, image, border, flipped in (("low threshold", rgb, 0, False), ("padded", padded, pad, False),
                                         ("flipped", rgb, 0, True), ("flipped and padded", padded, pad, True)):
        estimate = estimator(np.ascontiguousarray(image[:, ::-1]) if flipped else image)
        if estimate is None:
            continue
        xy = estimate.xy_px.copy()
        if flipped:
            xy = xy[list(MIRROR)]
            xy[:, 0] = image.shape[1] - xy[:, 0]
        return xy - border, name
    return None, None


def _clip_poses(path: Path, estimator, max_side: int, k: int, step) -> list[tuple[int, np.ndarray | None]]:
    """BlazePose on k frames spread over the clip: [(frame, xy (33, 2) px or None)]."""
    from sportlens.video.decode import decode_frames, probe_video

    info = probe_video(path)
    n = info.n_frames or int(round((info.duration_s or 0) * info.fps))
    wanted = set(sample_indices(n, k).tolist())
    out = []
    for frame in decode_frames(path, max_side=max_side, info=info, stop=max(wanted) + 1 if wanted else 0):
        if frame.index in wanted:
            estimate = estimator(frame.image, info.width, info.height)
            out.append((frame.index, None if estimate is None else estimate.xy_px.copy()))
            step.advance()
    for _ in range(len(wanted) - len(out)):  # the container held fewer frames than it said
        step.advance()
    return out


def estimate_keypoints(files: list[Path], labels: list[str | None], max_side: int, progress: Progress,
                       frames_per_clip: int = 8, retry: bool = True) -> PoseSet:
    """BlazePose (static mode) on each photo and on frames_per_clip frames of each clip; photos and frames without
    a person are skipped with the reason. retry: a second pass (`retry_photo`) on photos without a person."""
    from sportlens.pose.photos import _shrink
    from sportlens.video.decode import read_image

    keys = {f: _key(f, max_side, frames_per_clip) if is_video(f) else _key(f, max_side, retry) for f in files}
    todo = [f for f in files if keys[f] not in _CACHE]
    if todo:
        from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced

        total = sum(frames_per_clip if is_video(f) else 1 for f in todo)
        retry_estimator: list = []

        def second_pass():
            if not retry_estimator:
                retry_estimator.append(BlazePoseEstimator("full", static_image=True, min_detection=RETRY_DETECTION))
            return retry_estimator[0]

        with native_stderr_silenced(), BlazePoseEstimator("full", static_image=True) as estimator, \
                progress.step("pose", total=total, unit="images") as step:
            for file in todo:
                if is_video(file):
                    try:
                        _CACHE[keys[file]] = _clip_poses(file, estimator, max_side, frames_per_clip, step)
                    except ValueError:  # not a readable video
                        _CACHE[keys[file]] = []
                    continue
                try:
                    rgb = read_image(file)
                except ValueError:
                    _CACHE[keys[file]] = None
                    step.advance()
                    continue
                small = _shrink(rgb, max_side)
                estimate = estimator(small, rgb.shape[1], rgb.shape[0])
                _CACHE[keys[file]] = None if estimate is None else estimate.xy_px.copy()
                if estimate is None and retry:
                    xy, how = retry_photo(small, second_pass())
                    if xy is not None:
                        _CACHE[keys[file]] = xy * (rgb.shape[1] / small.shape[1])
                        _RETRIED[keys[file]] = how
                step.advance()
            for extra in retry_estimator:
                extra.close()
    poses = PoseSet([], [], np.zeros((0, 33, 2)))
    xy = []
    for file, label in zip(files, labels, strict=True):
        found = _CACHE[keys[file]]
        if isinstance(found, list):
            seen = [(frame, p) for frame, p in found if p is not None]
            if len(seen) < len(found) or not found:
                poses.skipped.append({"file": str(file), "reason": f"no person found in {len(found) - len(seen)} "
                                      f"of {len(found)} sampled frames" if found else "not a readable video"})
            for frame, p in seen:
                poses.files.append(file)
                poses.frames.append(frame)
                poses.labels.append(label)
                xy.append(p)
            continue
        if found is None:
            poses.skipped.append({"file": str(file), "reason": "no person found or not a readable image"})
            continue
        if keys[file] in _RETRIED:
            poses.retried[str(file)] = _RETRIED[keys[file]]
        poses.files.append(file)
        poses.frames.append(None)
        poses.labels.append(label)
        xy.append(found)
    poses.xy = np.stack(xy) if xy else np.zeros((0, 33, 2))
    return poses
