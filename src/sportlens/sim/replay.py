"""`run_replay`: a recorded 3D pose drives the MuJoCo humanoid of `sim/humanoid.py` by inverse kinematics per
frame; joint angles, the centre-of-mass path, joint-limit breaks, the fit residual and a rendered video.

The fit is Levenberg-Marquardt (damped least squares) on mujoco's site Jacobians, warm-started from the
previous frame; it ignores the joint ranges, so a pose the body cannot take shows up as a break in limits.csv.
The video comes from MuJoCo's offscreen renderer in a child process (MUJOCO_GL is fixed when mujoco is imported:
the child tries EGL, then OSMesa), else from a matplotlib stick figure of the fitted model.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress, ensure_progress
from sportlens.sim.humanoid import HINGES, OPTIONAL_KEYPOINTS, REQUIRED_KEYPOINTS, SITES
from sportlens.sim.options import ReplayOptions
from sportlens.summary import Summary, plain

VIDEO_FILE = "replay.mp4"
NO_GL_EXIT = 3  # the render child's exit status when the GL backend cannot make a context
GL_BACKENDS = ("egl", "osmesa")
# a weak pull of every hinge towards 0 (m of keypoint error per radian): where the keypoints cannot tell
# equivalent poses apart (a straight arm's rotation, a shoulder near its gimbal pose) it picks the least turned
# one instead of letting the angles drift; where they can, it shifts angles by well under a degree
PRIOR_M_PER_RAD = 0.003
NEEDS = ", ".join(REQUIRED_KEYPOINTS)
# hinges that only an optional keypoint can turn: without it they stay at 0 and their columns are NaN
OBSERVED_BY = {"ankle_flexion_l": ("left_heel", "left_foot_index"),
               "ankle_flexion_r": ("right_heel", "right_foot_index"),
               "neck_flexion": ("nose",), "neck_bending": ("nose",)}


@dataclass
class Recording:
    """Keypoints in MuJoCo's frame (Z up, metres): points {name: (N, 3)}, NaN = missing; frame numbers, times."""

    path: Path
    frame: np.ndarray
    time_s: np.ndarray
    fps: float
    points: dict[str, np.ndarray]
    source: str  # "trc" | "keypoints.csv"

    def __len__(self) -> int:
        return len(self.time_s)


def _y_up_to_z_up(xyz: np.ndarray) -> np.ndarray:
    """OpenSim's Y-up (x forward, y up, z right) to MuJoCo's Z up: (x, -z, y), a proper rotation."""
    return np.stack([xyz[..., 0], -xyz[..., 2], xyz[..., 1]], axis=-1)


def _resolve_input(path: Path) -> Path:
    if not path.exists():
        raise InputFileError("pose recording not found", path, "give a pose3d.trc, markers.trc, keypoints.csv or "
                             "the output folder of `sportlens pose` / `pose3d`")
    if path.is_dir():
        for name in ("pose3d.trc", "markers.trc", "keypoints.csv"):
            if (path / name).is_file():
                return path / name
        raise InputFileError("no pose3d.trc, markers.trc or keypoints.csv in this folder", path,
                             "run `sportlens pose VIDEO --person-height M -o FOLDER` first")
    return path


def _read_trc(path: Path) -> Recording:
    from sportlens.io.opensim import read_trc

    try:
        time_s, markers, rate = read_trc(path)
        units = path.read_text(encoding="utf-8").splitlines()[2].split("\t")[4].strip().lower()
    except (ValueError, IndexError):
        raise DataFormatError("unreadable TRC file (header or numbers)", path,
                              "write it with `sportlens pose` or `pose3d`, or check its columns") from None
    scale = {"m": 1.0, "mm": 0.001, "cm": 0.01}.get(units)
    if scale is None:
        raise DataFormatError(f"TRC units {units!r} are not m, cm or mm", path, "write the markers in metres")
    points = {name: _y_up_to_z_up(np.asarray(xyz, float) * scale) for name, xyz in markers.items()}
    return Recording(path, np.arange(len(time_s)), np.asarray(time_s, float), float(rate), points, "trc")


