"""The replay humanoid as data: segments, hinge joints (axes, anatomical ranges), keypoint sites and de Leva's
mass fractions, built into MJCF with segment lengths scaled from a recording.

Frame: MuJoCo's Z up; at zero angles the body stands upright facing +x with its left side towards +y. Every
hinge is signed so that the anatomical motion in its name is positive (flexion, abduction, internal rotation,
dorsiflexion, bending or turning to the left).

The pelvis carries no keypoint of its own but the hips, so its tilt about the hip line cannot be told apart from
a bend of the lower back: the pelvis tilts with the trunk line (mid-hip to mid-shoulder), the spine has lateral
bending and rotation only, and hip flexion is the thigh against the trunk line.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# keypoints the fit needs (the limbs and the trunk) and those it uses where the recording has them
REQUIRED_KEYPOINTS = tuple(f"{side}_{part}" for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
                           for side in ("left", "right"))
OPTIONAL_KEYPOINTS = ("nose", "left_heel", "right_heel", "left_foot_index", "right_foot_index")
SITES = REQUIRED_KEYPOINTS + OPTIONAL_KEYPOINTS

# unit directions (model frame, zero pose) from the joint to a site whose direction no length fixes
FOOT_DIRECTION = (0.88, 0.0, -0.47)  # ankle -> foot_index: forward and down to the floor
HEEL_DIRECTION = (-0.45, 0.0, -0.89)  # ankle -> heel
NOSE_DIRECTION = (0.3, 0.0, 0.954)  # mid-shoulder (neck) -> nose


@dataclass(frozen=True)
class Hinge:
    """One hinge: its name (the CSV column is name + '_deg'), the body it moves, its axis in the body's frame
    and the anatomical range (degrees) beyond which a fitted angle is reported."""

    name: str
    body: str
    axis: tuple[float, float, float]
    range_deg: tuple[float, float]


def _side(name: str, body: str, axis: tuple[float, float, float], range_deg: tuple[float, float],
          mirror: tuple[int, int, int]) -> tuple[Hinge, Hinge]:
    """The left and right hinge; mirror flips the axis components for the right side."""
    right = tuple(a * m for a, m in zip(axis, mirror, strict=True))
    return (Hinge(f"{name}_l", f"{body}_l", axis, range_deg), Hinge(f"{name}_r", f"{body}_r", right, range_deg))


# Ranges: a generous envelope of active ranges of motion in adults (e.g. AAOS tables), so a report means a pose
# the body cannot take (or a bad keypoint), not an unusual but real one.
HINGES: tuple[Hinge, ...] = (
    Hinge("spine_bending", "torso", (-1, 0, 0), (-45, 45)),
    Hinge("spine_rotation", "torso", (0, 0, 1), (-50, 50)),
    Hinge("neck_flexion", "head", (0, 1, 0), (-70, 80)),
    Hinge("neck_bending", "head", (-1, 0, 0), (-50, 50)),
    *_side("shoulder_flexion", "upper_arm", (0, -1, 0), (-70, 185), (1, 1, 1)),
    *_side("shoulder_abduction", "upper_arm", (1, 0, 0), (-45, 185), (-1, 1, 1)),
    *_side("shoulder_rotation", "upper_arm", (0, 0, -1), (-100, 100), (1, 1, -1)),
    *_side("elbow_flexion", "forearm", (0, -1, 0), (-10, 155), (1, 1, 1)),
    *_side("hip_flexion", "thigh", (0, -1, 0), (-35, 135), (1, 1, 1)),
    *_side("hip_abduction", "thigh", (1, 0, 0), (-35, 60), (-1, 1, 1)),
    *_side("hip_rotation", "thigh", (0, 0, -1), (-55, 55), (1, 1, -1)),
    *_side("knee_flexion", "shank", (0, 1, 0), (-10, 160), (1, 1, 1)),
    *_side("ankle_flexion", "foot", (0, -1, 0), (-60, 40), (1, 1, 1)),
)

# de Leva (1996, J Biomech 29:1223) male segment masses (share of body mass); the hand rides with the forearm,
# the trunk is split into the lower trunk (pelvis) and the rest (torso)
MASS_SHARE = {"pelvis": 0.1117, "torso": 0.3229, "head": 0.0694, "upper_arm": 0.0271, "forearm": 0.0162 + 0.0061,
              "thigh": 0.1416, "shank": 0.0433, "foot": 0.0137}
# where each segment's centre of mass lies, as a share of the segment from its proximal joint (de Leva; the
# forearm's includes the hand placed at the wrist; pelvis and torso from the mid-hip along the trunk)
COM_SHARE = {"pelvis": 0.1, "torso": 0.6, "head": 0.6, "upper_arm": 0.5772,
             "forearm": (0.0162 * 0.4574 + 0.0061) / 0.0223, "thigh": 0.4095, "shank": 0.4459, "foot": 0.4415}


@dataclass(frozen=True)
class Dimensions:
    """Segment lengths (m): joint centre to joint centre, as the keypoints place them."""

    pelvis_width: float = 0.20  # hip to hip
    trunk: float = 0.50  # mid-hip to mid-shoulder
    shoulder_width: float = 0.36
    head: float = 0.25  # mid-shoulder to nose
    upper_arm: float = 0.28
    forearm: float = 0.26  # elbow to wrist
    thigh: float = 0.42
    shank: float = 0.41
    foot: float = 0.15  # ankle to foot_index
    heel: float = 0.08  # ankle to heel

    def as_dict(self) -> dict[str, float]:
        return {f.name: round(float(getattr(self, f.name)), 4) for f in fields(self)}


# each length measured as the median distance between these two points (a virtual point is the mean of a pair)
_LENGTHS = {
    "pelvis_width": (("left_hip",), ("right_hip",)),
    "trunk": (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")),
    "shoulder_width": (("left_shoulder",), ("right_shoulder",)),
    "head": (("left_shoulder", "right_shoulder"), ("nose",)),
    "upper_arm": (("{s}_shoulder",), ("{s}_elbow",)),
    "forearm": (("{s}_elbow",), ("{s}_wrist",)),
    "thigh": (("{s}_hip",), ("{s}_knee",)),
    "shank": (("{s}_knee",), ("{s}_ankle",)),
    "foot": (("{s}_ankle",), ("{s}_foot_index",)),
    "heel": (("{s}_ankle",), ("{s}_heel",)),
}


def measure_dimensions(points: dict[str, np.ndarray]) -> Dimensions:
    """Segment lengths from a recording {keypoint: (N, 3) metres}: the median over frames (both sides pooled);
    a length whose points the recording lacks keeps its default scaled by the recording's thigh + shank."""
    default = Dimensions()

    def point(parts: tuple[str, ...], side: str) -> np.ndarray | None:
        names = [p.format(s=side) for p in parts]
        if any(n not in points for n in names):
            return None
        return np.mean([points[n] for n in names], axis=0)

    measured: dict[str, float] = {}
    for name, (a, b) in _LENGTHS.items():
        samples = []
        for side in ("left", "right") if "{s}" in a[0] else ("",):
            pa, pb = point(a, side), point(b, side)
            if pa is not None and pb is not None:
                samples.append(np.linalg.norm(pa - pb, axis=1))
        values = np.concatenate(samples) if samples else np.array([])
        values = values[np.isfinite(values)]
        if values.size:
            measured[name] = float(np.median(values))
    leg = measured.get("thigh", default.thigh) + measured.get("shank", default.shank)
    scale = leg / (default.thigh + default.shank)
    return Dimensions(**{f.name: measured.get(f.name, getattr(default, f.name) * scale) for f in fields(default)})


