"""Dense optical flow of a clip at a small working size, normalised and stored compactly, with a region of
interest (ROI) centre per frame pair found from the flow; cached per video and computed in parallel.

The normalisation follows the table-tennis stroke work behind this project: each frame pair's largest flow
component (|dx| or |dy|, pixels) is taken, the clip's scale is the mean + 3 standard deviations of those
maxima, and the flow divided by the scale is clipped to [-1, 1]. It is stored as int8 (x 127) with the scale,
so the pixels come back as q / 127 * scale (within scale / 254 of the clipped flow). A horizontal flip of the
frames mirrors the flow field and negates its x component; on the int8 codes that is exact.

The ROI centre of a pair is the centroid of the flow magnitude left after removing the frame's median flow
(a camera pan moves everything alike), weighted by how far each pixel's magnitude exceeds the frame's mean +
1 std (and `min_motion_px`); pairs where nothing moves are filled from their neighbours, and the track is
smoothed over time with the shared zero-lag Butterworth low-pass (`sportlens.signals`), whose odd
extension at the ends keeps a steady motion steady up to the clip's first and last pair.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from sportlens.events import Progress, ensure_progress
from sportlens.options import check_literals, check_range

FlowMethod = Literal["dis", "farneback"]
DisPreset = Literal["ultrafast", "fast", "medium"]
FLOW_VERSION = 1  # bump when what is stored changes: old cache files are then recomputed
Q = 127  # int8 code of a normalised flow of 1.0


@dataclass(frozen=True)
class FlowSettings:
    """How flow is computed: method, DIS preset, working size (longer side, pixels; 320 gives 320x180 for
    16:9), ROI threshold (pixels per frame) and the ROI track's low-pass cut-off (Hz; 0: not smoothed)."""

    method: FlowMethod = "dis"
    preset: DisPreset = "fast"
    max_side: int = 320
    min_motion_px: float = 0.5
    roi_cutoff_hz: float = 3.0

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("max_side", self.max_side, 32, 4096)
        check_range("min_motion_px", self.min_motion_px, 0.0)
        check_range("roi_cutoff_hz", self.roi_cutoff_hz, 0.0)


@dataclass(frozen=True)
class FlowClip:
    """The flow of one clip: codes (N, H, W, 2) int8 for the N = frames - 1 consecutive pairs (x then y,
    normalised flow x 127), scale (pixels of a normalised 1.0), fps, roi (N, 2) float32 ROI centre per pair
    (x, y in working pixels), source (the video) and the settings it was made with."""

    codes: np.ndarray
    scale: float
    fps: float
    roi: np.ndarray
    source: str = ""
    settings: FlowSettings = FlowSettings()

    @property
    def size(self) -> tuple[int, int]:
        """Working size (width, height) in pixels."""
        return int(self.codes.shape[2]), int(self.codes.shape[1])

    def normalised(self) -> np.ndarray:
        """Flow in [-1, 1], float32 (N, H, W, 2)."""
        return self.codes.astype(np.float32) / Q

    def pixels(self) -> np.ndarray:
        """Flow in working pixels per frame (clipped at the scale), float32 (N, H, W, 2)."""
        return self.normalised() * np.float32(self.scale)

    def flipped(self) -> FlowClip:
        """The flow of the horizontally flipped clip: field mirrored, x negated (exact), ROI x mirrored."""
        roi = self.roi.copy()
        roi[:, 0] = self.size[0] - 1 - roi[:, 0]
        return replace(self, codes=flip_flow(self.codes), roi=roi)


def flip_flow(flow: np.ndarray) -> np.ndarray:
    """Flow (..., H, W, 2) of the horizontally flipped frames: mirrored along W, x component negated. Exact
    for float flow and for the int8 codes (which never hold -128)."""
    out = flow[..., ::-1, :].copy()
    out[..., 0] = -out[..., 0]
    return out


def flow_engine(settings: FlowSettings):
    """A function (previous gray, next gray) -> flow (H, W, 2) float32 pixels; one per thread (DIS keeps state)."""
    import cv2

    if settings.method == "farneback":
        return lambda a, b: cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    preset = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
              "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}[settings.preset]
    dis = cv2.DISOpticalFlow_create(preset)
    return lambda a, b: dis.calc(a, b, None)


