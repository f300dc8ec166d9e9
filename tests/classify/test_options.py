"""The classify options validate themselves (library callers get the CLI's messages), and the modules keep
their boundaries: inference without the trainer, no rich outside the CLI, a light command line."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import sportlens
from sportlens.classify.options import (
    EvalOptions,
    ExportOptions,
    PredictOptions,
    ReviewOptions,
    TrainOptions,
)
from sportlens.options import OptionError, options_from_mapping
from sportlens.summary import plain


@pytest.mark.parametrize(
    ("cls", "values", "message"),
    [
        (TrainOptions, {"epochs": 0}, "--epochs must be at least 1, got 0"),
        (TrainOptions, {"batch_size": -4}, "--batch-size must be at least 1, got -4"),
        (TrainOptions, {"lr": -0.1}, "--lr must be above 0 and at most 1, got -0.1"),
        (TrainOptions, {"amp": "fp8"}, "--amp must be one of auto, off, bf16, fp16, got 'fp8'"),
        (TrainOptions, {"device": "tpu"}, "--device must be one of auto, cpu, cuda, got 'tpu'"),
        (TrainOptions, {"weights": "coco"}, "--weights must be one of none, imagenet, got 'coco'"),
        (TrainOptions, {"budget_clock": "sun"}, "--budget-clock must be one of wall, cpu, got 'sun'"),
        (TrainOptions, {"model": "vgg16"}, "--model must be one of efficientnet_b0, mobilenet_v3_large, "
                                           "mobilenet_v3_small, notebook-cnn, resnet18, resnet34, got 'vgg16'"),
        (TrainOptions, {"image_size": 4096}, "--image-size must be at least 16 and at most 1024, got 4096"),
        (TrainOptions, {"time_budget_min": -1.0}, "--time-budget must be above 0 minutes, got -1"),
        (TrainOptions, {"fold": -1}, "--fold must be at least 0, got -1"),
        (EvalOptions, {"split": "holdout"}, "--split must be one of auto, test, val, train, all, got 'holdout'"),
        (EvalOptions, {"n_mistakes": -1}, "--n-mistakes must be at least 0 and at most 256, got -1"),
        (ReviewOptions, {"max_distance": 65}, "--max-distance must be at least 0 and at most 64, got 65"),
        (ReviewOptions, {"html_rows": 0}, "--html-rows must be at least 1, got 0"),
        (PredictOptions, {"top_k": 0}, "--top-k must be at least 1, got 0"),
        (ExportOptions, {"opset": 99}, "--opset must be at least 13 and at most 20, got 99"),
    ],
)
def test_options_refuse_bad_values_with_one_line(cls, values, message):
    with pytest.raises(OptionError) as caught:
        cls(**values)
    assert caught.value.message == message


def test_cuda_without_a_gpu_is_an_option_error(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(OptionError, match="^--device cuda but no CUDA GPU is visible"):
        TrainOptions(device="cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert TrainOptions(device="cuda").device == "cuda"


def test_options_from_a_mapping_and_back_to_plain_values():
    options = options_from_mapping(TrainOptions, {"model": "notebook-cnn", "time-budget-min": 5, "amp": "off"})
    assert (options.model, options.time_budget_min, options.amp) == ("notebook-cnn", 5, "off")
    assert plain(options)["model"] == "notebook-cnn" and plain(EvalOptions()) == {"split": "auto", "n_mistakes": 16}


def _modules_after(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_inference_commands_do_not_import_the_trainer():
    loaded = _modules_after(
        "import sportlens.classify.predict, sportlens.classify.evaluate, sportlens.classify.export, "
        "sportlens.classify.review, sportlens.classify.inference"
    )
    assert "sportlens.classify.inference" in loaded and "sportlens.classify.train" not in loaded


def _imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_command_line_imports_rich():
    """Tasks report through sportlens.events; rich belongs to the CLI (scikit-learn may load it on its own)."""
    package = Path(sportlens.__file__).parent
    sources = sorted((package / "classify").glob("*.py")) + sorted((package / "training").glob("*.py"))
    with_rich = [p.relative_to(package).as_posix() for p in sources if "rich" in _imported_names(p)]
    assert with_rich == ["classify/cli.py"]


def test_the_command_line_module_is_light():
    loaded = _modules_after("import sportlens.classify.cli")
    assert not loaded & {"torch", "numpy", "PIL", "sklearn", "onnx", "onnxruntime", "pandas", "matplotlib",
                         "torchvision", "rich"}
