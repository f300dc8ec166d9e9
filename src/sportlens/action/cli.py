"""`sportlens action train|eval|predict`: action recognition from skeleton sequences (this slice).

Thin: flags become the options dataclasses, then `run_train` / `run_eval` / `run_predict`. Light imports
only, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP, report, run_task, top_k_lines

app = typer.Typer(help="Action and stroke recognition from skeleton sequences: train, evaluate, predict, and "
                  "detect in long videos.", no_args_is_help=True)


class ModelChoice(StrEnum):
    skeleton_tcn = "skeleton-tcn"
    skeleton_tcn_small = "skeleton-tcn-small"
    rgb_3dcnn = "rgb-3dcnn"
    flow_3dcnn = "flow-3dcnn"
    flow_3dcnn_att = "flow-3dcnn-att"
    twin_rgb_flow = "twin-rgb-flow"
    twin_rgb_flow_att = "twin-rgb-flow-att"
    twin_pose = "twin-pose"
    r3d_18 = "r3d-18"
    mc3_18 = "mc3-18"
    r2plus1d_18 = "r2plus1d-18"


class SplitChoice(StrEnum):
    auto = "auto"
    train = "train"
    test = "test"
    all = "all"


DATA_HELP = ("A Penn Action folder (labels/*.mat), or a folder of CLASS/ sub-folders holding videos, "
             "`sportlens pose` output folders or their keypoints.csv files.")


@app.command()
def train(
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path = typer.Option(..., "-o", "--out", help=f"Run folder (best.pt with its card, history.csv). {OUT_HELP}"),
    model: ModelChoice = typer.Option(ModelChoice.skeleton_tcn, help="Model: skeleton-tcn* on skeletons; the "
                                      "others are video models on RGB / optical flow (/ pose) crops of videos "
                                      "(docs/action.md)."),
    epochs: int = typer.Option(80, help="Epochs."),
    time_budget: float | None = typer.Option(None, "--time-budget", metavar="MIN",
                                             help="Stop after this many minutes, keeping the best model."),
    frames: int = typer.Option(64, help="Time steps every clip is resampled to."),
    video_frames: int = typer.Option(16, help="Frames per clip of a video model."),
    size: int = typer.Option(64, help="Side of a video model's square crops (pixels)."),
    no_flip: bool = typer.Option(False, "--no-flip", help="Video models: no horizontal flip (when left and right "
                                 "are different classes)."),
    batch_size: int = typer.Option(64, help="Clips per training batch."),
    seed: int = typer.Option(0, help="Seed of the validation draw, the initialisation and the augmentation."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in OUT."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train an action model (skeleton or video); the best epoch on the validation clips is kept."""
    from sportlens.action.options import TrainOptions
    from sportlens.action.pipeline import run_train

    options = TrainOptions(model=model.value, epochs=epochs, time_budget_min=time_budget, frames=frames,
                           video_frames=video_frames, size=size, flip=not no_flip, batch_size=batch_size, seed=seed,
                           resume=resume)
    summary = run_task("action train", lambda progress: run_train(data, out, options, progress))
    m = summary.metrics
    test = "" if not m["test"] else f", test accuracy {m['test']['accuracy']:.3f} on {m['test']['n_clips']} clips"
    report(summary, as_json, [f"best validation accuracy {m['val'].get('accuracy', 0):.3f} (epoch "
                              f"{m['best_epoch']}){test}"], out)


@app.command("eval")
def evaluate(
    run: Path = typer.Argument(..., help="Run folder written by `action train` (or its best.pt)."),
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Output folder (default RUN/eval). {OUT_HELP}"),
    split: SplitChoice = typer.Option(SplitChoice.auto, help="auto: the data's test split when it has one."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Accuracy, macro F1, per-class figures and the confusion matrix."""
    from sportlens.action.options import EvalOptions
    from sportlens.action.pipeline import run_eval

    options = EvalOptions(split=split.value)
    summary = run_task("action eval", lambda progress: run_eval(run, data, out, options, progress))
    m = summary.metrics
    report(summary, as_json, [f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} on {m['n_clips']} clips "
                              f"({m['split']})"])


@app.command()
def predict(
    run: Path = typer.Argument(..., help="Run folder written by `action train` (or its best.pt)."),
    inputs: list[Path] = typer.Argument(..., metavar="CLIP...", help="Videos, keypoints.csv files, pose output "
                                        "folders or Penn Action .mat files."),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Also write predictions.csv here. {OUT_HELP}"),
    top_k: int = typer.Option(3, "--top-k", "-k", help="Labels per clip."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Top-k actions with probabilities for each clip."""
    from sportlens.action.options import PredictOptions
    from sportlens.action.pipeline import run_predict

    options = PredictOptions(top_k=top_k)
    summary = run_task("action predict", lambda progress: run_predict(run, inputs, out, options, progress))
    report(summary, as_json, top_k_lines(summary.metrics["predictions"]))


class UnitChoice(StrEnum):
    frames = "frames"
    seconds = "seconds"


@app.command()
def detect(
    video: Path = typer.Argument(..., help="A long video (a match, a training session)."),
    out: Path = typer.Option(..., "-o", "--out", help=f"Output folder (segments.csv, scores.csv, timeline.png, "
                             f"annotated.mp4). {OUT_HELP}"),
    model: Path = typer.Option(..., "--model", help="Run folder written by `action train` (or its best.pt)."),
    pose: Path | None = typer.Option(None, "--pose", help="This video's keypoints.csv or `sportlens pose` folder "
                                     "(skips running BlazePose again)."),
    truth: Path | None = typer.Option(None, "--truth", help="Ground-truth segments (video,start,end,label CSV): "
                                      "adds mAP@0.5 and mean IoU."),
    unit: UnitChoice = typer.Option(UnitChoice.frames, help="Unit of --truth's start/end (frames: end exclusive)."),
    window: float | None = typer.Option(None, "--window", metavar="S", help="Window length in seconds (default: "
                                        "the model's median training clip)."),
    stride: float = typer.Option(0.2, "--stride", metavar="S", help="Seconds between windows."),
    min_score: float = typer.Option(0.4, help="A frame's best class needs at least this score."),
    min_activity: float = typer.Option(0.3, help="Joint speed (torso lengths/s) below which the athlete is still."),
    min_length: float = typer.Option(0.5, "--min-length", metavar="S", help="Shortest segment kept (seconds)."),
    max_gap: float = typer.Option(0.3, "--max-gap", metavar="S", help="Join same-label segments this close (s)."),
    no_video: bool = typer.Option(False, "--no-video", help="Do not write annotated.mp4."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Find and label actions in a long video: sliding windows, scores per frame, segments."""
    from sportlens.action.detect import run_detect
    from sportlens.action.options import DetectOptions

    options = DetectOptions(model=str(model), pose=str(pose) if pose else None, truth=str(truth) if truth else None,
                            unit=unit.value, window_s=window, stride_s=stride, min_score=min_score,
                            min_activity=min_activity, min_length_s=min_length, max_gap_s=max_gap,
                            video=not no_video)
    summary = run_task("action detect", lambda progress: run_detect(video, out, options, progress))
    m = summary.metrics
    lines = [f"{m['segments']} segment(s) in {m['frames'] / m['fps']:.1f} s: "
             + ", ".join(f"{c} {k}" for c, k in m["per_class"].items() if k)]
    if "detection" in m:
        d = m["detection"]
        lines.append(f"mAP@0.5 {d['map']:.3f}, mean IoU {d['mean_iou']:.3f} against {d['truth_segments']} segments")
    report(summary, as_json, lines, out)
