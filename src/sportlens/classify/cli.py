"""`sportlens classify ...`: train, eval, review, clean, predict, export (and list the models).

Thin: each command maps its flags to the options dataclass and calls `run_<verb>` through `run_task`.
Results people read (tables, accuracies, labels) go to stdout, progress and messages to stderr; with --json,
stdout holds only the summary and the results go to stderr. Only light modules are imported here; torch and
friends load inside the commands, so `sportlens --help` stays fast.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import get_args

import typer

from sportlens.classify import options as opts
from sportlens.classify.recipes import RECIPES
from sportlens.command import JSON_HELP, OUT_HELP, print_result, report, run_task, top_k_lines

app = typer.Typer(
    help="Image classification of sport scenes and poses: train, evaluate, review mistakes, clean, predict, export.",
    no_args_is_help=True,
)


def _choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """A str Enum of fixed choices, so that --help lists them (typer shows an Enum's values)."""
    return Enum(name, {value: value for value in values}, type=str)


ModelName = _choices("ModelName", tuple(sorted(RECIPES)))
Weights = _choices("Weights", get_args(opts.Weights))
Amp = _choices("Amp", get_args(opts.Amp))
Device = _choices("Device", get_args(opts.Device))
BudgetClock = _choices("BudgetClock", get_args(opts.BudgetClock))
EvalSplit = _choices("EvalSplit", get_args(opts.EvalSplit))


@app.command()
def train(
    data: Path = typer.Argument(..., help="Folder of CLASS/ sub-folders (optionally under train/ valid/ test/) or a "
                                          "manifest CSV (path,class[,split|fold])."),
    out: Path = typer.Option(..., "-o", "--out", help=f"Run folder (best.pt, model card, curves). {OUT_HELP}"),
    model: ModelName = typer.Option("resnet18", "--model", "-m", help="Model; see `sportlens classify models`."),
    weights: Weights = typer.Option("none", help="none (from scratch) or imagenet (torchvision download or cache)."),
    epochs: int | None = typer.Option(None, help="Epochs (default: the model's recipe). After the first epoch the "
                                                 "run says how long the rest will take."),
    time_budget: float | None = typer.Option(None, "--time-budget", help="Stop after this many minutes, keeping "
                                             "the best model; the learning-rate schedule ends on time."),
    budget_clock: BudgetClock = typer.Option("wall", help="What --time-budget counts: wall (clock time) or cpu (this "
                                             "process's CPU time per thread: fair when other jobs share the cores)."),
    image_size: int | None = typer.Option(None, help="Input side in px (default: the recipe's)."),
    batch_size: int | None = typer.Option(None, help="Batch size (default: the recipe's)."),
    lr: float | None = typer.Option(None, help="Peak learning rate (default: the recipe's)."),
    seed: int = typer.Option(0, help="Seed of the split, the initialisation and the augmentation."),
    fold: int | None = typer.Option(None, help="With a manifest that has a fold column: test on this fold."),
    min_per_class: int = typer.Option(opts.MIN_IMAGES_PER_CLASS, help="Fewest usable images a class may have (an "
                                      "empty class folder is a class with 0: an error too)."),
    amp: Amp = typer.Option("auto", help="Mixed precision (auto: bf16 where the CPU or GPU runs it fast)."),
    device: Device = typer.Option("auto", help="auto (a CUDA GPU when visible), cpu or cuda."),
    resume: bool = typer.Option(False, "--resume", help="Continue the interrupted run in OUT."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train an image classifier; the best model on the validation split is kept."""
    options = opts.TrainOptions(
        model=model.value, weights=weights.value, epochs=epochs, time_budget_min=time_budget,
        budget_clock=budget_clock.value, image_size=image_size, batch_size=batch_size, lr=lr, seed=seed, fold=fold,
        min_per_class=min_per_class, amp=amp.value, device=device.value, resume=resume,
    )
    from sportlens.classify.train import run_train

    summary = run_task("classify train", lambda progress: run_train(data, out, options, progress))
    m = summary.metrics
    test = m["test"]
    print_result(
        f"{m['model']}: best validation accuracy {m['val'].get('accuracy', float('nan')):.3f} "
        f"(epoch {m['training']['best_epoch']} of {m['training']['epochs_run']})"
        + ("" if test is None else f", test accuracy {test['accuracy']:.3f}, macro F1 {test['macro_f1']:.3f} "
           f"on {test['n_images']} images")
        + f", {m['training']['train_minutes']:.1f} min",
        as_json,
    )
    report(summary, as_json, out_dir=out)


@app.command("eval")
def evaluate(
    run: Path = typer.Argument(..., help="Run folder written by train (or its best.pt)."),
    data: Path = typer.Argument(..., help="Folder or manifest to evaluate on."),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Output folder (default RUN/eval). {OUT_HELP}"),
    split: EvalSplit = typer.Option("auto", help="auto: the data's test split, else the run's test split when DATA "
                                    "is the training data, else all images."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Accuracy, macro F1, per-class precision/recall, confusion matrix, most confident mistakes, curves."""
    from rich.table import Column, Table

    options = opts.EvalOptions(split=split.value)
    from sportlens.classify.evaluate import run_eval

    summary = run_task("classify eval", lambda progress: run_eval(run, data, out, options, progress))
    m = summary.metrics
    table = Table(Column("class", no_wrap=True), "precision", "recall", "f1", "images",
                  title=f"{m['model']} on {m['split']}")
    for name, row in m["per_class"].items():
        table.add_row(name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    print_result(table, as_json)
    print_result(f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} on {m['n_images']} images", as_json)
    report(summary, as_json, out_dir=out or Path(m["run"]) / "eval")


@app.command()
def review(
    run: Path = typer.Argument(..., help="Run folder written by train."),
    data: Path = typer.Argument(..., help="Folder or manifest to review (usually the training data)."),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Output folder (default RUN/review). {OUT_HELP}"),
    max_distance: int = typer.Option(6, help="Largest pHash Hamming distance (of 64 bits) for a near-duplicate."),
    html_rows: int = typer.Option(200, help="Images shown on the HTML page."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Rank images most likely mislabelled and find near-duplicates; writes review.csv and review.html."""
    options = opts.ReviewOptions(max_distance=max_distance, html_rows=html_rows)
    from sportlens.classify.review import run_review

    summary = run_task("classify review", lambda progress: run_review(run, data, out, options, progress))
    m = summary.metrics
    folder = out or Path(m["run"]) / "review"
    print_result(f"{m['n_images']} images: {m['n_predicted_other_class']} predicted as another class, "
          f"{m['n_duplicate_pairs']} near-duplicate pairs; open {folder / 'review.html'}", as_json)
    report(summary, as_json, out_dir=folder)


@app.command()
def clean(
    data: Path = typer.Argument(..., help="The folder or manifest that was reviewed."),
    decisions: Path = typer.Argument(..., help="review.csv (edited) or the page's review-decisions.csv."),
    out: Path = typer.Option(..., "-o", "--out", help=f"Folder for the new manifest.csv. {OUT_HELP}"),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Apply keep/relabel/drop decisions to a new manifest (your image files are never changed)."""
    options = opts.CleanOptions()
    from sportlens.classify.review import run_clean

    summary = run_task("classify clean", lambda progress: run_clean(data, decisions, out, options, progress))
    m = summary.metrics
    print_result(f"kept {m['kept']}, relabelled {m['relabelled']}, dropped {m['dropped']}: {m['manifest']} "
          f"(train on it with `sportlens classify train {m['manifest']} -o RUN`)", as_json)
    report(summary, as_json, out_dir=out)


@app.command()
def predict(
    run: Path = typer.Argument(..., help="Run folder written by train (or its best.pt)."),
    target: str = typer.Argument(..., help="Image file, folder of images, or http(s) URL."),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Also write predictions.csv here. {OUT_HELP}"),
    top_k: int = typer.Option(3, "--top-k", "-k", help="Labels per image."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Top-k labels with probabilities, one line per image on stdout."""
    options = opts.PredictOptions(top_k=top_k)
    from sportlens.classify.predict import run_predict

    summary = run_task("classify predict", lambda progress: run_predict(run, target, out, options, progress))
    report(summary, as_json, top_k_lines(summary.metrics["predictions"]), out_dir=out)


@app.command()
def export(
    run: Path = typer.Argument(..., help="Run folder written by train (or its best.pt)."),
    out: Path = typer.Option(..., "-o", "--out", help=f"Folder for model.onnx and model.json. {OUT_HELP}"),
    opset: int = typer.Option(17, help=f"ONNX opset ({opts.MIN_OPSET}-{opts.MAX_OPSET})."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Export to ONNX with the exact preprocessing in its metadata; checked against PyTorch (1e-4)."""
    options = opts.ExportOptions(opset=opset)
    from sportlens.classify.export import run_export

    summary = run_task("classify export", lambda progress: run_export(run, out, options, progress))
    check = summary.metrics["check"]
    print_result(f"{out / 'model.onnx'}: max |ONNX - PyTorch| = {check['max_abs_diff']:.1e} on "
                 f"{check['n_images']} images", as_json)
    report(summary, as_json, out_dir=out)


@app.command()
def models(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """List the models and their training recipes."""
    from rich.table import Column, Table

    from sportlens.summary import Summary

    table = Table(Column("model", no_wrap=True), "px", "batch", "epochs", "lr", "mixup/cutmix")
    for name in sorted(RECIPES):
        r = RECIPES[name]
        table.add_row(name, str(r.image_size), str(r.batch_size), str(r.epochs), f"{r.lr:g}",
                      f"{r.mixup_alpha:g}/{r.cutmix_alpha:g}")
    print_result(table, as_json)
    summary = Summary(command="classify models", metrics={"models": {n: RECIPES[n].to_dict() for n in sorted(RECIPES)}})
    report(summary, as_json)
