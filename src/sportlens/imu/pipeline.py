"""The library entry points of `sportlens imu`: `run_reps`, `run_jumps`, `run_strokes`, `run_steps`,
`run_orient`, `run_train`, `run_eval`, `run_predict`.

Each validates its inputs and options first (before any folder is made), then writes into `out_dir` under the
shared `-o` rule (`sportlens.io.output_dir.output_run`) and returns the `Summary` it wrote as summary.json:
results under `metrics`, everything the user should know (timing problems, interpolated cells, empty or
implausible results) under `warnings`. Progress goes to `progress` as events; nothing here prints.
"""

from __future__ import annotations

import time
from pathlib import Path

from sportlens.events import Progress, ensure_progress
from sportlens.imu.options import (
    EvalOptions,
    JumpsOptions,
    LabelledDataOptions,
    OrientOptions,
    PredictOptions,
    ReadOptions,
    RepsOptions,
    StepsOptions,
    StrokesOptions,
    TrainOptions,
)
from sportlens.imu.recording import ImuRecording
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain

TASK = "imu"


def read_recording(source: str | Path, options: ReadOptions) -> ImuRecording:
    """The recording a one-recording command reads (its CSV checked before anything is written)."""
    from sportlens.imu.readers import read_csv

    return read_csv(source, **options.read_kwargs())


def recording_warnings(rec: ImuRecording) -> list[str]:
    """What the user should know about a recording: what the reader changed, timing problems, clipping axes."""
    from sportlens.imu.events import saturated_axes

    warnings = list(rec.notes) + rec.timing.lines()
    for stream, values in (("acc", rec.acc_mps2), ("gyro", rec.gyro_rads)):
        if values is not None:
            axes = saturated_axes(values)
            if axes:
                names = ", ".join("xyz"[k] for k in axes)
                warnings.append(f"{stream} axis {names} sits at its extreme value repeatedly (clipping sensor?)")
    return warnings


def _summary(verb: str, inputs: list[Path], options, rec: ImuRecording | None = None) -> Summary:
    summary = Summary(f"{TASK} {verb}", inputs=[str(p) for p in inputs], options=plain(options))
    if rec is not None:
        summary.metrics["recording"] = rec.summary()
        for line in recording_warnings(rec):
            summary.warn(line)
    return summary


def _one_recording(verb: str, source, out_dir, options: ReadOptions, progress: Progress | None, analyse,
                   needs_gyro: bool = False) -> Summary:
    """The shape every one-recording command shares: read and check (before any folder is made), then in the
    output folder `analyse(rec, summary, out_dir)` fills metrics and warnings and writes its files."""
    from sportlens.errors import DataFormatError

    progress = ensure_progress(progress, f"{TASK} {verb}")
    source, out_dir = Path(source), Path(out_dir)
    t0 = time.perf_counter()
    rec = read_recording(source, options)
    if needs_gyro and rec.gyro_rads is None:
        raise DataFormatError("the recording has no gyroscope", source, f"{verb} needs gyr_x/y/z columns")
    read_s = time.perf_counter() - t0
    summary = _summary(verb, [source], options, rec)
    with output_run(out_dir, summary, source), progress.step(verb, total=2, unit="stages") as step:
        step.advance()  # read
        analyse(rec, summary, out_dir)
        step.advance()
        summary.timings["read_s"] = round(read_s, 3)
    return summary


def run_reps(source: str | Path, out_dir: str | Path, options: RepsOptions = RepsOptions(),
             progress: Progress | None = None) -> Summary:
    """Count repetitions; writes reps.png. metrics: recording, reps {count, period_s, times_s}."""
    from sportlens.imu.events import count_reps
    from sportlens.imu.plots import plot_reps

    def analyse(rec, summary, out_dir):
        result = count_reps(rec, min_period_s=options.min_period_s, max_period_s=options.max_period_s)
        summary.metrics["reps"] = result.as_dict()
        if result.count == 0:
            summary.warn(f"no repetition found: no periodic movement with a period of {options.min_period_s:g}-"
                         f"{options.max_period_s:g} s (see --min-period-s / --max-period-s)")
        plot_reps(rec, result, out_dir / "reps.png")

    return _one_recording("reps", source, out_dir, options, progress, analyse)


