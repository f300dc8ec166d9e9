"""Inference with a trained classifier: load RUN/best.pt with its card, turn an image into the network's
input by the one documented preprocessing (also written into exported ONNX models), and compute logits.

predict, eval, review and export use this module; none of them imports the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from sportlens.classify.augment import IMAGENET_MEAN, IMAGENET_STD, eval_view
from sportlens.classify.models import build_classifier
from sportlens.errors import ModelError
from sportlens.training.checkpoint import load_checkpoint

TASK = "classify"
RESIZE_METHOD = "BILINEAR"  # a member of PIL.Image.Resampling; PIL's bilinear widens its filter when shrinking


def preprocessing_spec(size: int) -> dict[str, Any]:
    """The exact steps from an image file to the network input, as data (model card, model.json, ONNX
    metadata). Following them literally with PIL and numpy gives the input `predict` uses."""
    return {
        "color": "RGB",  # PIL Image.convert("RGB"): palette expanded, alpha dropped, no EXIF rotation
        "resize_width": size,
        "resize_height": size,
        "resize_method": RESIZE_METHOD,  # PIL Image.resize((width, height), Image.Resampling.BILINEAR), one step
        "keep_aspect_ratio": False,  # the whole image is squashed to a square, never cropped
        "scale": 1 / 255,
        "mean": list(IMAGENET_MEAN),
        "std": list(IMAGENET_STD),
        "channel_order": "RGB",
        "layout": "NCHW",
        "dtype": "float32",
        "formula": "input[n, c, y, x] = (resized[y, x, c] * scale - mean[c]) / std[c]",
    }


def image_pixels(image: Image.Image, size: int) -> np.ndarray:
    """An opened image as the uint8 (size, size, 3) array of `preprocessing_spec` (before scaling)."""
    resample = getattr(Image.Resampling, RESIZE_METHOD)
    return np.asarray(image.convert("RGB").resize((size, size), resample), dtype=np.uint8)


def load_image(path: Path, size: int) -> np.ndarray:
    """Read an image file as `image_pixels` does; raises PIL/OS errors for unreadable files."""
    with Image.open(path) as image:
        return image_pixels(image, size)


@dataclass
class LoadedClassifier:
    """A trained classifier ready for inference, with its card."""

    module: nn.Module
    card: dict[str, Any]
    path: Path

    @property
    def classes(self) -> list[str]:
        return list(self.card["classes"])

    @property
    def image_size(self) -> int:
        return int(self.card["image_size"])

    @property
    def cache_size(self) -> int:
        return int(self.card["cache_size"])

    @property
    def run_dir(self) -> Path:
        return self.path.parent


def pick_device(device: str = "auto") -> torch.device:
    """"auto": the CUDA GPU when one is visible, else the CPU; otherwise the named device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def load_classifier(run: str | Path, device: str | torch.device = "cpu") -> LoadedClassifier:
    """Load RUN/best.pt (or a .pt file) and check its card against the model registry."""
    run = Path(run)
    path = run / "best.pt" if run.is_dir() else run
    state, card = load_checkpoint(path, TASK)
    for key in ("model", "classes", "image_size", "cache_size"):
        if key not in card:
            raise ModelError(f"model card lacks {key!r}", path, "retrain with this version of sportlens")
    classifier = build_classifier(card["model"], len(card["classes"]), "none")
    try:
        classifier.module.load_state_dict(state)
    except RuntimeError:
        raise ModelError(
            f"weights do not match model {card['model']!r} with {len(card['classes'])} classes", path
        ) from None
    classifier.module.to(device).eval()
    return LoadedClassifier(classifier.module, card, path)


@torch.no_grad()
def predict_logits(
    module: nn.Module, pixels: torch.Tensor, image_size: int, batch_size: int = 128, device: torch.device | None = None
) -> torch.Tensor:
    """Float32 logits (N, classes) for uint8 images (N, 3, S, S) in evaluation mode, in batches.

    Give images from `load_image(path, image_size)`; another side S is resized first (antialiased bilinear).
    """
    device = device or next(module.parameters()).device
    module.eval()
    outputs = []
    for start in range(0, len(pixels), batch_size):
        x = eval_view(pixels[start : start + batch_size], image_size).to(device)
        outputs.append(module(x).float().cpu())
    if not outputs:
        return torch.zeros((0, 0))
    return torch.cat(outputs)


__all__ = [
    "LoadedClassifier", "image_pixels", "load_classifier", "load_image", "pick_device", "predict_logits",
    "preprocessing_spec",
]
