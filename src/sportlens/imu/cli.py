"""`sportlens imu ...`: events (reps, jumps, strokes, steps), orientation, and window classifiers."""

from __future__ import annotations

import functools
import inspect
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from sportlens.errors import DataFormatError, InputFileError

app = typer.Typer(
    help="Wearable IMU recordings: repetitions, jumps, strokes, steps, orientation, and window classifiers.",
    no_args_is_help=True,
)
console = Console(stderr=True)

FILE = typer.Argument(..., help="IMU CSV (t_s + acc_x_g/acc_x_ms2 ... columns; see docs/imu.md).")
OUT = typer.Option(None, "-o", "--out", help="Output folder (default: out/imu/<file name>).")
JSON = typer.Option(False, "--json", help="Print one JSON object on stdout (human output goes to stderr).")
RECORDING = typer.Option(None, "--recording", help="Recording id, when the CSV holds several (recording_id column).")
RATE = typer.Option(None, "--rate-hz", help="Sample rate, when the CSV has no time column.")
ACC_UNIT = typer.Option(None, "--acc-unit", help="Accelerometer unit when the column names carry none: g or ms2.")
GYRO_UNIT = typer.Option(None, "--gyro-unit", help="Gyroscope unit when the column names carry none: dps or rads.")


def _finish(payload: dict, out_dir: Path, as_json: bool, lines: list[str]) -> None:
    """Write summary.json, print the human lines to stderr, and the JSON object to stdout if asked."""
    from sportlens.io.atomic import write_json

    payload["outputs"]["summary"] = str(out_dir / "summary.json")
    write_json(out_dir / "summary.json", payload)
    for w in payload.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"outputs in [bold]{out_dir}[/]", highlight=False)
    if as_json:
        from sportlens.io.atomic import print_json

        print_json(payload)


def _recording_options(
    file: Path = FILE,
    out: Path = OUT,
    as_json: bool = JSON,
    recording: str = RECORDING,
    rate_hz: float = RATE,
    acc_unit: str = ACC_UNIT,
    gyro_unit: str = GYRO_UNIT,
) -> None:
    """The options shared by every command that reads one recording (their one declaration)."""


@dataclass(frozen=True)
class RecordingInput:
    """What a one-recording command was given: the CSV and how to read it, the output folder, --json."""

    file: Path
    out: Path | None
    as_json: bool
    recording: str | None
    rate_hz: float | None
    acc_unit: str | None
    gyro_unit: str | None

    def read(self):
        """Read the CSV, then check the output folder (never the input's, never one with foreign files)."""
        from sportlens.imu.readers import read_csv
        from sportlens.io.output_dir import prepare_output_dir

        recording = read_csv(
            self.file, recording=self.recording, rate_hz=self.rate_hz, acc_unit=self.acc_unit, gyro_unit=self.gyro_unit
        )
        prepare_output_dir(self.out_dir, self.file)
        return recording

    @property
    def out_dir(self) -> Path:
        name = self.file.name.removesuffix(".gz").removesuffix(".csv")
        return Path(self.out) if self.out is not None else Path("out") / "imu" / name

    def payload(self, command: str, rec) -> dict:
        """The summary every command starts from: what ran, on which recording, and its warnings (timing
        problems, clipping axes)."""
        from sportlens import __version__
        from sportlens.imu.events import saturated_axes

        warnings = rec.timing.lines()
        for stream, values in (("acc", rec.acc_mps2), ("gyro", rec.gyro_rads)):
            if values is not None:
                axes = saturated_axes(values)
                if axes:
                    names = ", ".join("xyz"[k] for k in axes)
                    warnings.append(f"{stream} axis {names} sits at its extreme value repeatedly (clipping sensor?)")
        return {
            "command": f"sportlens imu {command}",
            "argv": shlex.join(sys.argv),
            "sportlens_version": __version__,
            "input": str(self.file),
            "recording": rec.summary(),
            "warnings": warnings,
            "outputs": {},
        }

    def finish(self, payload: dict, lines: list[str]) -> None:
        _finish(payload, self.out_dir, self.as_json, lines)


