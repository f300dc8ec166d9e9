"""sportlens detect and detect train: metrics with known answers, training on generated rectangles, the
weights rules (never downloaded: a missing file is one clear error)."""

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.detect.coco import average_precision, mean_average_precision, read_coco_folder
from sportlens.detect.synthetic import write_rectangles_coco
from sportlens.errors import DataFormatError, InputFileError


def pred(boxes, scores, labels):
    return {"boxes": np.array(boxes, float).reshape(-1, 4), "scores": np.array(scores, float),
            "labels": np.array(labels, int)}


TRUTH_BOXES = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)]
TRUTH_LABELS = [np.array([1, 1])]


def test_average_precision_exact():
    perfect = [pred([[0, 0, 10, 10], [20, 20, 30, 30]], [0.9, 0.8], [1, 1])]
    assert average_precision(perfect, TRUTH_BOXES, TRUTH_LABELS, 1) == 1.0
    half = [pred([[0, 0, 10, 10]], [0.9], [1])]  # one of two found: recall 0.5 at precision 1
    assert average_precision(half, TRUTH_BOXES, TRUTH_LABELS, 1) == 0.5
    # a false box ranked first, then both true ones: precision 1/2 at recall 0.5, 2/3 at recall 1
    ranked = [pred([[50, 50, 60, 60], [0, 0, 10, 10], [20, 20, 30, 30]], [0.95, 0.9, 0.8], [1, 1, 1])]
    assert average_precision(ranked, TRUTH_BOXES, TRUTH_LABELS, 1) == pytest.approx(2 / 3)
    # a duplicate of a found box is a false positive; a box shifted to IoU < 0.5 does not count
    shifted = [pred([[6, 0, 16, 10]], [0.9], [1])]
    assert average_precision(shifted, TRUTH_BOXES, TRUTH_LABELS, 1) == 0.0
    assert average_precision(perfect, TRUTH_BOXES, TRUTH_LABELS, 2) is None
    scores = mean_average_precision(half, TRUTH_BOXES, TRUTH_LABELS, ["__background__", "athlete", "board"])
    assert scores == {"map50": 0.5, "ap50": {"athlete": 0.5}}


def test_read_generated_coco_folder(tmp_path):
    data = read_coco_folder(write_rectangles_coco(tmp_path / "d", n_images=3, size=96))
    assert data.classes == ["__background__", "athlete", "board"]
    assert len(data.images) == 3 and all(len(b) == 2 for b in data.boxes)
    assert [lab.tolist() for lab in data.labels] == [[1, 2]] * 3
    doc = json.loads((tmp_path / "d" / "annotations.json").read_text())
    x, y, w, h = doc["annotations"][0]["bbox"]
    assert data.boxes[0][0].tolist() == [x, y, x + w, y + h]


def test_coco_folder_errors(tmp_path):
    folder = write_rectangles_coco(tmp_path / "d", n_images=2, size=64)
    (folder / "img_001.png").unlink()
    with pytest.raises(InputFileError, match="img_001.png.*is missing"):
        read_coco_folder(folder)
    (folder / "other.json").write_text("{}")
    with pytest.raises(DataFormatError, match="expected one COCO JSON file.*annotations.json, other.json"):
        read_coco_folder(folder)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_torch_thread):
    from sportlens.detect.options import DetectTrainOptions
    from sportlens.detect.train import run_detect_train

    root = tmp_path_factory.mktemp("detect")
    data = write_rectangles_coco(root / "data", n_images=12, size=128)
    summary = run_detect_train(data, root / "run", DetectTrainOptions(model="ssdlite", epochs=4, image_size=128,
                                                                       batch_size=4, lr=3e-3))
    return root, summary


def test_training_loss_falls_and_the_run_is_complete(trained):
    root, summary = trained
    run = root / "run"
    assert sorted(p.name for p in run.iterdir()) == ["best.pt", "history.csv", "model_card.json", "summary.json"]
    history = pd.read_csv(run / "history.csv")
    assert list(history["epoch"]) == [1, 2, 3, 4]
    losses = history["train_loss"].to_numpy()
    assert losses[-1] < 0.8 * losses[0]  # from scratch on 10 images: the loss falls steadily
    m = summary.metrics
    assert m["classes"] == ["athlete", "board"] and m["images"] == {"train": 10, "val": 2}
    assert m["train_loss_first"] == pytest.approx(losses[0], abs=1e-4)
    assert 0.0 <= m["val_map50"] <= 1.0
    card = json.loads((run / "model_card.json").read_text())
    assert card["task"] == "detect" and card["network"] == {"model": "ssdlite", "classes": ["__background__",
                                                                                            "athlete", "board"],
                                                            "image_size": 128}
    assert card["start_weights"] == "scratch" and len(card["split"]["val_files"]) == 2