def flow_of_frames(gray: Sequence[np.ndarray] | np.ndarray, settings: FlowSettings = FlowSettings()) -> np.ndarray:
    """Raw flow (N-1, H, W, 2) float32 pixels between consecutive uint8 gray frames (N, H, W)."""
    calc = flow_engine(settings)
    if len(gray) < 2:
        h, w = (gray[0].shape if len(gray) else (0, 0))
        return np.zeros((0, h, w, 2), np.float32)
    return np.stack([calc(a, b) for a, b in zip(gray[:-1], gray[1:], strict=True)]).astype(np.float32)


def flow_scale(peaks: np.ndarray) -> float:
    """The clip's scale from its per-pair maxima of |component|: mean + 3 std (1 when nothing moves)."""
    peaks = np.asarray(peaks, float)
    scale = float(peaks.mean() + 3 * peaks.std()) if peaks.size else 1.0
    return scale if np.isfinite(scale) and scale > 1e-6 else 1.0


def quantise(flow: np.ndarray, scale: float, out: np.ndarray | None = None) -> np.ndarray:
    """int8 codes of flow (..., 2) pixels: flow / scale clipped to [-1, 1], x 127, rounded."""
    coded = np.rint(np.clip(flow * np.float32(Q / scale), -Q, Q))
    if out is None:
        return coded.astype(np.int8)
    out[...] = coded
    return out


def normalise_flow(flow: np.ndarray) -> tuple[np.ndarray, float]:
    """(int8 codes, scale): flow / (mean + 3 std of the per-pair maxima of |component|), clipped to [-1, 1]
    and coded x 127. A clip where nothing moves gets scale 1."""
    if len(flow) == 0:
        return np.zeros(flow.shape, np.int8), 1.0
    scale = flow_scale(np.abs(flow).reshape(len(flow), -1).max(axis=1))
    return quantise(flow, scale), scale