def _v(values) -> str:
    return " ".join(f"{float(v):.6g}" for v in values)


def _inertial(segment: str, end: np.ndarray, mass_kg: float, radius: float) -> str:
    """An <inertial> element: de Leva's mass at its share along the segment, a cylinder's inertia."""
    m = MASS_SHARE[segment] * mass_kg
    length = float(np.linalg.norm(end))
    along = m * (3 * radius ** 2 + length ** 2) / 12
    across = m * radius ** 2 / 2
    return f'<inertial pos="{_v(COM_SHARE[segment] * end)}" mass="{m:.6g}" diaginertia="{_v((along, along, across))}"/>'


def _capsule(start, end, radius: float, rgba: str) -> str:
    return (f'<geom type="capsule" fromto="{_v(start)} {_v(end)}" size="{radius:.4g}" rgba="{rgba}" '
            f'contype="0" conaffinity="0" mass="0"/>')


def humanoid_xml(dims: Dimensions, mass_kg: float = 70.0, floor_z: float = 0.0) -> str:
    """MJCF of the humanoid scaled to dims: pelvis free joint, HINGES, a site per keypoint (named as the
    keypoint), de Leva masses, a floor plane at floor_z; no contacts (the replay only poses the body)."""
    d = dims
    by_body: dict[str, list[Hinge]] = {}
    for h in HINGES:
        by_body.setdefault(h.body, []).append(h)

    def joints(body: str) -> str:
        return "".join(f'<joint name="{h.name}" type="hinge" axis="{_v(h.axis)}" limited="true" '
                       f'range="{h.range_deg[0]:g} {h.range_deg[1]:g}"/>' for h in by_body[body])

    skin, cloth, dark = "0.85 0.7 0.6 1", "0.2 0.45 0.8 1", "0.25 0.25 0.3 1"
    up = np.array([0.0, 0.0, 1.0])
    down = -up
    trunk_top = d.trunk * up
    parts = []
    for side, sign in (("l", 1.0), ("r", -1.0)):
        kp = "left" if side == "l" else "right"
        hip = np.array([0.0, sign * d.pelvis_width / 2, 0.0])
        shoulder = np.array([0.0, sign * d.shoulder_width / 2, d.trunk])
        foot = d.foot * np.array(FOOT_DIRECTION)
        heel = d.heel * np.array(HEEL_DIRECTION)
        parts.append((side, kp, hip, shoulder, foot, heel))

    def leg(side, kp, hip, foot, heel) -> str:
        return (
            f'<body name="thigh_{side}" pos="{_v(hip)}">{joints(f"thigh_{side}")}'
            f'{_inertial("thigh", d.thigh * down, mass_kg, 0.06)}'
            f'{_capsule((0, 0, 0), d.thigh * down, 0.06, cloth)}<site name="{kp}_knee" pos="{_v(d.thigh * down)}"/>'
            f'<body name="shank_{side}" pos="{_v(d.thigh * down)}">{joints(f"shank_{side}")}'
            f'{_inertial("shank", d.shank * down, mass_kg, 0.045)}'
            f'{_capsule((0, 0, 0), d.shank * down, 0.045, skin)}<site name="{kp}_ankle" pos="{_v(d.shank * down)}"/>'
            f'<body name="foot_{side}" pos="{_v(d.shank * down)}">{joints(f"foot_{side}")}'
            f'{_inertial("foot", foot - heel, mass_kg, 0.035)}'
            f'{_capsule(heel, foot, 0.035, dark)}'
            f'<site name="{kp}_foot_index" pos="{_v(foot)}"/><site name="{kp}_heel" pos="{_v(heel)}"/>'
            f'</body></body></body>')

    def arm(side, kp, shoulder) -> str:
        return (
            f'<body name="upper_arm_{side}" pos="{_v(shoulder)}">{joints(f"upper_arm_{side}")}'
            f'{_inertial("upper_arm", d.upper_arm * down, mass_kg, 0.04)}'
            f'{_capsule((0, 0, 0), d.upper_arm * down, 0.04, cloth)}'
            f'<site name="{kp}_shoulder" pos="0 0 0"/><site name="{kp}_elbow" pos="{_v(d.upper_arm * down)}"/>'
            f'<body name="forearm_{side}" pos="{_v(d.upper_arm * down)}">{joints(f"forearm_{side}")}'
            f'{_inertial("forearm", d.forearm * down, mass_kg, 0.035)}'
            f'{_capsule((0, 0, 0), d.forearm * down, 0.035, skin)}'
            f'<site name="{kp}_wrist" pos="{_v(d.forearm * down)}"/></body></body>')

    nose = d.head * np.array(NOSE_DIRECTION)
    stand_z = floor_z + d.thigh + d.shank + d.heel * abs(HEEL_DIRECTION[2])
    hips = "".join(f'<site name="{kp}_hip" pos="{_v(hip)}"/>' for _, kp, hip, *_ in parts)
    body = (
        f'<body name="pelvis" pos="0 0 {stand_z:.6g}"><freejoint name="pelvis"/>'
        f'{_inertial("pelvis", trunk_top, mass_kg, d.pelvis_width / 2)}'
        f'{_capsule(parts[0][2], parts[1][2], 0.07, cloth)}{hips}'
        + "".join(leg(side, kp, hip, foot, heel) for side, kp, hip, _, foot, heel in parts)
        + f'<body name="torso" pos="0 0 0">{joints("torso")}'
        f'{_inertial("torso", trunk_top, mass_kg, d.shoulder_width / 2)}'
        f'{_capsule((0, 0, 0.1 * d.trunk), 0.85 * trunk_top, 0.11, cloth)}'
        f'{_capsule(parts[0][3], parts[1][3], 0.05, cloth)}'
        f'<body name="head" pos="{_v(trunk_top)}">{joints("head")}'
        f'{_inertial("head", nose, mass_kg, 0.09)}'
        f'{_capsule((0, 0, 0), 0.4 * nose, 0.05, skin)}'
        f'<geom type="sphere" pos="{_v(0.8 * nose - np.array([0.08, 0.0, 0.0]))}" size="0.1" '
        f'rgba="{skin}" contype="0" conaffinity="0" mass="0"/><site name="nose" pos="{_v(nose)}"/></body>'
        + "".join(arm(side, kp, shoulder) for side, kp, _, shoulder, *_ in parts)
        + "</body></body>")
    return (
        '<mujoco model="sportlens-replay-humanoid"><compiler angle="degree" inertiafromgeom="false"/>'
        '<option gravity="0 0 -9.81"/>'
        '<visual><headlight ambient="0.4 0.4 0.4" diffuse="0.5 0.5 0.5"/><global offwidth="1920" offheight="1080"/>'
        '</visual><asset><texture type="skybox" builtin="gradient" rgb1="0.55 0.7 0.88" rgb2="0.95 0.96 0.98" '
        'width="256" height="256"/><texture name="grid" type="2d" builtin="checker" width="256" height="256" '
        'rgb1="0.82 0.84 0.86" rgb2="0.72 0.74 0.77"/><material name="grid" texture="grid" texrepeat="8 8"/>'
        '</asset><worldbody><light pos="0 0 6" dir="0 0 -1" directional="true"/>'
        f'<geom name="floor" type="plane" pos="0 0 {floor_z:.6g}" size="20 20 0.1" material="grid" '
        f'contype="0" conaffinity="0"/>{body}</worldbody></mujoco>')


