"""End to end through `sportlens classify ...` on generated shapes (real training, real files)."""

from __future__ import annotations

import hashlib
import http.server
import importlib
import json
import re
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
import torch
from PIL import Image

from sportlens.classify.data import scan_images
from sportlens.classify.inference import load_classifier
from sportlens.events import Progress
from sportlens.io.output_dir import INCOMPLETE
from sportlens.summary import SCHEMA

RUN_FILES = ["best.pt", "history.csv", "last.pt", "model_card.json", "split.csv", "train_config.json",
             "training_curves.png"]
TOP_KEYS = ["schema", "command", "status", "tool", "versions", "argv", "created_utc", "inputs", "options", "outputs",
            "warnings", "metrics", "timings"]


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_train_json_writes_the_run_and_learns_the_shapes(trained):
    assert trained.code == 0, trained.stderr
    summary = trained.summary()  # the whole of stdout is one JSON object
    assert list(summary) == TOP_KEYS and summary["schema"] == SCHEMA
    assert (summary["command"], summary["status"]) == ("classify train", "complete")
    assert summary["outputs"] == RUN_FILES
    assert sorted(p.name for p in trained.run.iterdir()) == sorted(RUN_FILES + ["summary.json"])
    assert json.loads((trained.run / "summary.json").read_text()) == summary
    m = summary["metrics"]
    assert m["split"]["counts"] == {"train": 48, "val": 12, "test": 12}
    assert m["test"]["n_images"] == 12 and m["test"]["accuracy"] >= 11 / 12
    assert m["training"]["epochs_run"] == 10 and m["training"]["stopped_by"] == "epochs"
    assert m["training"]["amp"] is None  # --amp off
    assert summary["options"]["epochs"] == 10 and summary["options"]["amp"] == "off"
    assert summary["argv"][:3] == ["sportlens", "classify", "train"]
    card = json.loads((trained.run / "model_card.json").read_text())
    assert card["command"] == "sportlens " + " ".join(summary["argv"][1:])
    assert card["classes"] == ["circle", "square", "triangle"] and card["versions"]["torch"]
    assert card["metrics"]["test"] == m["test"]
    assert card["preprocessing"]["resize_width"] == 32 and card["preprocessing"]["resize_method"] == "BILINEAR"
    # the result line is for people: with --json it goes to stderr, with the progress messages
    assert "notebook-cnn: best validation accuracy" in trained.stderr
    assert "s per epoch: about" in trained.stderr and "--time-budget MIN caps it" in trained.stderr


def test_train_result_line_goes_to_stdout_without_json(run_cli, shapes_copy, fast_args, tmp_path):
    result = run_cli("classify", "train", shapes_copy, "-o", tmp_path / "run", *fast_args, "--epochs", "1")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("notebook-cnn: best validation accuracy") and result.stdout.count("\n") == 1
    assert "epoch   1" in result.stderr and "notebook-cnn: best" not in result.stderr


def test_rerun_into_a_finished_run_replaces_it(run_cli, shapes_copy, fast_args, tmp_path):
    run = tmp_path / "run"
    assert run_cli("classify", "train", shapes_copy, "-o", run, *fast_args, "--epochs", "1").code == 0
    (run / "history.csv").write_text("stale\n")
    again = run_cli("classify", "train", shapes_copy, "-o", run, *fast_args, "--epochs", "2", "--json")
    assert again.code == 0, again.stderr
    assert len(pd.read_csv(run / "history.csv")) == 2
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("my notes")
    refused = run_cli("classify", "train", shapes_copy, "-o", user, *fast_args)
    assert refused.code == 2 and "output folder is not empty and was not written by sportlens" in refused.stderr
    assert (user / "notes.txt").read_text() == "my notes"


