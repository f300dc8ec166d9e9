"""Video action models: 3-D CNNs over RGB frames and optical flow cropped around the athlete, the twin
RGB + flow network fused by a bilinear layer (the table-tennis stroke work's design), a residual 3-D
attention block that can be inserted into them, a twin with a pose branch, and torchvision's R3D-18,
MC3-18 and R(2+1)D-18.

Every video model takes one tensor (N, C, T, H, W) whose channels are the streams it reads, in this order:
RGB (3, normalised with the Kinetics mean and std), flow (2, x then y, normalised to [-1, 1] as in
`sportlens.video.flow`) and pose (1 plane per frame whose first `n_pose_features` values hold the skeleton
features of that frame, `sportlens.action.skeleton.features`). One tensor keeps the shared fit loop,
batching and checkpoints unchanged; `split_streams` takes it apart.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from sportlens.action.models import MODELS, SkeletonTCN
from sportlens.action.skeleton import N_FEATURES

STREAM_CHANNELS = {"rgb": 3, "flow": 2, "pose": 1}
# model name -> the streams it reads (in channel order)
VIDEO_MODELS: dict[str, tuple[str, ...]] = {}
TORCHVISION = {"r3d-18": ("r3d_18", "R3D_18_Weights"), "mc3-18": ("mc3_18", "MC3_18_Weights"),
               "r2plus1d-18": ("r2plus1d_18", "R2Plus1D_18_Weights")}


def streams_of(name: str) -> tuple[str, ...]:
    """The streams a registered video model reads; () for the skeleton models."""
    return VIDEO_MODELS.get(name, ())


def n_channels(streams: tuple[str, ...]) -> int:
    return sum(STREAM_CHANNELS[s] for s in streams)


def split_streams(x: torch.Tensor, streams: tuple[str, ...]) -> dict[str, torch.Tensor]:
    """{stream: its channels} of a packed input (N, C, T, H, W)."""
    out, c = {}, 0
    for s in streams:
        out[s] = x[:, c:c + STREAM_CHANNELS[s]]
        c += STREAM_CHANNELS[s]
    if c != x.shape[1]:
        raise ValueError(f"input has {x.shape[1]} channels, streams {streams} need {c}")
    return out


def pose_from_plane(plane: torch.Tensor, n_features: int) -> torch.Tensor:
    """(N, F, T) skeleton features from the pose plane (N, 1, T, H, W)."""
    n, _, t = plane.shape[:3]
    return plane.reshape(n, t, -1)[:, :, :n_features].transpose(1, 2)


def conv_bn(c_in: int, c_out: int, kernel=(3, 3, 3), stride=(1, 1, 1)) -> nn.Sequential:
    pad = tuple(k // 2 for k in kernel)
    return nn.Sequential(nn.Conv3d(c_in, c_out, kernel, stride, pad, bias=False), nn.BatchNorm3d(c_out),
                         nn.ReLU(inplace=True))


class ResidualAttention3D(nn.Module):
    """Residual 3-D attention: out = x + (1 + M) * F(x), F two 3x3x3 convolutions, M in (0, 1) a soft mask
    computed at half resolution (down, two convolutions, up, sigmoid). Shape-preserving, so it can be
    inserted after any block; with M = 0 it is a plain residual block, so it never removes what F keeps."""

    def __init__(self, channels: int):
        super().__init__()
        self.trunk = nn.Sequential(conv_bn(channels, channels),
                                   nn.Conv3d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm3d(channels))
        self.mask = nn.Sequential(nn.MaxPool3d(2, ceil_mode=True), conv_bn(channels, channels),
                                  nn.Conv3d(channels, channels, 1))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        trunk = self.trunk(x)
        mask = torch.sigmoid(nn.functional.interpolate(self.mask(x), size=x.shape[2:], mode="trilinear",
                                                       align_corners=False))
        return self.act(x + (1 + mask) * trunk)


class Branch3D(nn.Module):
    """One stream (RGB or flow) -> a feature vector: four convolution stages (the first keeps time, the
    others halve time and space), an optional residual attention block after stages 2 and 3, average pool."""

    def __init__(self, in_channels: int, width: int = 24, attention: bool = False):
        super().__init__()
        w = width
        stages: list[nn.Module] = [conv_bn(in_channels, w, (3, 5, 5), (1, 2, 2)),
                                   conv_bn(w, 2 * w), nn.MaxPool3d(2, ceil_mode=True)]
        if attention:
            stages.append(ResidualAttention3D(2 * w))
        stages += [conv_bn(2 * w, 4 * w), nn.MaxPool3d(2, ceil_mode=True)]
        if attention:
            stages.append(ResidualAttention3D(4 * w))
        stages += [conv_bn(4 * w, 4 * w), nn.AdaptiveAvgPool3d(1), nn.Flatten()]
        self.body = nn.Sequential(*stages)
        self.out_features = 4 * w

    def forward(self, x):
        return self.body(x)


class SingleStream(nn.Module):
    """A single-branch RGB or flow 3-D CNN: Branch3D, dropout, a linear head."""

    def __init__(self, stream: str, n_classes: int, attention: bool = False, dropout: float = 0.3):
        super().__init__()
        self.branch = Branch3D(STREAM_CHANNELS[stream], attention=attention)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.branch.out_features, n_classes))

    def forward(self, x):
        return self.head(self.branch(x))


class TwinBilinear(nn.Module):
    """Twin RGB + flow network: one Branch3D per stream, each projected to `dim` features, fused by a bilinear
    layer (out_k = r^T W_k f + b_k), the table-tennis stroke work's design. With `fused` set the bilinear
    layer gives that many features (for a further branch) instead of the logits."""

    def __init__(self, n_classes: int, attention: bool = False, dim: int = 48, dropout: float = 0.3,
                 fused: int | None = None):
        super().__init__()
        self.rgb = Branch3D(3, attention=attention)
        self.flow = Branch3D(2, attention=attention)
        self.project = nn.ModuleList([nn.Sequential(nn.Linear(b.out_features, dim), nn.ReLU(inplace=True),
                                                    nn.Dropout(dropout)) for b in (self.rgb, self.flow)])
        self.bilinear = nn.Bilinear(dim, dim, fused or n_classes)

    def forward(self, x):
        parts = split_streams(x, ("rgb", "flow"))
        return self.fuse(parts["rgb"], parts["flow"])

    def fuse(self, rgb, flow):
        return self.bilinear(self.project[0](self.rgb(rgb)), self.project[1](self.flow(flow)))


class TwinPose(nn.Module):
    """The twin RGB + flow network with a pose branch: the bilinear fusion gives 96 features, the skeleton
    features go through the skeleton TCN's body (stem and residual blocks, pooled), both are joined
    and a linear head gives the logits."""

    def __init__(self, n_classes: int, n_pose_features: int = N_FEATURES, attention: bool = False,
                 dropout: float = 0.3):
        super().__init__()
        self.n_pose_features = n_pose_features
        self.twin = TwinBilinear(n_classes, attention=attention, fused=96)
        pose = SkeletonTCN(n_pose_features, n_classes, width=48)
        self.pose = nn.Sequential(pose.stem, pose.blocks, nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(96 + 96, n_classes))

    def forward(self, x):
        parts = split_streams(x, ("rgb", "flow", "pose"))
        video = self.twin.fuse(parts["rgb"], parts["flow"])
        pose = self.pose(pose_from_plane(parts["pose"], self.n_pose_features))
        return self.head(torch.cat([video, pose], dim=1))


def kinetics_file(name: str) -> Path | None:
    """Torch's local cache file of a torchvision video model's Kinetics-400 weights (None: not cached)."""
    import torchvision.models.video as tvm

    weights = getattr(tvm, TORCHVISION[name][1]).KINETICS400_V1
    path = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    return path if path.is_file() else None


def torchvision_video(name: str, n_classes: int, pretrained: bool = True) -> nn.Module:
    """torchvision's R3D-18 / MC3-18 / R(2+1)D-18 with an n_classes head; Kinetics-400 weights when they are
    in torch's local cache (never downloaded). The model's `weights_note` says which (one line)."""
    import torchvision.models.video as tvm

    model = getattr(tvm, TORCHVISION[name][0])(weights=None)
    cached = kinetics_file(name) if pretrained else None
    if cached is not None:
        model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
        note = f"{name}: Kinetics-400 weights from {cached}"
    elif pretrained:
        note = (f"{name}: no Kinetics-400 weights in the local torch cache ({Path(torch.hub.get_dir()) / 'checkpoints'}"
                "); trained from scratch")
    else:
        note = f"{name}: trained from scratch"
    model.fc = nn.Linear(model.fc.in_features, n_classes)
    model.weights_note = note
    return model


def _register(name: str, streams: tuple[str, ...]):
    VIDEO_MODELS[name] = streams
    return MODELS.register(name)


@_register("rgb-3dcnn", ("rgb",))
def rgb_3dcnn(n_classes: int, **_) -> nn.Module:
    return SingleStream("rgb", n_classes)


@_register("flow-3dcnn", ("flow",))
def flow_3dcnn(n_classes: int, **_) -> nn.Module:
    return SingleStream("flow", n_classes)


@_register("flow-3dcnn-att", ("flow",))
def flow_3dcnn_att(n_classes: int, **_) -> nn.Module:
    return SingleStream("flow", n_classes, attention=True)


@_register("twin-rgb-flow", ("rgb", "flow"))
def twin_rgb_flow(n_classes: int, **_) -> nn.Module:
    return TwinBilinear(n_classes)


@_register("twin-rgb-flow-att", ("rgb", "flow"))
def twin_rgb_flow_att(n_classes: int, **_) -> nn.Module:
    return TwinBilinear(n_classes, attention=True)


@_register("twin-pose", ("rgb", "flow", "pose"))
def twin_pose(n_classes: int, n_pose_features: int = N_FEATURES, **_) -> nn.Module:
    return TwinPose(n_classes, n_pose_features)


@_register("r3d-18", ("rgb",))
def r3d_18(n_classes: int, pretrained: bool = True, **_) -> nn.Module:
    return torchvision_video("r3d-18", n_classes, pretrained)


@_register("mc3-18", ("rgb",))
def mc3_18(n_classes: int, pretrained: bool = True, **_) -> nn.Module:
    return torchvision_video("mc3-18", n_classes, pretrained)


@_register("r2plus1d-18", ("rgb",))
def r2plus1d_18(n_classes: int, pretrained: bool = True, **_) -> nn.Module:
    return torchvision_video("r2plus1d-18", n_classes, pretrained)