def import_mujoco():
    """The mujoco module; a UserError when MUJOCO_GL names a GL backend this machine cannot load (mujoco loads it
    on import)."""
    import os

    try:
        import mujoco
    except (ImportError, AttributeError, RuntimeError, OSError) as error:
        from sportlens.errors import UserError

        backend = os.environ.get("MUJOCO_GL")
        if not backend:
            raise
        raise UserError(f"mujoco cannot load with MUJOCO_GL={backend} ({type(error).__name__}: {error})",
                        hint="unset MUJOCO_GL (the replay tries EGL, then OSMesa, itself) or name a backend this "
                             "machine has") from None
    return mujoco


def build_model(dims: Dimensions, mass_kg: float = 70.0, floor_z: float = 0.0):
    """The compiled mujoco.MjModel of humanoid_xml."""
    mujoco = import_mujoco()

    return mujoco.MjModel.from_xml_string(humanoid_xml(dims, mass_kg, floor_z))


def pose_model(model, angles_deg: dict[str, float], pelvis_xyz=(0.0, 0.0, 1.0), pelvis_yaw_deg: float = 0.0,
               pelvis_lean_deg: float = 0.0) -> np.ndarray:
    """qpos of the model with the pelvis at pelvis_xyz (m), turned pelvis_yaw_deg about Z and leaning
    pelvis_lean_deg forward, and the named hinges at angles_deg (others 0)."""
    mujoco = import_mujoco()

    qpos = model.qpos0.copy()
    qpos[:3] = pelvis_xyz
    yaw, lean = np.radians(pelvis_yaw_deg) / 2, np.radians(pelvis_lean_deg) / 2
    quat = np.zeros(4)
    mujoco.mju_mulQuat(quat, np.array([np.cos(yaw), 0, 0, np.sin(yaw)]), np.array([np.cos(lean), 0, np.sin(lean), 0]))
    qpos[3:7] = quat
    for name, value in angles_deg.items():
        qpos[model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)]] = np.radians(value)
    return qpos


