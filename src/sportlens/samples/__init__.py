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
