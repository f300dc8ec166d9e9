"""Readers and writers of the three label layouts: round trips and one clear error per bad file."""

from __future__ import annotations

import numpy as np
import pytest

from sportlens.ball.formats import (
    find_labelled_clips,
    read_rally,
    read_tasks,
    read_track_csv,
    read_tracknet,
    track_table,
    write_rally,
    write_tasks,
    write_tracknet,
)
from sportlens.ball.synthetic import ClipSpec, visible_only, write_clip, write_frames
from sportlens.ball.track import BallTrack
from sportlens.errors import DataFormatError

SPEC = ClipSpec(seconds=0.5, width=160, height=90)


@pytest.fixture(scope="module")
def rally(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rally")
    truth = visible_only(write_clip(folder / "00007.mp4", SPEC))
    return folder, truth


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames") / "game1" / "Clip1"
    truth = write_frames(folder, SPEC)
    return folder, truth


def test_balltrack_validates():
    with pytest.raises(ValueError, match="outside"):
        BallTrack([1], [200.0], [10.0], [1.0], 100, 100, 30.0)
    with pytest.raises(ValueError, match="visibility"):
        BallTrack([4], [1.0], [1.0], [1.0], 100, 100, 30.0)
    with pytest.raises(ValueError, match="no x or y"):
        BallTrack([1], [np.nan], [1.0], [1.0], 100, 100, 30.0)
    track = BallTrack([0, 1], [5.0, 5.0], [5.0, 6.0], [0.0, 0.9], 100, 100, 30.0)
    assert np.isnan(track.x[0]) and track.visible.tolist() == [False, True]  # no position without a ball


def test_rally_round_trip(rally):
    folder, truth = rally
    write_rally(truth, folder / "00007.csv")
    back = read_rally(folder / "00007.csv")
    assert back.equals(truth, atol=1e-3 * SPEC.width) and back.fps == SPEC.fps
    assert (back.width, back.height) == (SPEC.width, SPEC.height)


def test_tracknet_round_trip_keeps_codes_and_pattern(frames):
    folder, truth = frames
    pattern = np.arange(len(truth)) % 3
    codes = truth.visibility.copy()
    codes[[2, 3, 5]] = [2, 3, 0]  # hard, occluded, no ball
    labelled = truth.replace(pattern=pattern, visibility=codes)
    write_tracknet(labelled, folder)
    back = read_tracknet(folder)
    assert back.equals(labelled, atol=1e-3) and np.isnan(back.x[5])
    assert back.visibility.tolist() == codes.tolist()
    assert back.pattern.tolist() == pattern.tolist()


def test_tasks_round_trip(frames):
    folder, truth = frames
    write_tasks(truth, folder)
    back = read_tasks(folder)
    assert back.equals(truth, atol=1e-3) and back.pattern.tolist() == [-1] * len(truth)


def test_track_csv_round_trip(tmp_path):
    track = BallTrack([0, 1, 1], [0, 10.5, 11.25], [0, 20.0, 21.0], [0, 0.8, 0.5], 64, 48, 25.0)
    track_table(track).to_csv(tmp_path / "track.csv", index=False)
    text = (tmp_path / "track.csv").read_text().splitlines()
    assert text[0] == "frame,time_s,visible,x,y,confidence" and text[1] == "0,0.0,0,,,0.0"
    assert read_track_csv(tmp_path / "track.csv", 64, 48, 25.0).equals(track)


def test_find_labelled_clips_reads_every_layout(rally, frames):
    folder, truth = rally
    write_rally(truth, folder / "00007.csv")
    clips = find_labelled_clips(folder)
    assert [(c.name, c.layout) for c in clips] == [("00007", "rally")]
    frame_folder, _ = frames
    root = frame_folder.parent.parent
    write_tracknet(frames[1], frame_folder)
    assert {(c.layout, c.group) for c in find_labelled_clips(root)} >= {("tracknet", "game1")}


@pytest.mark.parametrize("text, message", [
    ("Frame,Ball,X,Y\n", "wrong columns Frame,Ball,X,Y"),
    ("Frame,Ball,x,y\n0,1,0.5\n", "line 2 has 3 fields"),
    ("Frame,Ball,x,y\n0,1,0.5,0.5\n2,1,0.5,0.5\n", "line 3: Frame is 2, expected 1"),
    ("Frame,Ball,x,y\n0,1,1.5,0.5\n", "line 2: ball at (1.5, 0.5) (normalised) lies outside"),
    ("Frame,Ball,x,y\n0,2,0.5,0.5\n", "line 2: Ball must be 0 or 1"),
    ("Frame,Ball,x,y\n0,1,abc,0.5\n", "line 2: x is not a number"),
    ("Frame,Ball,x,y\n0,1,0.5,0.5\n", "missing rows: 1 rows for 15 frames"),
])
def test_rally_errors_name_file_and_line(rally, tmp_path, text, message):
    folder, _ = rally
    csv = tmp_path / "00007.csv"
    (tmp_path / "00007.mp4").symlink_to(folder / "00007.mp4")
    csv.write_text(text)
    with pytest.raises(DataFormatError) as info:
        read_rally(csv)
    assert message in info.value.message and str(csv) in info.value.message


def test_rally_labels_without_frames(rally, tmp_path):
    folder, truth = rally
    csv = tmp_path / "00007.csv"
    (tmp_path / "00007.mp4").symlink_to(folder / "00007.mp4")
    write_rally(truth, csv)
    csv.write_text(csv.read_text() + "15,0,0,0\n")
    with pytest.raises(DataFormatError, match="labels without frames: 16 rows for 15 frames"):
        read_rally(csv)
    lone = tmp_path / "00099.csv"
    lone.write_text("Frame,Ball,x,y\n")
    with pytest.raises(DataFormatError, match="labels without frames: no video"):
        read_rally(lone)


def test_tracknet_errors(frames, tmp_path):
    import shutil

    folder, truth = frames
    clip = tmp_path / "clip"
    shutil.copytree(folder, clip)
    write_tracknet(truth, clip, [f"{k:04d}.jpg" for k in range(len(truth) - 1)] + ["9999.jpg"])
    with pytest.raises(DataFormatError, match=r"line 16: labels without frames: no image '9999.jpg'"):
        read_tracknet(clip)
    write_tracknet(truth.replace(visibility=truth.visibility[:-1], x=truth.x[:-1], y=truth.y[:-1],
                                 confidence=truth.confidence[:-1], pattern=truth.pattern[:-1]), clip)
    with pytest.raises(DataFormatError, match="missing rows: 1 image"):
        read_tracknet(clip)
    (clip / "Label.csv").write_text("File Name,Visibility Class,X,Y,Trajectory Pattern\n0000.jpg,1,500,10,0\n")
    with pytest.raises(DataFormatError, match="line 2: ball at .* outside the 160x90 image"):
        read_tracknet(clip)


def test_tasks_errors(frames, tmp_path):
    import shutil

    folder, truth = frames
    clip = tmp_path / "clip"
    shutil.copytree(folder, clip)
    (clip / "labels.csv").write_text("code,x,y,q\n" + "0,,,\n" * (len(truth) + 2))
    with pytest.raises(DataFormatError, match="labels without frames: 17 rows for 15 images"):
        read_tasks(clip)
    (clip / "labels.csv").write_text("code,x,y,q\n" + "5,1,1,\n" * len(truth))
    with pytest.raises(DataFormatError, match="line 2: code must be 0..3"):
        read_tasks(clip)
