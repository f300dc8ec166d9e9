"""Training data for the heatmap networks: clips grouped by match, a split that keeps every match on one side,
frames decoded lazily into a bounded cache, and augmented crops (flip, colour, a scale/crop that keeps the ball).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sportlens.ball.formats import LabelledClip
from sportlens.ball.inference import median_background, resize_frame
from sportlens.ball.models import NetSpec
from sportlens.errors import DataFormatError

BACKGROUND_SAMPLES = 24


# ---- groups and the split ----------------------------------------------------------------------------------


def read_group_table(readme: Path) -> dict[str, str]:
    """clip name -> group from a markdown table whose header has a `rally` (or `clip`) and a `match` (or `group`)
    column, like the per-rally index of the shared badminton README. {} when there is none."""
    out: dict[str, str] = {}
    columns: tuple[int, int] | None = None
    for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            columns = None
            continue
        names = [c.lower() for c in cells]
        if columns is None:
            clip_col = next((names.index(n) for n in ("rally", "clip") if n in names), None)
            group_col = next((names.index(n) for n in ("match", "group") if n in names), None)
            if clip_col is not None and group_col is not None:
                columns = (clip_col, group_col)
            continue
        if re.fullmatch(r"[-: ]+", cells[0] or "-") or max(columns) >= len(cells):
            continue
        out[cells[columns[0]]] = cells[columns[1]]
    return out


def group_table_for(data: Path) -> tuple[dict[str, str], Path | None]:
    """The clip -> match table of the README.md in DATA or its parent folder (the shared layout), if any."""
    folder = data if data.is_dir() else data.parent
    for candidate in (folder / "README.md", folder.parent / "README.md"):
        if candidate.is_file():
            table = read_group_table(candidate)
            if table:
                return table, candidate
    return {}, None


def split_by_group(clips: list[LabelledClip], groups: dict[str, str], seed: int = 0) -> dict[str, str]:
    """clip name -> "train" / "val" / "test"; all clips of one group (match) land in the same split.

    Groups are shuffled with `seed` and dealt by frame count: 15 % validation and 15 % test when there are at
    least 4 groups; with 2 or 3, one group validates and no test split is made. Fewer than 2 groups is an error:
    a clip of one match on both sides would leak."""
    from sportlens.training.splits import grouped_split

    names = sorted({groups[c.name] for c in clips})
    if len(names) < 2:
        raise DataFormatError(f"all {len(clips)} clip(s) belong to one match ({names[0]!r}): cannot validate on "
                              "a match the model does not train on", clips[0].labels.parent,
                              "add clips of another match, or a README.md table with rally and match columns")
    if len(names) >= 4:
        fractions = {"train": 0.7, "val": 0.15, "test": 0.15}
    else:
        fractions = {"train": 1 - 1 / len(names), "val": 1 / len(names)}
    per_frame = [groups[c.name] for c in clips for _ in range(len(c.track))]
    assigned = dict(zip(per_frame, grouped_split(per_frame, fractions, seed), strict=True))
    if "val" not in assigned.values() or "train" not in assigned.values():  # rounding left a side empty
        order = np.random.default_rng(seed).permutation(names)
        assigned = {g: ("val" if k == 0 else "train") for k, g in enumerate(order)}
    return {c.name: assigned[groups[c.name]] for c in clips}


# ---- frames --------------------------------------------------------------------------------------------------


class FrameCache:
    """Clips decoded on first use at the network's input size, kept while they fit in `max_mb` (least recently
    used clips are dropped first), so memory stays bounded whatever the data size."""

    def __init__(self, spec: NetSpec, max_mb: float = 4096):
        self.spec = spec
        self.max_bytes = max_mb * 2**20
        self._clips: OrderedDict[str, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()
        self.decoded_clips = 0

    def get(self, clip: LabelledClip) -> tuple[np.ndarray, np.ndarray | None]:
        """((n, h, w, 3) uint8 frames, (h, w, 3) median background or None)."""
        if clip.name in self._clips:
            self._clips.move_to_end(clip.name)
            return self._clips[clip.name]
        frames = decode_clip(clip, self.spec)
        background = None
        if self.spec.background:
            picks = np.linspace(0, len(frames) - 1, min(BACKGROUND_SAMPLES, len(frames))).astype(int)
            background = median_background(frames[picks])
        self._clips[clip.name] = (frames, background)
        self.decoded_clips += 1
        while len(self._clips) > 1 and sum(f.nbytes for f, _ in self._clips.values()) > self.max_bytes:
            self._clips.popitem(last=False)
        return frames, background


def decode_clip(clip: LabelledClip, spec: NetSpec) -> np.ndarray:
    """Every frame of `clip` at the network's size, (n_labels, h, w, 3) uint8; a frame the decoder skips is
    replaced by the one before it (the same rule as `ball track`)."""
    from sportlens.video.decode import decode_frames, probe_video

    n = len(clip.track)
    out = np.zeros((n, spec.height, spec.width, 3), np.uint8)
    info = probe_video(clip.frames, clip.track.fps)
    filled = np.zeros(n, bool)
    for frame in decode_frames(clip.frames, info=info, stop=n):
        out[frame.index] = resize_frame(frame.image, spec)
        filled[frame.index] = True
    for k in range(1, n):
        if not filled[k]:
            out[k] = out[k - 1]
    return out


# ---- augmented training crops ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Augment:
    """crop (height, width) at the network's scale; scale range of the crop; flip and colour-jitter settings."""

    crop: tuple[int, int] = (128, 256)
    scale: tuple[float, float] = (0.75, 1.33)
    flip: float = 0.5
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.25
    ball_in_crop: float = 0.9  # share of crops placed around a labelled ball (the rest anywhere)


