"""Options of the `sportlens imu` commands: frozen dataclasses that validate themselves, so the command line,
a TOML file and the service build the same objects and get the same one-line errors.

Choices are str Enums (typer shows them as `[free-fall|1g]`); their values are tested against the tables they
name (unit factors, recipes, feature sets, data sets). This module stays light (no numpy): the CLI imports it
at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from sportlens.options import OptionError, check_choice, check_range


class Takeoff(StrEnum):
    """Where a jump's take-off is put: the free-fall crossing, or the end of the push-off (1 g crossing)."""

    FREE_FALL = "free-fall"
    ONE_G = "1g"


class AccUnit(StrEnum):
    G = "g"
    MS2 = "ms2"
    MPS2 = "mps2"


class GyroUnit(StrEnum):
    DPS = "dps"
    DEGS = "degs"
    RADS = "rads"
    RPS = "rps"


class Recipe(StrEnum):
    """Window classifier recipes (the registry `sportlens.imu.classify.RECIPES`)."""

    FOREST = "forest"
    EXTRA_TREES = "extra-trees"
    LOGISTIC = "logistic"
    STROKE_INVARIANT = "stroke-invariant"


class FeatureSet(StrEnum):
    """Window feature sets (`sportlens.imu.features.FEATURE_SETS`)."""

    BASIC = "basic"
    MOTION = "motion"


class WindowKind(StrEnum):
    """Where windows sit: every hop (`fixed`) or on the stroke detector's peaks plus stretches without one
    (`events`, `sportlens.imu.stroke_features.event_windows`)."""

    FIXED = "fixed"
    EVENTS = "events"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class DatasetName(StrEnum):
    """Shared data sets (`sportlens.imu.readers.DATASETS`)."""

    SPAR = "spar"
    TENNIS = "tennis"
    BARBELL = "barbell"
    RUNNING = "running"
    CMJ = "cmj"


def _choice(options, name: str, enum: type[Enum]) -> None:
    """Check a choice field (None allowed) and store it as its Enum member."""
    value = getattr(options, name)
    if value is None or isinstance(value, enum):
        return
    check_choice(name, value, list(enum))
    object.__setattr__(options, name, enum(value))


@dataclass(frozen=True)
class ReadOptions:
    """How to read one recording's CSV (every one-recording command has these)."""

    recording: str | None = None  # the recording_id to read from a long table
    rate_hz: float | None = None  # sample rate of a CSV without a time column
    acc_unit: AccUnit | None = None  # when the column names carry no unit
    gyro_unit: GyroUnit | None = None
    max_gap_s: float = 0.1  # runs of empty cells up to this long are interpolated, longer ones split the recording

    def __post_init__(self) -> None:
        check_range("rate_hz", self.rate_hz, 0, None, low_open=True)
        check_range("max_gap_s", self.max_gap_s, 0, 10)
        _choice(self, "acc_unit", AccUnit)
        _choice(self, "gyro_unit", GyroUnit)

    def read_kwargs(self) -> dict:
        """Keyword arguments of `sportlens.imu.readers.read_csv`."""
        return {
            "recording": self.recording,
            "rate_hz": self.rate_hz,
            "acc_unit": None if self.acc_unit is None else self.acc_unit.value,
            "gyro_unit": None if self.gyro_unit is None else self.gyro_unit.value,
            "max_gap_s": self.max_gap_s,
        }


@dataclass(frozen=True)
class RepsOptions(ReadOptions):
    min_period_s: float = 0.8  # shortest repetition period considered
    max_period_s: float = 10.0  # longest

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("min_period_s", self.min_period_s, 0, None, low_open=True)
        if not self.max_period_s > self.min_period_s:
            raise OptionError(f"--max-period-s must be above --min-period-s ({self.min_period_s:g}), "
                              f"got {self.max_period_s:g}")


@dataclass(frozen=True)
class JumpsOptions(ReadOptions):
    free_fall_g: float = 0.3  # |acc| below this (in g) counts as free fall
    takeoff: Takeoff = Takeoff.FREE_FALL

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("free_fall_g", self.free_fall_g, 0, 1, low_open=True, high_open=True)
        _choice(self, "takeoff", Takeoff)


@dataclass(frozen=True)
class StrokesOptions(ReadOptions):
    min_peak_rads: float = 5.0  # smallest peak angular speed of a stroke
    min_gap_s: float = 1.0  # shortest time between two strokes

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("min_peak_rads", self.min_peak_rads, 0, None, low_open=True)
        check_range("min_gap_s", self.min_gap_s, 0, None, low_open=True)


@dataclass(frozen=True)
class StepsOptions(ReadOptions):
    pass


@dataclass(frozen=True)
class OrientOptions(ReadOptions):
    gain: float = 0.5  # AHRS gain: how much the accelerometer corrects the gyro

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("gain", self.gain, 0, None)


@dataclass(frozen=True)
class PredictOptions(ReadOptions):
    side: Side | None = None  # wrist the sensor was worn on, for a model trained with --mirror-left

    def __post_init__(self) -> None:
        super().__post_init__()
        _choice(self, "side", Side)


@dataclass(frozen=True)
class LabelledDataOptions:
    """How to read labelled data: a shared-set folder (`dataset`, else guessed from the folder name) or a long
    CSV with a label column and, where known, a person column to split by."""

    dataset: DatasetName | None = None
    label_col: str = "label"
    group_col: str | None = None

    def __post_init__(self) -> None:
        _choice(self, "dataset", DatasetName)
        if not self.label_col:
            raise OptionError("--label-col must name a column")


@dataclass(frozen=True)
class TrainOptions(LabelledDataOptions):
    rate_hz: float | None = None  # resample windows to this rate (default: the data's median rate)
    recipe: Recipe = Recipe.FOREST
    window_s: float = 4.0
    hop_s: float = 2.0
    block_s: float | None = None  # split by time blocks of this length instead of by person
    use_gyro: bool = True
    features: FeatureSet = FeatureSet.BASIC
    mirror_left: bool = False  # mirror left-wrist recordings into the right wrist's frame
    seed: int = 0
    windows: WindowKind = WindowKind.FIXED  # events: windows on stroke peaks; no-stroke stretches labelled idle

    def __post_init__(self) -> None:
        super().__post_init__()
        check_range("rate_hz", self.rate_hz, 0, None, low_open=True)
        check_range("window_s", self.window_s, 0, None, low_open=True)
        check_range("hop_s", self.hop_s, 0, None, low_open=True)
        check_range("block_s", self.block_s, 0, None, low_open=True)
        check_range("seed", self.seed, 0, None)
        _choice(self, "recipe", Recipe)
        _choice(self, "features", FeatureSet)
        _choice(self, "windows", WindowKind)
        if self.recipe is Recipe.STROKE_INVARIANT and self.features is not FeatureSet.BASIC:
            raise OptionError("--recipe stroke-invariant computes its own rotation-invariant features; leave out "
                              f"--features {self.features.value}")
        if not self.use_gyro and (self.recipe is Recipe.STROKE_INVARIANT or self.windows is WindowKind.EVENTS):
            raise OptionError("--no-gyro cannot go with --recipe stroke-invariant or --windows events (both need "
                              "the gyroscope)")
        if self.block_s is not None and self.block_s < self.window_s:
            raise OptionError(f"--block-s must be at least --window-s ({self.window_s:g} s), got {self.block_s:g}")


@dataclass(frozen=True)
class EvalOptions(LabelledDataOptions):
    pass
