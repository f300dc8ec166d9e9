"""`sportlens detect train DATA -o RUN`: fine-tune (or train from scratch) a detector on a COCO folder with
the shared training loop; the best epoch on held-out images (mAP@0.5) is kept as best.pt with its card."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sportlens.detect.coco import CocoSet, mean_average_precision, read_coco_folder
from sportlens.detect.models import (
    DETECTORS,
    TASK,
    coco_weights_path,
    missing_weights_error,
    read_weights,
    replace_head,
)
from sportlens.detect.options import DetectTrainOptions
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv, write_json
from sportlens.io.output_dir import output_run
from sportlens.models.card import new_card
from sportlens.summary import Summary, plain
from sportlens.training.checkpoint import load_checkpoint, save_checkpoint
from sportlens.training.fit import FitConfig, Phase, fit


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """Resize an RGB image so its longer side is `size` and pad it (grey) to size x size; returns the image
    and the scale applied to pixel coordinates."""
    import cv2

    h, w = image.shape[:2]
    scale = size / max(h, w)
    resized = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    out = np.full((size, size, 3), 114, np.uint8)
    out[:resized.shape[0], :resized.shape[1]] = resized
    return out, scale


class Prepared:
    """A COCO set as tensors: images (N, 3, S, S) in [0, 1] and boxes/labels padded to (N, M, 5) with
    rows (label, x0, y0, x1, y1); label -1 pads."""

    def __init__(self, data: CocoSet, indices: list[int], size: int):
        from sportlens.video.decode import read_image

        self.size = size
        most = max([len(data.boxes[i]) for i in indices] + [1])
        self.images = torch.zeros((len(indices), 3, size, size))
        self.targets = torch.full((len(indices), most, 5), -1.0)
        self.boxes, self.labels = [], []
        for row, i in enumerate(indices):
            image, scale = letterbox(read_image(data.images[i]), size)
            self.images[row] = torch.from_numpy(image).permute(2, 0, 1).float() / 255
            boxes = data.boxes[i] * scale
            self.boxes.append(boxes)
            self.labels.append(data.labels[i])
            n = len(boxes)
            self.targets[row, :n, 0] = torch.from_numpy(data.labels[i]).float()
            self.targets[row, :n, 1:] = torch.from_numpy(boxes).float()

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, idx: np.ndarray, flip: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Images and targets of idx, each mirrored left-right where flip is True."""
        x, y = self.images[idx].clone(), self.targets[idx].clone()
        for k in np.flatnonzero(flip):
            x[k] = x[k].flip(-1)
            valid = y[k, :, 0] >= 0
            x0 = y[k, valid, 1].clone()
            y[k, valid, 1] = self.size - y[k, valid, 3]
            y[k, valid, 3] = self.size - x0
        return x, y


def as_targets(y: torch.Tensor) -> list[dict[str, torch.Tensor]]:
    """Padded (B, M, 5) rows into torchvision's list of {"boxes", "labels"}."""
    out = []
    for rows in y:
        valid = rows[:, 0] >= 0
        out.append({"boxes": rows[valid, 1:], "labels": rows[valid, 0].long()})
    return out


def detection_step(model, x, y, gen) -> torch.Tensor:
    """The summed torchvision detection losses of one batch (classification, box regression, RPN)."""
    losses = model(list(x), as_targets(y))
    return sum(losses.values())


def predict(model, images: torch.Tensor, batch_size: int = 8) -> list[dict]:
    model.eval()
    out = []
    with torch.inference_mode():
        for k in range(0, len(images), batch_size):
            for p in model(list(images[k:k + batch_size])):
                out.append({"boxes": p["boxes"].numpy(), "scores": p["scores"].numpy(), "labels": p["labels"].numpy()})
    return out


def _start_model(options: DetectTrainOptions, classes: list[str]) -> tuple[torch.nn.Module, str]:
    """The network to train and where its starting weights came from."""
    model = DETECTORS.build(options.model, num_classes=len(classes), image_size=options.image_size)
    if options.weights is None:
        return model, "scratch"
    path = Path(options.weights) if options.weights != "coco" else coco_weights_path(options.model)
    if options.weights == "coco" and not path.is_file():
        raise missing_weights_error(options.model)
    state, card = read_weights(path)
    start_classes = len(card["network"]["classes"]) if card else 91
    if card and card["network"]["model"] != options.model:
        from sportlens.errors import ModelError

        raise ModelError(f"weights are a {card['network']['model']} model, not {options.model}", path,
                         f"give --model {card['network']['model']}")
    base = DETECTORS.build(options.model, num_classes=start_classes, image_size=options.image_size)
    base.load_state_dict(state)
    if start_classes != len(classes):
        replace_head(base, options.model, len(classes))
    return base, str(path)


