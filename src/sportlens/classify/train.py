"""Train an image classifier on a folder or manifest into a run folder (best.pt with its model card)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import torch.nn.functional as F
from rich.console import Console
from torch import nn

from sportlens.classify.augment import IMAGENET_MEAN, IMAGENET_STD, eval_view, train_view
from sportlens.classify.data import (
    MIN_IMAGES_PER_CLASS,
    ImageSet,
    assign_splits,
    check_class_sizes,
    decode_all,
    scan_images,
    split_indices,
)
from sportlens.classify.metrics import classification_metrics
from sportlens.classify.models import Classifier, build_classifier
from sportlens.classify.plots import plot_history
from sportlens.classify.recipes import Recipe, recipe_for
from sportlens.errors import DataFormatError, ModelError, UserError
from sportlens.io.atomic import write_csv, write_json
from sportlens.training import FitConfig, Phase, fit, load_checkpoint, save_checkpoint
from sportlens.training.checkpoint import command_line, new_card

TASK = "classify"


@dataclass(frozen=True)
class TrainOptions:
    """What the user chose; None means the recipe's value."""

    model: str = "resnet18"
    weights: str = "none"
    epochs: int | None = None
    time_budget_min: float | None = None
    budget_clock: str = "wall"
    image_size: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    seed: int = 0
    fold: int | None = None
    min_per_class: int = MIN_IMAGES_PER_CLASS
    amp: str = "auto"
    device: str = "auto"
    command: str | None = None  # what the user ran, for the model card (default: this process's argv)


@dataclass
class LoadedClassifier:
    """A trained classifier ready for inference, with its card."""

    module: nn.Module
    card: dict[str, Any]
    path: Path

    @property
    def classes(self) -> list[str]:
        return list(self.card["classes"])

    @property
    def image_size(self) -> int:
        return int(self.card["image_size"])

    @property
    def cache_size(self) -> int:
        return int(self.card["cache_size"])


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def report_skipped(image_set: ImageSet, console: Console, limit: int = 20) -> None:
    """List skipped files (non-images, unreadable, missing) on the console, the first `limit` of them."""
    if not image_set.skipped:
        return
    console.print(f"[yellow]skipped {len(image_set.skipped)} file(s):[/]", highlight=False)
    for path, reason in image_set.skipped[:limit]:
        console.print(f"  {path}: {reason}", highlight=False, soft_wrap=True)
    if len(image_set.skipped) > limit:
        console.print(f"  ... and {len(image_set.skipped) - limit} more (all listed in summary.json)")


@torch.no_grad()
def predict_logits(
    module: nn.Module, pixels: torch.Tensor, image_size: int, batch_size: int = 128, device: torch.device | None = None
) -> torch.Tensor:
    """Float32 logits (N, classes) for a uint8 (N, 3, S, S) cache, whole-image view, in evaluation mode."""
    device = device or next(module.parameters()).device
    module.eval()
    outputs = []
    for start in range(0, len(pixels), batch_size):
        x = eval_view(pixels[start : start + batch_size], image_size).to(device)
        outputs.append(module(x).float().cpu())
    if not outputs:
        return torch.zeros((0, 0))
    return torch.cat(outputs)


def _phases(recipe: Recipe, weights: str, n_groups: int) -> tuple[Phase, ...]:
    if weights == "none":
        return (Phase("train", recipe.epochs, recipe.lr),)
    # the yoga write-up's recipe: fit the new head on a frozen backbone, then unfreeze everything with
    # learning rates rising geometrically from the input side to the head
    ratios = tuple(recipe.lr_bottom_ratio ** (1 - i / (n_groups - 1)) for i in range(n_groups))
    return (
        Phase("head", recipe.head_epochs, recipe.head_lr, frozen=tuple(range(n_groups - 1)), budget_fraction=0.15),
        Phase("finetune", recipe.epochs, recipe.finetune_lr, lr_ratios=ratios),
    )


def _data_fingerprint(image_set: ImageSet) -> str:
    digest = hashlib.sha256()
    for item in image_set.items:
        digest.update(f"{item.path.resolve()}\t{item.label}\n".encode())
    return digest.hexdigest()[:16]