def test_detect_video_with_trained_weights(trained, tmp_path, run_cli):
    import cv2

    from sportlens.video.decode import decode_frames
    from sportlens.video.encode import VideoWriter

    root, _ = trained
    frames = [cv2.imread(str(p))[..., ::-1] for p in sorted((root / "data").glob("*.png"))[:5]]
    clip = tmp_path / "rects.mp4"
    with VideoWriter(clip, 10.0, 128, 128, crf=18) as writer:
        for f in frames:
            writer.write(np.ascontiguousarray(f))
    out = tmp_path / "out"
    result = run_cli("detect", clip, "-o", out, "--weights", root / "run" / "best.pt", "--min-score", "0.05",
                     "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["command"] == "detect run" and summary["metrics"]["frames"] == 5
    assert summary["metrics"]["classes_kept"] == "all"  # a model of other classes than COCO's keeps them all
    assert summary["outputs"] == ["annotated.mp4", "detections.csv", "detections.json"]
    doc = json.loads((out / "detections.json").read_text())
    assert [im["frame"] for im in doc["images"]] == [0, 1, 2, 3, 4]
    assert doc["categories"] == [{"id": 1, "name": "athlete"}, {"id": 2, "name": "board"}]
    table = pd.read_csv(out / "detections.csv")
    assert list(table.columns) == ["frame", "time_s", "class", "score", "x0_px", "y0_px", "x1_px", "y1_px"]
    assert len(table) == len(doc["annotations"]) == summary["metrics"]["detections"]
    for a in doc["annotations"]:
        assert len(a["bbox"]) == 4 and a["score"] >= 0.05 and a["category_id"] in (1, 2)
    assert sum(1 for _ in decode_frames(out / "annotated.mp4")) == 5
    # every other frame
    result = run_cli("detect", clip, "-o", tmp_path / "every", "--weights", root / "run" / "best.pt", "--every", "2",
                     "--no-video", "--json")
    assert [im["frame"] for im in json.loads((tmp_path / "every" / "detections.json").read_text())["images"]] == \
        [0, 2, 4]


def test_missing_coco_weights_is_one_clear_error(tmp_path, monkeypatch, run_cli):
    from sportlens.samples import ASTRONAUT

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    result = run_cli("detect", ASTRONAUT, "-o", tmp_path / "out")
    result.assert_user_error("COCO weights for fasterrcnn-mobilenet not found",
                             str(tmp_path / "torch" / "hub" / "checkpoints" / "fasterrcnn_mobilenet_v3_large_fpn-"
                                                                               "fb6a3cc7.pth"),
                             "https://download.pytorch.org/models/fasterrcnn_mobilenet_v3_large_fpn-fb6a3cc7.pth")
    assert not (tmp_path / "out").exists()
    run_cli("detect", ASTRONAUT, "-o", tmp_path / "out", "--weights", tmp_path / "nope.pt").assert_user_error(
        "weights file not found", "nope.pt")


def test_coco_weights_from_the_torch_cache(tmp_path, monkeypatch, run_cli):
    """A torchvision-format COCO state dict in the cache is found and read with COCO's 91 class slots; by
    default only people and sport gear are kept. (The weights here are untrained: the path, not the boxes,
    is under test.)"""
    import torch

    from sportlens.detect.models import DETECTORS, coco_weights_path
    from sportlens.detect.options import SPORT_CLASSES
    from sportlens.samples import ASTRONAUT

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    target = coco_weights_path("ssdlite")
    target.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(DETECTORS.build("ssdlite", num_classes=91).state_dict(), target)
    result = run_cli("detect", ASTRONAUT, "-o", tmp_path / "out", "--model", "ssdlite", "--min-score", "0",
                     "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["weights"] == str(target) and m["input_kind"] == "image"
    assert m["classes_kept"] == sorted(SPORT_CLASSES)
    assert set(m["per_class"]) <= set(SPORT_CLASSES)
    assert (tmp_path / "out" / "annotated.png").is_file()
    run_cli("detect", ASTRONAUT, "-o", tmp_path / "o2", "--model", "ssdlite", "--classes", "person,surfer"
            ).assert_user_error("--classes: the model has no class 'surfer'", "tennis racket")
    # and fine-tuning starts from them: a new 3-class head on the COCO-trained body
    from sportlens.detect.options import DetectTrainOptions
    from sportlens.detect.train import _start_model

    model, start = _start_model(DetectTrainOptions(model="ssdlite", weights="coco", image_size=128),
                                ["__background__", "athlete", "board"])
    assert start == str(target)
    assert model.head.classification_head.module_list[0][1].out_channels == 6 * 3