def recording_command(fn: Callable) -> Callable:
    """Register `fn(src: RecordingInput, ...)` as `sportlens imu NAME`, with the shared recording options
    (FILE, -o, --json, --recording, --rate-hz, --acc-unit, --gyro-unit) added to its own: its own arguments
    come first (e.g. MODEL), then FILE, then the shared options, then its own options."""
    shared = list(inspect.signature(_recording_options, eval_str=True).parameters.values())
    own = list(inspect.signature(fn, eval_str=True).parameters.values())[1:]
    arguments = [p for p in own if isinstance(p.default, typer.models.ArgumentInfo)]
    params = arguments + shared + [p for p in own if p not in arguments]
    names = [p.name for p in shared]

    @functools.wraps(fn)
    def command(**kwargs):
        return fn(RecordingInput(**{k: kwargs.pop(k) for k in names}), **kwargs)

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
    from sportlens.imu.events import count_reps
    from sportlens.imu.plots import plot_reps

    rec = src.read()
    result = count_reps(rec, min_period_s=min_period_s, max_period_s=max_period_s)
    payload = src.payload("reps", rec)
    payload["reps"] = result.as_dict()
    payload["outputs"]["plot"] = str(plot_reps(rec, result, src.out_dir / "reps.png"))
    src.finish(payload, [f"[bold]{result.count}[/] repetitions, period {result.period_s:.2f} s"])


@recording_command
def jumps(
    src: RecordingInput,
    free_fall_g: float = typer.Option(0.3, help="|acc| below this (in g) counts as free fall."),
    takeoff: str = typer.Option("free-fall", help="Take-off at the free-fall crossing, or '1g' (end of push-off)."),
) -> None:
    """Find jumps (take-off, landing, flight time, height = g T^2 / 8) and plot them."""
    from sportlens.constants import STANDARD_GRAVITY
    from sportlens.imu.events import detect_jumps
    from sportlens.imu.plots import plot_jumps

    if takeoff not in ("free-fall", "1g"):
        raise DataFormatError(f"--takeoff must be 'free-fall' or '1g', got {takeoff!r}")
    rec = src.read()
    level = free_fall_g * STANDARD_GRAVITY
    found = detect_jumps(rec, free_fall_mps2=level, takeoff=takeoff)
    payload = src.payload("jumps", rec)
    payload["jumps"] = [j.as_dict() for j in found]
    payload["outputs"]["plot"] = str(plot_jumps(rec, found, level, src.out_dir / "jumps.png"))
    lines = [f"[bold]{len(found)}[/] jump(s)"] + [
        f"  take-off {j.takeoff_s:.3f} s, flight {j.flight_time_s:.3f} s, height {j.height_flight_m * 100:.1f} cm"
        for j in found
    ]
    src.finish(payload, lines)


@recording_command
def strokes(
    src: RecordingInput,
    min_peak_rads: float = typer.Option(5.0, help="Smallest peak angular speed of a stroke (rad/s)."),
    min_gap_s: float = typer.Option(1.0, help="Shortest time between two strokes (s)."),
) -> None:
    """Segment swings/strokes from angular-speed peaks and plot them."""
    from sportlens.imu.events import detect_strokes
    from sportlens.imu.plots import plot_strokes

    rec = src.read()
    found = detect_strokes(rec, min_peak_rads=min_peak_rads, min_gap_s=min_gap_s)
    payload = src.payload("strokes", rec)
    payload["strokes"] = [s.as_dict() for s in found]
    payload["outputs"]["plot"] = str(plot_strokes(rec, found, min_peak_rads, src.out_dir / "strokes.png"))
    clipped = sum(s.clipped for s in found)
    src.finish(payload, [f"[bold]{len(found)}[/] stroke(s), {clipped} with a clipped gyro axis"])


@recording_command
def steps(src: RecordingInput) -> None:
    """Find steps (peaks of |acc|) and the cadence, and plot them."""
    from sportlens.imu.events import detect_steps
    from sportlens.imu.plots import plot_steps

    rec = src.read()
    result = detect_steps(rec)
    payload = src.payload("steps", rec)
    payload["steps"] = result.as_dict()
    payload["outputs"]["plot"] = str(plot_steps(rec, result, src.out_dir / "steps.png"))
    src.finish(payload, [f"[bold]{result.count}[/] steps, cadence {result.cadence_spm:.1f} steps/min"])


