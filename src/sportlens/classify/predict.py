"""Top-k labels for an image file, a folder of images or an http(s) URL."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from sportlens.classify.data import decode_image, decode_pil, is_image_file
from sportlens.classify.train import LoadedClassifier, load_classifier, predict_logits
from sportlens.errors import InputFileError, OfflineError

URL_TIMEOUT_S = 10.0
MAX_URL_BYTES = 20 * 1024 * 1024


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def fetch_image(url: str, timeout_s: float = URL_TIMEOUT_S) -> Image.Image:
    """Download an image; OfflineError when the address cannot be reached, InputFileError when it is no image."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (http(s) checked by caller)
            payload = response.read(MAX_URL_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InputFileError(f"the server answered HTTP {exc.code} for {url}", hint="check the address") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OfflineError(
            f"cannot fetch {url} ({reason})",
            hint="this machine seems offline or the address is unreachable: download the image and give its path",
        ) from None
    if len(payload) > MAX_URL_BYTES:
        raise InputFileError(f"{url} is larger than {MAX_URL_BYTES // 2**20} MB", hint="download and resize it first")
    try:
        image = Image.open(io.BytesIO(payload))
        image.load()
    except (UnidentifiedImageError, OSError):
        raise InputFileError(f"{url} did not return a readable image", hint="check the address") from None
    return image


def predict_inputs(
    run: str | Path, target: str, top_k: int = 3, loaded: LoadedClassifier | None = None
) -> dict[str, Any]:
    """Predictions for TARGET (file, folder searched recursively, or URL): top_k labels with probabilities."""
    loaded = loaded or load_classifier(run)
    size = loaded.cache_size
    names: list[str] = []
    arrays: list[np.ndarray] = []
    skipped: list[dict[str, str]] = []
    if is_url(target):
        arrays.append(decode_pil(fetch_image(target), size))
        names.append(target)
    else:
        path = Path(target)
        if not path.exists():
            raise InputFileError("image or folder not found", path, "give an image file, a folder or an http(s) URL")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if not is_image_file(file):
                skipped.append({"path": str(file), "reason": "not an image file"})
                continue
            try:
                arrays.append(decode_image(file, size))
                names.append(str(file))
            except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
                skipped.append({"path": str(file), "reason": "not a readable image"})
        if not arrays:
            raise InputFileError("no readable image", path, "give a JPEG/PNG file or a folder that holds some")
    pixels = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    probs = torch.softmax(predict_logits(loaded.module, pixels, loaded.image_size), dim=1).numpy()
    k = max(1, min(top_k, len(loaded.classes)))
    predictions = []
    for name, row in zip(names, probs, strict=True):
        best = np.argsort(-row, kind="stable")[:k]
        top = [{"label": loaded.classes[i], "probability": round(float(row[i]), 5)} for i in best]
        predictions.append({"input": name, "top_k": top})
    return {
        "model": loaded.card["model"],
        "run": str(loaded.path.parent),
        "classes": loaded.classes,
        "predictions": predictions,
        "skipped": skipped,
    }