def train_classifier(
    data: str | Path,
    out_dir: str | Path,
    options: TrainOptions = TrainOptions(),
    resume: bool = False,
    progress: bool = True,
    console: Console | None = None,
) -> dict[str, Any]:
    """Train `options.model` on DATA into `out_dir`; returns the summary also written to summary.json.

    Files: best.pt (weights + model card), model_card.json, split.csv, history.csv, training_curves.png,
    train_config.json, last.pt (resume state), summary.json.
    """
    console = console or Console(stderr=True)
    out_dir = Path(out_dir)
    recipe = recipe_for(
        options.model, epochs=options.epochs, image_size=options.image_size, batch_size=options.batch_size,
        lr=options.lr,
    )
    chosen = {k: v for k, v in asdict(options).items() if k != "command"}
    config_record = {"options": chosen, "recipe": recipe.to_dict(), "data": str(Path(data).resolve())}
    _check_run_folder(out_dir, config_record, resume)

    image_set = scan_images(data)
    # build first: a missing ImageNet download should fail before minutes of decoding
    classifier: Classifier = build_classifier(options.model, len(image_set.classes), options.weights)
    console.print(f"decoding {len(image_set.items)} images at {recipe.cache_size} px ...", highlight=False)
    decode_all(image_set, recipe.cache_size)
    report_skipped(image_set, console)
    check_class_sizes(image_set, options.min_per_class)
    splits, split_method = assign_splits(image_set, seed=options.seed, fold=options.fold)
    classes = image_set.classes
    labels = torch.from_numpy(image_set.labels)
    train_idx, val_idx, test_idx = (split_indices(splits, s) for s in ("train", "val", "test"))
    _check_train_has_every_class(image_set, splits)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "train_config.json", config_record)
    write_csv(
        out_dir / "split.csv",
        pd.DataFrame(
            {"path": [str(i.path.resolve()) for i in image_set.items], "class": [i.label for i in image_set.items],
             "split": splits}
        ),
    )

    device = pick_device(options.device)
    model = classifier.module
    phases = _phases(recipe, options.weights, len(classifier.groups))
    fit_config = FitConfig(
        phases=phases,
        time_budget_s=None if options.time_budget_min is None else options.time_budget_min * 60,
        weight_decay=recipe.weight_decay,
        label_smoothing=recipe.label_smoothing,
        mixup_alpha=recipe.mixup_alpha,
        cutmix_alpha=recipe.cutmix_alpha,
        mix_prob=recipe.mix_prob,
        seed=options.seed,
        amp=options.amp,
        budget_clock=options.budget_clock,
        bn_recalibration_batches=recipe.bn_recalibration_batches,
    )
    pixels = image_set.pixels
    augment = recipe.augment()
    batch_size = min(recipe.batch_size, len(train_idx))
    steps_per_epoch = max(len(train_idx) // batch_size, 1)

    def train_batches(epoch: int, gen: torch.Generator):
        order = torch.from_numpy(train_idx)[torch.randperm(len(train_idx), generator=gen)]
        # drop the ragged last batch: a batch of one breaks batch norm, and equal batches keep the steps even
        for step in range(steps_per_epoch):
            idx = order[step * batch_size : (step + 1) * batch_size]
            yield train_view(pixels[idx], recipe.image_size, gen, augment), labels[idx]

    val_pixels, val_labels = pixels[torch.from_numpy(val_idx)], labels[torch.from_numpy(val_idx)]

    def validate(module: nn.Module) -> dict[str, float]:
        logits = predict_logits(module, val_pixels, recipe.image_size, device=device)
        return {
            "loss": float(F.cross_entropy(logits, val_labels)),
            "accuracy": float((logits.argmax(1) == val_labels).float().mean()),
        }

    card_base = {
        "command": options.command or command_line(),
        "model": options.model,
        "weights_init": options.weights,
        "classes": classes,
        "image_size": recipe.image_size,
        "cache_size": recipe.cache_size,
        "normalize": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)},
        "recipe": recipe.to_dict(),
        "data": {
            "source": str(Path(data).resolve()),
            "n_images": len(image_set.items),
            "class_counts": image_set.class_counts(),
            "n_skipped": len(image_set.skipped),
            "fingerprint": _data_fingerprint(image_set),
        },
        "split": {
            "method": split_method,
            "seed": options.seed,
            "fold": options.fold,
            "counts": {s: int(n) for s, n in zip(("train", "val", "test"), map(len, (train_idx, val_idx, test_idx)),
                                                 strict=True)},
            "file": "split.csv",
        },
    }

    def save_best(state: dict[str, torch.Tensor], metrics: dict[str, float], epoch: int) -> None:
        card = new_card(TASK, **card_base, metrics={"val": metrics}, training={"best_epoch": epoch})
        save_checkpoint(out_dir / "best.pt", state, card)

    console.print(
        f"training {options.model} (weights {options.weights}) on {len(train_idx)} images, "
        f"validating on {len(val_idx)}, {len(classes)} classes, {recipe.image_size} px, device {device.type}"
        + ("" if options.time_budget_min is None else f", budget {options.time_budget_min:g} min "
           f"({options.budget_clock} clock)"),
        highlight=False,
    )
    result = fit(
        model, classifier.groups, train_batches, len(train_idx) // batch_size * batch_size, steps_per_epoch,
        validate, fit_config, out_dir, save_best, resume=resume, device=device, console=console, progress=progress,
    )

    loaded = load_classifier(out_dir)
    best_module = loaded.module.to(device)
    test_metrics = None
    if len(test_idx):
        logits = predict_logits(best_module, pixels[torch.from_numpy(test_idx)], recipe.image_size, device=device)
        full = classification_metrics(labels[torch.from_numpy(test_idx)].numpy(), logits.argmax(1).numpy(), classes)
        test_metrics = {k: full[k] for k in ("n_images", "accuracy", "macro_f1")}
    training = {
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "stopped_by": result.stopped_by,
        "train_minutes": round(result.train_seconds / 60, 2),
        "wall_minutes": round(result.wall_seconds / 60, 2),
        "time_budget_min": options.time_budget_min,
        "budget_clock": options.budget_clock,
        "amp": result.amp_dtype,
        "device": device.type,
        "torch_threads": torch.get_num_threads(),
    }
    card = dict(loaded.card)
    card["metrics"] = {"val": result.best_metrics, "test": test_metrics}
    card["training"] = training
    state = {k: v.cpu() for k, v in best_module.state_dict().items()}
    save_checkpoint(out_dir / "best.pt", state, card)
    write_json(out_dir / "model_card.json", card)
    write_csv(out_dir / "history.csv", pd.DataFrame(result.history))
    if result.history:
        plot_history(result.history, out_dir / "training_curves.png")
    summary = {
        "command": "classify train",
        "run": str(out_dir),
        "model": options.model,
        "weights": options.weights,
        "classes": classes,
        "n_images": len(image_set.items),
        "split": card_base["split"],
        "val": result.best_metrics,
        "test": test_metrics,
        "training": training,
        "skipped": [{"path": str(p), "reason": r} for p, r in image_set.skipped],
        "versions": card["versions"],
        "files": sorted(p.name for p in out_dir.iterdir() if not p.name.startswith(".")),
    }
    write_json(out_dir / "summary.json", summary)
    return summary


