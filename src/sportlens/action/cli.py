"""`sportlens action train|eval|predict`: action recognition from skeleton sequences (this slice).

Thin: flags become the options dataclasses, then `run_train` / `run_eval` / `run_predict`. Light imports
only, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP, report, run_task, top_k_lines

app = typer.Typer(help="Action and stroke recognition from skeleton sequences: train, evaluate, predict.",
                  no_args_is_help=True)


class ModelChoice(StrEnum):
    skeleton_tcn = "skeleton-tcn"
    skeleton_tcn_small = "skeleton-tcn-small"


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
    model: ModelChoice = typer.Option(ModelChoice.skeleton_tcn, help="Model."),
    epochs: int = typer.Option(80, help="Epochs."),
    time_budget: float | None = typer.Option(None, "--time-budget", metavar="MIN",
                                             help="Stop after this many minutes, keeping the best model."),
    frames: int = typer.Option(64, help="Time steps every clip is resampled to."),
    batch_size: int = typer.Option(64, help="Clips per training batch."),
    seed: int = typer.Option(0, help="Seed of the validation draw, the initialisation and the augmentation."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in OUT."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train a skeleton action model; the best epoch on the validation clips is kept."""
    from sportlens.action.options import TrainOptions
    from sportlens.action.pipeline import run_train

    options = TrainOptions(model=model.value, epochs=epochs, time_budget_min=time_budget, frames=frames,
                           batch_size=batch_size, seed=seed, resume=resume)
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
