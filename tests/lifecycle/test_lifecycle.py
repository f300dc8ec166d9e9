"""The model lifecycle on a real MLflow registry (SQLite store in a temporary folder): register, list, show,
promote; the retraining gate promotes a better candidate and keeps a worse one out; the service scores
images with the production model; analyze uses the production ball model."""

from __future__ import annotations

import base64

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

pytestmark = pytest.mark.filterwarnings("ignore")

FAST = ["--model", "notebook-cnn", "--image-size", "32", "--amp", "off", "--device", "cpu", "--json"]


def _shapes(root, seed: int, n: int):
    """Red discs and blue squares on noise (n per class), named by seed so two sets never share a file."""
    rng = np.random.default_rng(seed)
    for label, colour in (("disc", (220, 40, 40)), ("square", (40, 60, 220))):
        (root / label).mkdir(parents=True, exist_ok=True)
        for k in range(n):
            image = Image.fromarray(rng.integers(90, 160, (40, 40, 3)).astype(np.uint8))
            draw = ImageDraw.Draw(image)
            x, y = (int(v) for v in rng.integers(8, 24, 2))
            (draw.ellipse if label == "disc" else draw.rectangle)([x, y, x + 12, y + 12], fill=colour)
            image.save(root / label / f"{label}_{seed}_{k:02d}.png")
    return root


@pytest.fixture(scope="module")
def world(tmp_path_factory, one_torch_thread):
    """Old, new and held-out image sets, a weak production run (1 epoch) and an empty registry."""
    from sportlens.cli import main

    base = tmp_path_factory.mktemp("lifecycle")
    old, new, holdout = _shapes(base / "old", 1, 10), _shapes(base / "new", 2, 10), _shapes(base / "hold", 3, 12)
    weak = base / "weak"
    assert main(["classify", "train", str(old), "-o", str(weak), "--epochs", "1", *FAST]) == 0
    return {"base": base, "old": old, "new": new, "holdout": holdout, "weak": weak,
            "registry": f"sqlite:///{base / 'registry' / 'mlflow.db'}"}


def test_register_list_show_promote(world, run_cli, tmp_path):
    registry = f"sqlite:///{tmp_path / 'reg' / 'mlflow.db'}"
    first = run_cli("models", "register", world["weak"], "--registry", registry, "--json")
    assert first.code == 0, first.stderr
    version = first.json()["metrics"]["version"]
    assert (version["name"], version["version"], version["task"], version["production"]) == \
        ("sportlens-classify", 1, "classify", False)
    assert version["source"] == str((world["weak"] / "best.pt").resolve())
    assert "val.accuracy" in version["metrics"]
    second = run_cli("models", "register", world["weak"], "--promote", "--registry", registry, "--json")
    assert second.json()["metrics"]["version"]["production"] is True
    listed = run_cli("models", "list", "--registry", registry)
    assert listed.code == 0 and listed.stdout.count("sportlens-classify v") == 2
    assert "sportlens-classify v2  (production)" in listed.stdout
    shown = run_cli("models", "show", "classify", "--registry", registry, "--json").json()["metrics"]
    assert shown["version"]["version"] == 2 and shown["card"]["classes"] == ["disc", "square"]
    promoted = run_cli("models", "promote", "classify", "1", "--registry", registry, "--json")
    assert promoted.json()["metrics"]["version"]["production"] is True
    assert run_cli("models", "show", "classify", "--registry", registry, "--json").json()["metrics"][
        "version"]["version"] == 1
    run_cli("models", "promote", "classify", "9", "--registry", registry).assert_user_error("has no version 9")
    run_cli("models", "show", "ball", "--registry", registry).assert_user_error("sportlens-ball has no production")
    run_cli("models", "register", tmp_path, "--registry", registry).assert_user_error("no model in this folder")


