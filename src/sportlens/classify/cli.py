"""`sportlens classify ...`: train, eval, review, clean, predict, export (and list the models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from sportlens.io.atomic import print_json

app = typer.Typer(
    help="Image classification of sport scenes and poses: train, evaluate, review mistakes, clean, predict, export.",
    no_args_is_help=True,
)
console = Console(stderr=True)


def command_text(ctx: typer.Context) -> str:
    """The command as an equivalent command line: arguments, then the options that differ from the defaults."""
    names, node = [], ctx
    while node.parent is not None:
        names.append(node.info_name)
        node = node.parent
    words = ["sportlens", *reversed(names)]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.param_type_name == "argument":
            words.append(str(value))
        elif value is not None and value != param.default and param.opts:
            if isinstance(value, bool):
                flag = param.opts[0] if value else (param.secondary_opts or param.opts)[0]
                words.append(flag)
            else:
                words += [max(param.opts, key=len), str(value)]
    return " ".join(words)


def _emit(obj: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(obj)


@app.command()
def train(
    ctx: typer.Context,
    data: Path = typer.Argument(..., help="Folder of CLASS/ sub-folders (optionally under train/ valid/ test/) or a "
                                          "manifest CSV (path,class[,split|fold])."),
    out: Path = typer.Option(..., "-o", "--out", help="Run folder to create (best.pt, model card, curves)."),
    model: str = typer.Option("resnet18", "--model", "-m", help="Registry name; see `sportlens classify models`."),
    weights: str = typer.Option("none", help="none (from scratch) or imagenet (torchvision download or cache)."),
    epochs: int | None = typer.Option(None, help="Epochs (default: the model's recipe)."),
    time_budget: float | None = typer.Option(None, "--time-budget", help="Stop after this many minutes, keeping "
                                             "the best model; the learning-rate schedule ends on time."),
    budget_clock: str = typer.Option("wall", help="What --time-budget counts: wall (clock time) or cpu (this "
                                     "process's CPU time per thread: fair when other jobs share the cores)."),
    image_size: int | None = typer.Option(None, help="Input side in px (default: the recipe's)."),
    batch_size: int | None = typer.Option(None, help="Batch size (default: the recipe's)."),
    lr: float | None = typer.Option(None, help="Peak learning rate (default: the recipe's)."),
    seed: int = typer.Option(0, help="Seed of the split, the initialisation and the augmentation."),
    fold: int | None = typer.Option(None, help="With a manifest that has a fold column: test on this fold."),
    min_per_class: int = typer.Option(5, help="Fewest usable images a class may have."),
    amp: str = typer.Option("auto", help="Mixed precision: auto, off, bf16 or fp16."),
    device: str = typer.Option("auto", help="auto, cpu or cuda."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in OUT."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (the summary) on stdout."),
) -> None:
    """Train an image classifier; the best model on the validation split is kept."""
    from sportlens.classify.train import TrainOptions, train_classifier
    from sportlens.errors import UserError

    if amp not in ("auto", "off", "bf16", "fp16"):
        raise UserError(f"unknown --amp {amp!r}", hint="use auto, off, bf16 or fp16")
    if budget_clock not in ("wall", "cpu"):
        raise UserError(f"unknown --budget-clock {budget_clock!r}", hint="use wall or cpu")
    options = TrainOptions(
        model=model, weights=weights, epochs=epochs, time_budget_min=time_budget, budget_clock=budget_clock,
        image_size=image_size,
        batch_size=batch_size, lr=lr, seed=seed, fold=fold, min_per_class=min_per_class, amp=amp, device=device,
        command=command_text(ctx),
    )
    summary = train_classifier(data, out, options, resume=resume, progress=progress, console=console)
    test = summary["test"]
    console.print(
        f"[bold]done[/]: best validation accuracy {summary['val'].get('accuracy', float('nan')):.3f} "
        f"(epoch {summary['training']['best_epoch']})"
        + ("" if test is None else f", test accuracy {test['accuracy']:.3f}, macro F1 {test['macro_f1']:.3f}")
        + f", {summary['training']['train_minutes']:.1f} min → {out}",
        highlight=False,
    )
    _emit(summary, as_json)


@app.command("eval")
def evaluate(
    run: Path = typer.Argument(..., help="Run folder written by train (or its best.pt)."),
    data: Path = typer.Argument(..., help="Folder or manifest to evaluate on."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Output folder (default RUN/eval)."),
    split: str = typer.Option("auto", help="auto (test split if known, else all), test, val, train or all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Accuracy, macro F1, per-class precision/recall, confusion matrix, most confident mistakes, curves."""
    from sportlens.classify.evaluate import evaluate_run

    result = evaluate_run(run, data, out, split=split, console=console)
    table = Table("class", "precision", "recall", "f1", "images", title=f"{result['model']} on {result['split']}")
    for name, m in result["per_class"].items():
        table.add_row(name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    console.print(table)
    console.print(
        f"accuracy {result['accuracy']:.3f}, macro F1 {result['macro_f1']:.3f} on {result['n_images']} images "
        f"→ {result['out']}",
        highlight=False,
    )
    _emit(result, as_json)


@app.command()
def review(
    run: Path = typer.Argument(..., help="Run folder written by train."),
    data: Path = typer.Argument(..., help="Folder or manifest to review (usually the training data)."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Output folder (default RUN/review)."),
    max_distance: int = typer.Option(6, help="Largest pHash Hamming distance (of 64 bits) for a near-duplicate."),
    html_rows: int = typer.Option(200, help="Images shown on the HTML page."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Rank images most likely mislabelled and find near-duplicates; writes review.csv and review.html."""
    from sportlens.classify.review import review_run

    summary = review_run(run, data, out, max_distance=max_distance, html_rows=html_rows, console=console)
    console.print(
        f"{summary['n_images']} images: {summary['n_predicted_other_class']} predicted as another class, "
        f"{summary['n_duplicate_pairs']} near-duplicate pairs → {summary['out']}/review.html",
        highlight=False,
    )
    _emit(summary, as_json)


@app.command()
def clean(
    data: Path = typer.Argument(..., help="The folder or manifest that was reviewed."),
    decisions: Path = typer.Argument(..., help="review.csv (edited) or the page's review-decisions.csv."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for the new manifest.csv."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Apply keep/relabel/drop decisions to a new manifest (your image files are never changed)."""
    from sportlens.classify.review import clean_manifest

    summary = clean_manifest(data, decisions, out, console=console)
    console.print(
        f"kept {summary['kept']}, relabelled {summary['relabelled']}, dropped {summary['dropped']} → "
        f"{summary['manifest']} (train on it with `sportlens classify train {summary['manifest']} -o RUN`)",
        highlight=False,
    )
    _emit(summary, as_json)


@app.command()
def predict(
    run: Path = typer.Argument(..., help="Run folder written by train (or its best.pt)."),
    target: str = typer.Argument(..., help="Image file, folder of images, or http(s) URL."),
    top_k: int = typer.Option(3, "--top-k", "-k", help="Labels per image."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Top-k labels with probabilities."""
    from sportlens.classify.predict import predict_inputs

    result = predict_inputs(run, target, top_k=top_k)
    for row in result["predictions"]:
        labels = ", ".join(f"{t['label']} {t['probability']:.3f}" for t in row["top_k"])
        console.print(f"{row['input']}: {labels}", highlight=False, soft_wrap=True)
    for row in result["skipped"]:
        console.print(f"[yellow]skipped[/] {row['path']}: {row['reason']}", highlight=False)
    _emit(result, as_json)


@app.command()
def export(
    run: Path = typer.Argument(..., help="Run folder written by train (or its best.pt)."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for model.onnx and model.json."),
    opset: int = typer.Option(17, help="ONNX opset."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Export to ONNX and check ONNX Runtime against PyTorch (max |logit difference| <= 1e-4)."""
    from sportlens.classify.export import export_onnx

    info = export_onnx(run, out, opset=opset)
    console.print(
        f"wrote {info['onnx']} (max |ONNX - PyTorch| = {info['check']['max_abs_diff']:.1e} on "
        f"{info['check']['n_images']} images)",
        highlight=False,
    )
    _emit({k: v for k, v in info.items() if k != "card"}, as_json)


@app.command()
def models(as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")) -> None:
    """List the registered models and their training recipes."""
    from sportlens.classify.models import MODELS
    from sportlens.classify.recipes import RECIPES

    table = Table("model", "px", "batch", "epochs", "lr", "mixup/cutmix")
    for name in MODELS.names():
        r = RECIPES[name]
        table.add_row(name, str(r.image_size), str(r.batch_size), str(r.epochs), f"{r.lr:g}",
                      f"{r.mixup_alpha:g}/{r.cutmix_alpha:g}")
    console.print(table)
    _emit({"models": {name: RECIPES[name].to_dict() for name in MODELS.names()}}, as_json)