def test_interrupted_train_exits_130_and_resume_finishes(run_cli, shapes_copy, fast_args, tmp_path, monkeypatch):
    """Ctrl-C after the first epoch: exit 130, the folder marked incomplete with last.pt; --resume finishes."""
    run = tmp_path / "run"
    emit = Progress.emit

    def interrupt_after_epoch_one(self, event):
        emit(self, event)
        if event.step == "train" and event.kind == "advance" and event.done == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(Progress, "emit", interrupt_after_epoch_one)
    stopped = run_cli("classify", "train", shapes_copy, "-o", run, *fast_args, "--epochs", "3", "--json")
    assert stopped.code == 130 and "interrupted" in stopped.stderr and stopped.stdout == ""
    assert (run / INCOMPLETE).is_file() and (run / "last.pt").is_file() and (run / "train_config.json").is_file()
    assert not (run / "summary.json").exists()
    monkeypatch.setattr(Progress, "emit", emit)

    changed = run_cli("classify", "train", shapes_copy, "-o", run, *fast_args, "--epochs", "4", "--resume")
    assert changed.code == 2 and "--resume needs the same data and options as the interrupted run" in changed.stderr

    resumed = run_cli("classify", "train", shapes_copy, "-o", run, *fast_args, "--epochs", "3", "--resume", "--json")
    assert resumed.code == 0, resumed.stderr
    training = resumed.json()["metrics"]["training"]
    assert training["epochs_run"] == 3
    assert pd.read_csv(run / "history.csv")["epoch"].tolist() == [1, 2, 3]
    assert not (run / INCOMPLETE).exists() and (run / "summary.json").is_file()


def test_nothing_to_resume(run_cli, shapes_copy, tmp_path):
    result = run_cli("classify", "train", shapes_copy, "-o", tmp_path / "run", "--resume")
    assert result.code == 2
    assert result.stderr.strip() == f"error: nothing to resume in this folder: {tmp_path / 'run'} — train without " \
                                    "--resume first"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--lr", "0"], "--lr must be above 0 and at most 1, got 0"),
        (["--time-budget", "0"], "--time-budget must be above 0 minutes, got 0"),
        (["--image-size", "8"], "--image-size must be at least 16 and at most 1024, got 8"),
        (["--min-per-class", "0"], "--min-per-class must be at least 1, got 0"),
        (["--model", "notebook-cnn", "--weights", "imagenet"],
         "--weights imagenet: notebook-cnn has no pretrained weights (use --weights none)"),
        pytest.param(["--device", "cuda"], "--device cuda but no CUDA GPU is visible (use --device cpu or auto)",
                     marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")),
    ],
)
def test_bad_options_stop_before_reading_any_data(run_cli, tmp_path, args, message):
    """One line, exit 2, before the data is even looked at (DATA does not exist) and before -o is created."""
    result = run_cli("classify", "train", tmp_path / "no-data", "-o", tmp_path / "run", *args)
    assert result.code == 2
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == "" and not (tmp_path / "run").exists()


@pytest.mark.parametrize("args", [["--amp", "fp8"], ["--model", "vgg16"], ["--weights", "coco"],
                                  ["--device", "tpu"], ["--budget-clock", "sun"]])
def test_unknown_choices_are_usage_errors(run_cli, tmp_path, args):
    result = run_cli("classify", "train", tmp_path / "no-data", "-o", tmp_path / "run", *args)
    assert result.code == 2
    assert f"Invalid value for '{args[0]}'" in result.stderr and repr(args[1]) in result.stderr


def test_help_lists_the_choices(run_cli):
    result = run_cli("classify", "train", "--help")
    assert result.code == 0
    for choices in ("[none|imagenet]", "[auto|off|bf16|fp16]", "[auto|cpu|cuda]", "[wall|cpu]",
                    "[efficientnet_b0|mobilenet_v3_large|mobilenet_v3_small|notebook-cnn|resnet18|resnet34]"):
        assert choices in result.stdout, choices
    assert "<str>" not in result.stdout
    assert "[auto|test|val|train|all]" in run_cli("classify", "eval", "--help").stdout


