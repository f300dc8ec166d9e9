"""sportlens sim replay: inverse kinematics recovers a pose the humanoid itself made (forward kinematics), limit
breaks land on their frames, the inputs (TRC, keypoints.csv) and their errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.options import OptionError
from sportlens.sim.humanoid import HINGES, SITES, Dimensions, build_model, pose_model, site_positions, write_demo_trc
from sportlens.sim.options import ReplayOptions
from sportlens.sim.replay import run_replay


def _truth_angles(qpos: np.ndarray) -> pd.DataFrame:
    import mujoco

    model = build_model(Dimensions())
    columns = {}
    for h in HINGES:
        adr = model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, h.name)]
        columns[f"{h.name}_deg"] = np.degrees(qpos[:, adr])
    return pd.DataFrame(columns)


def _truth_com(qpos: np.ndarray) -> np.ndarray:
    import mujoco

    model = build_model(Dimensions())
    data = mujoco.MjData(model)
    out = []
    for q in qpos:
        data.qpos[:] = q
        mujoco.mj_forward(model, data)
        out.append(data.subtree_com[1].copy())
    return np.array(out)


def test_ik_recovers_the_joint_angles_of_a_posed_humanoid(tmp_path):
    """The humanoid posed by forward kinematics (a squat with a side arm raise, trunk turn, lean and a 0.5 m walk,
    turned 30 degrees) and written as a TRC (6 decimals): every hinge within 0.5 degrees (measured: 0.05),
    residual below 1 mm (measured 0.13, the TRC's rounding), CoM within 1 mm, segment lengths within 1 mm."""
    trc, qpos = write_demo_trc(tmp_path / "pose3d.trc", n_frames=40)
    summary = run_replay(trc, tmp_path / "out", ReplayOptions(renderer="none"))
    m = summary.metrics
    assert m["frames"] == m["fitted_frames"] == 40 and m["fps"] == 30.0 and m["source"] == "trc"
    assert m["residual_mm"]["max"] < 1.0 and m["frames_beyond_limits"] == 0 and summary.warnings == []
    for name, value in Dimensions().as_dict().items():
        if name not in ("foot", "heel"):  # these two are measured along a rounded marker direction
            assert m["segments_m"][name] == pytest.approx(value, abs=1e-3), name
    angles = pd.read_csv(tmp_path / "out" / "joint_angles.csv")
    truth = _truth_angles(qpos)
    error = (angles[truth.columns] - truth).abs().to_numpy()
    assert error.max() < 0.5, truth.columns[error.max(axis=0).argmax()]
    assert list(angles.columns[:9]) == ["frame", "time_s", "pelvis_x_m", "pelvis_y_m", "pelvis_z_m", "pelvis_qw",
                                        "pelvis_qx", "pelvis_qy", "pelvis_qz"]
    com = pd.read_csv(tmp_path / "out" / "com.csv")
    assert np.abs(com[["com_x_m", "com_y_m", "com_z_m"]].to_numpy() - _truth_com(qpos)).max() < 1e-3
    fit = pd.read_csv(tmp_path / "out" / "fit.csv")
    assert fit["fitted"].all() and (fit["keypoints"] == len(SITES)).all() and (fit["residual_mm"] < 1).all()
    assert (tmp_path / "out" / "com.png").stat().st_size > 5000
    assert pd.read_csv(tmp_path / "out" / "limits.csv").empty
    assert set(summary.outputs) >= {"joint_angles.csv", "fit.csv", "com.csv", "com.png", "limits.csv", "humanoid.xml"}


def _trc_of(path, qpos, fps=30.0):
    """Write the model's sites at these qpos rows as a Y-up TRC."""
    from sportlens.io.opensim import write_trc

    model = build_model(Dimensions())
    markers = {n: np.stack([p[:, 0], p[:, 2], -p[:, 1]], axis=1) for n, p in site_positions(model, qpos).items()}
    return write_trc(path, np.arange(len(qpos)) / fps, markers, fps)


def _squat_qpos(n: int, overrides: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    model = build_model(Dimensions())
    rows = []
    for i in range(n):
        angles = {"hip_flexion_l": 30, "hip_flexion_r": 30, "knee_flexion_l": 40, "knee_flexion_r": 40,
                  "elbow_flexion_l": 30, "elbow_flexion_r": 30, "shoulder_abduction_l": 20,
                  "shoulder_abduction_r": 20, **(overrides or {}).get(i, {})}
        rows.append(pose_model(model, angles, (0.0, 0.0, 0.85), 0.0, 10.0))
    return np.stack(rows)


def test_a_pose_beyond_a_joint_limit_is_reported_on_its_frames(run_cli, tmp_path):
    """The left knee bent backwards 25 degrees (its range starts at -10) on frames 8-11 of 20."""
    bad = {i: {"knee_flexion_l": -25.0} for i in range(8, 12)}
    trc = _trc_of(tmp_path / "pose3d.trc", _squat_qpos(20, bad))
    result = run_cli("sim", "replay", trc, "-o", tmp_path / "out", "--renderer", "none", "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["metrics"]["frames_beyond_limits"] == 4
    assert summary["metrics"]["limit_breaks_by_joint"] == {"knee_flexion_l": 4}
    assert summary["warnings"] == ["4 frames break a joint limit (knee_flexion_l): see limits.csv"]
    limits = pd.read_csv(tmp_path / "out" / "limits.csv")
    assert limits["frame"].tolist() == [8, 9, 10, 11] and set(limits["joint"]) == {"knee_flexion_l"}
    assert limits["angle_deg"].to_numpy() == pytest.approx(-25.0, abs=0.5)
    assert limits["beyond_deg"].to_numpy() == pytest.approx(15.0, abs=0.5)
    assert (limits["lower_deg"] == -10).all() and (limits["upper_deg"] == 160).all()


def test_keypoints_csv_in_blazepose_world_coordinates(tmp_path):
    """A pose keypoints.csv (BlazePose world: y down, z away from the camera) gives the same angles as the TRC,
    with a warning that the hip-centred keypoints carry no travel."""
    qpos = _squat_qpos(6)
    model = build_model(Dimensions())
    rows = []
    for name, p in site_positions(model, qpos).items():
        for i, (x, y, z) in enumerate(p):
            # MuJoCo (x, y, z) -> OpenSim Y up (x, z, -y) -> BlazePose (x, -z, y)
            rows.append({"frame": i, "time_s": i / 30, "person_id": 0, "keypoint": name, "x_px": 0.0, "y_px": 0.0,
                         "visibility": 1.0, "x_m": x, "y_m": -z, "z_m": y})
    folder = tmp_path / "pose"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "keypoints.csv", index=False)
    summary = run_replay(folder, tmp_path / "out", ReplayOptions(renderer="none"))
    assert summary.metrics["source"] == "keypoints.csv" and summary.metrics["fitted_frames"] == 6
    assert summary.metrics["residual_mm"]["max"] < 0.5
    assert any("centred on the hips" in w for w in summary.warnings)
    angles = pd.read_csv(tmp_path / "out" / "joint_angles.csv")
    assert angles["knee_flexion_l_deg"].to_numpy() == pytest.approx(40.0, abs=0.2)
    assert angles["hip_flexion_r_deg"].to_numpy() == pytest.approx(30.0, abs=0.2)


def test_the_video_and_its_renderer(run_cli, tmp_path):
    """auto: MuJoCo where a GL context can be made (EGL or OSMesa), else the matplotlib stick figure; either way
    one video frame per recorded frame, and summary.json says which."""
    import av

    trc, _ = write_demo_trc(tmp_path / "pose3d.trc", n_frames=12)
    for renderer, expected in (("auto", None), ("matplotlib", "matplotlib stick figure")):
        out = tmp_path / renderer
        result = run_cli("sim", "replay", trc, "-o", out, "--renderer", renderer, "--width", "160", "--height",
                         "120", "--json")
        assert result.code == 0, result.stderr
        m = json.loads(result.stdout)["metrics"]
        assert m["renderer"] in ({expected} if expected else {"mujoco (egl)", "mujoco (osmesa)",
                                                               "matplotlib stick figure"})
        with av.open(str(out / "replay.mp4")) as container:
            assert sum(1 for _ in container.decode(video=0)) == m["video_frames"] == 12
        assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]


def test_frames_without_keypoints_are_skipped_with_a_warning(tmp_path):
    qpos = _squat_qpos(10)
    trc = _trc_of(tmp_path / "pose3d.trc", qpos)
    lines = trc.read_text().splitlines()
    for i in (3, 4, 5):  # data rows of frames 3-5: every coordinate NaN
        parts = lines[6 + i].split("\t")
        lines[6 + i] = "\t".join(parts[:2] + ["NaN"] * (len(parts) - 2))
    trc.write_text("\n".join(lines) + "\n")
    summary = run_replay(trc, tmp_path / "out", ReplayOptions(renderer="none"))
    assert summary.metrics["fitted_frames"] == 7
    assert summary.warnings == ["3 of 10 frames lack the hips, a shoulder or enough keypoints: not fitted (NaN rows)"]
    angles = pd.read_csv(tmp_path / "out" / "joint_angles.csv")
    assert angles["knee_flexion_l_deg"].isna().tolist() == [False] * 3 + [True] * 3 + [False] * 4
    assert angles["knee_flexion_l_deg"].dropna().to_numpy() == pytest.approx(40.0, abs=0.2)


def test_a_trc_without_the_limb_markers_is_one_line(run_cli, tmp_path):
    from sportlens.io.opensim import read_trc, write_trc

    trc, _ = write_demo_trc(tmp_path / "full.trc", n_frames=5)
    time_s, markers, rate = read_trc(trc)
    del markers["left_wrist"], markers["right_wrist"]
    write_trc(tmp_path / "pose3d.trc", time_s, markers, rate)
    run_cli("sim", "replay", tmp_path / "pose3d.trc", "-o", tmp_path / "out").assert_user_error(
        "no left_wrist, right_wrist marker(s)", "pose3d.trc", "the replay needs left_shoulder")
    assert not (tmp_path / "out").exists()


def test_nan_only_frames_and_other_bad_inputs_are_one_line(run_cli, tmp_path):
    trc, _ = write_demo_trc(tmp_path / "full.trc", n_frames=4)
    lines = trc.read_text().splitlines()
    nan_rows = ["\t".join(line.split("\t")[:2] + ["NaN"] * (len(line.split("\t")) - 2)) for line in lines[6:]]
    (tmp_path / "nan.trc").write_text("\n".join(lines[:6] + nan_rows) + "\n")
    run_cli("sim", "replay", tmp_path / "nan.trc", "-o", tmp_path / "out").assert_user_error(
        "no frame has a finite keypoint", "nan.trc")
    (tmp_path / "empty").mkdir()
    run_cli("sim", "replay", tmp_path / "empty", "-o", tmp_path / "out").assert_user_error(
        "no pose3d.trc, markers.trc or keypoints.csv in this folder", "sportlens pose")
    pd.DataFrame({"frame": [0], "keypoint": ["nose"], "x": [0.0]}).to_csv(tmp_path / "k.csv", index=False)
    run_cli("sim", "replay", tmp_path / "k.csv", "-o", tmp_path / "out").assert_user_error("column(s)", "k.csv")
    (tmp_path / "bad.trc").write_text("PathFileType\t4\n1\n2\n3\n4\n5\n")
    run_cli("sim", "replay", tmp_path / "bad.trc", "-o", tmp_path / "out").assert_user_error("unreadable TRC")
    run_cli("sim", "replay", trc, "-o", tmp_path / "out", "--mass-kg", "0").assert_user_error("--mass-kg must be")
    assert not (tmp_path / "out").exists()
    with pytest.raises(OptionError, match="--renderer must be one of auto, mujoco, matplotlib, none"):
        ReplayOptions(renderer="opengl")


def test_the_docs_table_lists_every_hinge_and_its_range():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "sim.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| ") and "_" in line.split("|")[1]]
    documented = {r.split("|")[1].strip(): r.split("|")[3].strip() for r in rows if r.split("|")[1].strip() in
                  {h.name for h in HINGES}}
    assert documented == {h.name: f"{h.range_deg[0]:g} to {h.range_deg[1]:g}" for h in HINGES}


