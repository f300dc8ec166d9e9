"""Generated image sets: one coloured shape per class on a noisy background, learnable in seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

SHAPES = {"circle": (220, 40, 40), "square": (40, 180, 40), "triangle": (40, 60, 220)}


def draw_shape(kind: str, rng: np.random.Generator, size: int = 48) -> Image.Image:
    """A `kind` shape in its class colour at a random place and size on a grey noisy background."""
    background = rng.integers(90, 160, size=(size, size, 3), dtype=np.uint8)
    image = Image.fromarray(background)
    draw = ImageDraw.Draw(image)
    r = int(rng.integers(size // 5, size // 3))
    cx, cy = (int(v) for v in rng.integers(r + 2, size - r - 2, size=2))
    colour = SHAPES[kind]
    if kind == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    elif kind == "square":
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=colour)
    else:
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    return image


def make_shape_set(root: Path, per_class: int = 24, seed: int = 0, splits: bool = False) -> Path:
    """Write CLASS/NNN.png (or train|valid|test/CLASS/NNN.png) images; returns root."""
    rng = np.random.default_rng(seed)
    for kind in SHAPES:
        for k in range(per_class):
            if splits:
                split = "train" if k < per_class * 0.6 else "valid" if k < per_class * 0.8 else "test"
                folder = root / split / kind
            else:
                folder = root / kind
            folder.mkdir(parents=True, exist_ok=True)
            draw_shape(kind, rng).save(folder / f"{kind}_{k:03d}.png")
    return root


@pytest.fixture
def shapes_dir(tmp_path: Path) -> Path:
    return make_shape_set(tmp_path / "shapes")
