"""COCO-format detection data: reading a training folder, writing detections, and AP@0.5 against boxes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sportlens.errors import DataFormatError, InputFileError


@dataclass(frozen=True)
class CocoSet:
    """A COCO detection folder: image paths, per image boxes (n, 4) x0 y0 x1 y1 px and labels (n,) 1..C, and
    the class names by label (classes[0] is the background)."""

    folder: Path
    images: list[Path]
    boxes: list[np.ndarray]
    labels: list[np.ndarray]
    classes: list[str]


def find_annotation_file(folder: Path) -> Path:
    """The one COCO JSON file of a folder (annotations.json, _annotations.coco.json ...)."""
    if not folder.is_dir():
        raise InputFileError("data folder not found", folder, "give a folder of images with one COCO JSON file")
    files = sorted(folder.glob("*.json"))
    if len(files) != 1:
        found = ", ".join(f.name for f in files) or "none"
        raise DataFormatError(f"expected one COCO JSON file in the folder, found {found}", folder,
                              "keep one annotations JSON (COCO format) beside the images")
    return files[0]


def read_coco_folder(folder: str | Path) -> CocoSet:
    """Read a COCO detection folder; every error names the file and the entry."""
    folder = Path(folder)
    path = find_annotation_file(folder)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        categories = sorted(doc["categories"], key=lambda c: c["id"])
        images = doc["images"]
        annotations = doc["annotations"]
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DataFormatError("not valid JSON", path, "give a COCO annotations file") from None
    except (KeyError, TypeError):
        raise DataFormatError("not a COCO detection file (needs images, annotations, categories)", path) from None
    if not categories:
        raise DataFormatError("no categories", path, "list the classes under 'categories'")
    label_of = {c["id"]: k + 1 for k, c in enumerate(categories)}
    by_image: dict[int, list] = {im["id"]: [] for im in images}
    for a in annotations:
        if a.get("image_id") not in by_image or a.get("category_id") not in label_of:
            raise DataFormatError(f"annotation {a.get('id')} names an unknown image or category", path)
        x, y, w, h = (float(v) for v in a["bbox"])
        if w <= 0 or h <= 0:
            raise DataFormatError(f"annotation {a.get('id')} has an empty box {a['bbox']}", path,
                                  "boxes are [x, y, width, height] in pixels")
        by_image[a["image_id"]].append((x, y, x + w, y + h, label_of[a["category_id"]]))
    paths, boxes, labels = [], [], []
    for im in images:
        image_path = folder / im["file_name"]
        if not image_path.is_file():
            raise InputFileError(f"image {im['file_name']!r} listed in {path.name} is missing", folder)
        rows = np.array(by_image[im["id"]], dtype=np.float64).reshape(-1, 5)
        paths.append(image_path)
        boxes.append(rows[:, :4])
        labels.append(rows[:, 4].astype(np.int64))
    if not paths:
        raise DataFormatError("no images listed", path)
    return CocoSet(folder, paths, boxes, labels, ["__background__", *(c["name"] for c in categories)])


def detections_document(frames: list[dict], detections: list[dict], classes: list[str], source: str) -> dict:
    """COCO results as one document: images (one per analysed frame), annotations (bbox [x, y, w, h] px,
    score) and the categories (id = the model's label)."""
    annotations = []
    for image, det in zip(frames, detections, strict=True):
        for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True):
            x0, y0, x1, y1 = (float(v) for v in box)
            annotations.append({
                "id": len(annotations) + 1, "image_id": image["id"], "category_id": int(label),
                "category": classes[int(label)], "bbox": [round(x0, 2), round(y0, 2), round(x1 - x0, 2),
                                                          round(y1 - y0, 2)],
                "area": round((x1 - x0) * (y1 - y0), 2), "score": round(float(score), 4), "iscrowd": 0,
            })
    categories = [{"id": k, "name": name} for k, name in enumerate(classes) if k and name != "N/A"]
    return {"info": {"description": "sportlens detect", "source": source}, "images": frames,
            "annotations": annotations, "categories": categories}


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inter
    return inter / np.maximum(union, 1e-9)


def average_precision(predictions: list[dict], truth_boxes: list[np.ndarray], truth_labels: list[np.ndarray],
                      label: int, iou_threshold: float = 0.5) -> float | None:
    """AP of one class at an IoU threshold (all-point interpolated precision-recall area, as PASCAL VOC 2010+);
    None when the class has no true box."""
    n_true = sum(int((lab == label).sum()) for lab in truth_labels)
    if n_true == 0:
        return None
    scored = []
    for i, p in enumerate(predictions):
        for box, score in zip(p["boxes"][p["labels"] == label], p["scores"][p["labels"] == label], strict=True):
            scored.append((float(score), i, box))
    scored.sort(key=lambda s: -s[0])
    used = [np.zeros(int((lab == label).sum()), bool) for lab in truth_labels]
    hits = np.zeros(len(scored))
    for k, (_, i, box) in enumerate(scored):
        truth = truth_boxes[i][truth_labels[i] == label]
        if not len(truth):
            continue
        ious = _iou(box, truth)
        j = int(np.argmax(ious))
        if ious[j] >= iou_threshold and not used[i][j]:
            used[i][j] = True
            hits[k] = 1
    if not len(scored):
        return 0.0
    tp = np.cumsum(hits)
    recall = tp / n_true
    precision = tp / np.arange(1, len(scored) + 1)
    recall = np.concatenate([[0.0], recall, [recall[-1]]])
    precision = np.concatenate([[1.0], precision, [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum((recall[1:] - recall[:-1]) * precision[1:]))


def mean_average_precision(predictions: list[dict], truth_boxes: list[np.ndarray], truth_labels: list[np.ndarray],
                           classes: list[str], iou_threshold: float = 0.5) -> dict:
    """mAP over the classes with a true box, and AP per class name."""
    per_class = {}
    for label in range(1, len(classes)):
        ap = average_precision(predictions, truth_boxes, truth_labels, label, iou_threshold)
        if ap is not None:
            per_class[classes[label]] = round(ap, 4)
    return {"map50": round(float(np.mean(list(per_class.values()))), 4) if per_class else 0.0, "ap50": per_class}
