"""Run a trained heatmap network over a stream of frames: windows of `frames` consecutive frames, one forward
pass per window (each frame's heatmap comes from the window that holds it), decoded to source pixels."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from sportlens.ball.heatmap import decode_heatmaps
from sportlens.ball.models import LoadedModel, NetSpec, Tracker
from sportlens.ball.track import BallTrack
from sportlens.video.decode import Frame, VideoInfo, decode_frames

BACKGROUND_SAMPLES = 24  # frames spread over the clip for the median background


def resize_frame(image: np.ndarray, spec: NetSpec) -> np.ndarray:
    """RGB uint8 (h, w, 3) -> (spec.height, spec.width, 3) uint8 (area averaging keeps a small ball visible)."""
    import cv2

    if image.shape[:2] == (spec.height, spec.width):
        return image
    return cv2.resize(image, (spec.width, spec.height), interpolation=cv2.INTER_AREA)


def median_background(images: np.ndarray) -> np.ndarray:
    """(n, h, w, 3) uint8 -> the per-pixel median (h, w, 3) uint8: the court without the moving ball."""
    return np.median(images, axis=0).astype(np.uint8)


def sample_background(info: VideoInfo, spec: NetSpec, samples: int = BACKGROUND_SAMPLES) -> np.ndarray:
    """The median of up to `samples` frames spread over the source (decoded one by one: bounded memory)."""
    n = info.n_frames or samples
    picks = sorted({int(k) for k in np.linspace(0, max(n - 1, 0), min(samples, n))})
    images = []
    for k in picks:
        for frame in decode_frames(info.path, info=info, start=k, stop=k + 1):
            images.append(resize_frame(frame.image, spec))
    if not images:
        return np.zeros((spec.height, spec.width, 3), np.uint8)
    return median_background(np.stack(images))


def network_input(windows: np.ndarray, background: np.ndarray | None) -> torch.Tensor:
    """(b, frames, h, w, 3) uint8 windows [+ (b, h, w, 3) backgrounds] -> (b, 3 * frames [+ 3], h, w) float."""
    b, f, h, w, _ = windows.shape
    x = torch.from_numpy(np.ascontiguousarray(windows)).permute(0, 1, 4, 2, 3).reshape(b, f * 3, h, w)
    if background is not None:
        bg = torch.from_numpy(np.ascontiguousarray(background)).permute(0, 3, 1, 2)
        x = torch.cat([x, bg], dim=1)
    return x.float().div_(255.0)


def inference_dtype() -> torch.dtype | None:
    """bf16 where the CPU runs it fast (AMX / AVX512-BF16), else float32 (None)."""
    from sportlens.training.fit import resolve_amp

    return resolve_amp("auto", torch.device("cpu"))


@torch.inference_mode()
def predict_heatmaps(net: torch.nn.Module, windows: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
    """(b, frames, h, w, 3) uint8 [+ (b, h, w, 3) backgrounds] -> (b, frames, h, w) ball probabilities."""
    dtype = inference_dtype()
    device = next(net.parameters()).device
    x = network_input(windows, background).to(device).contiguous(memory_format=torch.channels_last)
    with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        logits = net(x)
    return torch.sigmoid(logits.float()).cpu().numpy()


def clip_points(net: torch.nn.Module, spec: NetSpec, frames: np.ndarray, background: np.ndarray | None,
                source_size: tuple[int, int], threshold: float = 0.0,
                windows_per_pass: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Run the network over all (n, h, w, 3) frames of a decoded clip in consecutive windows: ((n, 2) points in
    source pixels, NaN below `threshold`; (n,) peak confidence)."""
    n = len(frames)
    pad = (-n) % spec.frames
    if pad:
        frames = np.concatenate([frames, np.repeat(frames[-1:], pad, axis=0)])
    windows = frames.reshape(-1, spec.frames, *frames.shape[1:])
    points, confidence = [], []
    for k in range(0, len(windows), windows_per_pass):
        chunk = windows[k:k + windows_per_pass]
        bg = None if background is None else np.repeat(background[None], len(chunk), axis=0)
        heat = predict_heatmaps(net, chunk, bg).reshape(-1, spec.height, spec.width)
        p, c = decode_heatmaps(heat, source_size, threshold)
        points.append(p)
        confidence.append(c)
    return np.concatenate(points)[:n], np.concatenate(confidence)[:n]


def heatmap_overlay(image: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """A network-size RGB frame with its heatmap (0..1) blended on top in a hot colour map."""
    import cv2

    colour = cv2.applyColorMap(np.clip(heat * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_INFERNO)[..., ::-1]
    alpha = np.clip(heat, 0.0, 1.0)[..., None] * 0.85
    return (image * (1 - alpha) + colour * alpha).astype(np.uint8)


def heatmap_tracker(loaded: LoadedModel, info: VideoInfo, windows_per_pass: int = 2,
                    on_heatmaps=None) -> Tracker:
    """A tracker (frames -> raw BallTrack) that runs `loaded` over consecutive windows of its frame count; the
    last window is padded by repeating the last frame. on_heatmaps(images, heatmaps): called with each batch's
    network-size frames (n, h, w, 3) and heatmaps (n, h, w) in frame order, padding frames left out."""
    spec = loaded.spec
    background = sample_background(info, spec) if spec.background else None

    def track(frames: Iterable[Frame]) -> BallTrack:
        points, confidence, pending = [], [], []

        def flush(real: int | None = None) -> None:
            windows = np.stack(pending)
            bg = None if background is None else np.repeat(background[None], len(windows), axis=0)
            heat = predict_heatmaps(loaded.net, windows, bg).reshape(-1, spec.height, spec.width)
            p, c = decode_heatmaps(heat, (info.width, info.height), loaded.threshold)
            points.append(p)
            confidence.append(c)
            if on_heatmaps is not None:
                images = windows.reshape(-1, spec.height, spec.width, 3)
                keep = len(images) if real is None else real
                on_heatmaps(images[:keep], heat[:keep])
            pending.clear()

        window: list[np.ndarray] = []
        n = 0
        for frame in frames:
            window.append(resize_frame(frame.image, spec))
            n += 1
            if len(window) == spec.frames:
                pending.append(np.stack(window))
                window = []
                if len(pending) == windows_per_pass:
                    flush()
        real = None
        if window:
            real = len(pending) * spec.frames + len(window)  # the frames of this last batch that are not padding
            window += [window[-1]] * (spec.frames - len(window))
            pending.append(np.stack(window))
        if pending:
            flush(real)
        if n == 0:
            return BallTrack.empty(0, info.width, info.height, info.fps)
        pts, conf = np.concatenate(points)[:n], np.concatenate(confidence)[:n]
        return BallTrack.from_points(pts, conf, info.width, info.height, info.fps)

    return track
