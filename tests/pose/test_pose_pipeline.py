"""Real BlazePose runs on the shipped public-domain astronaut photo and clips made from it."""

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.errors import ModelError
from sportlens.io.opensim import read_mot, read_trc
from sportlens.pose.angles import ANGLE_NAMES, JOINT_ANGLES
from sportlens.pose.estimate import BlazePoseEstimator
from sportlens.pose.keypoints import BLAZEPOSE_33
from sportlens.samples import ASTRONAUT, load_astronaut, rotating_clip


def test_blazepose_on_astronaut():
    with BlazePoseEstimator(static_image=True) as estimator:
        result = estimator(load_astronaut())
    assert result is not None
    assert result.xy_px.shape == (33, 2) and result.world_m.shape == (33, 3)
    idx = BLAZEPOSE_33.index
    nose = result.xy_px[idx("nose")]
    left, right = result.xy_px[idx("left_shoulder")], result.xy_px[idx("right_shoulder")]
    assert nose[1] < left[1] - 50 and nose[1] < right[1] - 50  # nose well above both shoulders (y down)
    assert abs(left[0] - right[0]) > 120  # shoulders apart (512 px photo)
    assert result.visibility[idx("nose")] > 0.9


def test_unshipped_model_is_a_clear_error():
    with pytest.raises(ModelError, match="not available offline"):
        BlazePoseEstimator("heavy")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return rotating_clip(tmp_path_factory.mktemp("clip") / "sway.mp4", seconds=2.0, fps=15.0, size=256)


