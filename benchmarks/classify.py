"""Image-classification benchmark: sports16 (given train/val/test split) and yoga8 (5-fold CV), from scratch.

Run from the repository root:
    .venv/bin/python benchmarks/classify.py                      # everything (about an hour on 2 CPU cores)
    .venv/bin/python benchmarks/classify.py --only sports16 --recipes resnet18:30
Prints the figures and appends dated rows to the "Image classification" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from sportlens.classify.data import scan_images
from sportlens.classify.options import TrainOptions
from sportlens.classify.recipes import recipe_for
from sportlens.classify.train import run_train
from sportlens.command import run_task
from sportlens.io.atomic import write_json, write_text
from sportlens.training.metrics import classification_metrics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "images"
BENCH_FILE = ROOT / "BENCHMARKS.md"
SECTION = "## Image classification"
SECTION_INTRO = """\
Trained from scratch (`--weights none`; this machine cannot download ImageNet weights) with
`benchmarks/classify.py`. **sports16**: 16 sport classes, 1563 train / 328 val / 328 test images from
the set's `split.csv`; the figure is accuracy and macro F1 of the best-on-validation checkpoint on the
328 held-out test images (chance: 0.07). **yoga8**: 824 images, 8 poses, the set's 5 folds; each fold is
tested once by a model trained on the other four (15% of those held out for validation), and the figure
pools the 824 out-of-fold predictions (mean ± sd over folds in brackets). Time budgets and "train min"
count CPU time of the training process per torch thread (`--budget-clock cpu`), including validation after
each epoch. The runs used ONE torch thread: other engineers' jobs shared the 2 cores (load average 4-6),
and a second thread mostly spin-waited (3x the CPU time per epoch, measured). So a 30-minute budget is 30
minutes of one core, half of the machine's 2 cores for 30 minutes; wall-clock minutes follow the slash.

| date (UTC) | data | recipe | test accuracy | macro F1 | train min (CPU / wall) | epochs | machine | command |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""


def machine() -> str:
    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}"
    cpu = platform.processor() or platform.machine()
    threads = torch.get_num_threads()
    return f"{os.cpu_count()}-core CPU ({cpu}), no GPU, {threads} torch thread(s), torch {torch.__version__}"


def append_rows(rows: list[str]) -> None:
    """Add table rows to this task's section of BENCHMARKS.md, creating the file or the section if absent."""
    text = BENCH_FILE.read_text() if BENCH_FILE.exists() else "# Benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + "\n\n" + SECTION + "\n\n" + SECTION_INTRO
    start = text.index(SECTION)
    next_section = text.find("\n## ", start + len(SECTION))
    end = len(text) if next_section == -1 else next_section + 1
    section = text[start:end].rstrip("\n") + "\n" + "\n".join(rows) + "\n"
    write_text(BENCH_FILE, text[:start] + section + ("\n" + text[end:] if end < len(text) else ""))


def train(data: Path, run: Path, options: TrainOptions) -> dict:
    """Train with the command line's progress bars and messages; returns the summary's metrics."""
    return run_task("classify train", lambda progress: run_train(data, run, options, progress)).metrics


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark data missing: {path} — put the shared image sets at ../shared/data/images/ (README there)")
    return path


def run_sports16(recipes: list[tuple[str, float]], out: Path, command: str) -> list[str]:
    manifest = require(DATA / "sports16" / "split.csv")
    rows = []
    for model, budget in recipes:
        run = out / f"sports16-{model}-{budget:g}min"
        t0 = time.time()
        options = TrainOptions(model=model, epochs=1000, time_budget_min=budget, budget_clock="cpu")
        summary = train(manifest, run, options)
        test = summary["test"]
        training = summary["training"]
        print(f"sports16 {model}: test accuracy {test['accuracy']:.3f}, macro F1 {test['macro_f1']:.3f}, "
              f"{training['train_minutes']:.1f} min training, {training['epochs_run']} epochs "
              f"(wall {(time.time() - t0) / 60:.1f} min)", flush=True)
        rows.append(
            f"| {today()} | sports16 test (328) | {model}, {recipe_for(model).image_size} px, {budget:g} min budget "
            f"| {test['accuracy']:.3f} "
            f"| {test['macro_f1']:.3f} | {training['train_minutes']:.1f} / {training['wall_minutes']:.1f} "
            f"| {training['epochs_run']} "
            f"(best {training['best_epoch']}) | {machine()} | `{command}` |"
        )
    return rows