def test_without_a_gl_context_the_video_is_a_stick_figure(tmp_path, monkeypatch):
    """Only OSMesa offered to the render child: where the machine has no libOSMesa (this one) the child reports
    no context and the replay draws the matplotlib stick figure instead (summary.json says which)."""
    import ctypes.util

    import av

    import sportlens.sim.replay as replay

    monkeypatch.delenv("MUJOCO_GL", raising=False)
    monkeypatch.setattr(replay, "GL_BACKENDS", ("osmesa",))
    trc, _ = write_demo_trc(tmp_path / "pose3d.trc", n_frames=6)
    summary = run_replay(trc, tmp_path / "out", ReplayOptions(width=160, height=120))
    has_osmesa = ctypes.util.find_library("OSMesa") is not None
    assert summary.metrics["renderer"] == ("mujoco (osmesa)" if has_osmesa else "matplotlib stick figure")
    with av.open(str(tmp_path / "out" / "replay.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 6
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".tmp-")]


def test_mujoco_only_fails_clearly_without_a_gl_context(run_cli, tmp_path, monkeypatch):
    import ctypes.util

    import sportlens.sim.replay as replay

    if ctypes.util.find_library("OSMesa") is not None:
        pytest.skip("this machine has OSMesa: a context can be made")
    monkeypatch.delenv("MUJOCO_GL", raising=False)
    monkeypatch.setattr(replay, "GL_BACKENDS", ("osmesa",))
    trc, _ = write_demo_trc(tmp_path / "pose3d.trc", n_frames=3)
    run_cli("sim", "replay", trc, "-o", tmp_path / "out", "--renderer", "mujoco").assert_user_error(
        "MuJoCo cannot render here", "--renderer matplotlib")