def _read_keypoints_csv(path: Path) -> Recording:
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError):
        raise DataFormatError("unreadable CSV file", path, "give the keypoints.csv of `sportlens pose`") from None
    needed = {"frame", "time_s", "keypoint", "x_m", "y_m", "z_m", "x_px"}
    if not needed <= set(table.columns):
        raise DataFormatError(f"no {', '.join(sorted(needed - set(table.columns)))} column(s)", path,
                              "give the keypoints.csv of `sportlens pose` (BlazePose world x_m, y_m, z_m) or a TRC")
    if "person_id" in table.columns and len(table):
        table = table[table["person_id"] == table["person_id"].min()]
    frames = np.sort(table["frame"].unique())
    times = table.groupby("frame")["time_s"].first().reindex(frames).to_numpy(float)
    steps = np.diff(times)
    fps = float(1.0 / np.median(steps)) if steps.size and np.median(steps) > 0 else 30.0
    points = {}
    for name, rows in table.groupby("keypoint"):
        xyz = rows.set_index("frame")[["x_m", "y_m", "z_m"]].reindex(frames).to_numpy(float)
        # BlazePose world: hip-centred, y down, z away from the camera -> Y up, z towards the camera -> Z up
        points[str(name)] = _y_up_to_z_up(xyz * np.array([1.0, -1.0, -1.0]))
    return Recording(path, frames, times, fps, points, "keypoints.csv")


def read_recording(path: str | Path) -> Recording:
    """A pose3d.trc / markers.trc (Y up, m) or a pose keypoints.csv (BlazePose world), or a folder holding one,
    in MuJoCo's frame; DataFormatError when the limb keypoints are missing or no frame has them."""
    path = _resolve_input(Path(path))
    rec = _read_trc(path) if path.suffix.lower() == ".trc" else _read_keypoints_csv(path)
    missing = [k for k in REQUIRED_KEYPOINTS if k not in rec.points]
    if missing:
        raise DataFormatError(f"no {', '.join(missing)} marker(s)", path,
                              f"the replay needs {NEEDS} (names as `sportlens pose` and `pose3d` write them)")
    if len(rec) == 0 or not any(np.isfinite(rec.points[k]).all(axis=-1).any() for k in REQUIRED_KEYPOINTS):
        raise DataFormatError("no frame has a finite keypoint", path, "check the recording (every value is NaN)")
    return rec


@dataclass
class Fit:
    """The fitted motion: qpos (N, nq) (NaN rows: not fitted), residual_mm / max_error_mm (N,) over the used
    keypoints, keypoints (N,) used, iterations (N,), com_m (N, 3), sites_m (N, S, 3) of the fitted model."""

    qpos: np.ndarray
    residual_mm: np.ndarray
    max_error_mm: np.ndarray
    keypoints: np.ndarray
    iterations: np.ndarray
    com_m: np.ndarray
    sites_m: np.ndarray

    @property
    def fitted(self) -> np.ndarray:
        return np.isfinite(self.qpos).all(axis=1)


