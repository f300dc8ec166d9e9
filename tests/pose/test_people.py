"""`sportlens pose --people`: several athletes with stable ids, on generated clips of the shipped photo."""

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced
from sportlens.pose.keypoints import BLAZEPOSE_33
from sportlens.pose.landmarker import MultiPoseEstimator
from sportlens.samples import ASTRONAUT, load_astronaut, people_clip


def test_landmarker_bundle_matches_legacy_blazepose():
    """The tasks-API bundle built from the wheel's models gives BlazePose's own landmarks on the photo."""
    image = load_astronaut()
    with native_stderr_silenced(), BlazePoseEstimator(static_image=True) as legacy, MultiPoseEstimator(2) as multi:
        reference = legacy(image)
        people = multi(image, 0)
    assert len(people) == 1
    assert people[0].xy_px.shape == (33, 2) and people[0].world_m.shape == (33, 3)
    visible = reference.visibility > 0.9
    assert visible.sum() >= 10
    assert np.abs(people[0].xy_px[visible] - reference.xy_px[visible]).max() < 1.5


def test_landmarker_finds_two_people_side_by_side():
    import cv2

    small = cv2.resize(load_astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    canvas = np.full((360, 640, 3), 90, np.uint8)
    canvas[50:306, 20:276] = small
    canvas[50:306, 360:616] = small
    with native_stderr_silenced(), MultiPoseEstimator(4) as multi:
        people = multi(canvas, 0)
    noses = sorted(p.xy_px[BLAZEPOSE_33.index("nose")][0] for p in people)
    assert len(people) == 2
    # BlazePose puts the nose at x = 223 px of the 512 px photo: 20 + 223 / 2 and 360 + 223 / 2 here
    assert noses == [pytest.approx(131.5, abs=6), pytest.approx(471.5, abs=6)]


@pytest.fixture(scope="module")
def crossing(tmp_path_factory):
    return people_clip(tmp_path_factory.mktemp("people") / "crossing.mp4", 2, seconds=2.5, fps=14.0)


def test_two_people_crossing_keep_their_ids(crossing, tmp_path, run_cli):
    out = tmp_path / "out"
    result = run_cli("pose", crossing.path, "-o", out, "--people", "all", "--json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document == json.loads((out / "summary.json").read_text())
    m = document["metrics"]
    assert m["frames"] == 35 and m["people"] == 2 and m["max_people_in_frame"] == 2
    assert len(m["people_per_frame"]) == 35 and m["people_per_frame"][0] == 2 and m["people_per_frame"][-1] == 2
    assert min(m["people_per_frame"]) <= 1  # the one behind is hidden while they cross
    assert document["outputs"] == ["angles.csv", "annotated.mp4", "keypoints.csv", "people/", "people.png"]
    assert sorted(p.name for p in (out / "people").iterdir()) == ["person_0.json", "person_1.json"]

    keypoints = pd.read_csv(out / "keypoints.csv")
    assert list(keypoints.columns) == ["frame", "time_s", "person_id", "keypoint", "x_px", "y_px", "visibility",
                                       "x_m", "y_m", "z_m"]
    assert set(keypoints["person_id"]) == {0, 1}
    nose = keypoints[keypoints["keypoint"] == "nose"].dropna(subset=["x_px"])
    # every seen nose of an id belongs to the same generated person all the way through (no id switch):
    # within 60 px of that person's photo centre in x (the photos are 200 px wide)
    for person_id, rows in nose.groupby("person_id"):
        truth_x = crossing.centres_px[rows["frame"].to_numpy(), person_id, 0]
        nose_x = truth_x + (223 - 256) * 200 / 512
        assert np.abs(rows["x_px"].to_numpy() - nose_x).max() < 60, person_id
        assert len(rows) >= 15
    first = nose.groupby("person_id")["x_px"].first()
    assert first[0] < 200 < 400 < first[1]  # ids in order of first appearance, left to right at the start

    angles = pd.read_csv(out / "angles.csv")
    assert list(angles.columns[:3]) == ["frame", "time_s", "person_id"]
    assert set(angles["person_id"]) == {0, 1}
    person = json.loads((out / "people" / "person_1.json").read_text())
    assert person["person_id"] == 1 and person["first_frame"] == 0 and person["last_frame"] == 34
    assert len(person["xy_px"]) == 35 and len(person["xy_px"][0]) == 33
    assert person["frames_seen"] == sum(person["seen"]) == m["persons"][1]["frames_seen"]


def test_people_count_limit_and_its_warning(crossing, tmp_path, run_cli):
    result = run_cli("pose", crossing.path, "-o", tmp_path / "one", "--people", "1", "--no-video", "--json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["metrics"]["max_people_in_frame"] == 1
    assert any("raise --people" in w for w in document["warnings"])


def test_people_errors(tmp_path, run_cli):
    run_cli("pose", ASTRONAUT, "-o", tmp_path / "a", "--people", "all").assert_user_error(
        "--people", "not photos", "astronaut.jpg")
    run_cli("pose", ASTRONAUT, "-o", tmp_path / "b", "--people", "twelve").assert_user_error(
        "--people must be 'all' or a number from 1 to 10", "'twelve'")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
