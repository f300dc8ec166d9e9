"""`classify export`: a trained classifier as ONNX, with its exact preprocessing in the model's metadata, checked
against PyTorch with ONNX Runtime before the file is kept."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sportlens.classify.augment import eval_view
from sportlens.classify.inference import load_classifier, preprocessing_spec
from sportlens.classify.options import ExportOptions
from sportlens.errors import ModelError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import atomic_path, write_json
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain

TOLERANCE = 1e-4
N_CHECK = 8
METADATA_PREFIX = "sportlens."


def onnx_metadata(preprocessing: dict[str, Any], classes: list[str], model: str) -> dict[str, str]:
    """ONNX metadata_props (string to string): every preprocessing field under `sportlens.preprocessing.`
    (lists and numbers as JSON), the whole spec as JSON, and the class names in output order."""
    props = {f"{METADATA_PREFIX}preprocessing.{key}": value if isinstance(value, str) else json.dumps(value)
             for key, value in preprocessing.items()}
    props[f"{METADATA_PREFIX}preprocessing"] = json.dumps(preprocessing)
    props[f"{METADATA_PREFIX}classes"] = json.dumps(classes)
    props[f"{METADATA_PREFIX}model"] = model
    props[f"{METADATA_PREFIX}output"] = "logits (batch, classes); softmax gives the probabilities of predict"
    return props


def run_export(
    run: str | Path, out_dir: str | Path, options: ExportOptions = ExportOptions(), progress: Progress | None = None
) -> Summary:
    """Write OUT/model.onnx (input `image`: float32 (N, 3, size, size) as the metadata's preprocessing says;
    output `logits`) and OUT/model.json (classes, preprocessing, card, check); ModelError when ONNX Runtime
    and PyTorch differ by more than 1e-4 on any logit of the check images (then nothing is kept)."""
    import onnx
    import onnxruntime as ort

    progress = ensure_progress(progress, "classify export")
    loaded = load_classifier(run)
    out_dir = Path(out_dir)
    model = loaded.module.float().eval()
    size = loaded.image_size
    preprocessing = preprocessing_spec(size)
    gen = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (N_CHECK, 3, size, size), generator=gen, dtype=torch.uint8)
    x = eval_view(pixels, size).contiguous()
    with torch.no_grad():
        expected = model(x).numpy()
    summary = Summary(command="classify export", inputs=[str(run)], options=plain(options))
    with output_run(out_dir, summary, run):
        target = out_dir / "model.onnx"
        with atomic_path(target) as tmp:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice is not for our users
                torch.onnx.export(
                    model, (x[:1],), str(tmp), dynamo=False, opset_version=options.opset, input_names=["image"],
                    output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                )
            proto = onnx.load(str(tmp))
            for key, value in onnx_metadata(preprocessing, loaded.classes, loaded.card["model"]).items():
                entry = proto.metadata_props.add()
                entry.key, entry.value = key, value
            onnx.save(proto, str(tmp))
            session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
            got = session.run(None, {"image": x.numpy()})[0]
            diff = float(np.max(np.abs(got - expected)))
            if not diff <= TOLERANCE:
                raise ModelError(
                    f"ONNX output differs from PyTorch by {diff:.2e} (> {TOLERANCE:g})", loaded.path,
                    "try another --opset; the file was not written",
                )
        info = {
            "run": str(loaded.run_dir),
            "model": loaded.card["model"],
            "opset": options.opset,
            "input": {"name": "image", "shape": ["batch", 3, size, size], "dtype": "float32"},
            "output": {"name": "logits", "shape": ["batch", len(loaded.classes)]},
            "classes": loaded.classes,
            "preprocessing": preprocessing,
            "check": {"n_images": N_CHECK, "max_abs_diff": diff, "tolerance": TOLERANCE, "passed": True},
        }
        write_json(out_dir / "model.json", {**info, "card": loaded.card})
        summary.metrics.update(info)
        progress.message(f"ONNX Runtime matches PyTorch within {diff:.1e} on {N_CHECK} images")
    return summary