@recording_command
def orient(
    src: RecordingInput,
    gain: float = typer.Option(0.5, help="AHRS gain (imufusion): how much the accelerometer corrects the gyro."),
) -> None:
    """Orientation (quaternion, Euler angles) and gravity-free earth-frame acceleration, as CSV and plot."""
    from sportlens.imu.orientation import orient as run_orient
    from sportlens.imu.plots import plot_orientation
    from sportlens.io.atomic import write_csv

    rec = src.read()
    o = run_orient(rec, gain=gain)
    out_dir = src.out_dir
    payload = src.payload("orient", rec)
    payload["orientation"] = {
        "gyro_bias_rads": [round(float(b), 6) for b in o.gyro_bias_rads],
        "segments": o.n_segments,
        "final_quaternion_wxyz": [round(float(q), 6) for q in o.quaternion_wxyz[-1]],
        "final_euler_deg": [round(float(e), 4) for e in o.euler_deg[-1]],
    }
    payload["outputs"]["csv"] = str(write_csv(out_dir / "orientation.csv", o.as_frame()))
    payload["outputs"]["plot"] = str(
        plot_orientation(o.time_s, o.euler_deg, o.earth_acc_mps2, rec.name, out_dir / "orientation.png")
    )
    roll, pitch, yaw = o.euler_deg[-1]
    src.finish(payload, [f"final roll {roll:.1f}, pitch {pitch:.1f}, yaw {yaw:.1f} deg"])


# ---- classifiers ------------------------------------------------------------------------------------


def _labelled(data: Path, dataset: str | None, label_col: str, group_col: str | None, rate_hz: float | None):
    from sportlens.imu.readers import guess_dataset, load_dataset, load_labelled_csv

    if not data.exists():
        raise InputFileError("data not found", data, "give a shared-set folder or a labelled CSV")
    if data.is_dir():
        name = dataset or guess_dataset(data)
        if name is None:
            raise DataFormatError("cannot tell which data set this folder is", data, "pass --dataset NAME")
        return load_dataset(name, data), name
    return load_labelled_csv(data, label_col=label_col, group_col=group_col, rate_hz=rate_hz), "csv"


DATA = typer.Argument(..., help="A shared-set folder (../shared/data/imu/spar ...) or a labelled long CSV.")
DATASET = typer.Option(None, "--dataset", help="Data set name when the folder name does not tell it.")
LABEL_COL = typer.Option("label", "--label-col", help="Label column of a labelled CSV.")
GROUP_COL = typer.Option(None, "--group-col", help="Person column of a labelled CSV (splits are by it).")