def roi_centre(flow: np.ndarray, min_motion_px: float = 0.5, stride: int = 4) -> tuple[float, float]:
    """ROI centre (x, y pixels) of one pair's flow (H, W, 2), from every `stride`-th pixel in each direction;
    NaN when nothing moves (see the module docstring)."""
    h, w = flow.shape[:2]
    f = flow[stride // 2::stride, stride // 2::stride].reshape(-1, 2)
    mag = np.linalg.norm(f - np.median(f, axis=0), axis=1)
    threshold = max(min_motion_px, float(mag.mean() + mag.std()))
    weight = np.clip(mag - threshold, 0.0, None)
    total = weight.sum()
    if total <= 0:
        return np.nan, np.nan
    xs = np.arange(stride // 2, w, stride, dtype=float)
    ys = np.arange(stride // 2, h, stride, dtype=float)
    grid = weight.reshape(len(ys), len(xs))
    return float(grid.sum(axis=0) @ xs / total), float(grid.sum(axis=1) @ ys / total)


def smooth_roi(centres: np.ndarray, fps: float, width: int, height: int, cutoff_hz: float = 3.0) -> np.ndarray:
    """(N, 2) float32 ROI track from per-pair centres (NaN where nothing moved): gaps filled from the
    neighbours, then low-passed; the image centre where nothing moves in the whole clip."""
    from sportlens.signals import zero_lag_filter

    centres = np.asarray(centres, float).reshape(-1, 2)
    n = len(centres)
    seen = np.isfinite(centres[:, 0])
    if not seen.any():
        return np.tile(np.array([(width - 1) / 2, (height - 1) / 2], np.float32), (n, 1))
    t = np.arange(n)
    for c in range(2):
        centres[~seen, c] = np.interp(t[~seen], t[seen], centres[seen, c])
    if cutoff_hz > 0 and n > 2:
        centres = zero_lag_filter(centres, fps, None, cutoff_hz)
    return centres.astype(np.float32)


def roi_centres(flow: np.ndarray, fps: float, min_motion_px: float = 0.5, cutoff_hz: float = 3.0) -> np.ndarray:
    """ROI centre (N, 2) float32 (x, y pixels) per pair of (N, H, W, 2) pixel flow: `roi_centre` of each
    pair, then `smooth_roi`."""
    n, h, w = flow.shape[:3]
    centres = np.array([roi_centre(f, min_motion_px) for f in flow], float).reshape(n, 2)
    return smooth_roi(centres, fps, w, h, cutoff_hz)


def compute_clip_flow(path: str | Path, settings: FlowSettings = FlowSettings(), step=None) -> FlowClip:
    """Decode a video at the working size and compute its FlowClip; `step` (a progress step) advances per pair."""
    import cv2

    from sportlens.video.decode import decode_frames, prefetch, probe_video

    info = probe_video(path)
    calc = flow_engine(settings)
    pairs: list[np.ndarray] = []
    peaks, centres = [], []
    previous = None
    for frame in prefetch(decode_frames(path, max_side=settings.max_side, info=info)):
        gray = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
        if previous is not None:
            flow = calc(previous, gray)
            pairs.append(flow)
            peaks.append(float(np.abs(flow).max()))
            centres.append(roi_centre(flow, settings.min_motion_px))
            if step is not None:
                step.advance()
        previous = gray
    if previous is None:
        from sportlens.errors import VideoError

        raise VideoError("no frame could be decoded", path, "check the file or re-export it as H.264 mp4")
    h, w = previous.shape
    scale = flow_scale(peaks)
    codes = np.empty((len(pairs), h, w, 2), np.int8)
    for k, flow in enumerate(pairs):
        quantise(flow, scale, codes[k])
    roi = smooth_roi(np.array(centres, float), info.fps, w, h, settings.roi_cutoff_hz)
    return FlowClip(codes, scale, info.fps, roi, str(path), settings)


def cache_file(path: str | Path, settings: FlowSettings, cache_dir: str | Path) -> Path:
    """Where the flow of `path` is cached: named by the video and a key of its size, mtime and the settings."""
    path = Path(path)
    stat = path.stat()
    key = json.dumps([str(path.resolve()), stat.st_size, stat.st_mtime_ns, FLOW_VERSION, asdict(settings)])
    return Path(cache_dir) / f"{path.stem}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"


def save_flow(clip: FlowClip, target: str | Path) -> Path:
    """Write a FlowClip as a compressed .npz (atomically)."""
    from sportlens.io.atomic import atomic_path

    with atomic_path(target, suffix=".npz") as tmp:
        np.savez_compressed(tmp, codes=clip.codes, scale=clip.scale, fps=clip.fps, roi=clip.roi,
                            source=clip.source, settings=json.dumps(asdict(clip.settings)), version=FLOW_VERSION)
    return Path(target)


def load_flow(path: str | Path) -> FlowClip:
    """A FlowClip written by save_flow."""
    with np.load(path) as blob:
        return FlowClip(blob["codes"], float(blob["scale"]), float(blob["fps"]), blob["roi"], str(blob["source"]),
                        FlowSettings(**json.loads(str(blob["settings"]))))


def clip_flow(path: str | Path, settings: FlowSettings = FlowSettings(), cache_dir: str | Path | None = None,
              step=None) -> FlowClip:
    """The FlowClip of a video, from `cache_dir` when a file for the same video and settings is there
    (written there otherwise)."""
    if cache_dir is None:
        return compute_clip_flow(path, settings, step)
    cached = cache_file(path, settings, cache_dir)
    if cached.is_file():
        try:
            return load_flow(cached)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable (an older format): recomputed and replaced below
    clip = compute_clip_flow(path, settings, step)
    save_flow(clip, cached)
    return clip


def flows_for_videos(paths: Sequence[str | Path], settings: FlowSettings = FlowSettings(),
                     cache_dir: str | Path | None = None, workers: int = 2,
                     progress: Progress | None = None) -> list[FlowClip]:
    """FlowClips of many videos (in order), `workers` videos at a time (OpenCV and PyAV release the GIL);
    progress: a 'flow' step counting videos. Any error or a cancellation stops the other workers."""
    progress = ensure_progress(progress, "flow")
    with progress.step("flow", total=len(paths), unit="videos") as step:

        def one(path):
            progress.check()
            clip = clip_flow(path, settings, cache_dir)
            step.advance()
            return clip

        if workers <= 1 or len(paths) <= 1:
            return [one(p) for p in paths]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sportlens-flow") as pool:
            try:
                return list(pool.map(one, paths))
            except BaseException:
                progress.cancel()
                raise