def run_jumps(source: str | Path, out_dir: str | Path, options: JumpsOptions = JumpsOptions(),
              progress: Progress | None = None) -> Summary:
    """Find jumps and check each for plausibility; writes jumps.png. metrics: recording, count, plausible (how
    many passed every check), jumps [{take-off, landing, flight time, the three heights, height_m,
    height_method, problems, plausible}]."""
    from sportlens.constants import STANDARD_GRAVITY
    from sportlens.imu.events import detect_jumps
    from sportlens.imu.plots import plot_jumps

    def analyse(rec, summary, out_dir):
        level = options.free_fall_g * STANDARD_GRAVITY
        found = detect_jumps(rec, free_fall_mps2=level, takeoff=options.takeoff.value)
        summary.metrics.update({"count": len(found), "plausible": sum(j.plausible for j in found),
                                "jumps": [j.as_dict() for j in found]})
        if not found:
            summary.warn(f"no jump found: |acc| never stayed below {options.free_fall_g:g} g for 0.12-1.5 s "
                         "(is the sensor worn on the body? see --free-fall-g)")
        for k, j in enumerate(found, 1):
            where = f"jump {k} (take-off {j.takeoff_s:.2f} s)"
            for problem in j.problems:
                summary.warn(f"{where}: {problem}")
            if j.height_method == "landing velocity":
                summary.warn(f"{where}: the flight-time height is not plausible; height {j.height_m:.3f} m is "
                             "the landing-velocity height")
            elif j.height_m is None:
                summary.warn(f"{where}: no plausible height (none of the estimates passes the checks)")
        plot_jumps(rec, found, level, out_dir / "jumps.png")

    return _one_recording("jumps", source, out_dir, options, progress, analyse)


def run_strokes(source: str | Path, out_dir: str | Path, options: StrokesOptions = StrokesOptions(),
                progress: Progress | None = None) -> Summary:
    """Segment swings/strokes; writes strokes.png. metrics: recording, count, clipped, strokes [...]."""
    from sportlens.imu.events import detect_strokes
    from sportlens.imu.plots import plot_strokes

    def analyse(rec, summary, out_dir):
        found = detect_strokes(rec, min_peak_rads=options.min_peak_rads, min_gap_s=options.min_gap_s)
        clipped = sum(s.clipped for s in found)
        summary.metrics.update({"count": len(found), "clipped": clipped, "strokes": [s.as_dict() for s in found]})
        if not found:
            summary.warn(f"no stroke found: the angular speed never reached {options.min_peak_rads:g} rad/s "
                         "(see --min-peak-rads)")
        if clipped:
            summary.warn(f"{clipped} of {len(found)} stroke(s) have a clipped gyro axis: their peak speed is a "
                         "lower bound")
        plot_strokes(rec, found, options.min_peak_rads, out_dir / "strokes.png")

    return _one_recording("strokes", source, out_dir, options, progress, analyse, needs_gyro=True)


def run_steps(source: str | Path, out_dir: str | Path, options: StepsOptions = StepsOptions(),
              progress: Progress | None = None) -> Summary:
    """Find steps and the cadence; writes steps.png. metrics: recording, steps {count, cadence_spm, times_s}."""
    from sportlens.imu.events import detect_steps
    from sportlens.imu.plots import plot_steps

    def analyse(rec, summary, out_dir):
        result = detect_steps(rec)
        summary.metrics["steps"] = result.as_dict()
        if result.count == 0:
            summary.warn("no step found: no gap-free piece of at least 1 s with peaks of |acc| 0.25 s apart")
        elif result.count < 3:
            summary.warn(f"only {result.count} step(s) found: too few for a cadence")
        plot_steps(rec, result, out_dir / "steps.png")

    return _one_recording("steps", source, out_dir, options, progress, analyse)


def run_orient(source: str | Path, out_dir: str | Path, options: OrientOptions = OrientOptions(),
               progress: Progress | None = None) -> Summary:
    """Orientation and gravity-free earth-frame acceleration; writes orientation.csv and orientation.png.
    metrics: recording, orientation {gyro_bias_rads, segments, final_quaternion_wxyz, final_euler_deg}."""
    from sportlens.imu.orientation import gyro_bias_from_still, orient
    from sportlens.imu.plots import plot_orientation
    from sportlens.io.atomic import write_csv

    def analyse(rec, summary, out_dir):
        o = orient(rec, gain=options.gain)
        summary.metrics["orientation"] = {
            "gyro_bias_rads": [round(float(b), 6) for b in o.gyro_bias_rads],
            "segments": o.n_segments,
            "final_quaternion_wxyz": [round(float(q), 6) for q in o.quaternion_wxyz[-1]],
            "final_euler_deg": [round(float(e), 4) for e in o.euler_deg[-1]],
        }
        if gyro_bias_from_still(rec) is None:
            summary.warn("no still period of 0.5 s: the gyro bias was not removed, so yaw drifts with it")
        write_csv(out_dir / "orientation.csv", o.as_frame())
        plot_orientation(o.time_s, o.euler_deg, o.earth_acc_mps2, rec.name, out_dir / "orientation.png")

    return _one_recording("orient", source, out_dir, options, progress, analyse, needs_gyro=True)


