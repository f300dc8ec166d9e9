"""ONNX export: the preprocessing written into the model, followed literally with PIL and numpy only (no
sportlens code), gives the probabilities of `classify predict` to 1e-4."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from PIL import Image

TOLERANCE = 1e-4


@pytest.fixture
def exported(run_cli, trained, tmp_path):
    result = run_cli("classify", "export", trained.run, "-o", tmp_path / "onnx", "--json")
    assert result.code == 0, result.stderr
    return tmp_path / "onnx", result.json()


def follow(preprocessing: dict, path) -> np.ndarray:
    """The metadata's steps, literally: colour conversion, one PIL resize, scale, mean/std, layout."""
    assert preprocessing["keep_aspect_ratio"] is False and preprocessing["channel_order"] == "RGB"
    assert preprocessing["layout"] == "NCHW"
    with Image.open(path) as image:
        rgb = image.convert(preprocessing["color"])
        size = (preprocessing["resize_width"], preprocessing["resize_height"])
        resized = rgb.resize(size, getattr(Image.Resampling, preprocessing["resize_method"]))
    x = np.asarray(resized, dtype=np.float32) * np.float32(preprocessing["scale"])
    x = (x - np.asarray(preprocessing["mean"], np.float32)) / np.asarray(preprocessing["std"], np.float32)
    return x.transpose(2, 0, 1)[None].astype(preprocessing["dtype"])


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_onnx_metadata_holds_the_exact_preprocessing(exported, trained):
    folder, summary = exported
    assert summary["command"] == "classify export" and summary["outputs"] == ["model.json", "model.onnx"]
    assert summary["metrics"]["check"]["max_abs_diff"] <= TOLERANCE
    props = {p.key: p.value for p in onnx.load(str(folder / "model.onnx")).metadata_props}
    model_json = json.loads((folder / "model.json").read_text())
    spec = json.loads(props["sportlens.preprocessing"])
    assert spec == model_json["preprocessing"] == summary["metrics"]["preprocessing"]
    assert spec == {
        "color": "RGB", "resize_width": 32, "resize_height": 32, "resize_method": "BILINEAR",
        "keep_aspect_ratio": False, "scale": 1 / 255, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
        "channel_order": "RGB", "layout": "NCHW", "dtype": "float32",
        "formula": "input[n, c, y, x] = (resized[y, x, c] * scale - mean[c]) / std[c]",
    }
    assert props["sportlens.preprocessing.resize_method"] == "BILINEAR"
    assert json.loads(props["sportlens.preprocessing.mean"]) == spec["mean"]
    assert json.loads(props["sportlens.classes"]) == ["circle", "square", "triangle"] == model_json["classes"]
    assert model_json["card"]["model"] == "notebook-cnn"


def test_following_the_metadata_literally_matches_predict(exported, trained, run_cli, tmp_path):
    folder, _ = exported
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    props = {p.key: p.value for p in onnx.load(str(folder / "model.onnx")).metadata_props}
    spec = json.loads(props["sportlens.preprocessing"])
    classes = json.loads(props["sportlens.classes"])
    # photos unlike the training files: another size and aspect, a palette image, one with alpha, a JPEG
    photos = tmp_path / "photos"
    photos.mkdir()
    source = Image.open(trained.root / "circle" / "circle_003.png")
    source.resize((90, 50)).save(photos / "wide.png")
    source.convert("P", palette=Image.Palette.ADAPTIVE).save(photos / "palette.png")
    rgba = source.convert("RGBA")
    rgba.putalpha(128)
    rgba.save(photos / "alpha.png")
    Image.open(trained.root / "square" / "square_004.png").resize((200, 120)).save(photos / "big.jpg", quality=85)
    predicted = run_cli("classify", "predict", trained.run, photos, "--top-k", "3", "--json")
    assert predicted.code == 0, predicted.stderr
    rows = predicted.json()["metrics"]["predictions"]
    assert len(rows) == 4
    for row in rows:
        probs = softmax(session.run(None, {"image": follow(spec, row["input"])})[0])[0]
        for top in row["top_k"]:
            assert probs[classes.index(top["label"])] == pytest.approx(top["probability"], abs=TOLERANCE), row["input"]


def test_export_errors(run_cli, trained, tmp_path):
    bad = run_cli("classify", "export", trained.run, "-o", tmp_path / "onnx", "--opset", "9")
    assert bad.code == 2 and bad.stderr == "error: --opset must be at least 13 and at most 20, got 9\n"
    inside = run_cli("classify", "export", trained.run, "-o", trained.run)
    assert inside.code == 2 and "output folder holds the input" in inside.stderr
    missing = run_cli("classify", "export", tmp_path / "nothing", "-o", tmp_path / "onnx")
    assert missing.code == 2 and "checkpoint not found" in missing.stderr and not (tmp_path / "onnx").exists()
