"""Heatmap networks for the ball (the TrackNet idea: stacked consecutive frames in, one ball heatmap per frame
out, a U-Net-like encoder-decoder). One parameterised module; the recipes live as data in `ball.models`.

Input (B, 3 * frames [+ 3 background], H, W) float in 0..1; output (B, frames, H, W) logits, one heatmap per
input frame (TrackNetV2's many-in, many-out: a forward pass serves `frames` frames).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def _stage(c_in: int, c_out: int, convs: int, stride: int) -> nn.Sequential:
    layers = [_conv(c_in, c_out, stride)] + [_conv(c_out, c_out) for _ in range(convs - 1)]
    return nn.Sequential(*layers)


class HeatmapNet(nn.Module):
    """Encoder: a full-resolution stem, then stride-2 stages of `widths[1:]`; decoder: upsample, add the
    projected skip of the same scale, convolve; a 1x1 head gives `frames` heatmap logits at full resolution.

    Additive skips (rather than concatenation) keep the full-resolution decoder cheap, which is what decides the
    speed on a CPU; stem_stride=2 runs the whole network at half resolution and upsamples the logits."""

    def __init__(self, in_channels: int, frames: int, widths: tuple[int, ...], convs: int = 2, stem_stride: int = 1):
        super().__init__()
        self.stem_stride = stem_stride
        if len(widths) < 2:
            raise ValueError("a heatmap network needs at least two widths")
        self.stem = _stage(in_channels, widths[0], 1, stem_stride)
        self.down = nn.ModuleList(_stage(a, b, convs, 2) for a, b in zip(widths[:-1], widths[1:], strict=True))
        self.lateral = nn.ModuleList(nn.Conv2d(b, a, 1, bias=False) for a, b in zip(widths[:-1], widths[1:],
                                                                                   strict=True))
        self.up = nn.ModuleList(_stage(a, a, max(convs - 1, 1), 1) for a in widths[:-1])
        self.head = nn.Conv2d(widths[0], frames, 1)
        nn.init.constant_(self.head.bias, -4.0)  # start near "no ball anywhere": the positives are a tiny area

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        for stage in self.down:
            skips.append(stage(skips[-1]))
        y = skips[-1]
        for level in range(len(self.down) - 1, -1, -1):
            skip = skips[level]
            y = F.interpolate(self.lateral[level](y), size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = self.up[level](y + skip)
        y = self.head(y)
        if self.stem_stride > 1:  # a strided stem saves most of the cost; the logits are upsampled back
            y = F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return y
