"""Video clips ready for the video action models: frames and optical flow cropped around the athlete, with
the same augmentation applied to RGB, flow and pose.

Preparation (cached per video, `sportlens.video.flow` for the flow): the clip is decoded at the flow's
working size (longer side 320 by default); the flow comes from `clip_flow` (DIS, normalised as in the
paper, int8); the region of interest is a square of `crop` x the frame's shorter side centred on the
flow's ROI track, or on the athlete's joints when there is a pose. The square is resized to `store`
pixels; at most `store_frames` frames are kept, evenly spread over the clip (flow pair k belongs to
frame k; the last frame repeats the last pair).

Augmentation (`augment`) draws one rotation, zoom, shift and flip per clip and applies it to every frame
of every stream: RGB and flow are warped with the same affine map, the flow vectors are rotated and scaled
with it, joints go through the same map; a horizontal flip mirrors the frames and the flow field, negates
the horizontal flow (exact on the codes, `flip_flow`) and swaps left and right joints. Temporal jitter
picks 80-100 % of the clip at a random place inside it, resampled to the model's frames.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sportlens.action.skeleton import JOINTS, MIRROR, N_FEATURES, features, normalise
from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress, ensure_progress
from sportlens.options import check_range
from sportlens.video.flow import FlowSettings, clip_flow, flip_flow, smooth_roi

PREP_VERSION = 1
KINETICS_MEAN = np.array([0.43216, 0.394666, 0.37645], np.float32)
KINETICS_STD = np.array([0.22803, 0.22145, 0.216989], np.float32)


@dataclass(frozen=True)
class PrepSettings:
    """How clips are prepared: flow working size (longer side), ROI square (fraction of the shorter side),
    stored crop side (pixels) and most frames kept per clip."""

    max_side: int = 320
    crop: float = 0.8
    store: int = 80
    store_frames: int = 32

    def __post_init__(self) -> None:
        check_range("max_side", self.max_side, 32, 4096)
        check_range("crop", self.crop, 0.1, 1.0)
        check_range("store", self.store, 16, 512)
        check_range("store_frames", self.store_frames, 2, 1024)


@dataclass(frozen=True)
class VideoSample:
    """One prepared clip: rgb (T, S, S, 3) uint8 and flow (T, S, S, 2) int8 codes of the ROI crops, pose
    (T, 13, 2) joints in crop pixels (NaN where unseen) or None, label, source, duration_s (of the clip), split."""

    rgb: np.ndarray
    flow: np.ndarray
    pose: np.ndarray | None
    label: str | None
    source: str
    duration_s: float
    split: str | None = None  # 'train' / 'test' when the data set has its own split


def _roi_from_pose(xy: np.ndarray, fps: float, width: int, height: int, cutoff_hz: float) -> np.ndarray:
    """(T, 2) ROI centres from joints (T, 13, 2) in working pixels: the mean of the visible joints, smoothed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centres = np.nanmean(xy, axis=1)
    return smooth_roi(centres, fps, width, height, cutoff_hz)


def _crop_matrix(cx: float, cy: float, side: float, out: int) -> np.ndarray:
    """The affine map (2, 3) that takes the square of `side` pixels centred on (cx, cy) to out x out pixels."""
    s = out / side
    return np.array([[s, 0.0, (out - 1) / 2 - s * cx], [0.0, s, (out - 1) / 2 - s * cy]])


