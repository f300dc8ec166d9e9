"""Generated image sets: one coloured shape per class on a noisy background, learnable in seconds."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

SHAPES = {"circle": (220, 40, 40), "square": (40, 180, 40), "triangle": (40, 60, 220)}


def draw_shape(kind: str, rng: np.random.Generator, size: int = 48) -> Image.Image:
    """A `kind` shape in its class colour at a random place and size on a noisy grey gradient."""
    # noise plus a gradient in a random direction, so that different pictures differ at low frequency (pHash)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / size - 0.5
    ramp = 70 * (np.cos(angle) * xx + np.sin(angle) * yy)
    background = rng.integers(95, 155, size=(size, size, 3)) + ramp[..., None]
    image = Image.fromarray(np.clip(background, 0, 255).astype(np.uint8))
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


@pytest.fixture
def make_shapes():
    """The make_shape_set function, for tests that need another size or the split-folder layout."""
    return make_shape_set


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    """Every test here trains on one torch thread (fixture in tests/conftest.py)."""
    yield


# a notebook-CNN at 32 px learns the shapes in 10 epochs (under 2 s on one thread); amp off: bf16 autocast
# depends on the CPU's instruction set and would make exact counts differ between machines; cpu: the same
# numbers on a machine with a GPU (the GPU path has its own test)
FAST = ["--model", "notebook-cnn", "--image-size", "32", "--batch-size", "16", "--amp", "off", "--device", "cpu"]
FAST_OPTIONS = dict(model="notebook-cnn", image_size=32, batch_size=16, amp="off", device="cpu")


@dataclass
class TrainedRun:
    root: Path  # the generated data (read-only for tests: copy it before planting files)
    run: Path
    code: int  # what `sportlens classify train ... --json` returned and printed
    stdout: str
    stderr: str

    def summary(self) -> dict:
        return json.loads(self.stdout)


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> TrainedRun:
    """One run trained through the command line for the whole session (eval, review, predict, export use it)."""
    import torch

    from sportlens.cli import main

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("trained")
    root = make_shape_set(base / "shapes")
    run = base / "run"
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["classify", "train", str(root), "-o", str(run), *FAST, "--epochs", "10", "--json"])
    finally:
        torch.set_num_threads(before)
    return TrainedRun(root, run, code, out.getvalue(), err.getvalue())


@pytest.fixture
def shapes_copy(trained, tmp_path) -> Path:
    """A private copy of the trained run's data, free to change."""
    return Path(shutil.copytree(trained.root, tmp_path / "shapes"))


@pytest.fixture
def fast_args() -> list[str]:
    """`classify train` flags of the quick, machine-independent setting (FAST)."""
    return list(FAST)


@pytest.fixture
def fast_options() -> dict:
    """TrainOptions keywords of the same setting."""
    return dict(FAST_OPTIONS)
