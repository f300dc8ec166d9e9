"""Detection models: torchvision's Faster R-CNN (MobileNetV3-Large FPN) and SSDlite320, built for a list of
class names, with COCO weights from the standard torch cache or a file the user gives. Nothing is downloaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from sportlens.errors import ModelError
from sportlens.models.registry import Registry

TASK = "detect"
DETECTORS: Registry[nn.Module] = Registry("detection model")


@dataclass(frozen=True)
class CocoWeights:
    """Where torchvision's COCO weights of a model live: the file name in <torch hub>/checkpoints and its URL."""

    enum: str  # the torchvision weights enum
    url: str

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


COCO_WEIGHTS = {
    "fasterrcnn-mobilenet": CocoWeights(
        "FasterRCNN_MobileNet_V3_Large_FPN_Weights",
        "https://download.pytorch.org/models/fasterrcnn_mobilenet_v3_large_fpn-fb6a3cc7.pth"),
    "ssdlite": CocoWeights(
        "SSDLite320_MobileNet_V3_Large_Weights",
        "https://download.pytorch.org/models/ssdlite320_mobilenet_v3_large_coco-a79551df.pth"),
}


def coco_categories() -> list[str]:
    """COCO's 91 category slots as torchvision numbers them (index = label; 'N/A' for unused ids)."""
    from torchvision.models.detection import FasterRCNN_MobileNet_V3_Large_FPN_Weights

    return list(FasterRCNN_MobileNet_V3_Large_FPN_Weights.COCO_V1.meta["categories"])


def coco_weights_path(model: str) -> Path:
    """The COCO weights file of `model` in the standard torch cache (it may not exist)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / COCO_WEIGHTS[model].file_name


def missing_weights_error(model: str) -> ModelError:
    w = COCO_WEIGHTS[model]
    return ModelError(f"COCO weights for {model} not found", coco_weights_path(model),
                      f"download {w.url} on a machine with internet and put it there (or give --weights PATH); "
                      "nothing is downloaded at run time")


@DETECTORS.register("fasterrcnn-mobilenet")
def fasterrcnn_mobilenet(num_classes: int, image_size: int | None = None) -> nn.Module:
    from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_fpn

    sizes = {} if image_size is None else {"min_size": image_size, "max_size": image_size}
    return fasterrcnn_mobilenet_v3_large_fpn(weights=None, weights_backbone=None, num_classes=num_classes, **sizes)


@DETECTORS.register("ssdlite")
def ssdlite(num_classes: int, image_size: int | None = None) -> nn.Module:
    from torchvision.models.detection import ssdlite320_mobilenet_v3_large

    model = ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=num_classes)
    if image_size is not None:
        model.transform.min_size, model.transform.max_size = (image_size,), image_size
        model.transform.fixed_size = (image_size, image_size)
    return model


def replace_head(model: nn.Module, name: str, num_classes: int) -> None:
    """Give a COCO-trained detector a new classification layer for num_classes (background included)."""
    if name == "fasterrcnn-mobilenet":
        from torchvision.models.detection.faster_rcnn import FastRCNNPredictor

        in_features = model.roi_heads.box_predictor.cls_score.in_features
        model.roi_heads.box_predictor = FastRCNNPredictor(in_features, num_classes)
        return
    from functools import partial

    from torchvision.models.detection import _utils as det_utils
    from torchvision.models.detection.ssdlite import SSDLiteClassificationHead

    in_channels = det_utils.retrieve_out_channels(model.backbone, (320, 320))
    anchors = model.anchor_generator.num_anchors_per_location()
    model.head.classification_head = SSDLiteClassificationHead(
        in_channels, anchors, num_classes, partial(nn.BatchNorm2d, eps=0.001, momentum=0.03))


@dataclass
class LoadedDetector:
    """A detector ready to run: the network (eval mode), its class names by label (0 = background), where
    its weights came from, and the model card when it is a `detect train` checkpoint."""

    model: nn.Module
    name: str
    classes: list[str]
    source: str
    card: dict | None = None


def read_weights(path: Path) -> tuple[dict, dict | None]:
    if not path.is_file():
        raise ModelError("weights file not found", path, "give a `detect train` best.pt or torchvision COCO weights")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # zip, pickle and torch errors all mean: not weights we can read
        raise ModelError(f"cannot read weights ({type(exc).__name__})", path, "copy the file again") from None
    if isinstance(blob, dict) and "card" in blob and "state_dict" in blob:
        from sportlens.models.card import check_card

        return blob["state_dict"], check_card(blob["card"], TASK, path)
    if not isinstance(blob, dict) or not all(isinstance(v, torch.Tensor) for v in blob.values()):
        raise ModelError("not a detection state dict", path,
                         "give a `detect train` best.pt or torchvision COCO weights")
    return blob, None


def load_detector(name: str, weights: str | Path | None = None, image_size: int | None = None) -> LoadedDetector:
    """A detector with weights: a `detect train` checkpoint (its card names the model and classes), a
    torchvision COCO state dict given as a path, or the COCO weights in the torch cache; else ModelError."""
    path = Path(weights) if weights is not None else coco_weights_path(name)
    if weights is None and not path.is_file():
        raise missing_weights_error(name)
    state, card = read_weights(path)
    if card is not None:
        name = card["network"]["model"]
        classes = list(card["network"]["classes"])
    else:
        classes = coco_categories()
    model = DETECTORS.build(name, num_classes=len(classes), image_size=image_size)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ModelError(f"weights do not fit the {name} model ({first[:120]})", path,
                         "give --model matching the weights") from None
    model.eval()
    return LoadedDetector(model, name, classes, str(path), card)


def detect_batch(detector: LoadedDetector, images: list, min_score: float, keep: set[int] | None = None) -> list[dict]:
    """Run the detector on RGB uint8 frames (H, W, 3); per frame {"boxes" (n, 4) x0 y0 x1 y1 px, "scores",
    "labels"} as numpy arrays, above min_score and (when given) with a label in keep."""
    import numpy as np

    tensors = [torch.from_numpy(np.ascontiguousarray(im)).permute(2, 0, 1).float().div_(255) for im in images]
    with torch.inference_mode():
        outputs = detector.model(tensors)
    results = []
    for out in outputs:
        boxes, scores, labels = (out["boxes"].numpy(), out["scores"].numpy(), out["labels"].numpy())
        mask = scores >= min_score
        if keep is not None:
            mask &= np.isin(labels, list(keep))
        results.append({"boxes": boxes[mask], "scores": scores[mask], "labels": labels[mask]})
    return results
