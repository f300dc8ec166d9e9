"""Options of `sportlens ball track` and `sportlens ball eval`: frozen dataclasses that validate themselves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sportlens.options import OptionError, check_choice, check_literals, check_range, flag

# the registry names of sportlens.ball.models (tested to agree); kept here so the CLI stays light
MODEL_NAMES = ("classic", "tracknet-small", "tracknet")
NETWORK_NAMES = MODEL_NAMES[1:]
DEFAULT_MODEL = "tracknet-small"  # the recommended model (weights shipped; docs/ball.md says why)


def check_model(model: str) -> None:
    """A registry name, or an existing run folder / checkpoint file (its card is checked when it is loaded)."""
    if model in MODEL_NAMES or Path(model).exists():
        return
    raise OptionError(f"--model: unknown ball model {model!r} (not a model name, no such file or folder); choose "
                      f"one of {', '.join(MODEL_NAMES)}, or give a run folder or best.pt of `sportlens ball train`")


# the courts `--court-size` names (width x length in metres, doubles lines); kept in step with sportlens.camera
COURT_NAMES = ("badminton", "tennis")


def parse_numbers(name: str, value, count: int) -> tuple[float, ...]:
    """`count` numbers from "a,b,..." or a sequence (a TOML list); OptionError naming the flag otherwise."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        numbers = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        numbers = ()
    if len(numbers) != count or not all(n == n and abs(n) < float("inf") for n in numbers):
        raise OptionError(f"{flag(name)} needs {count} comma-separated numbers, got {value!r}")
    return numbers


@dataclass(frozen=True)
class TrackOptions:
    """Settings of one `ball track` run (recorded in summary.json)."""

    model: str = DEFAULT_MODEL  # a registry name or a run folder / best.pt
    max_gap_frames: int = 5  # gaps up to this many frames are filled along the fitted trajectory
    max_jump: float = 0.08  # a point this far (/ frame width per frame) from both neighbours is dropped
    trail_frames: int = 12  # length of the fading trail in annotated.mp4
    annotated_video: bool = True
    plot: bool = True
    plausibility_gate: bool = True  # drop detections that keep coming back to the same image points
    heatmap_video: bool = False  # heatmap.mp4: the network's heatmap over each frame (heatmap models only)
    bounces: bool = False  # tennis: tell bounces from hits in shots.csv
    # four image points (x1,y1,...,x4,y4 px) of the court's far-left, far-right, near-right, near-left corners
    court: tuple[float, ...] | None = None
    court_size: str | None = None  # badminton, tennis or "WIDTH,LENGTH" in metres (needed with court)

    def __post_init__(self) -> None:
        check_literals(self)
        check_model(self.model)
        check_range("max_gap_frames", self.max_gap_frames, 0, 60)
        check_range("max_jump", self.max_jump, 0.0, 1.0, low_open=True)
        check_range("trail_frames", self.trail_frames, 0, 120)
        if self.court is not None:
            object.__setattr__(self, "court", parse_numbers("court", self.court, 8))
            if self.court_size is None:
                raise OptionError("--court needs --court-size: badminton, tennis or WIDTH,LENGTH in metres")
        if self.court_size is not None:
            if self.court is None:
                raise OptionError("--court-size needs --court (the four corners x1,y1,...,x4,y4 in image pixels)")
            if self.court_size not in COURT_NAMES:
                size = parse_numbers("court_size", self.court_size, 2)
                if min(size) <= 0:
                    raise OptionError(f"--court-size must be two positive lengths in metres, got {self.court_size!r}")

    def court_dimensions(self) -> tuple[float, float, str] | None:
        """(width_m, length_m, name) of the court, or None without one."""
        if self.court_size is None:
            return None
        from sportlens.camera import COURT_SIZES_M

        if self.court_size in COURT_SIZES_M:
            return (*COURT_SIZES_M[self.court_size], self.court_size)
        width, length = parse_numbers("court_size", self.court_size, 2)
        return width, length, ""


@dataclass(frozen=True)
class EvalOptions:
    """Settings of one `ball eval` run."""

    model: str = DEFAULT_MODEL
    tolerance_px: float = 4.0  # TP radius in a 512x288 frame (TrackNetV3's convention)
    max_gap_frames: int = 5
    max_jump: float = 0.08
    fps: float = 30.0  # frame rate of image-folder layouts (TrackNet, tracking task), which store none

    def __post_init__(self) -> None:
        check_literals(self)
        check_model(self.model)
        check_range("tolerance_px", self.tolerance_px, 0.0, 288.0, low_open=True)
        check_range("max_gap_frames", self.max_gap_frames, 0, 60)
        check_range("max_jump", self.max_jump, 0.0, 1.0, low_open=True)
        check_range("fps", self.fps, 0.0, 1000.0, low_open=True)


@dataclass(frozen=True)
class TrainOptions:
    """Settings of one `ball train` run (recorded in summary.json and the model card)."""

    model: str = "tracknet-small"
    epochs: int = 30
    time_budget_min: float | None = None  # stop after this many minutes, keeping the best model
    steps_per_epoch: int = 100
    batch_size: int = 16
    lr: float = 3e-3
    seed: int = 0
    tolerance_px: float = 4.0  # of the validation F1 that picks the best epoch (512x288 frame)
    cache_mb: float = 4096  # decoded frames kept in memory (at the network's input size)
    threads: int | None = None  # torch threads while training (None: torch's default)
    patience: int | None = None  # early stopping: end after this many epochs without a better validation F1
    resume: bool = False

    def __post_init__(self) -> None:
        check_choice("model", self.model, NETWORK_NAMES)
        check_range("epochs", self.epochs, 1)
        if self.time_budget_min is not None and not self.time_budget_min > 0:
            raise OptionError(f"--time-budget must be above 0 minutes, got {self.time_budget_min:g}")
        check_range("steps_per_epoch", self.steps_per_epoch, 1)
        check_range("batch_size", self.batch_size, 2)
        check_range("lr", self.lr, 0.0, 1.0, low_open=True)
        check_range("seed", self.seed, 0)
        check_range("tolerance_px", self.tolerance_px, 0.0, 288.0, low_open=True)
        check_range("cache_mb", self.cache_mb, 16)
        check_range("threads", self.threads, 1, 256)
        check_range("patience", self.patience, 1)
