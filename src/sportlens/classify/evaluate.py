"""Evaluate a trained run on a folder or manifest: metrics, confusion matrix, most confident mistakes, curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sportlens.classify.data import ImageSet, decode_all, scan_images, skipped_rows, skipped_warning
from sportlens.classify.inference import LoadedClassifier, load_classifier, load_image, predict_logits
from sportlens.classify.options import EvalOptions
from sportlens.classify.plots import plot_confusion, plot_history, plot_mistakes
from sportlens.errors import DataFormatError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv, write_json
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain
from sportlens.training.metrics import classification_metrics


def select_split(image_set: ImageSet, run_dir: Path, split: str) -> tuple[ImageSet, str]:
    """Keep the images of `split`; "auto" means the data's own test split, else the run's recorded test split
    when the data is the training data, else every image (a new hold-out set)."""
    if split == "all":
        return image_set, "all images"
    recorded: dict[str, str] = {}
    split_csv = run_dir / "split.csv"
    if split_csv.is_file():
        frame = pd.read_csv(split_csv, dtype=str, keep_default_na=False)
        recorded = dict(zip(frame["path"], frame["split"], strict=True))
    own = {item.path: item.split for item in image_set.items}
    by_run = {item.path: recorded.get(str(item.path.resolve())) for item in image_set.items}
    wanted = "test" if split == "auto" else split
    if any(s == wanted for s in own.values()):
        chosen, how = own, f"the data's {wanted} split"
    elif any(s == wanted for s in by_run.values()):
        chosen, how = by_run, f"the run's {wanted} split (split.csv)"
    elif split == "auto":
        return image_set, "all images (none of them in the run's split)"
    else:
        raise DataFormatError(f"no images in split {split!r}", image_set.source, "use --split all")
    image_set.items = [item for item in image_set.items if chosen[item.path] == wanted]
    return image_set, how


def decode_and_predict(loaded: LoadedClassifier, image_set: ImageSet, summary: Summary, progress, what: str
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Decode the set at the model's input size (files that cannot be read become a warning), then predict;
    DataFormatError when no image is left. `what` names the job in that error ("evaluate", "review")."""
    decode_all(image_set, loaded.image_size, decode=load_image, progress=progress)
    warning = skipped_warning(image_set)
    if warning:
        summary.warn(warning)
    if not image_set.items:
        raise DataFormatError(f"no readable images to {what}", image_set.source)
    return predict_set(loaded, image_set)


def predict_set(loaded: LoadedClassifier, image_set: ImageSet) -> tuple[np.ndarray, np.ndarray]:
    """(labels, probabilities) for an image set against the run's classes; unknown classes are an error."""
    index = {name: i for i, name in enumerate(loaded.classes)}
    unknown = sorted({item.label for item in image_set.items} - set(index))
    if unknown:
        raise DataFormatError(
            f"class(es) the model was not trained on: {', '.join(unknown)}", image_set.source,
            f"the model knows: {', '.join(loaded.classes)}",
        )
    labels = np.array([index[item.label] for item in image_set.items], dtype=np.int64)
    logits = predict_logits(loaded.module, image_set.pixels, loaded.image_size)
    return labels, torch.softmax(logits, dim=1).numpy()


def run_eval(
    run: str | Path, data: str | Path, out_dir: str | Path | None = None, options: EvalOptions = EvalOptions(),
    progress: Progress | None = None,
) -> Summary:
    """Evaluate RUN's best model on DATA into `out_dir` (default RUN/eval): metrics.json, per_class.csv,
    predictions.csv, confusion_matrix.png, mistakes.png, training_curves.png; returns the summary, whose
    metrics hold accuracy, macro_f1, per_class, confusion, n_images and the split used."""
    progress = ensure_progress(progress, "classify eval")
    loaded = load_classifier(run)
    run_dir = loaded.run_dir
    out_dir = Path(out_dir) if out_dir is not None else run_dir / "eval"
    image_set = scan_images(data)
    image_set, how = select_split(image_set, run_dir, options.split)
    if not image_set.items:
        raise DataFormatError("no images to evaluate", image_set.source)
    summary = Summary(command="classify eval", inputs=[str(run), str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        labels, probs = decode_and_predict(loaded, image_set, summary, progress, "evaluate")
        pred = probs.argmax(1)
        metrics = classification_metrics(labels, pred, loaded.classes)
        classes = loaded.classes
        write_csv(
            out_dir / "predictions.csv",
            pd.DataFrame({
                "path": [str(item.path) for item in image_set.items],
                "class": [classes[i] for i in labels],
                "predicted": [classes[i] for i in pred],
                "probability": probs[np.arange(len(pred)), pred].round(5),
                "correct": labels == pred,
            }),
        )
        write_csv(
            out_dir / "per_class.csv",
            pd.DataFrame([{"class": name, **values} for name, values in metrics["per_class"].items()]),
        )
        plot_confusion(metrics["confusion"], classes, out_dir / "confusion_matrix.png",
                       title=f"{loaded.card['model']} on {len(labels)} images: accuracy {metrics['accuracy']:.3f}")
        wrong = np.flatnonzero(pred != labels)
        wrong = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][: options.n_mistakes]
        images = image_set.pixels[torch.from_numpy(wrong)].permute(0, 2, 3, 1).numpy() if len(wrong) else \
            np.zeros((0,))
        captions = [f"true {classes[labels[i]]}\npred {classes[pred[i]]} {probs[i, pred[i]]:.2f}" for i in wrong]
        plot_mistakes(images, captions, out_dir / "mistakes.png")
        history_csv = run_dir / "history.csv"
        if history_csv.is_file():
            plot_history(pd.read_csv(history_csv).to_dict("records"), out_dir / "training_curves.png")
        summary.metrics.update({
            "run": str(run_dir),
            "model": loaded.card["model"],
            "data": str(image_set.source),
            "split": how,
            **metrics,
            "classes": classes,
            "skipped": skipped_rows(image_set),
        })
        write_json(out_dir / "metrics.json", summary.metrics)
    return summary