# ---- window classifiers -----------------------------------------------------------------------------


def load_labelled(data: str | Path, options: LabelledDataOptions, rate_hz: float | None = None):
    """(labelled recordings, data set name or "csv") from a shared-set folder or a labelled long CSV."""
    from sportlens.errors import DataFormatError, InputFileError
    from sportlens.imu.readers import guess_dataset, load_dataset, load_labelled_csv

    data = Path(data)
    if not data.exists():
        raise InputFileError("data not found", data, "give a shared-set folder or a labelled CSV")
    if data.is_dir():
        name = options.dataset.value if options.dataset is not None else guess_dataset(data)
        if name is None:
            raise DataFormatError("cannot tell which data set this folder is", data, "pass --dataset NAME")
        return load_dataset(name, data), name
    return load_labelled_csv(data, label_col=options.label_col, group_col=options.group_col, rate_hz=rate_hz), "csv"


def _labelled_warnings(summary: Summary, items) -> None:
    """Timing and clipping warnings of many recordings: all of them under metrics["recording_warnings"], and
    as warnings one line each for a few recordings, else one line that counts them."""
    found = {d.recording_id: recording_warnings(d.recording) for d in items}
    found = {rid: lines for rid, lines in found.items() if lines}
    if not found:
        return
    summary.metrics["recording_warnings"] = found
    if len(found) <= 3:
        for rid, lines in found.items():
            for line in lines:
                summary.warn(f"{rid}: {line}")
    else:
        rid, lines = next(iter(found.items()))
        summary.warn(f"{len(found)} of {len(items)} recordings have timing or clipping warnings (first: {rid}: "
                     f"{lines[0]}); all under metrics.recording_warnings in summary.json")


