"""`sportlens detect VIDEO|IMAGE -o OUT` (short for `detect run`) and `sportlens detect train DATA -o RUN`.

Thin: flags become DetectOptions / DetectTrainOptions, then run_detect / run_detect_train. Light imports only.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from typer.core import TyperGroup

from sportlens.command import JSON_HELP, OUT_HELP


class RunByDefault(TyperGroup):
    """`sportlens detect INPUT ...` runs `detect run INPUT ...`: a first argument that is not a command
    name (nor an option such as --help) is taken as the input."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=RunByDefault, no_args_is_help=True,
                  help="Boxes of people and sport gear (torchvision Faster R-CNN / SSDlite): detect in a video or "
                       "image (`sportlens detect INPUT -o OUT`), or fine-tune on a COCO folder (`detect train`).")


class ModelChoice(StrEnum):
    fasterrcnn_mobilenet = "fasterrcnn-mobilenet"
    ssdlite = "ssdlite"


WEIGHTS_HELP = ("A `detect train` best.pt or torchvision COCO weights (.pth); default: the model's COCO weights in "
                "the torch cache (~/.cache/torch/hub/checkpoints). Nothing is downloaded.")


@app.command("run")
def run(
    source: Path = typer.Argument(..., metavar="INPUT", show_default=False, help="A video or an image."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    model: ModelChoice = typer.Option(ModelChoice.fasterrcnn_mobilenet, help="Detector (ignored when --weights is "
                                                                             "a `detect train` checkpoint)."),
    weights: Path | None = typer.Option(None, metavar="PATH", show_default=False, help=WEIGHTS_HELP),
    min_score: float = typer.Option(0.5, metavar="0..1", help="Keep detections scoring at least this."),
    classes: str | None = typer.Option(None, metavar="NAME,NAME|all", show_default=False,
                                       help="Classes to keep (default: people and sport gear; all: every class)."),
    image_size: int | None = typer.Option(None, metavar="PX", show_default=False,
                                          help="Shorter side the detector works at (default: the model's own)."),
    every: int = typer.Option(1, metavar="N", help="Detect on every N-th frame of a video."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip the drawn video / image."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Detect people and sport gear in a video or an image."""
    from sportlens.command import report, run_task
    from sportlens.detect.options import DetectOptions
    from sportlens.detect.pipeline import run_detect

    names = () if classes is None else tuple(c.strip() for c in classes.split(",") if c.strip())
    options = DetectOptions(model=model.value, weights=None if weights is None else str(weights),
                            min_score=min_score, classes=names, image_size=image_size, every=every,
                            annotated_video=not no_video)
    summary = run_task("detect", lambda progress: run_detect(source, out, options, progress))
    m = summary.metrics
    per_class = ", ".join(f"{n} {c}" for n, c in m["per_class"].items()) or "nothing"
    report(summary, as_json, [f"[green]detect[/] {m['frames']} frame(s): {per_class}"], out)


@app.command("train")
def train(
    data: Path = typer.Argument(..., metavar="DATA", show_default=False,
                                help="A folder of images with one COCO annotations JSON file."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    model: ModelChoice = typer.Option(ModelChoice.fasterrcnn_mobilenet, help="Detector to train."),
    weights: str | None = typer.Option(None, metavar="PATH|coco", show_default=False,
                                       help="Start from these weights (a checkpoint, torchvision COCO weights, or "
                                            "coco: the torch cache's); default: from scratch."),
    epochs: int = typer.Option(10, metavar="N", help="Epochs."),
    steps_per_epoch: int | None = typer.Option(None, metavar="N", show_default=False,
                                               help="Batches per epoch (default: one pass over the images)."),
    batch_size: int = typer.Option(4, metavar="N", help="Images per batch."),
    lr: float = typer.Option(1e-3, metavar="RATE", help="Peak learning rate (one-cycle)."),
    image_size: int = typer.Option(320, metavar="PX", help="Training images are fitted into this square."),
    val_fraction: float = typer.Option(0.2, metavar="0..1", help="Share of images held out to pick the best epoch."),
    seed: int = typer.Option(0, metavar="N", help="Seed of the split and the batches."),
    patience: int | None = typer.Option(None, metavar="EPOCHS", show_default=False,
                                        help="Stop after this many epochs without a better validation mAP."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Fine-tune or train a detector on a COCO-format folder."""
    from sportlens.command import report, run_task
    from sportlens.detect.options import DetectTrainOptions
    from sportlens.detect.train import run_detect_train

    options = DetectTrainOptions(model=model.value, weights=weights, epochs=epochs, steps_per_epoch=steps_per_epoch,
                                 batch_size=batch_size, lr=lr, image_size=image_size, val_fraction=val_fraction,
                                 seed=seed, patience=patience)
    summary = run_task("detect train", lambda progress: run_detect_train(data, out, options, progress))
    m = summary.metrics
    report(summary, as_json, [f"[green]detect train[/] {m['model']}: loss {m['train_loss_first']} → "
                              f"{m['train_loss_last']}, validation mAP@0.5 {m['val_map50']} → {out / 'best.pt'}"], out)
