"""End to end through `sportlens classify ...` on generated shapes (real training, real files)."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
import torch
from PIL import Image

from sportlens.classify.augment import eval_view
from sportlens.classify.data import decode_image, scan_images
from sportlens.classify.train import TrainOptions, load_classifier, predict_logits, train_classifier

FAST = ["--model", "notebook-cnn", "--image-size", "48", "--batch-size", "16", "--no-progress"]
FAST_OPTIONS = dict(model="notebook-cnn", image_size=48, batch_size=16, epochs=10)


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, request):
    make = request.getfixturevalue("make_shapes_module")
    root = make(tmp_path_factory.mktemp("clean") / "shapes")
    run = tmp_path_factory.mktemp("runs") / "clean"
    summary = train_classifier(root, run, TrainOptions(**FAST_OPTIONS), progress=False)
    return root, run, summary


@pytest.fixture(scope="module")
def dirty_run(tmp_path_factory, request):
    """Shapes with a planted mislabelled image (a circle filed under square) and a planted near-duplicate."""
    make = request.getfixturevalue("make_shapes_module")
    root = make(tmp_path_factory.mktemp("dirty") / "shapes", seed=1)
    planted = root / "square" / "square_planted.png"
    shutil.copy(root / "circle" / "circle_005.png", planted)
    duplicate = root / "triangle" / "triangle_copy.jpg"
    Image.open(root / "triangle" / "triangle_007.png").convert("RGB").save(duplicate, quality=90)
    run = tmp_path_factory.mktemp("runs") / "dirty"
    train_classifier(root, run, TrainOptions(**FAST_OPTIONS), progress=False)
    return root, run, planted, duplicate


@pytest.mark.slow
def test_train_json_reaches_95_percent_and_writes_the_run(run_cli, shapes_dir, tmp_path):
    run = tmp_path / "run"
    result = run_cli("classify", "train", shapes_dir, "-o", run, *FAST, "--epochs", "10", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()  # the whole of stdout is one JSON object
    assert summary["test"]["accuracy"] >= 0.95 and summary["test"]["n_images"] == 12
    assert summary["split"]["counts"] == {"train": 48, "val": 12, "test": 12}
    assert summary["training"]["epochs_run"] == 10 and summary["training"]["stopped_by"] == "epochs"
    for name in ("best.pt", "last.pt", "model_card.json", "split.csv", "history.csv", "training_curves.png",
                 "summary.json", "train_config.json"):
        assert (run / name).is_file(), name
    card = json.loads((run / "model_card.json").read_text())
    assert card["command"] == f"sportlens classify train {shapes_dir} --out {run} --model notebook-cnn --epochs 10 "\
        "--image-size 48 --batch-size 16 --no-progress --json"
    assert card["classes"] == ["circle", "square", "triangle"] and card["versions"]["torch"]
    assert card["metrics"]["test"]["accuracy"] == summary["test"]["accuracy"]
    assert "done: best validation accuracy" in result.stderr

    again = run_cli("classify", "train", shapes_dir, "-o", run, *FAST, "--epochs", "10", "--json")
    assert again.code == 2 and "run folder already holds a trained model" in again.stderr

    resumed = run_cli("classify", "train", shapes_dir, "-o", run, *FAST, "--epochs", "10", "--resume", "--json")
    assert resumed.code == 0, resumed.stderr
    assert resumed.json()["training"]["best_epoch"] == summary["training"]["best_epoch"]
    assert resumed.json()["test"] == summary["test"]

    changed = run_cli("classify", "train", shapes_dir, "-o", run, *FAST, "--epochs", "11", "--resume")
    assert changed.code == 2 and "--resume needs the same data and options" in changed.stderr


def test_corrupt_and_non_image_files_are_listed_and_skipped(run_cli, shapes_dir, tmp_path):
    (shapes_dir / "circle" / "notes.txt").write_text("hello")
    (shapes_dir / "square" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    result = run_cli("classify", "train", shapes_dir, "-o", tmp_path / "run", *FAST, "--epochs", "1", "--json")
    assert result.code == 0, result.stderr
    skipped = {Path(row["path"]).name: row["reason"] for row in result.json()["skipped"]}
    assert skipped == {"notes.txt": "not an image file (.txt)", "broken.jpg": "not a readable image"}
    assert "skipped 2 file(s)" in result.stderr and "broken.jpg" in result.stderr
    assert result.json()["n_images"] == 72


def test_time_budget_stops_cleanly_with_the_best_model(run_cli, shapes_dir, tmp_path):
    result = run_cli("classify", "train", shapes_dir, "-o", tmp_path / "run", *FAST, "--epochs", "100000",
                     "--time-budget", "0.02", "--json")
    assert result.code == 0, result.stderr
    training = result.json()["training"]
    assert training["stopped_by"] == "time_budget" and training["epochs_run"] < 100000
    assert training["train_minutes"] < 0.5
    assert load_classifier(tmp_path / "run").card["training"]["stopped_by"] == "time_budget"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "vgg16"], "unknown image classifier 'vgg16'"),
        (["--weights", "coco", "--model", "notebook-cnn"], "unknown weights 'coco'"),
        (["--amp", "fp8"], "unknown --amp 'fp8'"),
    ],
)
def test_train_option_errors(run_cli, shapes_dir, tmp_path, args, message):
    result = run_cli("classify", "train", shapes_dir, "-o", tmp_path / "run", *args)
    assert result.code == 2 and message in result.stderr


def test_train_input_errors(run_cli, make_shapes, tmp_path):
    missing = run_cli("classify", "train", tmp_path / "nothing", "-o", tmp_path / "run")
    assert missing.code == 2 and "data not found" in missing.stderr
    root = make_shapes(tmp_path / "few", per_class=6)
    for path in sorted((root / "triangle").glob("*.png"))[3:]:
        path.unlink()
    few = run_cli("classify", "train", root, "-o", tmp_path / "run", *FAST)
    assert few.code == 2 and "'triangle' has 3 (need at least 5)" in few.stderr
    nothing = run_cli("classify", "train", root, "-o", tmp_path / "run2", "--resume")
    assert nothing.code == 2 and "nothing to resume" in nothing.stderr


@pytest.mark.slow
def test_eval_json_matches_training_test_split(run_cli, clean_run, tmp_path):
    root, run, summary = clean_run
    result = run_cli("classify", "eval", run, root, "-o", tmp_path / "eval", "--json")
    assert result.code == 0, result.stderr
    metrics = result.json()
    assert {"accuracy", "macro_f1", "per_class", "n_images", "confusion"} <= set(metrics)
    assert metrics["split"] == "the run's test split (split.csv)"
    assert metrics["n_images"] == 12 and metrics["accuracy"] == summary["test"]["accuracy"]
    assert metrics["macro_f1"] == pytest.approx(summary["test"]["macro_f1"])
    assert sum(map(sum, metrics["confusion"])) == 12
    assert set(metrics["per_class"]) == {"circle", "square", "triangle"}
    for name in ("metrics.json", "per_class.csv", "predictions.csv", "confusion_matrix.png", "mistakes.png",
                 "training_curves.png", "summary.json"):
        assert (tmp_path / "eval" / name).is_file(), name
    assert len(pd.read_csv(tmp_path / "eval" / "per_class.csv")) == 3
    everything = run_cli("classify", "eval", run, root, "-o", tmp_path / "all", "--split", "all", "--json")
    assert everything.json()["n_images"] == 72


def test_eval_errors(run_cli, clean_run, make_shapes, tmp_path):
    root, run, _ = clean_run
    other = make_shapes(tmp_path / "other", per_class=5)
    (other / "circle").rename(other / "hexagon")
    unknown = run_cli("classify", "eval", run, other)
    assert unknown.code == 2 and "class(es) the model was not trained on: hexagon" in unknown.stderr
    (tmp_path / "junk.pt").write_bytes(b"junk")
    junk = run_cli("classify", "eval", tmp_path / "junk.pt", root)
    assert junk.code == 2 and "cannot read checkpoint" in junk.stderr


@pytest.mark.slow
def test_review_ranks_the_planted_mislabel_first_and_finds_the_duplicate(run_cli, dirty_run, tmp_path):
    root, run, planted, duplicate = dirty_run
    before = _tree_digest(root)
    result = run_cli("classify", "review", run, root, "-o", tmp_path / "review", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["top_suspects"][0]["path"] == str(planted)
    assert summary["top_suspects"][0]["predicted"] == "circle"
    pairs = {(Path(d["a"]).name, Path(d["b"]).name) for d in summary["duplicates"]}
    # the planted copy, and the planted mislabel (itself a copy of circle_005) with its original
    assert pairs == {("triangle_007.png", "triangle_copy.jpg"), ("circle_005.png", "square_planted.png")}
    review = pd.read_csv(tmp_path / "review" / "review.csv", keep_default_na=False)
    assert review.loc[0, "path"] == str(planted) and review.loc[0, "rank"] == 1
    assert review.loc[0, "suggestion"] == "relabel as circle?; drop (duplicate)?"
    assert (review["decision"] == "keep").all() and len(review) == 74
    copy_row = review[review["path"] == str(duplicate)].iloc[0]
    assert copy_row["duplicate_of"].endswith("triangle_007.png") and copy_row["suggestion"] == "drop (duplicate)?"
    page = (tmp_path / "review" / "review.html").read_text()
    assert "review-decisions.csv" in page and str(planted) in page and page.count("<img") >= 74
    assert _tree_digest(root) == before


@pytest.mark.slow
def test_clean_applies_decisions_to_a_new_manifest(run_cli, dirty_run, tmp_path):
    root, run, planted, duplicate = dirty_run
    review_dir = tmp_path / "review"
    assert run_cli("classify", "review", run, root, "-o", review_dir).code == 0
    before = _tree_digest(root)
    review = pd.read_csv(review_dir / "review.csv", keep_default_na=False)
    review.loc[review["path"] == str(planted), ["decision", "new_class"]] = ["relabel", "circle"]
    review.loc[review["path"] == str(duplicate), "decision"] = "drop"
    review.to_csv(review_dir / "edited.csv", index=False)
    result = run_cli("classify", "clean", root, review_dir / "edited.csv", "-o", tmp_path / "clean", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert (summary["kept"], summary["relabelled"], summary["dropped"]) == (72, 1, 1)
    cleaned = scan_images(tmp_path / "clean" / "manifest.csv")
    labels = {item.path.resolve(): item.label for item in cleaned.items}
    assert len(labels) == 73 and labels[planted.resolve()] == "circle" and duplicate.resolve() not in labels
    assert _tree_digest(root) == before  # the user's files are untouched

    # the HTML page's download has only path, class, decision, new_class
    page_csv = review_dir / "review-decisions.csv"
    page_csv.write_text(f'"path","class","decision","new_class"\n"{duplicate}","triangle","drop",""\n')
    from_page = run_cli("classify", "clean", root, page_csv, "-o", tmp_path / "clean_page", "--json")
    assert (from_page.json()["dropped"], from_page.json()["n_manifest_rows"]) == (1, 73)

    review.loc[0, "decision"] = "maybe"
    review.to_csv(review_dir / "bad.csv", index=False)
    bad = run_cli("classify", "clean", root, review_dir / "bad.csv", "-o", tmp_path / "clean2")
    assert bad.code == 2 and "row 2: decision 'maybe'" in bad.stderr


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_predict_file_folder_and_url(run_cli, clean_run, tmp_path, shapes_dir):
    root, run, _ = clean_run
    image = root / "circle" / "circle_020.png"
    one = run_cli("classify", "predict", run, image, "--top-k", "2", "--json")
    assert one.code == 0, one.stderr
    top = one.json()["predictions"][0]["top_k"]
    assert len(top) == 2 and top[0]["label"] == "circle" and top[0]["probability"] >= top[1]["probability"]

    (shapes_dir / "square" / "readme.txt").write_text("x")
    folder = run_cli("classify", "predict", run, shapes_dir / "square", "--json")
    payload = folder.json()
    assert len(payload["predictions"]) == 24 and payload["skipped"][0]["reason"] == "not an image file"
    correct = sum(p["top_k"][0]["label"] == "square" for p in payload["predictions"])
    assert correct >= 23

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _QuietHandler(*a, directory=str(root / "circle"))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/circle_020.png"
        fetched = run_cli("classify", "predict", run, url, "--json")
    finally:
        server.shutdown()
    assert fetched.code == 0, fetched.stderr
    assert fetched.json()["predictions"][0]["top_k"][0] == top[0] | {"probability": pytest.approx(
        top[0]["probability"], abs=1e-5)}


def test_predict_errors(run_cli, clean_run, tmp_path):
    _, run, _ = clean_run
    offline = run_cli("classify", "predict", run, "http://127.0.0.1:9/photo.jpg")
    assert offline.code == 2
    assert "cannot fetch http://127.0.0.1:9/photo.jpg" in offline.stderr and "offline" in offline.stderr
    missing = run_cli("classify", "predict", run, tmp_path / "nope.jpg")
    assert missing.code == 2 and "image or folder not found" in missing.stderr


@pytest.mark.slow
def test_export_onnx_equals_pytorch(run_cli, clean_run, tmp_path):
    root, run, _ = clean_run
    result = run_cli("classify", "export", run, "-o", tmp_path / "onnx", "--json")
    assert result.code == 0, result.stderr
    info = result.json()
    assert info["check"]["max_abs_diff"] <= 1e-4 and info["classes"] == ["circle", "square", "triangle"]
    # an independent check on real images, preprocessed as model.json says
    loaded = load_classifier(run)
    paths = sorted(root.rglob("*.png"))[::7]
    pixels = torch.from_numpy(np.stack([decode_image(p, loaded.cache_size) for p in paths])).permute(0, 3, 1, 2)
    session = ort.InferenceSession(str(tmp_path / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(None, {"image": eval_view(pixels, info["input"]["shape"][2]).numpy()})[0]
    torch_logits = predict_logits(loaded.module, pixels, loaded.image_size).numpy()
    assert np.max(np.abs(onnx_logits - torch_logits)) <= 1e-4
    assert (onnx_logits.argmax(1) == torch_logits.argmax(1)).all()