def test_the_gate_promotes_a_better_candidate_and_keeps_a_worse_one_out(world, run_cli):
    registry = world["registry"]
    assert run_cli("models", "register", world["weak"], "--promote", "--registry", registry).code == 0
    better = run_cli("retrain", "classify", world["new"], "--holdout", world["holdout"], "-o",
                     world["base"] / "retrain1", "--epochs", "12", "--registry", registry, "--json")
    assert better.code == 0, better.stderr
    m = better.json()["metrics"]
    assert m["candidate"]["n"] == m["production"]["n"] == 24  # both scored on the same 24 held-out images
    assert m["candidate"]["macro_f1"] >= m["production"]["macro_f1"] + 0.01
    assert (m["decision"], m["promoted"], m["candidate_version"], m["production_version_after"]) == \
        ("promoted", True, 2, 2)
    data = (world["base"] / "retrain1" / "training_data.csv").read_text().splitlines()
    assert len(data) == 1 + 40  # the production model's 20 images plus the 20 new ones

    worse = run_cli("retrain", "classify", world["new"], "--holdout", world["holdout"], "-o",
                    world["base"] / "retrain2", "--epochs", "1", "--margin", "0.05", "--registry", registry, "--json")
    assert worse.code == 0, worse.stderr
    w = worse.json()["metrics"]
    assert w["production"] == m["candidate"]  # the production model is now the first candidate
    assert (w["decision"], w["promoted"], w["candidate_version"], w["production_version_after"]) == \
        ("kept out", False, 3, 2)
    assert any("production stays 2" in text for text in worse.json()["warnings"])
    from sportlens.lifecycle.registry import ModelRegistry

    versions = {v.version: v for v in ModelRegistry(registry).list("classify")}
    assert versions[2].aliases == ("production",) and versions[3].aliases == ()
    assert versions[3].tags["retrain.decision"] == "kept out"
    assert float(versions[3].tags["retrain.production_macro_f1"]) == pytest.approx(m["candidate"]["macro_f1"],
                                                                                   abs=1e-6)


def test_retrain_refuses_a_holdout_that_overlaps_the_training_data(world, run_cli, tmp_path):
    registry = world["registry"]
    if run_cli("models", "show", "classify", "--registry", registry).code != 0:
        assert run_cli("models", "register", world["weak"], "--promote", "--registry", registry).code == 0
    result = run_cli("retrain", "classify", world["new"], "--holdout", world["old"], "-o", tmp_path / "o",
                     "--registry", registry)
    result.assert_user_error("held-out data shares 20 file(s) with the training data")
    assert not (tmp_path / "o").exists()
    empty = f"sqlite:///{tmp_path / 'empty' / 'mlflow.db'}"
    run_cli("retrain", "classify", world["new"], "--holdout", world["holdout"], "-o", tmp_path / "o",
            "--registry", empty).assert_user_error("no production classify model")
    run_cli("retrain", "juggling", world["new"], "--holdout", world["holdout"], "-o", tmp_path / "o",
            "--registry", empty).assert_user_error("does not support task 'juggling'")


def test_the_service_scores_with_the_production_model(world, run_cli, start_service, tmp_path):
    registry = f"sqlite:///{tmp_path / 'reg' / 'mlflow.db'}"
    strong = tmp_path / "strong"
    assert run_cli("classify", "train", world["old"], "-o", strong, "--epochs", "12", *FAST).code == 0
    assert run_cli("models", "register", strong, "--promote", "--registry", registry).code == 0
    service = start_service("--registry", registry)
    image = world["holdout"] / "square" / "square_3_00.png"
    with httpx.Client(base_url=service.url, timeout=60) as client:
        scored = client.post("/api/score", json={"data": base64.b64encode(image.read_bytes()).decode()})
        assert scored.status_code == 200, (scored.text, service.output())
        assert scored.json()["label"] == "square"
        models = client.get("/api/models").json()
        production = [m for m in models if m.get("source") == "registry" and m["production"]]
        assert [m["name"] for m in production] == ["sportlens-classify v1"]


