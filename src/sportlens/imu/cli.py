"""`sportlens imu ...`: events (reps, jumps, strokes, steps), orientation, and window classifiers.

Thin commands: flags -> an options dataclass (`sportlens.imu.options`, which validates) -> `run_<verb>`
(`sportlens.imu.pipeline`). Only light modules load at start-up; numpy, pandas, scipy and scikit-learn load
inside the commands.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP
from sportlens.imu.options import (
    AccUnit,
    DatasetName,
    EvalOptions,
    FeatureSet,
    GyroUnit,
    JumpsOptions,
    OrientOptions,
    PredictOptions,
    Recipe,
    RepsOptions,
    Side,
    StepsOptions,
    StrokesOptions,
    Takeoff,
    TrainOptions,
    WindowKind,
)
from sportlens.summary import Summary

app = typer.Typer(
    help="Wearable IMU recordings: repetitions, jumps, strokes, steps, orientation, and window classifiers.",
    no_args_is_help=True,
)

FILE = typer.Argument(..., help="IMU CSV (t_s + acc_x_g/acc_x_ms2 ... columns; see docs/imu.md).")
OUT = typer.Option(..., "-o", "--out", help=OUT_HELP)
JSON = typer.Option(False, "--json", help=JSON_HELP)
RECORDING = typer.Option(None, "--recording", help="Recording id, when the CSV holds several (recording_id column).")
RATE = typer.Option(None, "--rate-hz", help="Sample rate, when the CSV has no time column.")
ACC_UNIT = typer.Option(None, "--acc-unit", help="Accelerometer unit when the column names carry none.")
GYRO_UNIT = typer.Option(None, "--gyro-unit", help="Gyroscope unit when the column names carry none.")
MAX_GAP = typer.Option(0.1, "--max-gap-s", help="Interpolate runs of empty cells up to this long (s); longer runs "
                       "split the recording.")
MODEL = typer.Argument(..., metavar="MODEL", help="model.joblib from `sportlens imu train`.")


def _finish(summary: Summary, as_json: bool, out: Path, lines: list[str]) -> None:
    """Warnings and the output folder on stderr; the result lines on stdout, or with --json the summary on
    stdout and the result lines on stderr."""
    from sportlens.command import report

    report(summary, as_json, lines, out)


def _run(verb: str, run: Callable) -> Summary:
    from sportlens.command import run_task

    return run_task(f"imu {verb}", run)


def _recording_options(
    file: Path = FILE,
    out: Path = OUT,
    as_json: bool = JSON,
    recording: str = RECORDING,
    rate_hz: float = RATE,
    acc_unit: AccUnit = ACC_UNIT,
    gyro_unit: GyroUnit = GYRO_UNIT,
    max_gap_s: float = MAX_GAP,
) -> None:
    """The options shared by every command that reads one recording (their one declaration)."""


@dataclass(frozen=True)
class RecordingInput:
    """What a one-recording command was given: the CSV, the output folder, --json, and how to read the CSV
    (the `ReadOptions` fields)."""

    file: Path
    out: Path
    as_json: bool
    read: dict

    def finish(self, summary: Summary, lines: list[str]) -> None:
        _finish(summary, self.as_json, self.out, lines)


def recording_command(fn: Callable) -> Callable:
    """Register `fn(src: RecordingInput, ...)` as `sportlens imu NAME`, with the shared recording options
    (FILE, -o, --json, --recording, --rate-hz, --acc-unit, --gyro-unit, --max-gap-s) added to its own: its own
    arguments come first (e.g. MODEL), then FILE, then the shared options, then its own options."""
    shared = list(inspect.signature(_recording_options, eval_str=True).parameters.values())
    own = list(inspect.signature(fn, eval_str=True).parameters.values())[1:]
    arguments = [p for p in own if isinstance(p.default, typer.models.ArgumentInfo)]
    params = arguments + shared + [p for p in own if p not in arguments]
    read_names = ("recording", "rate_hz", "acc_unit", "gyro_unit", "max_gap_s")

    @functools.wraps(fn)
    def command(**kwargs):
        read = {k: kwargs.pop(k) for k in read_names}
        src = RecordingInput(kwargs.pop("file"), kwargs.pop("out"), kwargs.pop("as_json"), read)
        return fn(src, **kwargs)

    command.__signature__ = inspect.Signature(params)
    command.__annotations__ = {p.name: p.annotation for p in params}
    return app.command()(command)


@recording_command
def reps(
    src: RecordingInput,
    min_period_s: float = typer.Option(0.8, help="Shortest repetition period considered (s)."),
    max_period_s: float = typer.Option(10.0, help="Longest repetition period considered (s)."),
) -> None:
    """Count repetitions (periodic movement; pauses add none) and plot them."""
    from sportlens.imu.pipeline import run_reps

    options = RepsOptions(**src.read, min_period_s=min_period_s, max_period_s=max_period_s)
    summary = _run("reps", lambda progress: run_reps(src.file, src.out, options, progress))
    result = summary["reps"]
    period = "n/a" if result["period_s"] is None else f"{result['period_s']:.2f} s"
    src.finish(summary, [f"[bold]{result['count']}[/] repetitions, period {period}"])


def _cm(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} cm"


@recording_command
def jumps(
    src: RecordingInput,
    free_fall_g: float = typer.Option(0.3, help="|acc| below this (in g) counts as free fall."),
    takeoff: Takeoff = typer.Option(Takeoff.FREE_FALL, help="Take-off at the free-fall crossing, or at the end of "
                                    "the push-off (1 g crossing: for a loosely held sensor)."),
) -> None:
    """Find jumps (take-off, landing, flight time; heights from the flight time, the take-off and the landing
    velocity, checked for plausibility) and plot them."""
    from sportlens.imu.pipeline import run_jumps

    options = JumpsOptions(**src.read, free_fall_g=free_fall_g, takeoff=takeoff)
    summary = _run("jumps", lambda progress: run_jumps(src.file, src.out, options, progress))
    lines = [f"[bold]{summary['count']}[/] jump(s), {summary['plausible']} plausible"]
    for k, j in enumerate(summary["jumps"], 1):
        height = "no plausible height" if j["height_m"] is None else \
            f"height [bold]{_cm(j['height_m'])}[/] ({j['height_method']})"
        lines.append(
            f"  jump {k}: take-off {j['takeoff_s']:.3f} s, flight {j['flight_time_s']:.3f} s, {height}; "
            f"from flight time {_cm(j['height_flight_m'])}, take-off velocity {_cm(j['height_velocity_m'])}, "
            f"landing velocity {_cm(j['height_landing_m'])}" + ("" if j["plausible"] else " (implausible)")
        )
    src.finish(summary, lines)


@recording_command
def strokes(
    src: RecordingInput,
    min_peak_rads: float = typer.Option(5.0, help="Smallest peak angular speed of a stroke (rad/s)."),
    min_gap_s: float = typer.Option(1.0, help="Shortest time between two strokes (s)."),
) -> None:
    """Segment swings/strokes from angular-speed peaks and plot them."""
    from sportlens.imu.pipeline import run_strokes

    options = StrokesOptions(**src.read, min_peak_rads=min_peak_rads, min_gap_s=min_gap_s)
    summary = _run("strokes", lambda progress: run_strokes(src.file, src.out, options, progress))
    src.finish(summary, [f"[bold]{summary['count']}[/] stroke(s), {summary['clipped']} with a clipped gyro axis"])


@recording_command
def steps(src: RecordingInput) -> None:
    """Find steps (peaks of |acc|) and the cadence, and plot them."""
    from sportlens.imu.pipeline import run_steps

    options = StepsOptions(**src.read)
    summary = _run("steps", lambda progress: run_steps(src.file, src.out, options, progress))
    result = summary["steps"]
    cadence = "n/a" if result["cadence_spm"] is None else f"{result['cadence_spm']:.1f} steps/min"
    src.finish(summary, [f"[bold]{result['count']}[/] steps, cadence {cadence}"])


@recording_command
def orient(
    src: RecordingInput,
    gain: float = typer.Option(0.5, help="AHRS gain (imufusion): how much the accelerometer corrects the gyro."),
) -> None:
    """Orientation (quaternion, Euler angles) and gravity-free earth-frame acceleration, as CSV and plot."""
    from sportlens.imu.pipeline import run_orient

    options = OrientOptions(**src.read, gain=gain)
    summary = _run("orient", lambda progress: run_orient(src.file, src.out, options, progress))
    roll, pitch, yaw = summary["orientation"]["final_euler_deg"]
    src.finish(summary, [f"final roll {roll:.1f}, pitch {pitch:.1f}, yaw {yaw:.1f} deg"])


# ---- classifiers ------------------------------------------------------------------------------------

DATA = typer.Argument(..., help="A shared-set folder (../shared/data/imu/spar ...) or a labelled long CSV.")
DATASET = typer.Option(None, "--dataset", help="Data set name when the folder name does not tell it.")
LABEL_COL = typer.Option("label", "--label-col", help="Label column of a labelled CSV.")
GROUP_COL = typer.Option(None, "--group-col", help="Person column of a labelled CSV (splits are by it).")


@app.command()
def train(
    data: Path = DATA,
    out: Path = OUT,
    as_json: bool = JSON,
    dataset: DatasetName = DATASET,
    label_col: str = LABEL_COL,
    group_col: str = GROUP_COL,
    rate_hz: float = typer.Option(None, "--rate-hz", help="Resample windows to this rate (default: the data's)."),
    recipe: Recipe = typer.Option(Recipe.FOREST, help="Classifier recipe."),
    window_s: float = typer.Option(4.0, help="Window length (s)."),
    hop_s: float = typer.Option(2.0, help="Step between windows (s)."),
    block_s: float = typer.Option(None, help="Split by time blocks of this length instead of by person."),
    no_gyro: bool = typer.Option(False, "--no-gyro", help="Use the accelerometer only."),
    features: FeatureSet = typer.Option(
        FeatureSet.BASIC, help="Feature set: basic (statistics, spectrum) or motion (+ movement plane, rotation axis)."
    ),
    mirror_left: bool = typer.Option(
        False, "--mirror-left", help="Mirror left-wrist recordings into the right wrist's frame (needs a side)."
    ),
    seed: int = typer.Option(0, help="Random seed."),
    windows: WindowKind = typer.Option(
        WindowKind.FIXED, help="fixed (every hop) or events (on stroke peaks; stretches without one labelled idle)."
    ),
) -> None:
    """Cross-validate by person (or time block), then fit on all data and save model.joblib with its card."""
    from sportlens.imu.pipeline import run_train

    options = TrainOptions(dataset=dataset, label_col=label_col, group_col=group_col, rate_hz=rate_hz,
                           recipe=recipe, window_s=window_s, hop_s=hop_s, block_s=block_s, use_gyro=not no_gyro,
                           features=features, mirror_left=mirror_left, seed=seed, windows=windows)
    summary = _run("train", lambda progress: run_train(data, out, options, progress))
    cv = summary["cross_validation"]
    lines = [
        f"{summary['n_recordings']} recordings, {cv['n_windows']} windows, {cv['n_groups']} groups ({cv['split']})",
        f"cross-validated accuracy [bold]{cv['accuracy']:.3f}[/] (balanced {cv['balanced_accuracy']:.3f}, "
        f"per recording {cv['recording_accuracy']:.3f})",
    ]
    _finish(summary, as_json, out, lines)


@app.command("eval")
def evaluate(
    model_path: Path = MODEL,
    data: Path = DATA,
    out: Path = OUT,
    as_json: bool = JSON,
    dataset: DatasetName = DATASET,
    label_col: str = LABEL_COL,
    group_col: str = GROUP_COL,
) -> None:
    """Accuracy of a saved model on labelled data it was not trained on (per window and per recording)."""
    from sportlens.imu.pipeline import run_eval

    options = EvalOptions(dataset=dataset, label_col=label_col, group_col=group_col)
    summary = _run("eval", lambda progress: run_eval(model_path, data, out, options, progress))
    result = summary["evaluation"]
    _finish(summary, as_json, out, [
        f"accuracy [bold]{result['accuracy']:.3f}[/] on {result['n_windows']} windows; per recording "
        f"{result['recording_accuracy']:.3f}"
    ])


@recording_command
def predict(
    src: RecordingInput,
    model_path: Path = MODEL,
    side: Side = typer.Option(None, "--side", help="Wrist the sensor was worn on, for mirrored models."),
) -> None:
    """Label each window of a recording with a saved model, plus the majority label."""
    from sportlens.imu.pipeline import run_predict

    options = PredictOptions(**src.read, side=side)
    summary = _run("predict", lambda progress: run_predict(model_path, src.file, src.out, options, progress))
    result = summary["prediction"]
    counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items())
    src.finish(summary, [f"label [bold]{result['label']}[/] (windows: {counts})"])