def run_yoga8(model: str, budget: float, folds: list[int], out: Path, command: str) -> list[str]:
    manifest = require(DATA / "yoga8" / "split.csv")
    from sportlens.classify.data import decode_all
    from sportlens.classify.inference import load_classifier, load_image, predict_logits

    y_true, y_pred, fold_acc, minutes, wall = [], [], [], 0.0, 0.0
    classes = None
    for fold in folds:
        run = out / f"yoga8-{model}-fold{fold}"
        options = TrainOptions(model=model, epochs=1000, time_budget_min=budget, budget_clock="cpu", fold=fold)
        summary = train(manifest, run, options)
        minutes += summary["training"]["train_minutes"]
        wall += summary["training"]["wall_minutes"]
        loaded = load_classifier(run)
        classes = loaded.classes
        image_set = scan_images(manifest)
        image_set.items = [item for item in image_set.items if item.fold == fold]
        decode_all(image_set, loaded.image_size, decode=load_image)  # the preprocessing of predict and eval
        index = {name: i for i, name in enumerate(classes)}
        truth = np.array([index[item.label] for item in image_set.items])
        pred = predict_logits(loaded.module, image_set.pixels, loaded.image_size).argmax(1).numpy()
        y_true += truth.tolist()
        y_pred += pred.tolist()
        fold_acc.append(float(np.mean(truth == pred)))
        print(f"yoga8 fold {fold}: accuracy {fold_acc[-1]:.3f}", flush=True)
    metrics = classification_metrics(np.array(y_true), np.array(y_pred), classes)
    write_json(out / f"yoga8-{model}-cv.json", {"folds": folds, "fold_accuracy": fold_acc, **metrics})
    recalls = ", ".join(f"{name} {m['recall']:.2f}" for name, m in metrics["per_class"].items())
    print(f"yoga8 {model} CV: accuracy {metrics['accuracy']:.3f} (folds {np.mean(fold_acc):.3f} ± "
          f"{np.std(fold_acc):.3f}), macro F1 {metrics['macro_f1']:.3f}; recall: {recalls}", flush=True)
    return [
        f"| {today()} | yoga8 CV, {len(folds)} of 5 folds ({metrics['n_images']}) "
        f"| {model}, {recipe_for(model).image_size} px, {budget:g} min per fold "
        f"| {metrics['accuracy']:.3f} ({np.mean(fold_acc):.3f} ± {np.std(fold_acc):.3f}) | {metrics['macro_f1']:.3f} "
        f"| {minutes:.1f} / {wall:.1f} (all folds) | - | {machine()} | `{command}` |"
    ]


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sports16", "yoga8"], default=None)
    parser.add_argument("--recipes", default="resnet18:30,notebook-cnn:5,mobilenet_v3_small:8",
                        help="sports16 runs as MODEL:MINUTES,...")
    parser.add_argument("--yoga-model", default="resnet18")
    parser.add_argument("--fold-minutes", type=float, default=3.0)
    parser.add_argument("--folds", default="0,1,2,3,4")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-classify")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: on a shared 2-core machine a second thread mostly spin-waits)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    command = "python benchmarks/classify.py " + " ".join(sys.argv[1:])
    rows: list[str] = []
    if args.only in (None, "sports16"):
        recipes = [(name, float(minutes)) for name, minutes in (r.split(":") for r in args.recipes.split(","))]
        rows += run_sports16(recipes, args.out, command.strip())
    if args.only in (None, "yoga8"):
        folds = [int(f) for f in args.folds.split(",")]
        rows += run_yoga8(args.yoga_model, args.fold_minutes, folds, args.out, command.strip())
    print("\n".join(rows))
    write_json(args.out / "rows.json", rows)
    if not args.no_record:
        append_rows(rows)
    print(json.dumps({"rows": len(rows)}))


if __name__ == "__main__":
    main()