def test_every_tasks_model_registers_and_analyze_loads_the_production_action_model(
        run_cli, tmp_path, monkeypatch, labelled_imu_csv, one_torch_thread):
    from sportlens.action.synthetic import write_penn
    from sportlens.report.options import analyze_options
    from sportlens.report.pipeline import run_analyze
    from sportlens.samples import rotating_clip

    registry = f"sqlite:///{tmp_path / 'reg' / 'mlflow.db'}"
    imu_data = labelled_imu_csv(tmp_path / "labelled.csv", n_people=3)
    assert run_cli("imu", "train", imu_data, "--group-col", "person", "--recipe", "logistic", "-o",
                   tmp_path / "imu-run").code == 0
    penn = write_penn(tmp_path / "penn", n_per_class=6)
    assert run_cli("action", "train", penn, "-o", tmp_path / "action-run", "--epochs", "1", "--model",
                   "skeleton-tcn-small", "--batch-size", "4").code == 0
    imu = run_cli("models", "register", tmp_path / "imu-run", "--registry", registry, "--json").json()
    assert imu["metrics"]["version"]["task"] == "imu" and imu["metrics"]["version"]["name"] == "sportlens-imu"
    action = run_cli("models", "register", tmp_path / "action-run", "--promote", "--registry", registry, "--json")
    assert action.json()["metrics"]["version"]["task"] == "action"

    monkeypatch.setenv("SPORTLENS_REGISTRY", registry)
    clip = rotating_clip(tmp_path / "sway.mp4", seconds=1.0, size=160)
    summary = run_analyze(clip.path, tmp_path / "out", analyze_options(
        {"tasks": ["pose", "action"], "pose": {"annotated_video": False}}))
    tasks = {row["task"]: row for row in summary.metrics["tasks"]}
    assert tasks["action"]["status"] == "done"  # no --action-model given: the registry's production version ran
    assert "sportlens-action-v1" in summary.options["action_model"]


def test_imu_retraining_joins_the_recordings_and_applies_the_gate(run_cli, tmp_path, labelled_imu_csv):
    import pandas as pd

    def recordings(name: str, people: int, seed: int):
        path = labelled_imu_csv(tmp_path / f"{name}.csv", n_people=people, seed=seed)
        table = pd.read_csv(path)
        table["recording_id"] = name + "-" + table["recording_id"]
        table["person"] = name + "-" + table["person"]
        table.to_csv(path, index=False)
        return path

    old, new, holdout = recordings("old", 3, 3), recordings("new", 2, 5), recordings("hold", 2, 7)
    registry = f"sqlite:///{tmp_path / 'reg' / 'mlflow.db'}"
    assert run_cli("imu", "train", old, "--group-col", "person", "--recipe", "logistic", "-o",
                   tmp_path / "prod").code == 0
    assert run_cli("models", "register", tmp_path / "prod", "--promote", "--registry", registry).code == 0
    same = run_cli("retrain", "imu", new, "--holdout", holdout, "-o", tmp_path / "r1", "--registry", registry,
                   "--json")
    assert same.code == 0, same.stderr
    m = same.json()["metrics"]
    assert m["candidate"]["n"] == m["production"]["n"] > 0
    assert m["production"]["accuracy"] == 1.0 and m["candidate"]["accuracy"] == 1.0  # both perfect here
    assert (m["gain"], m["decision"], m["production_version_after"]) == (0.0, "kept out", 1)
    joined = pd.read_csv(tmp_path / "r1" / "training_data.csv")
    assert joined["recording_id"].nunique() == 6 + 4  # 3 + 2 people, two movements each
    tie = run_cli("retrain", "imu", new, "--holdout", holdout, "-o", tmp_path / "r2", "--margin", "0",
                  "--registry", registry, "--json").json()["metrics"]
    assert (tie["decision"], tie["production_version_after"]) == ("promoted", 3)
    run_cli("retrain", "imu", new, "--holdout", old, "-o", tmp_path / "r3", "--registry", registry
            ).assert_user_error("held-out data shares 6 file(s)")
