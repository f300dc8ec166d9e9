"""Calibration: the Pose2Sim TOML format, intrinsics from rendered boards, extrinsics, the plane homography."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from sportlens.calib.boards import Board
from sportlens.calib.options import ExtrinsicsOptions, IntrinsicsOptions, PlaneOptions
from sportlens.calib.pipeline import run_extrinsics, run_intrinsics, run_plane
from sportlens.calib.synthetic import render_board, write_board_images
from sportlens.camera import Camera, apply_homography, matrix_to_rodrigues
from sportlens.errors import DataFormatError, UserError
from sportlens.io.calibration import read_calibration, read_plane, write_calibration
from sportlens.options import OptionError

CAMERA = Camera("cam_01", (960, 540), [[800.0, 0, 480.0], [0, 800.0, 270.0], [0, 0, 1]])


def _two_cameras() -> list[Camera]:
    a = Camera("left", (1088, 1920), [[1681.24, 0, 532.97], [0, 1681.07, 948.13], [0, 0, 1]],
               [-0.00072, 0.00218, 9.5e-06, 1.07e-05], [1.688, 1.048, -0.4195], [0.321, 0.956, 2.890])
    b = Camera("right", (1920, 1080), [[1000.5, 0, 960.25], [0, 999.75, 540.5], [0, 0, 1]],
               [0.1, -0.05, 0.001, -0.002, 0.01], [0.1, -2.1, 0.3], [-1.5, 0.2, 4.0], fisheye=False)
    return [a, b]


def test_calibration_toml_round_trip_is_exact(tmp_path):
    cameras = _two_cameras()
    path = write_calibration(tmp_path / "calib.toml", cameras, {"error": 0.25})
    back = read_calibration(path)
    assert [c.name for c in back] == ["left", "right"]
    for a, b in zip(cameras, back, strict=True):
        assert a.size == b.size
        for field in ("matrix", "distortions", "rotation", "translation"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field
    document = tomllib.loads(path.read_text())
    assert document["metadata"] == {"adjusted": False, "error": 0.25}
    assert document["left"]["size"] == [1088.0, 1920.0] and document["left"]["fisheye"] is False


def test_pose2sim_convention_projects_like_k_r_t():
    cam = _two_cameras()[0].replace(distortions=np.zeros(4))
    world = np.array([[0.1, -0.2, 1.0], [0.5, 0.3, 0.2]])
    cam_xyz = world @ cam.rotation_matrix.T + cam.translation
    expected = cam_xyz @ cam.matrix.T
    assert np.allclose(cam.project(world), expected[:, :2] / expected[:, 2:], atol=1e-9)
    assert np.allclose(cam.rotation_matrix @ cam.centre_m + cam.translation, 0, atol=1e-12)


@pytest.mark.parametrize(("edit", "field"), [
    (lambda t: t.replace('matrix = [ [ 1681.24, 0.0, 532.97], ', 'matrix = [ '), "'matrix' has shape 2x3"),
    (lambda t: t.replace("rotation = [ 1.688, 1.048, -0.4195]\n", ""), "no field 'rotation'"),
    (lambda t: t.replace("translation = [ 0.321, 0.956, 2.89]", "translation = [ 0.321, 0.956]"),
     "'translation' has shape 2"),
    (lambda t: t.replace("distortions = [ -0.00072, 0.00218, 9.5e-06, 1.07e-05]", "distortions = [ 1.0, 2.0]"),
     "'distortions' has shape 2"),
])
def test_a_bad_calibration_field_is_named(tmp_path, edit, field):
    path = write_calibration(tmp_path / "calib.toml", _two_cameras())
    text = edit(path.read_text())
    path.write_text(text)
    with pytest.raises(DataFormatError) as info:
        read_calibration(path)
    assert "camera [left]" in info.value.message and field in info.value.message
    assert str(path) in info.value.message


def test_a_calibration_without_cameras_is_an_error(tmp_path):
    path = tmp_path / "calib.toml"
    path.write_text("[metadata]\nerror = 0.0\n")
    with pytest.raises(DataFormatError, match="no camera table"):
        read_calibration(path)


@pytest.fixture(scope="module")
def checker_views(tmp_path_factory):
    """10 views of a 9x6 checkerboard (25 mm) by CAMERA, pixel noise sigma 2 grey levels, plus 2 blank images."""
    folder = tmp_path_factory.mktemp("checker")
    write_board_images(folder, Board("checkerboard", 9, 6, 0.025), CAMERA, n=10, noise_px=2.0, seed=1, blank=2)
    return folder


def test_rendered_checkerboard_calibrates_to_the_camera(checker_views, tmp_path):
    summary = run_intrinsics([checker_views], tmp_path / "out", IntrinsicsOptions(board="9x6", square_mm=25))
    cam = read_calibration(tmp_path / "out" / "calib.toml")[0]
    assert cam.size == (960, 540)
    for got, true in ((cam.matrix[0, 0], 800.0), (cam.matrix[1, 1], 800.0)):
        assert abs(got - true) / true < 0.005  # focal length within 0.5 %
    assert abs(cam.matrix[0, 2] - 480) < 2 and abs(cam.matrix[1, 2] - 270) < 2
    metrics = summary.metrics["cameras"][0]
    assert metrics["rms_px"] < 0.3 and metrics["views_used"] == 10 and metrics["views_rejected"] == 2
    assert np.all(np.abs(cam.distortions) < 0.02)  # the renderer has no lens distortion
    views = pd.read_csv(tmp_path / "out" / "views.csv")
    assert views["used"].sum() == 10
    assert set(views.loc[~views["used"], "rejected"]) == {"no board found"}
    assert any("no board in 2 of 12 images (blank_00.png, blank_01.png)" in w for w in summary.warnings)
    assert (tmp_path / "out" / "coverage.png").stat().st_size > 5000


def test_rendered_charuco_calibrates_to_the_camera(tmp_path):
    board = Board("charuco", 7, 5, 0.03)
    write_board_images(tmp_path / "views", board, CAMERA, n=8, noise_px=2.0, seed=4)
    options = IntrinsicsOptions(board="7x5", board_type="charuco", square_mm=30, plot=False)
    summary = run_intrinsics([tmp_path / "views"], tmp_path / "out", options)
    m = summary.metrics["cameras"][0]
    assert abs(m["fx_px"] - 800) / 800 < 0.005 and abs(m["fy_px"] - 800) / 800 < 0.005
    assert m["rms_px"] < 0.3 and m["views_used"] == 8


def test_no_board_in_any_image_lists_them(tmp_path, run_cli):
    write_board_images(tmp_path / "blank", Board("checkerboard", 9, 6, 0.025), CAMERA, n=0, blank=3)
    result = run_cli("calibrate", "intrinsics", tmp_path / "blank", "-o", tmp_path / "out")
    result.assert_user_error("board found in 0 of 3 images", "blank_00.png, blank_01.png, blank_02.png",
                             "inner corners")
    assert not (tmp_path / "out").exists()


def test_the_wrong_board_size_is_reported(checker_views, tmp_path, run_cli):
    result = run_cli("calibrate", "intrinsics", checker_views, "-o", tmp_path / "out", "--board", "8x6")
    result.assert_user_error("board found in 0 of 12 images", "8x6 is a board of 9x7 squares")


def test_board_options_are_checked():
    with pytest.raises(OptionError, match="--board: board size must look like 9x6"):
        IntrinsicsOptions(board="nine")
    with pytest.raises(OptionError, match="--square-mm must be above 0"):
        IntrinsicsOptions(square_mm=0)
    with pytest.raises(OptionError, match="--points-3d and --points-2d go together"):
        ExtrinsicsOptions(points_3d="a.csv")
    with pytest.raises(OptionError, match="--court-size"):
        PlaneOptions(court_size="3")


def _look_at(centre, target=(0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """rvec, tvec of a camera at centre looking at target with world z roughly up in the image."""
    z = np.asarray(target, float) - np.asarray(centre, float)
    z /= np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    rot = np.vstack([x, y, z])
    return matrix_to_rodrigues(rot), -rot @ np.asarray(centre, float)


def test_extrinsics_from_a_board_seen_by_two_cameras(tmp_path, run_cli):
    import cv2

    board = Board("checkerboard", 9, 6, 0.08)  # 0.8 m x 0.56 m, about a third of the image wide
    middle = np.array([4 * 0.08, 2.5 * 0.08, 0.0])
    truth = []
    for k, centre in enumerate(([0.2, -1.2, -1.0], [-0.9, 1.4, -1.3])):
        rvec, tvec = _look_at(middle + centre, middle)
        cam = CAMERA.replace(name=f"cam_{k + 1:02d}", rotation=rvec, translation=tvec)
        truth.append(cam)
        cv2.imwrite(str(tmp_path / f"board{k}.png"), render_board(board, cam, rvec, tvec, 2.0, seed=k))
    write_calibration(tmp_path / "intrinsics.toml", [c.replace(rotation=np.zeros(3), translation=np.zeros(3))
                                                     for c in truth])
    result = run_cli("calibrate", "extrinsics", tmp_path / "intrinsics.toml", tmp_path / "board0.png",
                     tmp_path / "board1.png", "--board", "9x6", "--square-mm", "80", "-o", tmp_path / "out", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["rms_px"] < 0.3
    posed = read_calibration(tmp_path / "out" / "calib.toml")
    for got, true in zip(posed, truth, strict=True):
        assert np.linalg.norm(got.centre_m - true.centre_m) < 0.005  # within 5 mm at 1.6-2.2 m
        assert np.allclose(got.rotation_matrix, true.rotation_matrix, atol=3e-3)
    assert (tmp_path / "out" / "cameras.png").exists() and (tmp_path / "out" / "extrinsics.csv").exists()


def test_extrinsics_from_known_points_are_exact(tmp_path):
    rng = np.random.default_rng(5)
    world = rng.uniform([-1, -1, 0], [1, 1, 1.8], (10, 3))
    rows, truth = [], []
    for k, centre in enumerate(([3.0, -2.0, 1.5], [-2.5, -2.5, 2.0], [0.5, 3.2, 1.2])):
        rvec, tvec = _look_at(centre, (0, 0, 0.9))
        cam = CAMERA.replace(name=f"c{k}", rotation=rvec, translation=tvec, distortions=[0.05, -0.01, 0.001, 0.0])
        truth.append(cam)
        px = cam.project(world)
        rows += [{"camera": cam.name, "point": f"p{i}", "x_px": x, "y_px": y} for i, (x, y) in enumerate(px)]
    pd.DataFrame({"point": [f"p{i}" for i in range(10)], "x_m": world[:, 0], "y_m": world[:, 1],
                  "z_m": world[:, 2]}).to_csv(tmp_path / "world.csv", index=False)
    pd.DataFrame(rows).to_csv(tmp_path / "seen.csv", index=False)
    write_calibration(tmp_path / "in.toml", [c.replace(rotation=np.zeros(3), translation=np.zeros(3)) for c in truth])
    options = ExtrinsicsOptions(points_3d=str(tmp_path / "world.csv"), points_2d=str(tmp_path / "seen.csv"))
    summary = run_extrinsics(tmp_path / "in.toml", [], tmp_path / "out", options)
    assert summary.metrics["rms_px"] < 1e-6
    for got, true in zip(read_calibration(tmp_path / "out" / "calib.toml"), truth, strict=True):
        assert np.allclose(got.centre_m, true.centre_m, atol=1e-6)
    # a camera that sees too few points is named
    pd.DataFrame(rows[:13]).to_csv(tmp_path / "seen.csv", index=False)
    with pytest.raises(UserError, match="camera 'c1' sees 3 known point"):
        run_extrinsics(tmp_path / "in.toml", [], tmp_path / "out2", options)


def test_plane_homography_from_court_points(tmp_path, run_cli):
    # a badminton court (6.10 x 13.40 m) seen through a known homography; six marked points on it
    h_true = np.array([[0.012, 0.004, -3.1], [0.0005, 0.03, -4.2], [0.00001, 0.0021, 1.0]])
    plane_m = np.array([[0, 0], [6.1, 0], [6.1, 13.4], [0, 13.4], [3.05, 6.7], [0, 6.7]])
    image_px = apply_homography(np.linalg.inv(h_true), plane_m)
    pd.DataFrame({"x_px": image_px[:, 0], "y_px": image_px[:, 1], "x_m": plane_m[:, 0],
                  "y_m": plane_m[:, 1]}).to_csv(tmp_path / "points.csv", index=False)
    result = run_cli("calibrate", "plane", tmp_path / "points.csv", "--court-size", "badminton", "-o",
                     tmp_path / "out", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["rms_m"] < 1e-6 and m["points"] == 6
    h = read_plane(tmp_path / "out" / "plane.toml")
    assert np.allclose(apply_homography(h, image_px), plane_m, atol=1e-6)
    ball = tomllib.loads((tmp_path / "out" / "plane.toml").read_text())["ball"]
    assert np.allclose(np.reshape(ball["court"], (4, 2)), image_px[:4], atol=0.01)
    assert ball["court_size"] == "6.1,13.4"
    assert m["ball_court_flags"].startswith("--court ") and m["ball_court_flags"].endswith("--court-size 6.1,13.4")
    # the flags it prints are accepted by ball track's options as they are
    from sportlens.ball.options import TrackOptions

    flags = m["ball_court_flags"].split()
    opts = TrackOptions(model="classic", court=flags[1], court_size=flags[3])
    assert np.allclose(np.reshape(opts.court, (4, 2)), image_px[:4], atol=0.05)


def test_plane_needs_four_points(tmp_path):
    pd.DataFrame({"x_px": [1, 2, 3], "y_px": [1, 5, 2], "x_m": [0, 1, 0], "y_m": [0, 0, 1]}).to_csv(
        tmp_path / "p.csv", index=False)
    with pytest.raises(DataFormatError, match="has 3 point"):
        run_plane(tmp_path / "p.csv", tmp_path / "out", PlaneOptions())
    pd.DataFrame({"x_px": [1, 2], "y_m": [0, 0]}).to_csv(tmp_path / "q.csv", index=False)
    with pytest.raises(DataFormatError, match="no column y_px, x_m"):
        run_plane(tmp_path / "q.csv", tmp_path / "out", PlaneOptions())


def test_intrinsics_from_a_video(tmp_path):
    """A video of the board moving: frames spread over it are searched (every 2nd of 24 here), H.264 included."""
    from sportlens.calib.synthetic import board_poses
    from sportlens.video.encode import VideoWriter

    board = Board("checkerboard", 9, 6, 0.025)
    with VideoWriter(tmp_path / "board.mp4", 30.0, *CAMERA.size, crf=12) as video:
        for k, (rvec, tvec) in enumerate(board_poses(board, CAMERA, 24, seed=7)):
            grey = render_board(board, CAMERA, rvec, tvec, 2.0, seed=k)
            video.write(np.repeat(grey[..., None], 3, axis=2))
    summary = run_intrinsics([tmp_path / "board.mp4"], tmp_path / "out",
                             IntrinsicsOptions(max_frames=12, plot=False, names=("gopro",)))
    m = summary.metrics["cameras"][0]
    assert m["name"] == "gopro" and m["views_used"] + m["views_rejected"] == 12
    assert abs(m["fx_px"] - 800) / 800 < 0.005 and m["rms_px"] < 0.3
    labels = pd.read_csv(tmp_path / "out" / "views.csv")["image"].tolist()
    assert labels[:3] == ["frame 0", "frame 2", "frame 4"]
