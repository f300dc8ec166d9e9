"""Export a trained classifier to ONNX and check that ONNX Runtime gives the same logits as PyTorch."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch

from sportlens.classify.augment import eval_view
from sportlens.classify.train import load_classifier
from sportlens.errors import ModelError
from sportlens.io.atomic import atomic_path, write_json

OPSET = 17
TOLERANCE = 1e-4


def export_onnx(
    run: str | Path, out_dir: str | Path, opset: int = OPSET, tolerance: float = TOLERANCE, n_check: int = 8
) -> dict[str, Any]:
    """Write OUT/model.onnx (input `image`: float (N, 3, size, size) ImageNet-normalised; output `logits`)
    and OUT/model.json (classes, preprocessing, card, check); raise ModelError if the check fails.

    The check runs `n_check` images (seeded noise pushed through the same preprocessing) through both
    runtimes; max_abs_diff is the largest absolute logit difference.
    """
    loaded = load_classifier(run)
    out_dir = Path(out_dir)
    model = loaded.module.float().eval()
    size = loaded.image_size
    gen = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (n_check, 3, loaded.cache_size, loaded.cache_size), generator=gen, dtype=torch.uint8)
    x = eval_view(pixels, size).contiguous()
    with torch.no_grad():
        expected = model(x).numpy()
    target = out_dir / "model.onnx"
    with atomic_path(target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice is not for our users
        torch.onnx.export(
            model, (x[:1],), str(tmp), dynamo=False, opset_version=opset, input_names=["image"],
            output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        )
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        got = session.run(None, {"image": x.numpy()})[0]
        diff = float(np.max(np.abs(got - expected)))
        if not diff <= tolerance:
            raise ModelError(
                f"ONNX output differs from PyTorch by {diff:.2e} (> {tolerance:g})", loaded.path,
                "try another --opset; the file was not written",
            )
    info = {
        "command": "classify export",
        "run": str(loaded.path.parent),
        "model": loaded.card["model"],
        "onnx": str(target),
        "opset": opset,
        "input": {"name": "image", "shape": ["batch", 3, size, size], "dtype": "float32",
                  "preprocessing": "RGB, resize the whole image to size x size, /255, ImageNet mean/std"},
        "output": {"name": "logits", "shape": ["batch", len(loaded.classes)]},
        "classes": loaded.classes,
        "normalize": loaded.card.get("normalize"),
        "check": {"n_images": n_check, "max_abs_diff": diff, "tolerance": tolerance, "passed": True},
        "card": loaded.card,
        "files": ["model.onnx", "model.json"],
    }
    write_json(out_dir / "model.json", info)
    return info