def test_empty_class_folder_and_small_class_follow_one_rule(run_cli, make_shapes, tmp_path):
    root = make_shapes(tmp_path / "data", per_class=6)
    (root / "hexagon").mkdir()
    empty = run_cli("classify", "train", root, "-o", tmp_path / "run")
    assert empty.code == 2 and not (tmp_path / "run").exists()
    assert empty.stderr == f"error: too few images per class: 'hexagon' has 0 (need at least 5): {root} — add " \
                           "images to the class or remove its folder\n"
    for path in sorted((root / "triangle").glob("*.png"))[3:]:
        path.unlink()
    both = run_cli("classify", "train", root, "-o", tmp_path / "run")
    assert both.code == 2 and "'hexagon' has 0, 'triangle' has 3 (need at least 5)" in both.stderr
    shutil.rmtree(root / "hexagon")
    fewer = run_cli("classify", "train", root, "-o", tmp_path / "run", "--min-per-class", "3", "--epochs", "1",
                    "--model", "notebook-cnn", "--image-size", "32", "--amp", "off", "--device", "cpu", "--json")
    assert fewer.code == 0, fewer.stderr
    assert fewer.json()["metrics"]["class_counts"] == {"circle": 6, "square": 6, "triangle": 3}


def test_corrupt_and_non_image_files_are_skipped_with_a_warning(run_cli, shapes_copy, fast_args, tmp_path):
    (shapes_copy / "circle" / "notes.txt").write_text("hello")
    (shapes_copy / "square" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    result = run_cli("classify", "train", shapes_copy, "-o", tmp_path / "run", *fast_args, "--epochs", "1", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    skipped = {Path(row["path"]).name: row["reason"] for row in summary["metrics"]["skipped"]}
    assert skipped == {"notes.txt": "not an image file (.txt)", "broken.jpg": "not a readable image"}
    (warning,) = summary["warnings"]
    assert warning.startswith("skipped 2 file(s) that are not readable images: ") and "broken.jpg" in warning
    assert f"warning: {warning}" in " ".join(result.stderr.split())
    assert summary["metrics"]["n_images"] == 72


def test_time_budget_stops_cleanly_with_the_best_model(run_cli, shapes_copy, fast_args, tmp_path, monkeypatch):
    fit_module = importlib.import_module("sportlens.training.fit")
    now = [0.0]

    def ticking() -> float:  # 10 ms of "work" per reading: the same stop on any machine
        now[0] += 0.01
        return now[0]

    monkeypatch.setattr(fit_module, "budget_clock", lambda kind: ticking)
    result = run_cli("classify", "train", shapes_copy, "-o", tmp_path / "run", *fast_args, "--epochs", "100000",
                     "--time-budget", "0.01", "--json")
    assert result.code == 0, result.stderr
    training = result.json()["metrics"]["training"]
    assert training["stopped_by"] == "time_budget" and 1 <= training["epochs_run"] < 20
    assert training["train_minutes"] == pytest.approx(0.01, abs=0.002)
    assert load_classifier(tmp_path / "run").card["training"]["stopped_by"] == "time_budget"
    assert "s per epoch" not in result.stderr  # a budget needs no estimate


def test_eval_matches_the_training_test_split(run_cli, trained, tmp_path):
    test = trained.summary()["metrics"]["test"]
    result = run_cli("classify", "eval", trained.run, trained.root, "-o", tmp_path / "eval", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["command"] == "classify eval" and summary["options"] == {"split": "auto", "n_mistakes": 16}
    m = summary["metrics"]
    assert m["split"] == "the run's test split (split.csv)"
    assert m["n_images"] == 12 and m["accuracy"] == test["accuracy"]
    assert m["macro_f1"] == pytest.approx(test["macro_f1"])
    assert sum(map(sum, m["confusion"])) == 12 and set(m["per_class"]) == {"circle", "square", "triangle"}
    assert summary["outputs"] == ["confusion_matrix.png", "metrics.json", "mistakes.png", "per_class.csv",
                                  "predictions.csv", "training_curves.png"]
    predictions = pd.read_csv(tmp_path / "eval" / "predictions.csv")
    assert predictions["correct"].mean() == pytest.approx(m["accuracy"])
    everything = run_cli("classify", "eval", trained.run, trained.root, "-o", tmp_path / "all", "--split", "all",
                         "--json")
    assert everything.json()["metrics"]["n_images"] == 72


def test_eval_prints_its_table_on_stdout(run_cli, trained, tmp_path):
    result = run_cli("classify", "eval", trained.run, trained.root, "-o", tmp_path / "eval")
    assert result.code == 0, result.stderr
    m = json.loads((tmp_path / "eval" / "summary.json").read_text())["metrics"]
    lines = result.stdout.splitlines()
    for name, row in m["per_class"].items():
        cells = [name, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"])]
        assert re.search(r"\s*│\s*".join(map(re.escape, cells)), result.stdout), name
    assert lines[-1] == f"accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f} on 12 images"
    assert "accuracy" not in result.stderr


def test_eval_default_folder_is_inside_the_run(run_cli, trained, tmp_path):
    run = Path(shutil.copytree(trained.run, tmp_path / "run"))
    result = run_cli("classify", "eval", run, trained.root, "--json")
    assert result.code == 0, result.stderr
    assert (run / "eval" / "summary.json").is_file() and not (run / "eval" / INCOMPLETE).exists()


def test_a_fresh_train_removes_the_reports_of_the_model_it_replaces(run_cli, trained, fast_args, tmp_path):
    run = Path(shutil.copytree(trained.run, tmp_path / "run"))
    assert run_cli("classify", "eval", run, trained.root).code == 0
    (run / "review").mkdir()
    (run / "review" / "mine.txt").write_text("not from sportlens")  # a user's folder of that name stays
    result = run_cli("classify", "train", trained.root, "-o", run, *fast_args, "--epochs", "1")
    assert result.code == 0, result.stderr
    assert not (run / "eval").exists() and (run / "review" / "mine.txt").is_file()


def test_eval_errors(run_cli, trained, make_shapes, tmp_path):
    other = make_shapes(tmp_path / "other", per_class=5)
    (other / "circle").rename(other / "hexagon")
    unknown = run_cli("classify", "eval", trained.run, other, "-o", tmp_path / "e1")
    assert unknown.code == 2 and "class(es) the model was not trained on: hexagon" in unknown.stderr
    assert not (tmp_path / "e1").exists()
    (tmp_path / "junk.pt").write_bytes(b"junk")
    junk = run_cli("classify", "eval", tmp_path / "junk.pt", trained.root, "-o", tmp_path / "e2")
    assert junk.code == 2 and "error: cannot read checkpoint (" in junk.stderr
    bad_split = run_cli("classify", "eval", trained.run, trained.root, "--split", "holdout")
    assert bad_split.code == 2 and "Invalid value for '--split'" in bad_split.stderr


def test_review_ranks_the_planted_mislabel_first_and_finds_the_duplicate(run_cli, trained, shapes_copy, tmp_path):
    root = shapes_copy
    planted = root / "square" / "square_planted.png"
    shutil.copy(root / "circle" / "circle_005.png", planted)
    duplicate = root / "triangle" / "triangle_copy.jpg"
    Image.open(root / "triangle" / "triangle_007.png").convert("RGB").save(duplicate, quality=90)
    before = _tree_digest(root)
    # 3 of 64 bits: the copies differ by 0-1, the closest unrelated pair of these shapes by 6
    result = run_cli("classify", "review", trained.run, root, "-o", tmp_path / "review", "--max-distance", "3",
                     "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["top_suspects"][0]["path"] == str(planted) and m["top_suspects"][0]["predicted"] == "circle"
    pairs = {(Path(d["a"]).name, Path(d["b"]).name) for d in m["duplicates"] if d["distance"] <= 1}
    assert len(m["duplicates"]) == 2
    # the planted copy, and the planted mislabel (itself a copy of circle_005) with its original
    assert pairs == {("triangle_007.png", "triangle_copy.jpg"), ("circle_005.png", "square_planted.png")}
    review = pd.read_csv(tmp_path / "review" / "review.csv", keep_default_na=False)
    assert review.loc[0, "path"] == str(planted) and review.loc[0, "rank"] == 1
    assert review.loc[0, "suggestion"] == "relabel as circle?; drop (duplicate)?"
    assert (review["decision"] == "keep").all() and len(review) == 74
    copy_row = review[review["path"] == str(duplicate)].iloc[0]
    assert copy_row["duplicate_of"].endswith("triangle_007.png") and copy_row["suggestion"] == "drop (duplicate)?"
    page = (tmp_path / "review" / "review.html").read_text()
    assert "review-decisions.csv" in page and str(planted) in page and page.count("<img") == 74 + 2 * 2
    assert _tree_digest(root) == before

    # clean: apply edited decisions to a new manifest
    review.loc[review["path"] == str(planted), ["decision", "new_class"]] = ["relabel", "circle"]
    review.loc[review["path"] == str(duplicate), "decision"] = "drop"
    review.to_csv(tmp_path / "edited.csv", index=False)
    cleaned = run_cli("classify", "clean", root, tmp_path / "edited.csv", "-o", tmp_path / "clean", "--json")
    assert cleaned.code == 0, cleaned.stderr
    summary = cleaned.json()
    assert summary["outputs"] == ["manifest.csv"]
    m = summary["metrics"]
    assert (m["kept"], m["relabelled"], m["dropped"], m["n_manifest_rows"]) == (72, 1, 1, 73)
    labels = {item.path.resolve(): item.label for item in scan_images(tmp_path / "clean" / "manifest.csv").items}
    assert len(labels) == 73 and labels[planted.resolve()] == "circle" and duplicate.resolve() not in labels
    assert _tree_digest(root) == before  # the user's files are untouched

    # the HTML page's download has only path, class, decision, new_class
    page_csv = tmp_path / "review-decisions.csv"
    page_csv.write_text(f'"path","class","decision","new_class"\n"{duplicate}","triangle","drop",""\n')
    from_page = run_cli("classify", "clean", root, page_csv, "-o", tmp_path / "clean_page", "--json")
    assert (from_page.json()["metrics"]["dropped"], from_page.json()["metrics"]["n_manifest_rows"]) == (1, 73)


def test_clean_errors(run_cli, trained, tmp_path):
    root = trained.root
    bad = tmp_path / "bad.csv"
    bad.write_text(f"path,decision\n{root / 'circle' / 'circle_000.png'},maybe\n")
    result = run_cli("classify", "clean", root, bad, "-o", tmp_path / "clean")
    assert result.code == 2 and "row 2: decision 'maybe'" in result.stderr and not (tmp_path / "clean").exists()
    bad.write_text(f"path,decision,new_class\n{root / 'circle' / 'circle_000.png'},relabel,\n")
    assert "row 2: relabel without new_class" in run_cli("classify", "clean", root, bad, "-o", tmp_path / "c").stderr
    bad.write_text("path,decision\n/elsewhere/x.png,drop\n")
    assert "row 2: /elsewhere/x.png is not an image of the data" in run_cli(
        "classify", "clean", root, bad, "-o", tmp_path / "c").stderr
    missing = run_cli("classify", "clean", root, tmp_path / "none.csv", "-o", tmp_path / "c")
    assert missing.code == 2 and "decisions file not found" in missing.stderr


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_predict_file_folder_and_url(run_cli, trained, shapes_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    image = trained.root / "circle" / "circle_020.png"
    one = run_cli("classify", "predict", trained.run, image, "--top-k", "2", "--json")
    assert one.code == 0, one.stderr
    summary = one.json()
    assert summary["command"] == "classify predict" and summary["outputs"] == []
    top = summary["metrics"]["predictions"][0]["top_k"]
    assert [t["label"] for t in top][0] == "circle" and len(top) == 2
    assert top[0]["probability"] > 0.5 > top[1]["probability"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shapes"]  # nothing written without -o

    plain = run_cli("classify", "predict", trained.run, image)
    assert plain.stdout.startswith(f"{image}: circle {top[0]['probability']:.3f}, {top[1]['label']} "
                                   f"{top[1]['probability']:.3f}, ")
    assert plain.stdout.count("\n") == 1 and plain.stdout.count(", ") == 2 and "circle" not in plain.stderr

    (shapes_copy / "square" / "readme.txt").write_text("x")
    folder = run_cli("classify", "predict", trained.run, shapes_copy / "square", "-o", tmp_path / "pred", "--json")
    assert folder.code == 0, folder.stderr
    payload = folder.json()
    assert payload["outputs"] == ["predictions.csv"]
    assert len(payload["metrics"]["predictions"]) == 24
    assert payload["metrics"]["skipped"] == [{"path": str(shapes_copy / "square" / "readme.txt"),
                                              "reason": "not an image file"}]
    assert payload["warnings"] == [f"skipped 1 file(s) that are not readable images: {shapes_copy / 'square'}"
                                   "/readme.txt (not an image file) (all listed in summary.json)"]
    correct = sum(p["top_k"][0]["label"] == "square" for p in payload["metrics"]["predictions"])
    assert correct >= 23
    table = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert list(table.columns) == ["input", "label_1", "probability_1", "label_2", "probability_2", "label_3",
                                   "probability_3"]
    assert (table["label_1"] == "square").sum() == correct

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _QuietHandler(*a, directory=str(trained.root / "circle"))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/circle_020.png"
        fetched = run_cli("classify", "predict", trained.run, url, "--top-k", "2", "--json")
    finally:
        server.shutdown()
    assert fetched.code == 0, fetched.stderr
    assert fetched.json()["metrics"]["predictions"][0]["top_k"] == top  # the same bytes give the same numbers


def test_predict_errors(run_cli, trained, tmp_path):
    offline = run_cli("classify", "predict", trained.run, "http://127.0.0.1:9/photo.jpg")
    assert offline.code == 2
    assert "cannot fetch http://127.0.0.1:9/photo.jpg" in offline.stderr and "offline" in offline.stderr
    missing = run_cli("classify", "predict", trained.run, tmp_path / "nope.jpg")
    assert missing.code == 2 and "image or folder not found" in missing.stderr
    zero = run_cli("classify", "predict", trained.run, trained.root, "--top-k", "0")
    assert zero.code == 2 and zero.stderr == "error: --top-k must be at least 1, got 0\n"
    (tmp_path / "text.jpg").write_text("not an image")
    unreadable = run_cli("classify", "predict", trained.run, tmp_path / "text.jpg")
    assert unreadable.code == 2 and "no readable image" in unreadable.stderr


def test_models_table_on_stdout_and_json(run_cli):
    result = run_cli("classify", "models")
    assert result.code == 0 and result.stderr == ""
    rows = [line for line in result.stdout.splitlines() if "resnet18" in line or "notebook-cnn" in line]
    assert len(rows) == 2 and "128" in rows[1] and "120" in rows[1]
    as_json = run_cli("classify", "models", "--json")
    summary = as_json.json()
    assert summary["command"] == "classify models" and summary["schema"] == SCHEMA
    assert sorted(summary["metrics"]["models"]) == ["efficientnet_b0", "mobilenet_v3_large", "mobilenet_v3_small",
                                                    "notebook-cnn", "resnet18", "resnet34"]
    assert summary["metrics"]["models"]["resnet18"]["epochs"] == 120


def test_every_writing_command_follows_the_output_rule(run_cli, trained, tmp_path):
    """A folder with the user's own files is refused by every command that writes; nothing is touched."""
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("keep me")
    decisions = tmp_path / "d.csv"
    decisions.write_text("path,decision\n")
    commands = [
        ["eval", trained.run, trained.root],
        ["review", trained.run, trained.root],
        ["clean", trained.root, decisions],
        ["predict", trained.run, trained.root / "circle" / "circle_000.png"],
        ["export", trained.run],
    ]
    for args in commands:
        result = run_cli("classify", *args, "-o", user)
        assert result.code == 2, (args, result.stderr)
        assert "output folder is not empty and was not written by sportlens" in result.stderr, args
    assert [p.name for p in user.iterdir()] == ["notes.txt"]


def test_review_and_eval_need_readable_images(run_cli, trained, tmp_path):
    broken = tmp_path / "broken"
    (broken / "circle").mkdir(parents=True)
    for k in range(3):
        (broken / "circle" / f"{k}.png").write_bytes(b"not a png")
    for command in ("eval", "review"):
        result = run_cli("classify", command, trained.run, broken, "-o", tmp_path / command, "--json")
        assert result.code == 2 and result.stdout == ""
        assert result.stderr == f"error: no readable images to {'evaluate' if command == 'eval' else 'review'}: " \
                                f"{broken}\n"
        assert not (tmp_path / command).exists()  # created for the run, removed when it failed empty
    bad = run_cli("classify", "review", trained.run, trained.root, "--max-distance", "65")
    assert bad.code == 2 and bad.stderr == "error: --max-distance must be at least 0 and at most 64, got 65\n"


def test_clean_that_drops_everything_warns(run_cli, trained, tmp_path):
    decisions = tmp_path / "all.csv"
    paths = sorted(str(p) for p in trained.root.rglob("*.png"))
    decisions.write_text("path,decision\n" + "".join(f"{p},drop\n" for p in paths))
    result = run_cli("classify", "clean", trained.root, decisions, "-o", tmp_path / "clean", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["warnings"] == ["every image was dropped: manifest.csv has no rows"]
    assert "warning: every image was dropped" in result.stderr
    assert (tmp_path / "clean" / "manifest.csv").read_text().strip() == "path,class"


def test_a_split_without_validation_images_is_an_error(run_cli, trained, tmp_path):
    """Given splits with one training image per class leave nothing to carve a validation set from."""
    rows = ["path,class,split"]
    for kind in ("circle", "square", "triangle"):
        files = sorted((trained.root / kind).glob("*.png"))
        rows += [f"{files[0]},{kind},train"] + [f"{f},{kind},test" for f in files[1:5]]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    result = run_cli("classify", "train", tmp_path / "m.csv", "-o", tmp_path / "run", "--model", "notebook-cnn")
    assert result.code == 2
    assert result.stderr == f"error: no validation images: {tmp_path / 'm.csv'} — give a val split or more images " \
                            "per class\n"


def test_a_class_without_training_images_is_named_before_decoding(run_cli, trained, tmp_path):
    rows = ["path,class,split"]
    for kind, split in (("circle", "train"), ("square", "train"), ("triangle", "test")):
        rows += [f"{f},{kind},{split}" for f in sorted((trained.root / kind).glob("*.png"))[:6]]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    result = run_cli("classify", "train", tmp_path / "m.csv", "-o", tmp_path / "run", "--model", "notebook-cnn")
    assert result.code == 2 and not (tmp_path / "run").exists()
    assert result.stderr == f"error: class(es) with no training image: triangle: {tmp_path / 'm.csv'} — put some of " \
                            "its images in the train split\n"


def test_fold_without_a_fold_column_is_an_error(run_cli, trained, tmp_path):
    result = run_cli("classify", "train", trained.root, "-o", tmp_path / "run", "--fold", "2")
    assert result.code == 2 and not (tmp_path / "run").exists()
    assert result.stderr == f"error: --fold needs a manifest with a fold column for every row: {trained.root}\n"