def site_positions(model, qpos_rows: np.ndarray) -> dict[str, np.ndarray]:
    """Forward kinematics: {keypoint: (N, 3)} of the model's sites (MuJoCo's frame, Z up) for each qpos row."""
    mujoco = import_mujoco()

    data = mujoco.MjData(model)
    ids = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, s) for s in SITES]
    out = np.zeros((len(qpos_rows), len(SITES), 3))
    for i, q in enumerate(qpos_rows):
        data.qpos[:] = q
        mujoco.mj_kinematics(model, data)
        out[i] = data.site_xpos[ids]
    return {name: out[:, k] for k, name in enumerate(SITES)}


def demo_motion(n_frames: int = 60, fps: float = 30.0) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """A squat with a side arm raise (to 55 degrees, clear of the shoulder's gimbal pose at 90) and a trunk turn
    while moving forward 0.5 m: (pelvis xyz (N, 3), trunk lean (N,) degrees, the hinge angles (degrees) per
    frame). Knees and elbows stay bent, so every hinge shows in the keypoints."""
    t = np.arange(n_frames) / fps
    phase = 0.5 * (1 - np.cos(2 * np.pi * t / max(t[-1], 1e-9))) if n_frames > 1 else np.zeros(1)
    frames = []
    for p in phase:
        frames.append({
            "hip_flexion_l": 20 + 70 * p, "hip_flexion_r": 25 + 65 * p, "knee_flexion_l": 20 + 90 * p,
            "knee_flexion_r": 25 + 85 * p, "ankle_flexion_l": 5 + 20 * p, "ankle_flexion_r": 3 + 22 * p,
            "hip_abduction_l": 8 + 5 * p, "hip_abduction_r": 6 + 6 * p, "hip_rotation_l": 10 - 15 * p,
            "hip_rotation_r": -5 + 12 * p, "spine_bending": 5 * p,
            "spine_rotation": 20 * p - 5, "neck_flexion": 10 - 20 * p, "neck_bending": 8 * p,
            "shoulder_flexion_l": 15 + 40 * p, "shoulder_flexion_r": 10 + 30 * p,
            "shoulder_abduction_l": 20 + 35 * p, "shoulder_abduction_r": 15 + 40 * p,
            "shoulder_rotation_l": 20 - 30 * p, "shoulder_rotation_r": 10 + 25 * p,
            "elbow_flexion_l": 40 + 50 * p, "elbow_flexion_r": 60 + 30 * p})
    pelvis = np.column_stack([0.5 * t / max(t[-1], 1e-9), np.zeros(n_frames), 0.9 - 0.3 * phase])
    return pelvis, 5 + 30 * phase, frames


def write_demo_trc(target, n_frames: int = 60, fps: float = 30.0, dims: Dimensions | None = None,
                   yaw_deg: float = 30.0):
    """A pose3d.trc (OpenSim Y up, metres) of demo_motion made by the humanoid itself; returns (path, qpos rows)."""
    from sportlens.io.opensim import write_trc

    model = build_model(dims or Dimensions())
    pelvis, lean, frames = demo_motion(n_frames, fps)
    qpos = np.stack([pose_model(model, angles, xyz, yaw_deg, tilt)
                     for xyz, tilt, angles in zip(pelvis, lean, frames, strict=True)])
    markers = {name: np.stack([p[:, 0], p[:, 2], -p[:, 1]], axis=1) for name, p in site_positions(model, qpos).items()}
    return write_trc(target, np.arange(n_frames) / fps, markers, fps), qpos