def run_detect_train(data_dir: str | Path, out_dir: str | Path, options: DetectTrainOptions = DetectTrainOptions(),
                     progress: Progress | None = None) -> Summary:
    """Train a detector on a COCO folder; out_dir gets best.pt (weights + card), history.csv, model_card.json."""
    progress = ensure_progress(progress, "detect train")
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    data = read_coco_folder(data_dir)
    if len(data.images) < 2:
        from sportlens.errors import DataFormatError

        raise DataFormatError(f"only {len(data.images)} image listed", data_dir, "give at least 2 (one is held out)")
    rng = np.random.default_rng(options.seed)
    order = rng.permutation(len(data.images))
    n_val = max(1, round(options.val_fraction * len(order)))
    val_idx, train_idx = sorted(order[:n_val].tolist()), sorted(order[n_val:].tolist())
    model, start = _start_model(options, data.classes)
    summary = Summary("detect train", inputs=[str(data_dir)], options=plain(options))
    with output_run(out_dir, summary, data_dir):
        t0 = time.monotonic()
        train, val = Prepared(data, train_idx, options.image_size), Prepared(data, val_idx, options.image_size)
        steps = options.steps_per_epoch or max(1, int(np.ceil(len(train) / options.batch_size)))

        def batches(epoch: int, gen: torch.Generator):
            r = np.random.default_rng([options.seed, epoch])
            for _ in range(steps):
                idx = r.choice(len(train), size=min(options.batch_size, len(train)), replace=False)
                yield train.batch(idx, r.random(len(idx)) < 0.5)

        def validate(net) -> dict[str, float]:
            return {"map50": mean_average_precision(predict(net, val.images), val.boxes, val.labels,
                                                    data.classes)["map50"]}

        split = {"method": "random images", "seed": options.seed, "train": len(train_idx), "val": len(val_idx),
                 "val_files": [data.images[i].name for i in val_idx]}
        card_base = {"network": {"model": options.model, "classes": data.classes, "image_size": options.image_size},
                     "data": {"source": str(data_dir.resolve()), "images": len(data.images),
                              "boxes": int(sum(len(b) for b in data.boxes))},
                     "split": split, "start_weights": start, "options": plain(options)}

        def save_best(state, metrics, epoch) -> None:
            card = new_card(TASK, **card_base, metrics={"val": metrics}, training={"best_epoch": epoch})
            save_checkpoint(out_dir / "best.pt", state, card)

        config = FitConfig(phases=(Phase("train", options.epochs, options.lr),), weight_decay=1e-4,
                           seed=options.seed, monitor="map50", monitor_mode="max", amp="off", grad_clip=10.0,
                           patience=options.patience)
        progress.message(f"training {options.model} ({start}) on {len(train_idx)} images, validating on "
                         f"{len(val_idx)}; classes: {', '.join(data.classes[1:])}")
        result = fit(model, [list(model.parameters())], batches, steps, validate, config, out_dir, save_best,
                     progress=progress, step=detection_step, budget_hint="lower --epochs to shorten it")
        (out_dir / "last.pt").unlink(missing_ok=True)  # resume state, not a model: best.pt is the result
        state, card = load_checkpoint(out_dir / "best.pt", TASK)
        model.load_state_dict(state)
        scores = mean_average_precision(predict(model, val.images), val.boxes, val.labels, data.classes)
        card["metrics"] = {"val": scores}
        card["training"] = {"best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
                            "stopped_by": result.stopped_by, "train_minutes": round(result.train_seconds / 60, 2)}
        save_checkpoint(out_dir / "best.pt", state, card)
        write_json(out_dir / "model_card.json", card)
        history = pd.DataFrame(result.history)
        write_csv(out_dir / "history.csv", history)
        losses = history["train_loss"].to_numpy(float)
        summary.metrics.update({
            "model": options.model, "classes": data.classes[1:], "start_weights": start,
            "images": {"train": len(train_idx), "val": len(val_idx)},
            "train_loss_first": round(float(losses[0]), 4), "train_loss_last": round(float(losses[-1]), 4),
            "val_map50": scores["map50"], "val_ap50": scores["ap50"], "best_epoch": result.best_epoch,
        })
        summary.timings["train_s"] = round(time.monotonic() - t0, 1)
    return summary