class InverseKinematics:
    """Levenberg-Marquardt on the site Jacobians of a humanoid model: site k follows keypoint SITES[k]."""

    def __init__(self, model, max_iterations: int = 50):
        from sportlens.sim.humanoid import import_mujoco

        mujoco = import_mujoco()

        self.mj = mujoco
        self.model, self.data = model, mujoco.MjData(model)
        self.site_ids = np.array([mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, s) for s in SITES])
        self.hinge_qpos = np.array([model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, h.name)]
                                    for h in HINGES])
        hinge_dof = np.array([model.jnt_dofadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, h.name)]
                              for h in HINGES])
        self.pelvis = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "pelvis")
        self.max_iterations = max_iterations
        self._jac = np.zeros((3, model.nv))
        self._prior_jac = np.zeros((len(HINGES), model.nv))
        self._prior_jac[np.arange(len(HINGES)), hinge_dof] = PRIOR_M_PER_RAD

    def _errors(self, qpos: np.ndarray, target: np.ndarray, used: np.ndarray, jacobian: bool):
        m, d = self.model, self.data
        d.qpos[:] = qpos
        self.mj.mj_kinematics(m, d)
        err = np.concatenate([(target[used] - d.site_xpos[self.site_ids[used]]).ravel(),
                              -PRIOR_M_PER_RAD * qpos[self.hinge_qpos]])
        if not jacobian:
            return err, None
        self.mj.mj_comPos(m, d)
        rows = []
        for sid in self.site_ids[used]:
            self.mj.mj_jacSite(m, d, self._jac, None, int(sid))
            rows.append(self._jac.copy())
        return err, np.concatenate([*rows, self._prior_jac])

    def initial_pose(self, target: np.ndarray) -> np.ndarray:
        """Zero joint angles with the pelvis on the mid-hip, its axes from the hips (left) and the trunk (up)."""
        qpos = self.model.qpos0.copy()
        index = {s: k for k, s in enumerate(SITES)}
        lhip, rhip = target[index["left_hip"]], target[index["right_hip"]]
        mid_shoulder = (target[index["left_shoulder"]] + target[index["right_shoulder"]]) / 2
        centre = (lhip + rhip) / 2
        left = lhip - rhip
        up = mid_shoulder - centre
        if np.isfinite(centre).all():
            qpos[:3] = centre
        if np.isfinite(left).all() and np.isfinite(up).all() and np.linalg.norm(left) > 0:
            left /= np.linalg.norm(left)
            up = up - left * (up @ left)
            if np.linalg.norm(up) > 1e-9:
                up /= np.linalg.norm(up)
                forward = np.cross(left, up)
                quat = np.zeros(4)
                self.mj.mju_mat2Quat(quat, np.column_stack([forward, left, up]).ravel())
                qpos[3:7] = quat
        return qpos

    def fit_frame(self, qpos: np.ndarray, target: np.ndarray, used: np.ndarray,
                  max_iterations: int | None = None) -> tuple[np.ndarray, int]:
        """The qpos that brings the used sites closest to target (S, 3), from qpos; (qpos, iterations)."""
        nv = self.model.nv
        q = qpos.copy()
        err, jac = self._errors(q, target, used, True)
        cost, lam = err @ err, 1e-3
        iterations = 0
        for iterations in range(1, (max_iterations or self.max_iterations) + 1):  # noqa: B007
            hess, grad = jac.T @ jac, jac.T @ err
            improved = False
            while lam < 1e6:
                step = np.linalg.solve(hess + lam * np.eye(nv), grad)
                trial = q.copy()
                self.mj.mj_integratePos(self.model, trial, step, 1.0)
                trial_err, _ = self._errors(trial, target, used, False)
                trial_cost = trial_err @ trial_err
                if trial_cost < cost:
                    improved = True
                    break
                lam *= 10
            if not improved:
                break
            gain, q, lam = cost - trial_cost, trial, max(lam / 10, 1e-7)
            err, jac = self._errors(q, target, used, True)
            cost = err @ err
            if gain < 1e-12 or np.abs(step).max() < 1e-7:
                break
        # a hinge is the same at angle and angle + 360 degrees: keep reported angles in (-180, 180]
        hinge = q[self.hinge_qpos]
        q[self.hinge_qpos] = hinge - 2 * np.pi * np.floor((hinge + np.pi) / (2 * np.pi))
        return q, iterations

    def pose(self, qpos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(centre of mass (3,), site positions (S, 3)) of the model at qpos."""
        d = self.data
        d.qpos[:] = qpos
        self.mj.mj_kinematics(self.model, d)
        self.mj.mj_comPos(self.model, d)
        return d.subtree_com[self.pelvis].copy(), d.site_xpos[self.site_ids].copy()


def fit_recording(rec: Recording, model, options: ReplayOptions, step=None) -> Fit:
    """Fit every frame that has options.min_keypoints usable keypoints (the required ones among them:
    both hips and a shoulder), warm-started from the last fitted frame."""
    ik = InverseKinematics(model, options.max_iterations)
    n, s = len(rec), len(SITES)
    target = np.full((n, s, 3), np.nan)
    for k, name in enumerate(SITES):
        if name in rec.points:
            target[:, k] = rec.points[name]
    finite = np.isfinite(target).all(axis=-1)
    index = {name: k for k, name in enumerate(SITES)}
    anchored = finite[:, index["left_hip"]] & finite[:, index["right_hip"]] & (
        finite[:, index["left_shoulder"]] | finite[:, index["right_shoulder"]])
    fit = Fit(np.full((n, model.nq), np.nan), np.full(n, np.nan), np.full(n, np.nan), finite.sum(axis=1),
              np.zeros(n, int), np.full((n, 3), np.nan), np.full((n, s, 3), np.nan))
    previous = None
    for i in range(n):
        used = finite[i]
        if anchored[i] and used.sum() >= options.min_keypoints:
            if previous is None:
                start = ik.initial_pose(np.where(finite[i][:, None], target[i], np.nan))
                q, its = ik.fit_frame(start, target[i], used, 4 * options.max_iterations)
            else:
                q, its = ik.fit_frame(previous, target[i], used)
            com, sites = ik.pose(q)
            errors = np.linalg.norm(sites[used] - target[i][used], axis=1) * 1000
            fit.qpos[i], fit.iterations[i], fit.com_m[i], fit.sites_m[i] = q, its, com, sites
            fit.residual_mm[i], fit.max_error_mm[i] = float(np.sqrt(np.mean(errors ** 2))), float(errors.max())
            previous = q
        if step is not None:
            step.advance()
    return fit


def angle_table(rec: Recording, fit: Fit, ik_hinge_qpos: np.ndarray, unobserved: set[str]):
    """joint_angles.csv: frame, time_s, pelvis position (m) and orientation (quaternion w, x, y, z), then one
    column per hinge in degrees (NaN where the frame was not fitted or no keypoint turns the hinge)."""
    import pandas as pd

    table = {"frame": rec.frame, "time_s": np.round(rec.time_s, 6)}
    for k, axis in enumerate("xyz"):
        table[f"pelvis_{axis}_m"] = fit.qpos[:, k].round(5)
    for k, part in enumerate("wxyz"):
        table[f"pelvis_q{part}"] = fit.qpos[:, 3 + k].round(6)
    for hinge, adr in zip(HINGES, ik_hinge_qpos, strict=True):
        values = np.degrees(fit.qpos[:, adr])
        table[f"{hinge.name}_deg"] = np.full(len(rec), np.nan) if hinge.name in unobserved else values.round(3)
    return pd.DataFrame(table)


def limit_breaks(angles) -> tuple:
    """limits.csv rows: each frame and hinge whose fitted angle lies outside the hinge's range_deg."""
    import pandas as pd

    rows = []
    for hinge in HINGES:
        values = angles[f"{hinge.name}_deg"].to_numpy(float)
        lo, hi = hinge.range_deg
        for i in np.flatnonzero(np.isfinite(values) & ((values < lo) | (values > hi))):
            bound = lo if values[i] < lo else hi
            rows.append({"frame": int(angles["frame"].iloc[i]), "time_s": float(angles["time_s"].iloc[i]),
                         "joint": hinge.name, "angle_deg": round(float(values[i]), 3), "lower_deg": lo,
                         "upper_deg": hi, "beyond_deg": round(abs(float(values[i]) - bound), 3)})
    columns = ["frame", "time_s", "joint", "angle_deg", "lower_deg", "upper_deg", "beyond_deg"]
    table = pd.DataFrame(rows, columns=columns).sort_values(["frame", "joint"], kind="stable").reset_index(drop=True)
    return table


def com_table(rec: Recording, fit: Fit):
    """com.csv: the whole body's centre of mass (mujoco's subtree COM of the pelvis, m) and its speed (m/s)."""
    import pandas as pd

    com = fit.com_m
    speed = np.full(len(rec), np.nan)
    ok = np.isfinite(com).all(axis=1)
    if ok.sum() >= 2:
        velocity = np.gradient(com[ok], rec.time_s[ok], axis=0)
        speed[ok] = np.linalg.norm(velocity, axis=1)
    return pd.DataFrame({"frame": rec.frame, "time_s": np.round(rec.time_s, 6), "com_x_m": com[:, 0].round(5),
                         "com_y_m": com[:, 1].round(5), "com_z_m": com[:, 2].round(5),
                         "com_speed_mps": speed.round(4)})


def _com_plot(path: Path, com) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    fig, (side, top) = plt.subplots(1, 2, figsize=(10, 3.6))
    side.plot(com["time_s"], com["com_z_m"], color="C0")
    side.set_xlabel("time (s)")
    side.set_ylabel("CoM height (m)")
    side.set_title("centre of mass height")
    top.plot(com["com_x_m"], com["com_y_m"], color="C1")
    ok = com[["com_x_m", "com_y_m"]].dropna()
    if len(ok):
        top.plot(*ok.iloc[0], "o", color="C2", label="start")
        top.plot(*ok.iloc[-1], "s", color="C3", label="end")
        top.legend(loc="best")
    top.set_aspect("equal", adjustable="datalim")
    top.set_xlabel("x (m)")
    top.set_ylabel("y (m)")
    top.set_title("path seen from above")
    fig.tight_layout()
    save_figure(fig, path)


# ---- video -------------------------------------------------------------------------------------------------


def _camera_azimuth(fit: Fit) -> float:
    """Degrees: a view from in front of the body's mean facing direction, turned 30 degrees to its left side."""
    q = fit.qpos[fit.fitted]
    if not len(q):
        return 150.0
    w, x, y, z = np.median(q[:, 3:7], axis=0)
    forward = np.array([1 - 2 * (y * y + z * z), 2 * (x * y + w * z)])  # the pelvis x-axis, seen from above
    return float(math.degrees(math.atan2(forward[1], forward[0])) + 180.0 - 30.0)


def _render_mujoco(xml_path: Path, qpos: np.ndarray, target: Path, fps: float, options: ReplayOptions, step,
                   azimuth: float) -> str | None:
    """Render with MuJoCo in a child process per GL backend until one makes a context; the backend's name or
    None when none can. The video is written to target atomically (by the child)."""
    qpos_path = target.with_name(f".tmp-{os.getpid()}-qpos.npy")
    np.save(qpos_path, qpos)
    backends = [os.environ["MUJOCO_GL"]] if os.environ.get("MUJOCO_GL") else list(GL_BACKENDS)
    try:
        for backend in backends:
            env = {**os.environ, "MUJOCO_GL": backend}
            if backend == "egl":
                env.setdefault("PYOPENGL_PLATFORM", "egl")
            argv = [sys.executable, "-m", "sportlens.sim.replay", str(xml_path), str(qpos_path), str(target),
                    repr(fps), str(options.width), str(options.height), repr(azimuth)]
            # one pipe for both streams, read to the end: a chatty GL driver cannot fill a second pipe and block
            child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            said: list[str] = []
            try:
                for line in child.stdout:
                    if line.strip() == "frame":
                        step.advance()
                    elif line.strip():
                        said = [*said[-20:], line.strip()]
                child.wait()
            except BaseException:
                child.terminate()
                child.wait()
                raise
            if child.returncode == 0:
                return backend
            if child.returncode != NO_GL_EXIT:
                raise RuntimeError(f"the MuJoCo render child failed ({backend}): {said[-1] if said else '?'}")
    finally:
        qpos_path.unlink(missing_ok=True)
    return None


def _render_child(argv: list[str]) -> int:
    """Child process: render each qpos row with MuJoCo's offscreen renderer into an mp4; prints 'frame' per frame.
    Exit NO_GL_EXIT when no GL context can be made."""
    import signal

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    xml_path, qpos_path, target, fps, width, height, azimuth = argv
    width, height = int(width), int(height)
    from sportlens.video.encode import VideoWriter

    try:
        import mujoco  # loads the GL backend named by MUJOCO_GL, which may be missing here

        model = mujoco.MjModel.from_xml_path(xml_path)
        data = mujoco.MjData(model)
        renderer = mujoco.Renderer(model, height, width)
        mujoco.mj_forward(model, data)
        renderer.update_scene(data)
        renderer.render()
    except Exception as error:  # noqa: BLE001  (any failure to make a context means: try the next backend)
        print(f"no GL context: {error}", file=sys.stderr)
        return NO_GL_EXIT
    qpos = np.load(qpos_path)
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_FREE
    camera.distance, camera.elevation, camera.azimuth = 3.6, -12.0, float(azimuth)
    pelvis = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "pelvis")
    last = None
    try:
        with VideoWriter(target, float(fps), width, height) as video:
            for row in qpos:
                if np.isfinite(row).all():
                    data.qpos[:] = row
                    mujoco.mj_forward(model, data)
                    look = data.subtree_com[pelvis].copy()
                    # follow the body smoothly; the camera's height stays at the body's
                    last = look if last is None else 0.8 * last + 0.2 * look
                    camera.lookat[:] = last
                renderer.update_scene(data, camera)
                video.write(renderer.render())
                print("frame", flush=True)
    finally:
        renderer.close()
    return 0


