"""`sportlens posecls train|eval|predict`: pose classification from BlazePose keypoints of photos.

Thin: flags become the options dataclasses, then `run_train` / `run_eval` / `run_predict`. Light imports
only, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP, report, run_task, top_k_lines

app = typer.Typer(help="Pose classification from keypoints (photos): train, evaluate, predict.",
                  no_args_is_help=True)

DATA_HELP = "A folder of CLASS/ sub-folders of photos."
MODEL_HELP = "Run folder written by `posecls train` (or its model.joblib)."
MAX_SIDE_HELP = "Photos are shrunk to this long side (px) before pose estimation."


@app.command()
def train(
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path = typer.Option(..., "-o", "--out", help=f"Run folder (model.joblib with its card). {OUT_HELP}"),
    n_trees: int = typer.Option(500, "--n-trees", help="Trees of the random forest."),
    seed: int = typer.Option(0, help="Seed of the random forest."),
    max_side: int = typer.Option(640, help=MAX_SIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train a random forest on normalised keypoints and joint angles (each pose also mirrored)."""
    from sportlens.posecls.options import TrainOptions
    from sportlens.posecls.pipeline import run_train

    options = TrainOptions(n_trees=n_trees, seed=seed, max_side=max_side)
    summary = run_task("posecls train", lambda progress: run_train(data, out, options, progress))
    m = summary.metrics
    report(summary, as_json, [f"trained on {m['images_with_person']}/{m['images']} photos with a person, "
                              f"{len(m['classes'])} classes"], out)


@app.command("eval")
def evaluate(
    run: Path = typer.Argument(..., help=MODEL_HELP),
    data: Path = typer.Argument(..., help=DATA_HELP),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Output folder (default RUN/eval). {OUT_HELP}"),
    mistakes: int = typer.Option(10, help="How many of the most confident mistakes to list."),
    max_side: int = typer.Option(640, help=MAX_SIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Accuracy, macro F1, the confusion matrix and the most confident mistakes."""
    from sportlens.posecls.options import EvalOptions
    from sportlens.posecls.pipeline import run_eval

    options = EvalOptions(mistakes=mistakes, max_side=max_side)
    summary = run_task("posecls eval", lambda progress: run_eval(run, data, out, options, progress))
    m = summary.metrics
    report(summary, as_json, [f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} on {m['n_images']} "
                              "photos"])


@app.command()
def predict(
    run: Path = typer.Argument(..., help=MODEL_HELP),
    inputs: list[Path] = typer.Argument(..., metavar="IMAGE...", help="Photos or folders of photos."),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Also write predictions.csv here. {OUT_HELP}"),
    top_k: int = typer.Option(3, "--top-k", "-k", help="Classes per photo."),
    max_side: int = typer.Option(640, help=MAX_SIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Top-k pose classes with probabilities for each photo."""
    from sportlens.posecls.options import PredictOptions
    from sportlens.posecls.pipeline import run_predict

    options = PredictOptions(top_k=top_k, max_side=max_side)
    summary = run_task("posecls predict", lambda progress: run_predict(run, inputs, out, options, progress))
    report(summary, as_json, top_k_lines(summary.metrics["predictions"]))
