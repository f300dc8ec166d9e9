"""Samples shipped with the package and clips generated from them with a known answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLES_DIR = Path(__file__).parent
ASTRONAUT = SAMPLES_DIR / "astronaut.jpg"


def load_astronaut() -> np.ndarray:
    """The shipped public-domain astronaut photo as RGB uint8 (512, 512, 3)."""
    from PIL import Image

    return np.asarray(Image.open(ASTRONAUT).convert("RGB"))


@dataclass(frozen=True)
class GeneratedClip:
    """A generated clip and what was done to it: rotation_deg[i] is the image rotation of frame i
    (positive = clockwise on screen)."""

    path: Path
    fps: float
    rotation_deg: np.ndarray


def rotating_clip(target: str | Path, seconds: float = 4.0, fps: float = 30.0, amplitude_deg: float = 20.0,
                  period_s: float = 2.0, size: int = 384) -> GeneratedClip:
    """Write an H.264 clip of the astronaut photo swaying (rotating about the image centre) with a
    sinusoid of the given amplitude and period; a real person on a known rotation."""
    import cv2

    from sportlens.video.encode import VideoWriter

    image = cv2.resize(load_astronaut(), (size, size), interpolation=cv2.INTER_AREA)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps
    rotation = amplitude_deg * np.sin(2 * np.pi * t / period_s)
    centre = (size / 2, size / 2)
    with VideoWriter(target, fps, size, size, crf=20) as writer:
        for angle in rotation:
            # cv2 turns counter-clockwise for positive angles; negate so positive = clockwise on screen
            m = cv2.getRotationMatrix2D(centre, -float(angle), 1.0)
            writer.write(cv2.warpAffine(image, m, (size, size), borderMode=cv2.BORDER_REFLECT101))
    return GeneratedClip(Path(target), fps, rotation)


@dataclass(frozen=True)
class GeneratedPeopleClip:
    """A generated clip of several people: centres_px[i, p] is the (x, y) centre of person p's image in
    frame i; person 0 is drawn in front, the last one at the back."""

    path: Path
    fps: float
    centres_px: np.ndarray


def people_clip(target: str | Path, n_people: int = 2, seconds: float = 3.0, fps: float = 15.0,
                crossing: bool = True, size: int = 200, width: int = 640, height: int = 360) -> GeneratedPeopleClip:
    """Write an H.264 clip of n copies of the astronaut photo on a grey background. crossing: each walks to
    the mirrored side (person p ends where person n-1-p started), so they pass in front of each other
    (each in a lane a little lower than the one in front); else they stand on a grid (about square), each
    swaying up to 10 px in their cell."""
    import cv2

    from sportlens.video.encode import VideoWriter

    image = cv2.resize(load_astronaut(), (size, size), interpolation=cv2.INTER_AREA)
    n = int(round(seconds * fps))
    t = np.linspace(0.0, 1.0, n)
    margin = 20
    x_start = margin + np.arange(n_people) * (width - size - 2 * margin) / max(n_people - 1, 1)
    y = margin + np.arange(n_people) * (height - size - 2 * margin) / max(n_people - 1, 1)
    if crossing:
        x = x_start[None, :] + t[:, None] * (x_start[::-1] - x_start)[None, :]
    else:  # a grid of cells, one person swaying in each
        cols = int(np.ceil(np.sqrt(n_people)))
        rows = int(np.ceil(n_people / cols))
        cell_w, cell_h = width / cols, height / rows
        col, row = np.arange(n_people) % cols, np.arange(n_people) // cols
        sway = min(10.0, max(0.0, (cell_w - size) / 2))
        x = (col + 0.5)[None, :] * cell_w - size / 2 + sway * np.sin(2 * np.pi * t[:, None] + col[None, :])
        y = (row + 0.5) * cell_h - size / 2
    x = np.clip(np.round(x).astype(int), 0, width - size)
    yi = np.clip(np.round(y).astype(int), 0, height - size)
    with VideoWriter(target, fps, width, height, crf=20) as writer:
        for i in range(n):
            canvas = np.full((height, width, 3), 90, np.uint8)
            for p in reversed(range(n_people)):  # the last person at the back, person 0 in front
                canvas[yi[p]:yi[p] + size, x[i, p]:x[i, p] + size] = image
            writer.write(canvas)
    centres = np.stack([x + size / 2, np.broadcast_to(yi + size / 2, x.shape)], axis=-1).astype(float)
    return GeneratedPeopleClip(Path(target), fps, centres)