def prepare_clip(path: str | Path, settings: PrepSettings = PrepSettings(), pose_xy: np.ndarray | None = None,
                 label: str | None = None, cache_dir: str | Path | None = None) -> VideoSample:
    """A VideoSample of one video. pose_xy: (T, 13, 2) joints in the video's own pixels (optional)."""
    import cv2

    from sportlens.video.decode import decode_frames, probe_video

    path = Path(path)
    if not path.is_file():
        raise InputFileError("video not found", path, "give a video file")
    flow_settings = FlowSettings(max_side=settings.max_side)
    flow = clip_flow(path, flow_settings, cache_dir)
    info = probe_video(path)
    frames = np.stack([f.image for f in decode_frames(path, max_side=settings.max_side, info=info)])
    n = min(len(frames), len(flow.codes) + 1)
    if n < 2:
        raise DataFormatError("clip has fewer than 2 frames", path, "give a longer clip")
    frames = frames[:n]
    codes = np.concatenate([flow.codes[:n - 1], flow.codes[n - 2:n - 1]])
    h, w = frames.shape[1:3]
    factor = w / info.width
    joints = None
    if pose_xy is not None:
        joints = np.full((n, len(JOINTS), 2), np.nan)
        m = min(n, len(pose_xy))
        joints[:m] = np.asarray(pose_xy, float)[:m] * factor
        if np.isfinite(joints).any():
            roi = _roi_from_pose(joints, flow.fps, w, h, flow_settings.roi_cutoff_hz)
        else:
            roi = np.concatenate([flow.roi[:n - 1], flow.roi[n - 2:n - 1]])
    else:
        roi = np.concatenate([flow.roi[:n - 1], flow.roi[n - 2:n - 1]])
    keep = np.unique(np.round(np.linspace(0, n - 1, min(n, settings.store_frames))).astype(int))
    side = settings.crop * min(h, w)
    s = settings.store
    rgb = np.empty((len(keep), s, s, 3), np.uint8)
    fl = np.empty((len(keep), s, s, 2), np.int8)
    pose = None if joints is None else np.full((len(keep), len(JOINTS), 2), np.nan)
    for k, i in enumerate(keep):
        matrix = _crop_matrix(float(roi[i, 0]), float(roi[i, 1]), side, s)
        rgb[k] = cv2.warpAffine(frames[i], matrix, (s, s), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
        f = cv2.warpAffine(codes[i].astype(np.float32), matrix, (s, s), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        fl[k] = np.rint(np.clip(f, -127, 127)).astype(np.int8)
        if pose is not None:
            pose[k] = joints[i] @ matrix[:, :2].T + matrix[:, 2]
    return VideoSample(rgb, fl, pose, label, str(path), n / info.fps if info.fps > 0 else n / 30.0)


def _cache_name(path: Path, settings: PrepSettings, with_pose: bool, cache_dir: Path) -> Path:
    stat = path.stat()
    key = json.dumps([str(path.resolve()), stat.st_size, stat.st_mtime_ns, PREP_VERSION, asdict(settings),
                      with_pose])
    return cache_dir / f"{path.stem}-prep-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"


def cached_clip(path: str | Path, settings: PrepSettings, pose_xy: np.ndarray | None, label: str | None,
                cache_dir: str | Path | None) -> VideoSample:
    """prepare_clip, read from / written to cache_dir (the pose is part of the key only by its presence:
    give the same pose for the same video)."""
    from sportlens.io.atomic import atomic_path

    if cache_dir is None:
        return prepare_clip(path, settings, pose_xy, label)
    path, cache_dir = Path(path), Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = _cache_name(path, settings, pose_xy is not None, cache_dir)
    if target.is_file():
        try:
            with np.load(target) as b:
                pose = b["pose"] if b["pose"].ndim == 3 else None
                return VideoSample(b["rgb"], b["flow"], pose, label, str(path), float(b["duration_s"]))
        except (OSError, ValueError, KeyError):
            pass
    sample = prepare_clip(path, settings, pose_xy, label, cache_dir)
    with atomic_path(target, suffix=".npz") as tmp:
        np.savez(tmp, rgb=sample.rgb, flow=sample.flow, duration_s=sample.duration_s,
                 pose=sample.pose if sample.pose is not None else np.zeros(0))
    return sample


def video_sources(path: str | Path) -> list[tuple[str, Path]]:
    """(label, video) of every video in the CLASS/ sub-folders of `path`."""
    from sportlens.constants import VIDEO_SUFFIXES

    path = Path(path)
    if not path.is_dir():
        raise InputFileError("data folder not found", path, "give a folder of CLASS/ sub-folders holding videos")
    out = [(cls.name, item) for cls in sorted(p for p in path.iterdir() if p.is_dir())
           for item in sorted(cls.iterdir()) if item.suffix.lower() in VIDEO_SUFFIXES]
    if not out:
        raise DataFormatError("no videos found", path, "the video models need CLASS/ sub-folders holding videos")
    return out


def load_video_clips(path: str | Path, settings: PrepSettings = PrepSettings(), with_pose: bool = False,
                     cache_dir: str | Path | None = None, poses: dict[str, np.ndarray] | None = None,
                     progress: Progress | None = None) -> list[VideoSample]:
    """Every clip under `path` prepared. with_pose: joints from `poses` (video path -> (T, 13, 2) pixels) or
    else through the pose pipeline (BlazePose)."""
    progress = ensure_progress(progress, "action")
    sources = video_sources(path)
    out = []
    with progress.step("prepare", total=len(sources), unit="clips") as step:
        for label, video in sources:
            progress.check()
            xy = None
            if with_pose:
                xy = (poses or {}).get(str(video))
                if xy is None:
                    from sportlens.action.data import read_clip

                    xy = read_clip(video, label).xy
            out.append(cached_clip(video, settings, xy, label, cache_dir))
            step.advance()
    return out


@dataclass(frozen=True)
class Augment:
    """One draw of the augmentation: rotation (degrees), zoom, shift (fractions of the crop side), flip."""

    angle: float = 0.0
    zoom: float = 1.0
    shift: tuple[float, float] = (0.0, 0.0)
    flip: bool = False

    @staticmethod
    def draw(rng: np.random.Generator, rotation: float = 10.0, zoom: float = 0.15, shift: float = 0.1,
             flip: bool = True) -> Augment:
        return Augment(float(rng.uniform(-rotation, rotation)), float(rng.uniform(1 - zoom, 1 + zoom)),
                       (float(rng.uniform(-shift, shift)), float(rng.uniform(-shift, shift))),
                       flip and bool(rng.random() < 0.5))


def augment(rgb: np.ndarray, flow: np.ndarray, pose: np.ndarray | None, aug: Augment, size: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The frames (T, S, S, 3) uint8, flow codes (T, S, S, 2) int8 and joints (T, 13, 2) (crop pixels) under
    one augmentation, output `size` pixels: RGB uint8, flow float32 in [-1, 1], joints in output pixels.
    At zoom 1 and no shift the whole stored crop fills the output."""
    import cv2

    s = rgb.shape[1]
    centre = (s - 1) / 2
    scale = aug.zoom * size / s
    matrix = cv2.getRotationMatrix2D((centre, centre), aug.angle, scale)
    matrix[:, 2] += np.array([(size - 1) / 2 - centre, (size - 1) / 2 - centre]) + np.array(aug.shift) * size
    out_rgb = np.stack([cv2.warpAffine(f, matrix, (size, size), flags=cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_REFLECT101) for f in rgb])
    fl = np.stack([cv2.warpAffine(f.astype(np.float32) / 127, matrix, (size, size), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REFLECT101) for f in flow])
    if aug.angle != 0.0 or aug.zoom != 1.0:  # the vectors turn and scale with the image
        linear = matrix[:, :2] * (s / size)  # rotation x zoom, without the resize to `size`
        fl = np.clip(fl @ linear.T.astype(np.float32), -1.0, 1.0)
    out_pose = None if pose is None else pose @ matrix[:, :2].T + matrix[:, 2]
    if aug.flip:
        out_rgb = out_rgb[:, :, ::-1].copy()
        fl = flip_flow(fl)
        if out_pose is not None:
            out_pose = out_pose[:, MIRROR].copy()
            out_pose[..., 0] = size - 1 - out_pose[..., 0]
    return out_rgb, fl.astype(np.float32), out_pose


def frame_indices(n: int, frames: int, start: float = 0.0, length: float = 1.0) -> np.ndarray:
    """`frames` indices spread over the stretch [start, start + length) of n stored frames (fractions)."""
    return np.clip(np.round(np.linspace(start * (n - 1), (start + length) * (n - 1), frames)), 0, n - 1).astype(int)


def to_input(rgb: np.ndarray, flow: np.ndarray, pose: np.ndarray | None, streams: tuple[str, ...],
             duration_s: float, n_pose_features: int = N_FEATURES) -> np.ndarray:
    """Packed model input (C, T, H, W) float32 (see `sportlens.action.video_models`)."""
    t, h, w = rgb.shape[:3]
    parts = []
    if "rgb" in streams:
        x = (rgb.astype(np.float32) / 255 - KINETICS_MEAN) / KINETICS_STD
        parts.append(np.moveaxis(x, -1, 0))
    if "flow" in streams:
        parts.append(np.moveaxis(flow.astype(np.float32), -1, 0))
    if "pose" in streams:
        if h * w < n_pose_features:
            raise ValueError(f"{h}x{w} frames cannot hold {n_pose_features} pose features")
        plane = np.zeros((t, h * w), np.float32)
        if pose is not None:
            plane[:, :n_pose_features] = features(normalise(pose), duration_s).T
        parts.append(plane.reshape(1, t, h, w))
    return np.ascontiguousarray(np.concatenate(parts, axis=0))


def sample_input(sample: VideoSample, streams: tuple[str, ...], frames: int, size: int,
                 rng: np.random.Generator | None = None, flip: bool = False) -> np.ndarray:
    """One clip's model input: the whole clip unaugmented (rng None; `flip` mirrors it), or with temporal
    jitter and a random augmentation (flipped half the time when `flip`)."""
    n = len(sample.rgb)
    if rng is None:
        idx, aug, length = frame_indices(n, frames), Augment(flip=flip), 1.0
    else:
        length = float(rng.uniform(0.8, 1.0))
        idx = frame_indices(n, frames, float(rng.uniform(0.0, 1.0 - length)), length)
        aug = Augment.draw(rng, flip=flip)
    pose = None if sample.pose is None else sample.pose[idx]
    rgb, fl, p = augment(sample.rgb[idx], sample.flow[idx], pose, aug, size)
    return to_input(rgb, fl, p, streams, sample.duration_s * length)
