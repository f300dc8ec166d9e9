"""Photo folders, frame sequences, tiny and empty inputs, several inputs, a TOML file and Ctrl-C, each on
real BlazePose runs."""

import json
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pandas as pd
import pytest

from sportlens.samples import load_astronaut, rotating_clip
from sportlens.video.encode import VideoWriter


def _save(path, rgb):
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """Three unrelated photos of different sizes: the astronaut, a shrunk copy, and a mirrored copy."""
    folder = tmp_path_factory.mktemp("photos") / "holiday"
    folder.mkdir()
    img = load_astronaut()
    _save(folder / "beach.jpg", img)
    _save(folder / "small.png", cv2.resize(img, (300, 300), interpolation=cv2.INTER_AREA))
    _save(folder / "mirror.jpg", np.ascontiguousarray(img[:, ::-1]))
    return folder


def test_a_folder_of_photos_is_a_set_of_independent_images(photos, tmp_path, run_cli):
    result = run_cli("pose", photos, "-o", tmp_path / "set", "--json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["metrics"]["input_kind"] == "photos" and doc["metrics"]["images_with_person"] == 3
    angles = pd.read_csv(tmp_path / "set" / "angles.csv").set_index("file")
    assert sorted(angles.index) == ["beach.jpg", "mirror.jpg", "small.png"]
    annotated = sorted(p.name for p in (tmp_path / "set" / "annotated").iterdir())
    assert annotated == ["beach.jpg", "mirror.jpg", "small.jpg"]
    # each photo at its own size: the annotated image keeps it
    assert cv2.imread(str(tmp_path / "set" / "annotated" / "small.jpg")).shape[:2] == (300, 300)
    coco = json.loads((tmp_path / "set" / "keypoints_coco.json").read_text())
    assert {(i["file_name"], i["width"]) for i in coco["images"]} == {("beach.jpg", 512), ("small.png", 300),
                                                                       ("mirror.jpg", 512)}
    # no tracking or filtering across photos: the same photo alone gives the same angles
    alone = run_cli("pose", photos / "beach.jpg", "-o", tmp_path / "alone", "--json")
    assert alone.code == 0, alone.stderr
    single = pd.read_csv(tmp_path / "alone" / "angles.csv").iloc[0]
    for name in ("left_elbow", "right_shoulder", "shoulder_tilt", "trunk_lean"):
        assert angles.loc["beach.jpg", name] == pytest.approx(single[name], abs=1e-3), name
    # the mirrored photo's shoulder line stays near level, not near +-180
    assert abs(angles.loc["mirror.jpg", "shoulder_tilt"]) < 20
    assert angles.loc["mirror.jpg", "shoulder_tilt"] == pytest.approx(-angles.loc["beach.jpg", "shoulder_tilt"],
                                                                       abs=3)


def test_numbered_photos_without_a_frame_rate_are_photos(tmp_path, run_cli):
    folder = tmp_path / "shots"
    folder.mkdir()
    img = cv2.resize(load_astronaut(), (200, 200), interpolation=cv2.INTER_AREA)
    _save(folder / "IMG_0001.jpg", img)
    _save(folder / "IMG_0002.jpg", np.ascontiguousarray(img[:, ::-1]))
    result = run_cli("pose", folder, "-o", tmp_path / "out", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["input_kind"] == "photos"
    as_frames = run_cli("pose", folder, "-o", tmp_path / "seq", "--fps", "25", "--no-video", "--json")
    assert as_frames.code == 0, as_frames.stderr
    assert as_frames.json()["metrics"]["input_kind"] == "sequence"


def test_numbering_gaps_in_a_frame_sequence_stay_gaps(tmp_path, run_cli):
    folder = tmp_path / "frames"
    folder.mkdir()
    img = cv2.resize(load_astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    for number in (2, 3, 10):
        _save(folder / f"frame_{number:04d}.jpg", img)
    result = run_cli("pose", folder, "-o", tmp_path / "seq", "--fps", "20", "--no-video", "--json")
    assert result.code == 0, result.stderr
    metrics = result.json()["metrics"]
    assert metrics["input_kind"] == "sequence" and metrics["frames"] == 9 and metrics["frames_decoded"] == 3
    angles = pd.read_csv(tmp_path / "seq" / "angles.csv")
    assert angles["frame"].tolist() == list(range(9))
    assert angles["time_s"].tolist() == pytest.approx([i / 20 for i in range(9)])
    # frames 2..7 are missing: a 6-frame gap, interpolated (max gap 10), frame 8 is the photo 0010
    assert angles["shoulder_tilt"].notna().all()


def test_a_tiny_image_is_refused_and_leaves_no_folder(tmp_path, run_cli):
    tiny = _save(tmp_path / "dot.png", np.zeros((1, 1, 3), np.uint8))
    result = run_cli("pose", tiny, "-o", tmp_path / "out")
    assert result.code == 2
    assert "too small for pose estimation (1x1 px)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_black_video_warns_and_writes_no_data_files(tmp_path, run_cli):
    clip = tmp_path / "black.mp4"
    with VideoWriter(clip, 15.0, 128, 128) as writer:
        for _ in range(10):
            writer.write(np.zeros((128, 128, 3), np.uint8))
    result = run_cli("pose", clip, "-o", tmp_path / "out", "--json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["warnings"] == ["no person found in any of the 10 frames: no keypoint or angle files were written "
                               "(is the athlete in view and lit? try a larger --pose-max-side)"]
    assert "warning: no person found" in result.stderr
    assert doc["outputs"] == [] and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["summary.json"]


def test_a_rerun_replaces_every_earlier_output(tmp_path, run_cli):
    clip = rotating_clip(tmp_path / "sway.mp4", seconds=1.0, fps=15.0, size=192)
    out = tmp_path / "out"
    assert run_cli("pose", clip.path, "-o", out).code == 0
    assert (out / "annotated.mp4").is_file()
    result = run_cli("pose", clip.path, "-o", out, "--no-video", "--json")
    assert result.code == 0
    assert not (out / "annotated.mp4").exists()  # the earlier run's video does not survive
    assert "annotated.mp4" not in result.json()["outputs"]


def test_several_inputs_and_a_toml_configuration(photos, tmp_path, run_cli):
    clip = rotating_clip(tmp_path / "sway.mp4", seconds=1.0, fps=15.0, size=192)
    config = tmp_path / "pose.toml"
    config.write_text('[pose]\nangles = ["left_elbow", "shoulder_tilt"]\nfilter = "gaussian"\nmax-gap-frames = 4\n')
    result = run_cli("pose", clip.path, photos / "beach.jpg", "-o", tmp_path / "both", "--config", config,
                     "--no-video", "--json")
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["options"]["angles"] == ["left_elbow", "shoulder_tilt"] and doc["options"]["filter"] == "gaussian"
    assert [r["folder"] for r in doc["metrics"]["runs"]] == ["sway", "beach"]
    angles = pd.read_csv(tmp_path / "both" / "sway" / "angles.csv")
    assert list(angles.columns) == ["frame", "time_s", "person_id", "left_elbow", "shoulder_tilt"]
    sub = json.loads((tmp_path / "both" / "sway" / "summary.json").read_text())
    assert sub["options"]["max_gap_frames"] == 4
    bad = tmp_path / "bad.toml"
    bad.write_text("cutof = 3\n")
    result = run_cli("pose", clip.path, "-o", tmp_path / "x", "--config", bad)
    assert result.code == 2 and "unknown option 'cutof'" in result.stderr


def test_start_and_end_select_part_of_a_video(tmp_path, run_cli):
    clip = rotating_clip(tmp_path / "sway.mp4", seconds=2.0, fps=20.0, size=192)
    result = run_cli("pose", clip.path, "-o", tmp_path / "part", "--start", "0.5", "--end", "1.2", "--json")
    assert result.code == 0, result.stderr
    angles = pd.read_csv(tmp_path / "part" / "angles.csv")
    assert angles["frame"].tolist() == list(range(10, 24))
    assert angles["time_s"].iloc[0] == pytest.approx(0.5)
    import av

    with av.open(str(tmp_path / "part" / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 14


def test_ctrl_c_stops_promptly_exits_130_and_a_rerun_works(tmp_path):
    clip = rotating_clip(tmp_path / "long.mp4", seconds=30.0, fps=15.0, size=192)  # 450 frames, ~15 s of work
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from sportlens.cli import run; run()", "pose", str(clip.path), "-o", str(out)]
    env = dict(os.environ, SPORTLENS_NO_PROGRESS="1")
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / ".sportlens-incomplete").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # let the trackers start
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("interrupted")
    assert "Traceback" not in stderr and stdout == ""
    # nothing was complete yet: the folder is gone (or, had files been written, marked incomplete)
    assert not (out / "summary.json").exists()
    assert not out.exists() or (out / ".sportlens-incomplete").is_file()
    # the folder is ours: a rerun is accepted (a short part, to keep the test quick)
    rerun = subprocess.run([*command, "--end", "0.5", "--no-video"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert (out / "summary.json").is_file() and not (out / ".sportlens-incomplete").exists()
