"""Ball models: the heatmap network recipes (as data), the tracker registry, and `--model NAME|PATH` resolution.

- `NET_SPECS` / `HEATMAP_NETS`: the TrackNet-style networks (frames in, one heatmap per frame out).
- `BALL_MODELS`: a name -> a builder(info) of a tracker; tracker(frames) -> the raw BallTrack. Every tracker
  streams frames (bounded memory) and is followed by the same post-processing. "classic" needs no weights; a
  network name uses the weights shipped in `sportlens/weights/ball/NAME.pt`.
- `tracker_for(model, info)`: a registry name, or a run folder / best.pt written by `sportlens ball train`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sportlens.ball.track import BallTrack
from sportlens.errors import ModelError
from sportlens.models.registry import Registry
from sportlens.video.decode import Frame, VideoInfo

TASK = "ball"
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "ball"
Tracker = Callable[[Iterable[Frame]], BallTrack]


@dataclass(frozen=True)
class NetSpec:
    """A heatmap network recipe: `frames` consecutive RGB frames (plus, with `background`, the median frame of
    the clip) at width x height in; `frames` heatmaps of the same size out. widths: channels of the
    stem and of each stride-2 stage; convs: 3x3 convolutions per stage; stem_stride 2 runs the network at half
    resolution (logits upsampled back), four times cheaper."""

    name: str
    frames: int
    background: bool
    width: int
    height: int
    widths: tuple[int, ...]
    convs: int
    about: str
    stem_stride: int = 1

    @property
    def in_channels(self) -> int:
        return 3 * self.frames + (3 if self.background else 0)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "widths": list(self.widths)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetSpec:
        return cls(**{**data, "widths": tuple(data["widths"])})

    def __post_init__(self) -> None:
        if not 3 <= self.frames <= 9:
            raise ValueError(f"{self.name}: 3-9 input frames, got {self.frames}")
        factor = self.stem_stride * 2 ** (len(self.widths) - 1)
        if self.width % factor or self.height % factor:
            raise ValueError(f"{self.name}: input size must divide by {factor}")


NET_SPECS: dict[str, NetSpec] = {spec.name: spec for spec in (
    NetSpec("tracknet-small", frames=3, background=False, width=512, height=288, widths=(16, 32, 48, 64), convs=2,
            stem_stride=2, about="real time on a CPU: 3 frames at 512x288, a strided stem, additive skips"),
    NetSpec("tracknet", frames=5, background=True, width=512, height=288, widths=(24, 48, 96, 192), convs=3,
            about="more accurate: 5 frames + the clip's median background at 512x288, ~4x the small one's width"),
)}

# name -> a freshly initialised network of that recipe
HEATMAP_NETS: Registry[Any] = Registry("heatmap network")


def build_network(spec: NetSpec):
    """A freshly initialised network of `spec` (torch.nn.Module)."""
    from sportlens.ball.networks import HeatmapNet

    return HeatmapNet(spec.in_channels, spec.frames, spec.widths, spec.convs, spec.stem_stride)


for _spec in NET_SPECS.values():
    HEATMAP_NETS.register(_spec.name)(lambda _spec=_spec: build_network(_spec))

BALL_MODELS: Registry[Callable[[VideoInfo], Tracker]] = Registry("ball model")
MODEL_NAMES = ("classic", *NET_SPECS)


@BALL_MODELS.register("classic")
def classic(info: VideoInfo) -> Tracker:
    """Frame differencing + blob filter + constant-acceleration Kalman gating (no training)."""
    from sportlens.ball.classic import ClassicTracker

    def track(frames: Iterable[Frame]) -> BallTrack:
        tracker = ClassicTracker(info.width, info.height)
        for frame in frames:
            tracker.feed(frame.image)
        points, confidence = tracker.finish()
        return BallTrack.from_points(points, confidence, info.width, info.height, info.fps)

    return track


def shipped_weights(name: str) -> Path:
    return WEIGHTS_DIR / f"{name}.pt"


def _shipped(name: str) -> Callable[[VideoInfo], Tracker]:
    def build(info: VideoInfo) -> Tracker:
        from sportlens.ball.inference import heatmap_tracker

        return heatmap_tracker(cached_model(name), info)

    return build


for _name in NET_SPECS:
    BALL_MODELS.register(_name)(_shipped(_name))


@dataclass(frozen=True)
class LoadedModel:
    """A trained heatmap network with its recipe, model card and the file it came from."""

    net: Any  # torch.nn.Module in eval mode
    spec: NetSpec
    card: dict[str, Any]
    path: Path
    threshold: float


def checkpoint_path(model: str | Path) -> Path:
    """The checkpoint a `--model` value names: shipped weights for a network name, RUN/best.pt for a folder."""
    text = str(model)
    if text in NET_SPECS:
        path = shipped_weights(text)
        if not path.is_file():
            raise ModelError(f"no weights are shipped for {text!r}",
                             hint=f"train them: sportlens ball train DATA -o RUN --model {text}, then --model RUN")
        return path
    path = Path(model)
    if path.is_dir():
        return path / "best.pt"
    if path.is_file():
        return path
    raise ModelError(f"unknown ball model {text!r} (not a model name, no such file or folder)",
                     hint=f"choose one of {', '.join(MODEL_NAMES)}, or give a run folder or best.pt of "
                          "`sportlens ball train`")


def load_heatmap_model(model: str | Path) -> LoadedModel:
    """Load a trained heatmap network (a network name with shipped weights, a run folder or a best.pt) and
    check its card: the task, a known recipe, weights that fit it. ModelError (one line) otherwise."""
    from sportlens.training.checkpoint import load_checkpoint

    path = checkpoint_path(model)
    state, card = load_checkpoint(path, TASK)
    try:
        spec = NetSpec.from_dict(card["network"])
    except (KeyError, TypeError, ValueError):
        raise ModelError("the model card has no valid network recipe", path, "retrain with sportlens ball train") \
            from None
    net = build_network(spec)
    try:
        net.load_state_dict(state)
    except RuntimeError:
        raise ModelError(f"the weights do not fit the {spec.name!r} network of the card", path,
                         "retrain or copy the file again") from None
    net.eval()
    return LoadedModel(net, spec, card, path, float(card.get("threshold", 0.5)))


_LOADED: dict[tuple[str, float], LoadedModel] = {}


def cached_model(model: str | Path) -> LoadedModel:
    """load_heatmap_model, once per file and version (eval tracks many clips with one model)."""
    path = checkpoint_path(model)
    key = (str(path.resolve()), path.stat().st_mtime if path.is_file() else 0.0)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_heatmap_model(model)
    return _LOADED[key]


def check_model(model: str) -> None:
    """Raise ModelError (one line) now, before any output, unless `model` can be built."""
    if model != "classic":
        cached_model(model)


def tracker_for(model: str, info: VideoInfo, on_heatmaps=None) -> Tracker:
    """A tracker for `model`: a registry name (classic, or a network with shipped weights) or a trained run.
    on_heatmaps: see heatmap_tracker (heatmap networks only)."""
    if model in BALL_MODELS and on_heatmaps is None:
        return BALL_MODELS.build(model, info=info)
    from sportlens.ball.inference import heatmap_tracker

    return heatmap_tracker(cached_model(model), info, on_heatmaps=on_heatmaps)


def model_label(model: str) -> str:
    """How summaries name a model: the registry name, or the resolved checkpoint path."""
    return model if model in BALL_MODELS else str(checkpoint_path(model))
