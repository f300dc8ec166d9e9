import json

import numpy as np
import pytest

from sportlens.errors import UserError
from sportlens.io.keypoint_json import coco_keypoints_document, write_openpose_folder


def test_coco_document_flags_and_boxes():
    xy = np.array([[[10.0, 20.0], [30.0, 60.0], [np.nan, np.nan]], [[np.nan] * 2] * 3])
    vis = np.array([[0.9, 0.2, np.nan], [np.nan] * 3])
    doc = coco_keypoints_document([0, 1], ("a", "b", "c"), ((0, 1),), xy, vis, 640, 480, np.array([0.0, 0.04]))
    assert [im["id"] for im in doc["images"]] == [1, 2]
    assert len(doc["annotations"]) == 1  # frame 1 has no person
    ann = doc["annotations"][0]
    assert ann["keypoints"] == [10.0, 20.0, 2, 30.0, 60.0, 1, 0.0, 0.0, 0]
    assert ann["num_keypoints"] == 2
    assert ann["bbox"] == [10.0, 20.0, 20.0, 40.0]
    assert doc["categories"][0]["skeleton"] == [[1, 2]]


def test_openpose_folder_one_file_per_frame(tmp_path):
    xy = np.zeros((2, 25, 2))
    xy[1] = np.nan
    conf = np.full((2, 25), 0.75)
    folder = write_openpose_folder(tmp_path / "openpose", "clip", [0, 1], xy, conf)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["clip_000000000000_keypoints.json", "clip_000000000001_keypoints.json"]
    first = json.loads((folder / files[0]).read_text())
    assert len(first["people"][0]["pose_keypoints_2d"]) == 75
    assert json.loads((folder / files[1]).read_text())["people"] == []


def test_openpose_folder_refuses_to_replace_foreign_files(tmp_path):
    folder = tmp_path / "openpose"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="did not write"):
        write_openpose_folder(folder, "clip", [0], np.zeros((1, 25, 2)), np.ones((1, 25)))
    assert (folder / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["openpose"]
