"""`classify predict`: top-k labels for an image file, a folder of images or an http(s) URL; writes
nothing unless given an output folder (then predictions.csv)."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from PIL import Image, UnidentifiedImageError

from sportlens.classify.data import is_image_file
from sportlens.classify.inference import LoadedClassifier, image_pixels, load_classifier, load_image, predict_logits
from sportlens.classify.options import PredictOptions
from sportlens.errors import InputFileError, OfflineError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain

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


def run_predict(
    run: str | Path, target: str, out_dir: str | Path | None = None, options: PredictOptions = PredictOptions(),
    progress: Progress | None = None, loaded: LoadedClassifier | None = None,
) -> Summary:
    """Predictions for TARGET (file, folder searched recursively, or URL): metrics["predictions"] holds one
    row per image with its top_k labels and probabilities. With `out_dir`, also writes predictions.csv."""
    progress = ensure_progress(progress, "classify predict")
    loaded = loaded or load_classifier(run)
    size = loaded.image_size
    names: list[str] = []
    arrays: list[np.ndarray] = []
    skipped: list[dict[str, str]] = []
    if is_url(target):
        arrays.append(image_pixels(fetch_image(target), size))
        names.append(target)
    else:
        path = Path(target)
        if not path.exists():
            raise InputFileError("image or folder not found", path, "give an image file, a folder or an http(s) URL")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        with progress.step("decode", total=len(files), unit="images") as counter:
            for file in files:
                if not is_image_file(file):
                    skipped.append({"path": str(file), "reason": "not an image file"})
                else:
                    try:
                        arrays.append(load_image(file, size))
                        names.append(str(file))
                    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
                        skipped.append({"path": str(file), "reason": "not a readable image"})
                counter.advance()
        if not arrays:
            raise InputFileError("no readable image", path, "give a JPEG/PNG file or a folder that holds some")
    pixels = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    probs = torch.softmax(predict_logits(loaded.module, pixels, size), dim=1).numpy()
    k = min(options.top_k, len(loaded.classes))
    predictions = []
    for name, row in zip(names, probs, strict=True):
        best = np.argsort(-row, kind="stable")[:k]
        top = [{"label": loaded.classes[i], "probability": round(float(row[i]), 5)} for i in best]
        predictions.append({"input": name, "top_k": top})
    summary = Summary(command="classify predict", inputs=[str(run), target], options=plain(options))
    if skipped:
        named = ", ".join(f"{row['path']} ({row['reason']})" for row in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        summary.warn(f"skipped {len(skipped)} file(s) that are not readable images: {named}{more} (all listed in "
                     "summary.json)")
    summary.metrics.update({
        "model": loaded.card["model"],
        "run": str(loaded.run_dir),
        "classes": loaded.classes,
        "predictions": predictions,
        "skipped": skipped,
    })
    if out_dir is not None:
        inputs = [] if is_url(target) else [target]
        with output_run(out_dir, summary, *inputs):
            write_csv(Path(out_dir) / "predictions.csv", _predictions_table(predictions, k))
    return summary


def _predictions_table(predictions: list[dict[str, Any]], k: int) -> pd.DataFrame:
    """One row per image: input, then label_1, probability_1 ... label_k, probability_k."""
    rows = []
    for row in predictions:
        flat: dict[str, Any] = {"input": row["input"]}
        for rank, top in enumerate(row["top_k"], start=1):
            flat[f"label_{rank}"] = top["label"]
            flat[f"probability_{rank}"] = top["probability"]
        rows.append(flat)
    columns = ["input"] + [f"{name}_{rank}" for rank in range(1, k + 1) for name in ("label", "probability")]
    return pd.DataFrame(rows, columns=columns)
