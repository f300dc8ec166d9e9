"""`classify train`: train an image classifier on a folder or manifest into a run folder (best.pt with its
model card), through the shared fit loop and the shared `-o` rule."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from sportlens.classify.augment import IMAGENET_MEAN, IMAGENET_STD, train_view
from sportlens.classify.data import (
    ImageSet,
    assign_splits,
    check_class_sizes,
    decode_all,
    scan_images,
    skipped_rows,
    skipped_warning,
    split_indices,
)
from sportlens.classify.inference import (
    TASK,
    load_classifier,
    load_image,
    pick_device,
    predict_logits,
    preprocessing_spec,
)
from sportlens.classify.models import Classifier, build_classifier
from sportlens.classify.options import TrainOptions
from sportlens.classify.plots import plot_history
from sportlens.classify.recipes import Recipe, recipe_for
from sportlens.errors import DataFormatError, UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv, write_json
from sportlens.io.output_dir import INCOMPLETE, is_sportlens_folder, output_run
from sportlens.summary import Summary, plain
from sportlens.training import FitConfig, Phase, fit, save_checkpoint
from sportlens.training.checkpoint import new_card
from sportlens.training.metrics import classification_metrics

BUDGET_HINT = "--time-budget MIN caps it"


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


def run_train(
    data: str | Path, out_dir: str | Path, options: TrainOptions = TrainOptions(), progress: Progress | None = None
) -> Summary:
    """Train `options.model` on DATA into `out_dir` and return the summary (also written to summary.json).

    Everything that can be checked without decoding is checked first (options, the run folder, resume state,
    class sizes by file count, the model and its weights). Files: best.pt (weights + model card),
    model_card.json, split.csv, history.csv, training_curves.png, train_config.json, last.pt (resume state).
    Interrupted, the folder stays marked incomplete with last.pt; `options.resume` continues from there.
    """
    progress = ensure_progress(progress, "classify train")
    out_dir = Path(out_dir)
    recipe = recipe_for(
        options.model, epochs=options.epochs, image_size=options.image_size, batch_size=options.batch_size,
        lr=options.lr,
    )
    config_record = {
        "options": {k: v for k, v in plain(options).items() if k != "resume"},
        "recipe": recipe.to_dict(),
        "data": str(Path(data).resolve()),
    }
    _check_resume(out_dir, config_record, options.resume)
    image_set = scan_images(data)
    # on the files found, before minutes of decoding; again on the images that decode
    check_class_sizes(image_set, options.min_per_class)
    _check_splits(image_set, assign_splits(image_set, seed=options.seed, fold=options.fold)[0])
    # build first: a missing ImageNet download should fail before any decoding; seeded: --seed fixes the
    # initial weights too, so a run is reproducible whatever ran before in the process
    torch.manual_seed(options.seed)
    classifier: Classifier = build_classifier(options.model, len(image_set.classes), options.weights)
    device = pick_device(options.device)
    if not options.resume and (out_dir / INCOMPLETE).is_file() and (out_dir / "last.pt").is_file():
        progress.message(f"{out_dir} holds an interrupted run: starting afresh (--resume would continue it)")
    summary = Summary(command="classify train", inputs=[str(data)], options=plain(options))
    with output_run(out_dir, summary, data, clean=not options.resume):
        if not options.resume:
            _remove_default_reports(out_dir)
        _train_into(image_set, data, out_dir, options, recipe, classifier, device, config_record, summary, progress)
    return summary


def _train_into(
    image_set: ImageSet, data: str | Path, out_dir: Path, options: TrainOptions, recipe: Recipe,
    classifier: Classifier, device: torch.device, config_record: dict[str, Any], summary: Summary,
    progress: Progress,
) -> None:
    progress.message(f"decoding {len(image_set.items)} images at {recipe.cache_size} px")
    decode_all(image_set, recipe.cache_size, progress=progress)
    warning = skipped_warning(image_set)
    if warning:
        summary.warn(warning)
    check_class_sizes(image_set, options.min_per_class)
    splits, split_method = assign_splits(image_set, seed=options.seed, fold=options.fold)
    classes = image_set.classes
    labels = torch.from_numpy(image_set.labels)
    train_idx, val_idx, test_idx = (split_indices(splits, s) for s in ("train", "val", "test"))
    _check_splits(image_set, splits)
    write_json(out_dir / "train_config.json", config_record)
    write_csv(
        out_dir / "split.csv",
        pd.DataFrame(
            {"path": [str(i.path.resolve()) for i in image_set.items], "class": [i.label for i in image_set.items],
             "split": splits}
        ),
    )
    # validation and test see exactly what `classify eval` and `predict` see: the one-step preprocessing
    val_pixels = _inference_pixels(image_set, val_idx, recipe.image_size, progress, "decode val")
    test_pixels = _inference_pixels(image_set, test_idx, recipe.image_size, progress, "decode test")
    val_labels, test_labels = labels[torch.from_numpy(val_idx)], labels[torch.from_numpy(test_idx)]

    model = classifier.module
    fit_config = FitConfig(
        phases=_phases(recipe, options.weights, len(classifier.groups)),
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
        monitor="accuracy",
        monitor_mode="max",
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

    def validate(module: nn.Module) -> dict[str, float]:
        logits = predict_logits(module, val_pixels, recipe.image_size, device=device)
        return {
            "loss": float(F.cross_entropy(logits, val_labels)),
            "accuracy": float((logits.argmax(1) == val_labels).float().mean()),
        }

    split_record = {
        "method": split_method,
        "seed": options.seed,
        "fold": options.fold,
        "counts": {s: int(len(i)) for s, i in zip(("train", "val", "test"), (train_idx, val_idx, test_idx),
                                                    strict=True)},
        "file": "split.csv",
    }
    card_base = {
        "model": options.model,
        "weights_init": options.weights,
        "classes": classes,
        "image_size": recipe.image_size,
        "cache_size": recipe.cache_size,
        "normalize": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)},
        "preprocessing": preprocessing_spec(recipe.image_size),
        "recipe": recipe.to_dict(),
        "data": {
            "source": str(Path(data).resolve()),
            "n_images": len(image_set.items),
            "class_counts": image_set.class_counts(),
            "n_skipped": len(image_set.skipped),
            "fingerprint": _data_fingerprint(image_set),
        },
        "split": split_record,
    }

    def save_best(state: dict[str, torch.Tensor], metrics: dict[str, float], epoch: int) -> None:
        card = new_card(TASK, **card_base, metrics={"val": metrics}, training={"best_epoch": epoch})
        save_checkpoint(out_dir / "best.pt", state, card)

    progress.message(
        f"training {options.model} (weights {options.weights}) on {len(train_idx)} images, "
        f"validating on {len(val_idx)}, {len(classes)} classes, {recipe.image_size} px, device {device.type}"
        + ("" if options.time_budget_min is None else f", budget {options.time_budget_min:g} min "
           f"({options.budget_clock} clock)")
    )
    result = fit(
        model, classifier.groups, train_batches, steps_per_epoch, validate, fit_config, out_dir, save_best,
        resume=options.resume, device=device, progress=progress, budget_hint=BUDGET_HINT,
    )

    loaded = load_classifier(out_dir)
    best_module = loaded.module.to(device)
    test_metrics = None
    if len(test_idx):
        logits = predict_logits(best_module, test_pixels, recipe.image_size, device=device)
        full = classification_metrics(test_labels.numpy(), logits.argmax(1).numpy(), classes)
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
    summary.metrics.update({
        "model": options.model,
        "weights": options.weights,
        "classes": classes,
        "n_images": len(image_set.items),
        "class_counts": image_set.class_counts(),
        "split": split_record,
        "val": result.best_metrics,
        "test": test_metrics,
        "training": training,
        "skipped": skipped_rows(image_set),
    })
    summary.timings["train_s"] = round(result.train_seconds, 3)


def _remove_default_reports(run_dir: Path) -> None:
    """RUN/eval and RUN/review (the default folders of eval and review) judged the model a fresh run replaces:
    remove them when sportlens wrote them, so no stale report survives next to the new model."""
    for name in ("eval", "review"):
        folder = run_dir / name
        if folder.is_dir() and not folder.is_symlink() and is_sportlens_folder(folder):
            shutil.rmtree(folder)


def _inference_pixels(image_set: ImageSet, indices: np.ndarray, size: int, progress: Progress,
                      step: str) -> torch.Tensor:
    subset = decode_all(image_set.subset(indices), size, decode=load_image, progress=progress, step=step)
    if subset.skipped:  # the file decoded a moment ago: it changed under us
        path, reason = subset.skipped[0]
        raise DataFormatError(f"image became unreadable during training ({reason})", path)
    return subset.pixels


def _check_resume(out_dir: Path, config_record: dict[str, Any], resume: bool) -> None:
    if not resume:
        return
    config_path = out_dir / "train_config.json"
    if not (out_dir / "last.pt").is_file() or not config_path.is_file():
        raise UserError("nothing to resume in this folder", out_dir, "train without --resume first")
    saved = json.loads(config_path.read_text(encoding="utf-8"))
    if saved != json.loads(json.dumps(config_record)):
        raise UserError(
            "--resume needs the same data and options as the interrupted run", out_dir,
            f"the run used: {json.dumps(saved.get('options'))}",
        )


def _check_splits(image_set: ImageSet, splits: list[str]) -> None:
    """Every class has a training image, and there is something to validate on."""
    in_train = {item.label for item, split in zip(image_set.items, splits, strict=True) if split == "train"}
    missing = [name for name in image_set.classes if name not in in_train]
    if missing:
        raise DataFormatError(
            f"class(es) with no training image: {', '.join(missing)}", image_set.source,
            "put some of its images in the train split",
        )
    if "val" not in splits:
        raise DataFormatError("no validation images", image_set.source, "give a val split or more images per class")


__all__ = ["TrainOptions", "run_train"]