def test_pose_cli_end_to_end(clip, tmp_path, run_cli):
    out = tmp_path / "out"
    result = run_cli("pose", clip.path, "-o", out, "--json")
    assert result.code == 0, result.stderr
    document = result.json()
    assert document == json.loads((out / "summary.json").read_text())
    summary = document["metrics"]
    assert summary["frames"] == 30 and summary["frames_with_person"] == 30
    assert summary["fps"] > 0 and summary["video_fps"] == 15.0
    assert set(summary["angles"]) == set(ANGLE_NAMES)
    names = {p.name for p in out.iterdir()}
    files = {"keypoints.csv", "keypoints_coco.json", "openpose", "pose3d.trc", "angles.csv", "angles.mot",
             "angles_3d.csv", "annotated.mp4", "angles.png"}
    assert names == files | {"summary.json"}
    assert document["outputs"] == sorted(f + "/" if f == "openpose" else f for f in files)
    assert document["argv"] == ["sportlens", "pose", str(clip.path), "-o", str(out), "--json"]
    keypoints = pd.read_csv(out / "keypoints.csv")
    assert list(keypoints.columns) == ["frame", "time_s", "person_id", "keypoint", "x_px", "y_px", "visibility",
                                       "x_m", "y_m", "z_m"]
    assert len(keypoints) == 30 * 33
    angles = pd.read_csv(out / "angles.csv")
    assert list(angles.columns) == ["frame", "time_s", "person_id", *ANGLE_NAMES] and len(angles) == 30
    # the photo sways +-20 deg: the measured shoulder line must follow it (same direction, strongly correlated)
    r = np.corrcoef(clip.rotation_deg, angles["shoulder_tilt"])[0, 1]
    assert r > 0.8
    assert summary["angles"]["shoulder_tilt"]["max"] - summary["angles"]["shoulder_tilt"]["min"] > 10
    # 3D joint angles from world coordinates: same visibility mask as the 2D ones, values in range
    angles_3d = pd.read_csv(out / "angles_3d.csv")
    assert list(angles_3d.columns) == ["frame", "time_s", "person_id", *[d.name for d in JOINT_ANGLES]]
    for d in JOINT_ANGLES:
        assert (angles_3d[d.name].notna() == angles[d.name].notna()).all(), d.name
    assert angles_3d["right_shoulder"].notna().sum() > 0
    assert angles_3d.drop(columns=["frame", "time_s", "person_id"]).abs().max().max() <= 180
    assert summary["angles_3d"]["right_shoulder"]["frames"] == int(angles_3d["right_shoulder"].notna().sum())
    coco = json.loads((out / "keypoints_coco.json").read_text())
    assert len(coco["images"]) == 30 and len(coco["annotations"]) == 30
    assert len(coco["annotations"][0]["keypoints"]) == 17 * 3
    assert len(list((out / "openpose").iterdir())) == 30
    time_s, markers, rate = read_trc(out / "pose3d.trc")
    assert rate == 15.0 and len(markers) == 33 and len(time_s) == 30
    # OpenSim's Y is up, metres: the nose is above the hips (the fixed origin is tested in test_kinematics.py)
    assert np.nanmean(markers["nose"][:, 1]) > np.nanmean(markers["left_hip"][:, 1]) + 0.3
    mot = read_mot(out / "angles.mot")
    assert list(mot.columns) == ["time", *ANGLE_NAMES]
    import av

    with av.open(str(out / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 30
        assert container.streams.video[0].codec_context.name == "h264"


def test_pose_cli_on_single_image(tmp_path, run_cli):
    result = run_cli("pose", ASTRONAUT, "-o", tmp_path / "img", "--no-video", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()["metrics"]
    assert summary["input_kind"] == "image" and summary["frames"] == 1 and summary["frames_with_person"] == 1
    assert summary["angles"]["shoulder_tilt"]["frames"] == 1
    # a photo gets an annotated image, not a one-frame video, and file names instead of frame numbers
    assert (tmp_path / "img" / "annotated.jpg").is_file() and not (tmp_path / "img" / "annotated.mp4").exists()
    angles = pd.read_csv(tmp_path / "img" / "angles.csv")
    assert angles["file"].tolist() == ["astronaut.jpg"]


def test_no_filter_and_gap_options_are_recorded(clip, tmp_path, run_cli):
    result = run_cli("pose", clip.path, "-o", tmp_path / "o", "--no-filter", "--max-gap", "3", "--no-video", "--json")
    assert result.code == 0
    options = result.json()["options"]
    assert options["filter"] == "none" and options["max_gap_frames"] == 3 and not options["annotated_video"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.mp4"], "input not found"),
        (["CLIP", "--cutoff", "9"], "below half the frame rate"),
        (["CLIP", "--min-visibility", "2"], "--min-visibility must be at least 0 and at most 1, got 2"),
        (["CLIP", "--pose-max-side", "0"], "--pose-max-side must be at least 96, got 0"),
        (["CLIP", "--start", "5", "--end", "2"], "--end (2 s) must be after --start (5 s)"),
        (["CLIP", "--start", "60"], "--start 60 s is past the end of the input (30 frames)"),
        (["CLIP", "--angles", "left_knee,elbow"], "--angles: unknown elbow"),
        (["CLIP", "--person-height", "17"], "--person-height-m must be at least 0.5 and at most 2.6, got 17"),
        (["CLIP", "-o", "CLIP"], "output path is a file"),
    ],
)
def test_pose_cli_errors_are_one_line_exit_2(clip, tmp_path, run_cli, args, message):
    args = [str(clip.path) if a == "CLIP" else (str(tmp_path / a) if a.endswith(".mp4") else a) for a in args]
    before = clip.path.read_bytes()
    out = [] if "-o" in args else ["-o", tmp_path / "o"]
    result = run_cli("pose", *args, *out, "--no-video")
    assert clip.path.read_bytes() == before  # the input is never touched
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _frames_folder(clip, folder, n):
    """The first n frames of the clip as 0000.jpg, 0001.jpg ... (the TrackNet folder layout)."""
    import cv2

    from sportlens.video.decode import decode_frames

    folder.mkdir()
    for frame in decode_frames(clip.path, stop=n):
        cv2.imwrite(str(folder / f"{frame.index:04d}.jpg"), cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR))
    return folder


def test_pose_cli_on_image_folder(clip, tmp_path, run_cli):
    folder = _frames_folder(clip, tmp_path / "frames", 6)
    result = run_cli("pose", folder, "-o", tmp_path / "seq", "--fps", "15", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()["metrics"]
    assert summary["input_kind"] == "sequence" and summary["frames"] == 6 and summary["frames_with_person"] == 6
    angles = pd.read_csv(tmp_path / "seq" / "angles.csv")
    assert angles["time_s"].tolist() == pytest.approx([i / 15 for i in range(6)], abs=1e-6)  # written to 6 decimals


def test_pose_cli_warns_about_skipped_frames(clip, tmp_path, run_cli):
    folder = _frames_folder(clip, tmp_path / "frames", 5)
    (folder / "0002.jpg").write_bytes(b"\xff\xd8 broken")
    result = run_cli("pose", folder, "-o", tmp_path / "seq", "--folder-mode", "sequence", "--no-video", "--json")
    assert result.code == 0
    document = result.json()
    summary = document["metrics"]
    assert summary["skipped_frames"] == [{"frame": 2, "reason": "0002.jpg: not a readable image"}]
    assert document["warnings"][0].startswith("1 frame(s) could not be decoded")
    assert summary["frames"] == 5 and summary["frames_decoded"] == 4
    assert "1 frame(s) could not be decoded" in result.stderr and "frame 2" in result.stderr


def test_segment_bounds():
    from sportlens.pose.pipeline import segment_bounds

    assert segment_bounds(1000, 2, 300) == [(0, 500), (500, None)]
    assert segment_bounds(1000, 4, 300) == [(0, 333), (333, 667), (667, None)]
    assert segment_bounds(500, 2, 300) == [(0, None)]  # too short to split
    assert segment_bounds(None, 2, 300) == [(0, None)]  # length unknown


def test_parallel_segments_cover_every_frame_and_agree_with_one_tracker(clip):
    from sportlens.pose.options import PoseOptions
    from sportlens.pose.pipeline import estimate_sequence
    from sportlens.video.decode import probe_video

    info = probe_video(clip.path)
    one = estimate_sequence(info, PoseOptions(workers=1)).sequence
    two = estimate_sequence(info, PoseOptions(workers=2, min_segment_frames=10)).sequence
    assert len(two) == len(one) == 30 and two.detected.all()
    np.testing.assert_array_equal(two.time_s, one.time_s)
    # the first segment is tracked exactly as by one tracker; the second restarts at frame 15
    np.testing.assert_allclose(two.xy_px[:15], one.xy_px[:15], atol=1e-6)
    assert np.nanmedian(np.abs(two.xy_px[15:] - one.xy_px[15:])) < 5.0
