"""Batched image views on uint8 caches: random crops/flips/rotations/colour for training, plain resize for eval.

Everything works on whole batches with one affine_grid/grid_sample call, so the 2-core CPU spends its time in
the network rather than in per-image PIL transforms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class AugmentConfig:
    """Random view parameters: crop area fraction range, aspect range, rotation, flip and colour jitter."""

    scale: tuple[float, float] = (0.30, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    rotate_deg: float = 10.0
    flip: bool = True
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    grayscale_p: float = 0.05


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Float image batch in [0, 1] to ImageNet-normalised values (the same for scratch and pretrained models)."""
    mean = torch.tensor(IMAGENET_MEAN, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


def eval_view(pixels: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 (N, 3, S, S) to normalised float (N, 3, size, size): the whole image, resized with antialiasing."""
    x = pixels.float().div_(255)
    if x.shape[-1] != size or x.shape[-2] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return normalize(x)


def train_view(pixels: torch.Tensor, size: int, gen: torch.Generator, config: AugmentConfig) -> torch.Tensor:
    """uint8 (N, 3, S, S) to an augmented normalised float batch (N, 3, size, size).

    A random-resized crop (area fraction in `scale`, aspect in `ratio`), a rotation of up to
    `rotate_deg` and a horizontal flip are one affine sampling; then brightness, contrast and saturation.
    """
    n = pixels.shape[0]
    x = pixels.float().div_(255)

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    area = uniform(*config.scale)
    log_ratio = uniform(math.log(config.ratio[0]), math.log(config.ratio[1]))
    aspect = torch.exp(log_ratio)
    half_w = torch.sqrt(area * aspect).clamp(max=1.0)  # half-extent in normalised [-1, 1] units
    half_h = torch.sqrt(area / aspect).clamp(max=1.0)
    cx = (1 - half_w) * uniform(-1, 1)
    cy = (1 - half_h) * uniform(-1, 1)
    angle = uniform(-config.rotate_deg, config.rotate_deg) * math.pi / 180
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if config.flip else torch.ones(n)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [
            torch.stack([half_w * cos * flip, -half_h * sin, cx], dim=1),
            torch.stack([half_w * sin * flip, half_h * cos, cy], dim=1),
        ],
        dim=1,
    )
    grid = F.affine_grid(theta, [n, 3, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    def factor(strength: float) -> torch.Tensor:
        return uniform(1 - strength, 1 + strength).view(n, 1, 1, 1)

    gray = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)
    if config.saturation:
        x = gray + (x - gray) * factor(config.saturation)
    if config.grayscale_p:
        to_gray = (torch.rand(n, generator=gen) < config.grayscale_p).view(n, 1, 1, 1)
        x = torch.where(to_gray, gray.expand_as(x), x)
    if config.contrast:
        mean = gray.mean(dim=(2, 3), keepdim=True)
        x = mean + (x - mean) * factor(config.contrast)
    if config.brightness:
        x = x * factor(config.brightness)
    return normalize(x.clamp_(0, 1))