def _check_run_folder(out_dir: Path, config_record: dict[str, Any], resume: bool) -> None:
    config_path = out_dir / "train_config.json"
    if resume:
        if not (out_dir / "last.pt").is_file() or not config_path.is_file():
            raise UserError("nothing to resume in this folder", out_dir, "train without --resume first")
        saved = json.loads(config_path.read_text())
        if saved != json.loads(json.dumps(config_record)):
            raise UserError(
                "--resume needs the same data and options as the interrupted run", out_dir,
                f"the run used: {json.dumps(saved['options'])}",
            )
    elif (out_dir / "best.pt").exists():
        raise UserError("run folder already holds a trained model", out_dir, "choose a new -o folder or add --resume")


def _check_train_has_every_class(image_set: ImageSet, splits: list[str]) -> None:
    in_train = {item.label for item, split in zip(image_set.items, splits, strict=True) if split == "train"}
    missing = [name for name in image_set.classes if name not in in_train]
    if missing:
        raise DataFormatError(
            f"class(es) with no training image: {', '.join(missing)}", image_set.source,
            "put some of its images in the train split",
        )


def load_classifier(run: str | Path, device: str | torch.device = "cpu") -> LoadedClassifier:
    """Load RUN/best.pt (or a .pt file) and check its card against the model registry."""
    run = Path(run)
    path = run / "best.pt" if run.is_dir() else run
    state, card = load_checkpoint(path, TASK)
    for key in ("model", "classes", "image_size", "cache_size"):
        if key not in card:
            raise ModelError(f"model card lacks {key!r}", path, "retrain with this version of sportlens")
    classifier = build_classifier(card["model"], len(card["classes"]), "none")
    try:
        classifier.module.load_state_dict(state)
    except RuntimeError:
        raise ModelError(
            f"weights do not match model {card['model']!r} with {len(card['classes'])} classes", path
        ) from None
    classifier.module.to(device).eval()
    return LoadedClassifier(classifier.module, card, path)


__all__ = ["LoadedClassifier", "TrainOptions", "load_classifier", "predict_logits", "train_classifier"]