def run_train(data: str | Path, out_dir: str | Path, options: TrainOptions = TrainOptions(),
              progress: Progress | None = None) -> Summary:
    """Cross-validate by person (or time block), then fit on all data and save model.joblib with its card.
    metrics: cross_validation {split, accuracy, balanced_accuracy, recording_accuracy, folds, confusion ...},
    model (the card)."""
    from sportlens.errors import DataFormatError
    from sportlens.imu.classify import RECIPE_FEATURES, cross_validate, fit, make_card, save_model, window_set

    progress = ensure_progress(progress, f"{TASK} train")
    feature_set = RECIPE_FEATURES.get(options.recipe.value, options.features.value)
    data, out_dir = Path(data), Path(out_dir)
    t0 = time.perf_counter()
    items, name = load_labelled(data, options, options.rate_hz)
    use_gyro = options.use_gyro and all(d.recording.gyro_rads is not None for d in items)
    rate = options.rate_hz or float(sorted(d.recording.rate_hz for d in items)[len(items) // 2])
    with progress.step("windows", total=None, unit="windows") as step:
        ws = window_set(items, options.window_s, options.hop_s, rate, use_gyro, options.block_s,
                        feature_set, options.mirror_left, options.windows.value)
        step.advance(len(ws.y))
    labels = sorted(set(ws.y.astype(str)))
    if len(labels) < 2:
        raise DataFormatError(f"training needs at least 2 labels, found {len(labels)}", data)
    summary = _summary("train", [data], options)
    _labelled_warnings(summary, items)
    if options.use_gyro and not use_gyro:
        summary.warn("not every recording has a gyroscope: the model uses the accelerometer only")
    with output_run(out_dir, summary, data):
        with progress.step("cross-validation", total=None, unit="folds") as step:
            def on_fold(done: int, total: int) -> None:
                if step.total != total:
                    step.set_total(total)
                step.advance()

            cv = cross_validate(ws, options.recipe.value, seed=options.seed, on_fold=on_fold)
        with progress.step("fit", total=1, unit="models") as step:
            model = fit(ws, options.recipe.value, options.seed)
            step.advance()
        card = make_card(
            recipe=options.recipe.value,
            data=str(data),
            dataset=name,
            window_s=options.window_s,
            hop_s=options.hop_s,
            rate_hz=rate,
            use_gyro=use_gyro,
            feature_set=feature_set,
            windows=options.windows.value,
            mirror_left=options.mirror_left,
            classes=labels,
            split=f"time blocks of {options.block_s:g} s" if options.block_s else "by group (person)",
            n_windows=int(len(ws.y)),
            n_recordings=len(items),
            metrics={k: cv[k] for k in ("split", "accuracy", "balanced_accuracy", "recording_accuracy", "n_groups")},
            seconds=round(time.perf_counter() - t0, 2),
        )
        save_model(out_dir / "model.joblib", model, card)
        summary.metrics.update({"n_recordings": len(items), "cross_validation": cv, "model": card})
        summary.timings["train_s"] = round(time.perf_counter() - t0, 3)
    return summary


def run_eval(model_path: str | Path, data: str | Path, out_dir: str | Path, options: EvalOptions = EvalOptions(),
             progress: Progress | None = None) -> Summary:
    """Accuracy of a saved model on labelled data (per window and per recording); writes summary.json only.
    metrics: evaluation {n_windows, n_recordings, accuracy, recording_accuracy, classes, confusion}, model."""
    import numpy as np
    from sklearn.metrics import confusion_matrix

    from sportlens.errors import DataFormatError
    from sportlens.imu.classify import load_model, majority_accuracy, window_set

    progress = ensure_progress(progress, f"{TASK} eval")
    model_path, data, out_dir = Path(model_path), Path(data), Path(out_dir)
    model, card = load_model(model_path)
    items, _ = load_labelled(data, options, card["rate_hz"])
    with progress.step("windows", total=None, unit="windows") as step:
        ws = window_set(items, card["window_s"], card["hop_s"], card["rate_hz"], card["use_gyro"],
                        feature_set=card.get("feature_set", "basic"), mirror_left=card.get("mirror_left", False),
                        windows=card.get("windows", "fixed"))
        step.advance(len(ws.y))
    if len(ws.y) == 0:
        raise DataFormatError(f"no complete {card['window_s']:g} s window in the data", data)
    summary = _summary("eval", [model_path, data], options)
    _labelled_warnings(summary, items)
    with output_run(out_dir, summary, model_path, data):
        pred = model.predict(ws.X).astype(str)
        y = ws.y.astype(str)
        classes = sorted(set(y) | set(pred))
        unknown = sorted(set(y) - set(card.get("classes", [])))
        if unknown:
            summary.warn(f"label(s) the model never saw: {', '.join(unknown)} (always counted wrong)")
        summary.metrics.update({
            "evaluation": {
                "n_windows": int(len(y)),
                "n_recordings": len(items),
                "accuracy": float(np.mean(pred == y)),
                "recording_accuracy": majority_accuracy(ws.recording_ids, y.astype(object), pred.astype(object)),
                "classes": classes,
                "confusion": confusion_matrix(y, pred, labels=classes).tolist(),
            },
            "model": {"path": str(model_path), "card": card},
        })
    return summary


def run_predict(model_path: str | Path, source: str | Path, out_dir: str | Path,
                options: PredictOptions = PredictOptions(), progress: Progress | None = None) -> Summary:
    """Label each window of a recording with a saved model, plus the majority label; writes windows.csv.
    metrics: recording, prediction {label, counts, windows}, model."""
    import pandas as pd

    from sportlens.imu.classify import load_model, predict_recording
    from sportlens.io.atomic import write_csv

    progress = ensure_progress(progress, f"{TASK} predict")
    model_path, source, out_dir = Path(model_path), Path(source), Path(out_dir)
    model, card = load_model(model_path)
    rec = read_recording(source, options)
    side = None if options.side is None else options.side.value
    with progress.step("predict", total=1, unit="recordings") as step:
        result = predict_recording(model, card, rec, side)  # errors (no gyro, too short) before any folder
        step.advance()
    summary = _summary("predict", [model_path, source], options, rec)
    with output_run(out_dir, summary, model_path, source):
        summary.metrics.update({"prediction": result, "model": {"path": str(model_path), "card": card}})
        if len(result["counts"]) > 1:
            share = max(result["counts"].values()) / sum(result["counts"].values())
            if share < 0.5:
                summary.warn(f"no label holds a majority of the windows ({share:.0%} for {result['label']})")
        write_csv(out_dir / "windows.csv", pd.DataFrame(result["windows"]))
    return summary