def _jitter(images: np.ndarray, rng: np.random.Generator, aug: Augment) -> np.ndarray:
    """The same brightness / contrast / saturation change on every image of one sample (float 0..255)."""
    x = images.astype(np.float32)
    b = 1 + rng.uniform(-aug.brightness, aug.brightness)
    c = 1 + rng.uniform(-aug.contrast, aug.contrast)
    s = 1 + rng.uniform(-aug.saturation, aug.saturation)
    grey = x.mean(axis=-1, keepdims=True)
    x = grey + (x - grey) * s
    x = (x - x.mean()) * c + x.mean()
    return np.clip(x * b, 0, 255)


def training_sample(frames: np.ndarray, background: np.ndarray | None, points: np.ndarray, spec: NetSpec,
                    aug: Augment, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One augmented window: frames (F, h, w, 3) uint8 at the network's size, points (F, 2) in its pixels (NaN: no
    ball) -> (image stack (F [+1], ch, cw, 3) float 0..255, points (F, 2) in crop pixels)."""
    import cv2

    h, w = frames.shape[1:3]
    ch, cw = aug.crop
    scale = float(np.exp(rng.uniform(np.log(aug.scale[0]), np.log(aug.scale[1]))))
    src_w, src_h = min(cw / scale, w), min(ch / scale, h)
    scale_x, scale_y = cw / src_w, ch / src_h
    seen = np.flatnonzero(np.isfinite(points[:, 0]))
    if len(seen) and rng.random() < aug.ball_in_crop:
        ax, ay = points[rng.choice(seen)]
        margin = 8.0
        x0 = rng.uniform(max(ax + margin - src_w, 0), max(min(ax - margin, w - src_w), max(ax + margin - src_w, 0)))
        y0 = rng.uniform(max(ay + margin - src_h, 0), max(min(ay - margin, h - src_h), max(ay + margin - src_h, 0)))
    else:
        x0, y0 = rng.uniform(0, w - src_w), rng.uniform(0, h - src_h)
    x0, y0 = min(max(x0, 0.0), w - src_w), min(max(y0, 0.0), h - src_h)
    affine = np.array([[scale_x, 0, -x0 * scale_x], [0, scale_y, -y0 * scale_y]], np.float32)
    stack = list(frames) + ([background] if background is not None else [])
    out = np.stack([cv2.warpAffine(im, affine, (cw, ch), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REFLECT) for im in stack])
    pts = np.column_stack([(points[:, 0] - x0) * scale_x, (points[:, 1] - y0) * scale_y])
    outside = (pts[:, 0] < 0) | (pts[:, 0] >= cw) | (pts[:, 1] < 0) | (pts[:, 1] >= ch)
    pts[outside] = np.nan
    if rng.random() < aug.flip:
        out = out[:, :, ::-1]
        pts[:, 0] = cw - pts[:, 0]
    return _jitter(out, rng, aug), pts


def label_points(clip: LabelledClip, spec: NetSpec) -> np.ndarray:
    """(n, 2) labelled ball positions in the network's pixels (NaN where no ball)."""
    t = clip.track
    return np.column_stack([t.x * spec.width / t.width, t.y * spec.height / t.height])


class TrainWindows:
    """Random augmented windows of `spec.frames` consecutive frames from the training clips."""

    def __init__(self, clips: list[LabelledClip], spec: NetSpec, cache: FrameCache, aug: Augment = Augment()):
        self.clips = [c for c in clips if len(c.track) >= spec.frames]
        if not self.clips:
            raise DataFormatError(f"no training clip has the {spec.frames} frames a window needs",
                                  clips[0].labels if clips else None)
        self.spec, self.cache, self.aug = spec, cache, aug
        self.points = {c.name: label_points(c, spec) for c in self.clips}
        self.weights = np.array([len(c.track) - spec.frames + 1 for c in self.clips], float)
        self.weights /= self.weights.sum()

    def batch(self, size: int, rng: np.random.Generator):
        """(x (size, C, ch, cw) float 0..1, y (size, F, ch, cw) Gaussian targets) as torch tensors."""
        import torch

        from sportlens.ball.heatmap import gaussian_targets

        xs, ys = [], []
        for k in rng.choice(len(self.clips), size=size, p=self.weights):
            clip = self.clips[k]
            frames, background = self.cache.get(clip)
            start = int(rng.integers(0, len(frames) - self.spec.frames + 1))
            window = slice(start, start + self.spec.frames)
            images, pts = training_sample(frames[window], background, self.points[clip.name][window], self.spec,
                                          self.aug, rng)
            xs.append(images.transpose(0, 3, 1, 2).reshape(-1, *self.aug.crop))
            ys.append(gaussian_targets(pts, *self.aug.crop))
        x = torch.from_numpy(np.stack(xs)).div_(255.0)
        return x, torch.from_numpy(np.stack(ys))