def _render_matplotlib(fit: Fit, target: Path, fps: float) -> int:
    """Stick figure of the fitted model's sites; returns the frames written."""
    from sportlens.pose3d.plots import pose3d_animation

    sites = fit.sites_m.copy()
    pose3d_animation(target, sites, list(SITES), fps, up_axis="z", max_frames=len(sites))
    return len(sites)


# ---- the task ------------------------------------------------------------------------------------------------


def run_replay(source: str | Path, out_dir: str | Path, options: ReplayOptions | None = None,
               progress: Progress | None = None) -> Summary:
    """Fit the humanoid to every frame of a recording; writes joint_angles.csv, fit.csv, com.csv, com.png,
    limits.csv, humanoid.xml and replay.mp4 (unless options.renderer is 'none')."""
    import time

    from sportlens.errors import UserError
    from sportlens.io.atomic import write_csv, write_text
    from sportlens.io.output_dir import output_run
    from sportlens.sim.humanoid import build_model, humanoid_xml, measure_dimensions

    options = options or ReplayOptions()
    progress = ensure_progress(progress, "sim replay")
    rec = read_recording(source)
    dims = measure_dimensions(rec.points)
    if not np.isfinite([*dims.as_dict().values()]).all() or min(dims.as_dict().values()) <= 0:
        raise DataFormatError("segment lengths cannot be measured", rec.path, "check the keypoints' coordinates")
    feet = [rec.points[k][..., 2] for k in OPTIONAL_KEYPOINTS[1:] + ("left_ankle", "right_ankle") if k in rec.points]
    floor_z = float(np.nanpercentile(np.concatenate(feet), 1)) if feet else 0.0
    if not any(k in rec.points for k in OPTIONAL_KEYPOINTS[1:]):
        floor_z -= dims.heel * 0.89  # ankles only: the floor lies a heel's height below the lowest ankle
    xml = humanoid_xml(dims, options.mass_kg, floor_z)
    model = build_model(dims, options.mass_kg, floor_z)
    unobserved = {h for h, needs in OBSERVED_BY.items() if not any(k in rec.points for k in needs)}

    summary = Summary("sim replay", inputs=[str(rec.path)], options=plain(options))
    with output_run(out_dir, summary, rec.path):
        out = Path(out_dir)
        t0 = time.perf_counter()
        with progress.step("fit", total=len(rec), unit="frames") as step:
            fit = fit_recording(rec, model, options, step)
        summary.timings["fit_s"] = round(time.perf_counter() - t0, 3)
        ik = InverseKinematics(model)
        angles = angle_table(rec, fit, ik.hinge_qpos, unobserved)
        limits = limit_breaks(angles)
        com = com_table(rec, fit)
        residual = fit.residual_mm[fit.fitted]
        write_text(out / "humanoid.xml", xml)
        write_csv(out / "joint_angles.csv", angles)
        write_csv(out / "fit.csv", _fit_table(rec, fit))
        write_csv(out / "com.csv", com)
        write_csv(out / "limits.csv", limits)
        _com_plot(out / "com.png", com)

        renderer, frames = "none", 0
        if options.renderer != "none" and fit.fitted.any():
            t0 = time.perf_counter()
            backend = None
            if options.renderer in ("auto", "mujoco"):
                with progress.step("render", total=len(rec), unit="frames") as step:
                    backend = _render_mujoco(out / "humanoid.xml", _held(fit.qpos), out / VIDEO_FILE, rec.fps, options,
                                             step, _camera_azimuth(fit))
                if backend is None and options.renderer == "mujoco":
                    raise UserError("MuJoCo cannot render here (no EGL or OSMesa context)",
                                    hint="use --renderer matplotlib or auto")
            if backend is not None:
                renderer, frames = f"mujoco ({backend})", len(rec)
            else:
                progress.message("no GL context for MuJoCo: drawing a matplotlib stick figure instead")
                frames = _render_matplotlib(fit, out / VIDEO_FILE, rec.fps)
                renderer = "matplotlib stick figure"
            summary.timings["render_s"] = round(time.perf_counter() - t0, 3)

        n_fit = int(fit.fitted.sum())
        broken = limits.groupby("joint")["frame"].nunique().to_dict() if len(limits) else {}
        path = com[["com_x_m", "com_y_m", "com_z_m"]].dropna().to_numpy()
        summary.metrics.update({
            "frames": len(rec), "fitted_frames": n_fit, "fps": round(rec.fps, 3), "source": rec.source,
            "residual_mm": _stats(residual), "max_error_mm": _round(np.nanmax(fit.max_error_mm)) if n_fit else None,
            "frames_beyond_limits": int(limits["frame"].nunique()) if len(limits) else 0,
            "limit_breaks_by_joint": {k: int(v) for k, v in sorted(broken.items())},
            "com_path_m": _round(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()) if len(path) > 1 else 0.0,
            "com_height_m": _stats(com["com_z_m"].to_numpy(float), digits=3),
            "segments_m": dims.as_dict(), "mass_kg": options.mass_kg, "renderer": renderer, "video_frames": frames,
            "unobserved_joints": sorted(unobserved)})
        _warnings(summary, rec, fit, limits, unobserved)
    return summary