@app.command()
def train(
    data: Path = DATA,
    out: Path = typer.Option(Path("out/imu/model"), "-o", "--out", help="Output folder for model.joblib."),
    as_json: bool = JSON,
    dataset: str = DATASET,
    label_col: str = LABEL_COL,
    group_col: str = GROUP_COL,
    rate_hz: float = typer.Option(None, "--rate-hz", help="Resample windows to this rate (default: the data's)."),
    recipe: str = typer.Option("forest", help="Classifier recipe: forest, extra-trees, logistic."),
    window_s: float = typer.Option(4.0, help="Window length (s)."),
    hop_s: float = typer.Option(2.0, help="Step between windows (s)."),
    block_s: float = typer.Option(None, help="Split by time blocks of this length instead of by person."),
    no_gyro: bool = typer.Option(False, "--no-gyro", help="Use the accelerometer only."),
    features: str = typer.Option(
        "basic", help="Feature set: basic (statistics, spectrum) or motion (+ movement plane, rotation axis)."
    ),
    mirror_left: bool = typer.Option(
        False, "--mirror-left", help="Mirror left-wrist recordings into the right wrist's frame (needs a side)."
    ),
    seed: int = typer.Option(0, help="Random seed."),
) -> None:
    """Cross-validate by person (or time block), then fit on all data and save model.joblib with its card."""
    from sportlens.imu.classify import RECIPES, cross_validate, fit, make_card, save_model, window_set
    from sportlens.imu.features import FEATURE_SETS

    RECIPES.get(recipe)  # unknown names fail before any work
    if features not in FEATURE_SETS:
        raise DataFormatError(f"--features must be one of {', '.join(FEATURE_SETS)}, got {features!r}")
    t0 = time.perf_counter()
    items, name = _labelled(data, dataset, label_col, group_col, rate_hz)
    use_gyro = not no_gyro and all(d.recording.gyro_rads is not None for d in items)
    rate = rate_hz or float(sorted(d.recording.rate_hz for d in items)[len(items) // 2])
    ws = window_set(items, window_s, hop_s, rate, use_gyro, block_s, features, mirror_left)
    if len(set(ws.y)) < 2:
        raise DataFormatError("training needs at least 2 labels", data)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("cross-validation"), BarColumn(), MofNCompleteColumn(), TextColumn("folds"))
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("cv", total=None)
        cv = cross_validate(
            ws, recipe, seed=seed, on_fold=lambda done, total: bar.update(task, completed=done, total=total)
        )
    model = fit(ws, recipe, seed)
    card = make_card(
        recipe=recipe,
        data=str(data),
        dataset=name,
        window_s=window_s,
        hop_s=hop_s,
        rate_hz=rate,
        use_gyro=use_gyro,
        feature_set=features,
        mirror_left=mirror_left,
        classes=sorted(set(ws.y.astype(str))),
        split=f"time blocks of {block_s:g} s" if block_s else "by group (person)",
        n_windows=int(len(ws.y)),
        n_recordings=len(items),
        metrics={k: cv[k] for k in ("split", "accuracy", "balanced_accuracy", "recording_accuracy", "n_groups")},
        command=shlex.join(sys.argv),
        seconds=round(time.perf_counter() - t0, 2),
    )
    out_dir = Path(out)
    model_path = save_model(out_dir / "model.joblib", model, card)
    payload = {"command": "sportlens imu train", "card": card, "cross_validation": cv, "warnings": [], "outputs": {}}
    payload["outputs"]["model"] = str(model_path)
    lines = [
        f"{len(items)} recordings, {len(ws.y)} windows, {cv['n_groups']} groups ({cv['split']})",
        f"cross-validated accuracy [bold]{cv['accuracy']:.3f}[/] (balanced {cv['balanced_accuracy']:.3f}, "
        f"per recording {cv['recording_accuracy']:.3f})",
    ]
    _finish(payload, out_dir, as_json, lines)


@app.command("eval")
def evaluate(
    model_path: Path = typer.Argument(..., metavar="MODEL", help="model.joblib from `sportlens imu train`."),
    data: Path = DATA,
    out: Path = typer.Option(Path("out/imu/eval"), "-o", "--out", help="Output folder."),
    as_json: bool = JSON,
    dataset: str = DATASET,
    label_col: str = LABEL_COL,
    group_col: str = GROUP_COL,
) -> None:
    """Accuracy of a saved model on labelled data it was not trained on (per window and per recording)."""
    import numpy as np
    from sklearn.metrics import confusion_matrix

    from sportlens.imu.classify import load_model, majority_accuracy, window_set

    model, card = load_model(model_path)
    items, _ = _labelled(data, dataset, label_col, group_col, card["rate_hz"])
    ws = window_set(
        items,
        card["window_s"],
        card["hop_s"],
        card["rate_hz"],
        card["use_gyro"],
        feature_set=card.get("feature_set", "basic"),
        mirror_left=card.get("mirror_left", False),
    )
    if len(ws.y) == 0:
        raise DataFormatError("no complete window in the data", data)
    pred = model.predict(ws.X).astype(str)
    y = ws.y.astype(str)
    classes = sorted(set(y) | set(pred))
    result = {
        "n_windows": int(len(y)),
        "n_recordings": len(items),
        "accuracy": float(np.mean(pred == y)),
        "recording_accuracy": majority_accuracy(ws.recording_ids, y.astype(object), pred.astype(object)),
        "classes": classes,
        "confusion": confusion_matrix(y, pred, labels=classes).tolist(),
    }
    payload = {"command": "sportlens imu eval", "model": str(model_path), "card": card, "evaluation": result}
    payload.update({"warnings": [], "outputs": {}})
    lines = [
        f"accuracy [bold]{result['accuracy']:.3f}[/] on {len(y)} windows; per recording "
        f"{result['recording_accuracy']:.3f}"
    ]
    _finish(payload, Path(out), as_json, lines)


@recording_command
def predict(
    src: RecordingInput,
    model_path: Path = typer.Argument(..., metavar="MODEL", help="model.joblib from `sportlens imu train`."),
    side: str = typer.Option(None, "--side", help="Wrist the sensor was worn on (left/right), for mirrored models."),
) -> None:
    """Label each window of a recording with a saved model, plus the majority label."""
    import pandas as pd

    from sportlens.imu.classify import load_model, predict_recording
    from sportlens.io.atomic import write_csv

    model, card = load_model(model_path)
    rec = src.read()
    result = predict_recording(model, card, rec, side)
    payload = src.payload("predict", rec)
    payload.update({"model": str(model_path), "prediction": result})
    payload["outputs"]["csv"] = str(write_csv(src.out_dir / "windows.csv", pd.DataFrame(result["windows"])))
    src.finish(payload, [f"label [bold]{result['label']}[/] ({result['counts']})"])
