"""Action models in one registry. This slice: a temporal convolution network over skeleton features,
light enough to train in minutes on a laptop CPU."""

from __future__ import annotations

from torch import nn

from sportlens.models.registry import Registry

MODELS: Registry[nn.Module] = Registry("action model")


class TemporalBlock(nn.Module):
    """Two dilated 1-D convolutions over time with batch norm and a residual connection."""

    def __init__(self, channels_in: int, channels_out: int, dilation: int, stride: int = 1, dropout: float = 0.1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(channels_in, channels_out, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm1d(channels_out), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Conv1d(channels_out, channels_out, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm1d(channels_out),
        )
        self.skip = (nn.Identity() if channels_in == channels_out and stride == 1 else
                     nn.Sequential(nn.Conv1d(channels_in, channels_out, 1, stride=stride, bias=False),
                                   nn.BatchNorm1d(channels_out)))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.body(x) + self.skip(x))


class SkeletonTCN(nn.Module):
    """Input (N, features, T) -> logits (N, classes): a stem, dilated residual blocks (two halve the time
    axis), average pooling over time, dropout, a linear head."""

    def __init__(self, n_features: int, n_classes: int, width: int = 96, dropout: float = 0.3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(n_features, width, 5, padding=2, bias=False), nn.BatchNorm1d(width),
                                  nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(
            TemporalBlock(width, width, 1), TemporalBlock(width, 2 * width, 2, stride=2),
            TemporalBlock(2 * width, 2 * width, 4), TemporalBlock(2 * width, 2 * width, 1, stride=2),
            TemporalBlock(2 * width, 2 * width, 2),
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(2 * width, n_classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


@MODELS.register("skeleton-tcn")
def skeleton_tcn(n_features: int, n_classes: int) -> nn.Module:
    return SkeletonTCN(n_features, n_classes)


@MODELS.register("skeleton-tcn-small")
def skeleton_tcn_small(n_features: int, n_classes: int) -> nn.Module:
    return SkeletonTCN(n_features, n_classes, width=48)


# the video models (RGB / flow / pose 3-D CNNs, torchvision's video networks) register themselves here
from sportlens.action import video_models as _video_models  # noqa: E402,F401