def _held(qpos: np.ndarray) -> np.ndarray:
    """Each unfitted row takes the last fitted pose (the first fitted one before it), so the video keeps time."""
    out = qpos.copy()
    ok = np.flatnonzero(np.isfinite(qpos).all(axis=1))
    for i in range(len(out)):
        if not np.isfinite(out[i]).all():
            before = ok[ok < i]
            out[i] = qpos[before[-1] if before.size else ok[0]]
    return out


def _fit_table(rec: Recording, fit: Fit):
    import pandas as pd

    return pd.DataFrame({"frame": rec.frame, "time_s": np.round(rec.time_s, 6), "fitted": fit.fitted,
                         "keypoints": fit.keypoints, "iterations": fit.iterations,
                         "residual_mm": fit.residual_mm.round(3), "max_error_mm": fit.max_error_mm.round(3)})


def _round(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _stats(values: np.ndarray, digits: int = 2) -> dict | None:
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    return {"mean": round(float(values.mean()), digits), "median": round(float(np.median(values)), digits),
            "p95": round(float(np.percentile(values, 95)), digits), "max": round(float(values.max()), digits)}


def _warnings(summary: Summary, rec: Recording, fit: Fit, limits, unobserved: set[str]) -> None:
    skipped = int((~fit.fitted).sum())
    if skipped:
        summary.warn(f"{skipped} of {len(rec)} frames lack the hips, a shoulder or enough keypoints: not fitted "
                     "(NaN rows)")
    if len(limits):
        joints = ", ".join(sorted(limits["joint"].unique()))
        summary.warn(f"{limits['frame'].nunique()} frames break a joint limit ({joints}): see limits.csv")
    if unobserved:
        summary.warn(f"no keypoint turns {', '.join(sorted(unobserved))}: held at 0, NaN in joint_angles.csv")
    if rec.source == "keypoints.csv":
        summary.warn("BlazePose world keypoints are centred on the hips: the CoM path has no travel (use the "
                     "pose3d.trc that `sportlens pose --person-height` writes)")


if __name__ == "__main__":
    sys.exit(_render_child(sys.argv[1:]))
