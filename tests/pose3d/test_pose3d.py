"""pose3d: triangulation accuracy on known cameras, camera dropping, person choice, sync, files and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sportlens.errors import DataFormatError, UserError
from sportlens.io.calibration import write_calibration
from sportlens.io.opensim import read_trc
from sportlens.pose3d.options import Pose3dOptions
from sportlens.pose3d.pipeline import run_pose3d
from sportlens.pose3d.readers import read_camera_keypoints
from sportlens.pose3d.sync import best_lag
from sportlens.pose3d.synthetic import (
    moving_body,
    observe,
    ring_cameras,
    write_keypoints_csv_folder,
    write_openpose_folder,
)
from sportlens.pose3d.triangulate import triangulate

RAW = {"filter": "none", "max_gap_frames": 0, "plot": False}


def _setup(tmp_path, cameras, observed, fmt="json"):
    write_calibration(tmp_path / "calib.toml", cameras)
    folders = []
    for cam, obs in zip(cameras, observed, strict=True):
        folder = tmp_path / cam.name.replace("_", "")
        if fmt == "json":
            write_openpose_folder(folder, [[frame] for frame in obs])
        else:
            write_keypoints_csv_folder(folder, obs, fps=30.0)
        folders.append(folder)
    return folders


def test_noise_free_points_triangulate_back_exactly():
    cams = ring_cameras(4, distortions=(0.08, -0.03, 0.001, -0.0005))
    body = moving_body(30)
    obs = observe(cams, body)  # (C, N, K, 3)
    result = triangulate(cams, np.moveaxis(obs[..., :2], 0, 2), np.moveaxis(obs[..., 2], 0, 2))
    assert np.abs(result.points_m - body).max() < 1e-6  # metres, through the lens distortion
    assert np.nanmax(result.error_px) < 1e-6 and result.used.all()


def test_error_grows_smoothly_with_pixel_noise():
    cams = ring_cameras(4)
    body = moving_body(60)
    errors = []
    for sigma in (0.25, 0.5, 1.0, 2.0, 4.0):
        obs = observe(cams, body, noise_px=sigma, seed=1)
        result = triangulate(cams, np.moveaxis(obs[..., :2], 0, 2), np.moveaxis(obs[..., 2], 0, 2))
        errors.append(float(np.sqrt(np.mean(np.sum((result.points_m - body) ** 2, axis=-1)))))
    ratios = np.array(errors[1:]) / np.array(errors[:-1])
    assert np.all((ratios > 1.7) & (ratios < 2.3)), (errors, ratios)  # doubling the noise doubles the error
    assert 0.5e-3 < errors[2] < 5e-3  # 1 px at 4 m with f = 900 px: a few millimetres


def test_a_camera_with_missing_or_wrong_keypoints_is_excluded():
    cams = ring_cameras(4)
    body = moving_body(10)
    obs = observe(cams, body)
    obs[1, :, 9:11, 2] = 0.0  # camera 2 lost the wrists
    obs[2, :, 0, :2] += 80.0  # camera 3 puts the nose 113 px off
    result = triangulate(cams, np.moveaxis(obs[..., :2], 0, 2), np.moveaxis(obs[..., 2], 0, 2))
    assert np.abs(result.points_m - body).max() < 1e-6
    assert not result.used[:, 9:11, 1].any() and result.used[:, 9:11, [0, 2, 3]].all()
    assert not result.used[:, 0, 2].any() and result.used[:, 0, [0, 1, 3]].all()
    assert result.used[:, 5:9].all()


def test_a_point_too_few_cameras_see_is_left_out():
    cams = ring_cameras(3)
    obs = observe(cams, moving_body(5))
    obs[:2, :, 3, 2] = 0.1  # below the 0.3 confidence threshold in two of three cameras
    result = triangulate(cams, np.moveaxis(obs[..., :2], 0, 2), np.moveaxis(obs[..., 2], 0, 2))
    assert np.isnan(result.points_m[:, 3]).all() and np.isfinite(result.points_m[:, 4]).all()


def test_pose3d_on_json_folders_with_a_bystander(tmp_path, run_cli):
    cams = ring_cameras(4)
    body = moving_body(40)
    obs = observe(cams, body)
    write_calibration(tmp_path / "calib.toml", cams)
    bystander = observe(cams, body + np.array([1.5, 0.8, 0.0]))
    folders = []
    for c in range(len(cams)):
        people = [[obs[c, i], bystander[c, i]] if c < 2 else [obs[c, i]] for i in range(40)]
        if c == 0:
            people = [p[::-1] for p in people]  # the bystander listed first, and more confident
            for p in people:
                p[0] = p[0].copy()
                p[0][:, 2] = 1.0
        folders.append(write_openpose_folder(tmp_path / f"cam{c + 1:02d}_json", people))
    out = tmp_path / "out"
    result = run_cli("pose3d", *folders, "--calib", tmp_path / "calib.toml", "-o", out, "--fps", "30", "--no-filter",
                     "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["frames"] == 40 and m["keypoints"] == 17 and m["triangulated_share"] == 1.0
    assert m["reprojection_px_mean"] < 1e-3 and m["cameras"] == ["cam_01", "cam_02", "cam_03", "cam_04"]
    table = pd.read_csv(out / "points3d.csv")
    assert len(table) == 40 * 17 and table["triangulated"].all()
    xyz = table[["x_m", "y_m", "z_m"]].to_numpy().reshape(40, 17, 3)
    assert np.abs(xyz - body).max() < 1e-4  # the athlete, not the bystander (CSV rounds to 0.01 mm)
    time_s, markers, rate = read_trc(out / "markers.trc")
    assert rate == 30.0 and len(time_s) == 40 and list(markers)[:2] == ["nose", "left_eye"]
    assert np.allclose(markers["nose"], body[:, 0][:, [1, 2, 0]], atol=1e-5)  # Z-up world -> Y-up TRC
    reproj = pd.read_csv(out / "reprojection.csv")
    assert (reproj["cameras"] == 4).all() and reproj["error_px"].max() < 1e-2


def test_pose3d_reads_pose_outputs_filters_and_plots(tmp_path):
    cams = ring_cameras(3)
    body = moving_body(60)
    obs = observe(cams, body, noise_px=1.0, seed=3)
    folders = _setup(tmp_path, cams, obs, fmt="csv")
    assert read_camera_keypoints(folders[0]).fps == pytest.approx(30.0)
    summary = run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "out", Pose3dOptions())
    m = summary.metrics
    assert m["fps"] == pytest.approx(30.0) and m["triangulated_share"] == 1.0
    assert 0.3 < m["reprojection_px_mean"] < 1.5
    xyz = pd.read_csv(tmp_path / "out" / "points3d.csv")[["x_m", "y_m", "z_m"]].to_numpy().reshape(60, 17, 3)
    raw = triangulate(cams, np.moveaxis(obs[..., :2], 0, 2), np.moveaxis(obs[..., 2], 0, 2)).points_m
    inner = slice(10, -10)  # away from the filter's ends
    filtered_err = np.linalg.norm(xyz[inner] - body[inner], axis=-1).mean()
    raw_err = np.linalg.norm(raw[inner] - body[inner], axis=-1).mean()
    assert filtered_err < raw_err  # the 6 Hz Butterworth removes pixel noise
    assert (tmp_path / "out" / "pose3d.png").stat().st_size > 10000


def test_sync_finds_a_late_camera_and_trims(tmp_path):
    cams = ring_cameras(3)
    body = moving_body(120, seed=2)
    obs = observe(cams, body)
    late = 7  # camera 3 started 7 frames late and stopped with the others
    obs_list = [obs[0], obs[1], obs[2, late:]]
    write_calibration(tmp_path / "calib.toml", cams)
    folders = [write_openpose_folder(tmp_path / f"cam{c + 1}", [[f] for f in o]) for c, o in enumerate(obs_list)]
    options = Pose3dOptions(fps=30, sync="speed", sync_keypoint="right_wrist", keypoint_set="coco_17", **RAW)
    summary = run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "out", options)
    assert summary.metrics["offsets"] == [0, 0, late]
    assert summary.metrics["frames"] == 120 - late and summary.metrics["reprojection_px_mean"] < 1e-3
    assert any("cameras hold 120, 120, 113 frames (offsets [0, 0, 7])" in w for w in summary.warnings)
    table = pd.read_csv(tmp_path / "out" / "points3d.csv")
    assert table["frame"].iloc[0] == late
    # the same from the calibration: the lag at which the other cameras' points fit best
    options = Pose3dOptions(fps=30, sync="reprojection", keypoint_set="coco_17", **RAW)
    summary = run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "out3", options)
    assert summary.metrics["offsets"] == [0, 0, late] and max(summary.metrics["sync_error_px"]) < 1e-3
    # the same by hand
    options = Pose3dOptions(fps=30, offsets=(0, 0, late), keypoint_set="coco_17", **RAW)
    assert run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "out2", options).metrics["frames"] == 113


def test_best_lag_on_a_shifted_series():
    rng = np.random.default_rng(0)
    x = np.convolve(rng.normal(size=300), np.ones(5), "same")
    assert best_lag(x[:250], x[12:262], 30)[0] == 12  # other started 12 frames later
    assert best_lag(x[20:270], x[:250], 30)[0] == -20  # other started 20 frames earlier


def test_errors_name_the_problem(tmp_path):
    cams = ring_cameras(2)
    obs = observe(cams, moving_body(5))
    folders = _setup(tmp_path, cams, obs)
    # a folder with no camera in the calibration
    extra = write_openpose_folder(tmp_path / "cam07", [[f] for f in obs[0]])
    with pytest.raises(DataFormatError, match="calibration has no camera for folder 'cam07'"):
        run_pose3d([*folders, extra], tmp_path / "calib.toml", tmp_path / "o", Pose3dOptions(fps=30))
    with pytest.raises(UserError, match="carry no frame rate"):
        run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "o", Pose3dOptions())
    with pytest.raises(DataFormatError, match="17 keypoints per person, but body_25 has 25"):
        run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "o", Pose3dOptions(fps=30, keypoint_set="body_25"))
    with pytest.raises(DataFormatError, match="calibration has no camera 'cam_09'"):
        run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "o",
                   Pose3dOptions(fps=30, cameras=("cam_01", "cam_09")))
    assert not (tmp_path / "o").exists()


def test_a_calibration_missing_a_camera_is_an_error(tmp_path, run_cli):
    cams = ring_cameras(3)
    folders = _setup(tmp_path, cams, observe(cams, moving_body(5)))
    write_calibration(tmp_path / "two.toml", cams[:2])
    result = run_cli("pose3d", *folders, "--calib", tmp_path / "two.toml", "-o", tmp_path / "out", "--fps", "30")
    result.assert_user_error("calibration has no camera for folder 'cam03'", "two.toml")


def test_animation_has_a_frame_per_frame(tmp_path):
    import av

    cams = ring_cameras(2)
    folders = _setup(tmp_path, cams, observe(cams, moving_body(12)))
    options = Pose3dOptions(fps=30, animation=True, plot=False, filter="none")
    summary = run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "out", options)
    assert "skeleton3d.mp4" in summary.outputs
    with av.open(str(tmp_path / "out" / "skeleton3d.mp4")) as video:
        frames = [f.to_ndarray(format="rgb24") for f in video.decode(video=0)]
    assert len(frames) == 12 and frames[0].shape == (480, 640, 3)
    assert (frames[0] < 200).any(axis=-1).mean() > 0.01  # axes and skeleton drawn, not a blank page


@pytest.mark.parametrize("mode", ["speed", "reprojection"])
def test_sync_when_the_first_camera_is_late(tmp_path, mode):
    cams = ring_cameras(3)
    obs = observe(cams, moving_body(100, seed=5))
    write_calibration(tmp_path / "calib.toml", cams)
    parts = [obs[0, 5:], obs[1, :95], obs[2]]  # camera 1 started 5 frames after the others
    folders = [write_openpose_folder(tmp_path / f"cam{c + 1}", [[f] for f in o]) for c, o in enumerate(parts)]
    options = Pose3dOptions(fps=30, sync=mode, sync_keypoint="left_wrist", keypoint_set="coco_17", **RAW)
    summary = run_pose3d(folders, tmp_path / "calib.toml", tmp_path / "out", options)
    assert summary.metrics["offsets"] == [0, -5, -5]
    assert summary.metrics["frames"] == 90 and summary.metrics["reprojection_px_mean"] < 1e-3  # shared: 5..94
