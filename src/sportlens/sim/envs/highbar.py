"""`sportlens/HighBarSwing-v0`: a gymnast on the high bar as a double pendulum with an actuated hip.

Model (side view, bar at the origin, angles from the downward vertical, positive anticlockwise): link 1 is the
arms, head and trunk (hands on the bar to the hip; a passive, frictional joint at the bar: the hands), link 2
the legs (hip to feet). q1 is the angle of link 1, q2 the hip angle relative to link 1 (0 straight, > 0 flexion
or pike, < 0 extension or arch). The hip torque tau (N m) drives link 2 against link 1; the equations of motion
are the acrobot's (Spong 1995) with the mass, length, centre-of-mass and inertia of each link as parameters:

    M(q) q_ddot + C(q, q_dot) + G(q) = [-bar_damping q1_dot, tau + tau_limit]

with soft hip limits (a stiff spring-damper beyond the flexion and extension range). The default body is a
65 kg, 1.65 m gymnast from de Leva's (1996) segment table (head, arms, trunk: 67.8 % of the mass; both legs
32.2 %), with arms overhead. Hip torque limits: 200 N m flexion and 250 N m extension (both hips together,
about 1.5 and 1.9 N m/kg per hip): below the peak isometric values reported for young adults (about 2-3 N m/kg
per hip, e.g. Anderson, Madigan & Nussbaum 2007), because a swing needs the torque at speed.

Energy E = kinetic + potential (J, potential zero hanging at rest; the hip-limit springs' energy included).
Goal "giant" (HighBarSwing-v0): a full circle from the hang, i.e. |q1| reaches 2 pi; goal "release"
(HighBarRelease-v0): the centre of mass reaches `release_height_m` above the bar.
Observation (float32): [cos q1, sin q1, q2 (rad), q1_dot (rad/s), q2_dot (rad/s)]. Action: Box(-1, 1, (1,))
-> tau = u * flexion limit (u > 0) or u * extension limit (u < 0); the discrete variant: {0, 1, 2} -> u = -1, 0,
+1. Reward per step: (E' - E) / E_handstand (potential-based shaping; E_handstand is the energy of a still
handstand over the bar) - 0.005, +1 on reaching the goal. Integration: fixed-step RK4; seeded starts near the
hang.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sportlens.constants import STANDARD_GRAVITY
from sportlens.sim.canvas import RenderedEnv
from sportlens.sim.errors import SimArgumentError, check_non_negative, check_positive
from sportlens.sim.integrate import rk4_steps

STEP_PENALTY = 0.005
SUCCESS_BONUS = 1.0
GOALS = ("giant", "release")
VELOCITY_BOUND_RAD_S = 60.0


def action_to_command(action: Any, discrete: bool) -> float:
    if not discrete:
        value = np.asarray(action, dtype=np.float64).reshape(-1)
        if value.size != 1 or not np.isfinite(value[0]):
            raise SimArgumentError(f"HighBarSwing action must be one finite number in [-1, 1], got {action!r}")
        return float(np.clip(value[0], -1.0, 1.0))
    raw = np.asarray(action)
    if raw.size != 1 or raw.item() not in (0, 1, 2):
        raise SimArgumentError(f"HighBarSwing action must be 0, 1 or 2 (extend, relax, flex), got {action!r}")
    return float(int(raw.item()) - 1)


def coach_command(obs: np.ndarray, env: HighBarSwingEnv | None = None) -> float:
    """The coach's technique as a hip command u in [-1, 1]. Below the bar (arms more than about 107 degrees from
    the hang) drive the hips with full torque the way the arms swing (u = sign(q1_dot cos q1)): the legs whip
    behind and the swing grows by a few degrees each time; over the top straighten the body (a PD rule to a
    straight hip) and let it rotate over the bar. env is accepted for coaches that need the body's parameters."""
    cos1, _, q2, w1, w2 = (float(v) for v in obs[:5])
    if cos1 < -0.3:
        return float(np.clip(3.0 * (0.0 - q2) - 0.3 * w2, -1.0, 1.0))
    return 1.0 if w1 * cos1 >= 0 else -1.0


class HighBarSwingEnv(RenderedEnv, gym.Env):
    """A gymnast swinging on the high bar by hip action (SI units; see the module docstring)."""

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 25}
    observation_names = ("cos_q1", "sin_q1", "hip_rad", "q1_dot_rad_s", "hip_dot_rad_s")

    def __init__(self, upper_mass_kg: float = 44.1, upper_length_m: float = 1.08, upper_com_m: float = 0.73,
                 upper_inertia_kgm2: float = 3.0, leg_mass_kg: float = 20.9, leg_length_m: float = 0.87,
                 leg_com_m: float = 0.38, leg_inertia_kgm2: float = 1.4, flexion_torque_nm: float = 200.0,
                 extension_torque_nm: float = 250.0, hip_flexion_limit_rad: float = 2.6,
                 hip_extension_limit_rad: float = 0.5, limit_stiffness_nm_rad: float = 20000.0,
                 limit_damping_nms_rad: float = 300.0, bar_damping_nms_rad: float = 0.5,
                 gravity_mps2: float = STANDARD_GRAVITY, dt_s: float = 0.04, substeps: int = 8,
                 start_angle_rad: float = 0.3, goal: str = "giant", release_height_m: float = 0.5,
                 discrete: bool = False, render_mode: str | None = None):
        self.m1 = check_positive("upper_mass_kg", upper_mass_kg)
        self.l1 = check_positive("upper_length_m", upper_length_m)
        self.lc1 = check_positive("upper_com_m", upper_com_m)
        self.i1 = check_positive("upper_inertia_kgm2", upper_inertia_kgm2)
        self.m2 = check_positive("leg_mass_kg", leg_mass_kg)
        self.l2 = check_positive("leg_length_m", leg_length_m)
        self.lc2 = check_positive("leg_com_m", leg_com_m)
        self.i2 = check_positive("leg_inertia_kgm2", leg_inertia_kgm2)
        if self.lc1 >= self.l1 or self.lc2 >= self.l2:
            raise SimArgumentError("a link's centre of mass must lie within it: upper_com_m < upper_length_m and "
                                   "leg_com_m < leg_length_m")
        self.flexion_torque_nm = check_non_negative("flexion_torque_nm", flexion_torque_nm)
        self.extension_torque_nm = check_non_negative("extension_torque_nm", extension_torque_nm)
        self.flex_limit = check_positive("hip_flexion_limit_rad", hip_flexion_limit_rad)
        self.ext_limit = check_positive("hip_extension_limit_rad", hip_extension_limit_rad)
        self.limit_k = check_positive("limit_stiffness_nm_rad", limit_stiffness_nm_rad)
        self.limit_c = check_non_negative("limit_damping_nms_rad", limit_damping_nms_rad)
        self.bar_c = check_non_negative("bar_damping_nms_rad", bar_damping_nms_rad)
        self.g = check_positive("gravity_mps2", gravity_mps2)
        self.dt_s = check_positive("dt_s", dt_s)
        self.substeps = int(check_positive("substeps", substeps))
        self.start_angle_rad = check_non_negative("start_angle_rad", start_angle_rad)
        if self.start_angle_rad >= math.pi / 2:
            raise SimArgumentError(
                f"start_angle_rad must be below pi/2 (a start near the hang), got {start_angle_rad:g}")
        if goal not in GOALS:
            raise SimArgumentError(f"goal must be one of {', '.join(GOALS)}, got {goal!r}")
        self.goal = goal
        self.release_height_m = check_positive("release_height_m", release_height_m)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise SimArgumentError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.discrete = bool(discrete)
        self.total_mass = self.m1 + self.m2
        # energy of a still handstand over the bar, above the still hang
        self.goal_energy_j = 2 * self.g * (self.m1 * self.lc1 + self.m2 * (self.l1 + self.lc2))
        high = np.array([1, 1, math.pi, VELOCITY_BOUND_RAD_S, VELOCITY_BOUND_RAD_S], np.float32)
        self.observation_space = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Discrete(3) if self.discrete else spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.state = np.zeros(4)  # q1, q2, q1_dot, q2_dot (q1 not wrapped: it counts the circles)
        self.time_s = 0.0
        self.peak_com_height_m = -math.inf
        self._view = self._window = self._trace = None

    # ---- physics ---------------------------------------------------------------------------------------
    def hip_torque(self, u: float) -> float:
        return u * (self.flexion_torque_nm if u > 0 else self.extension_torque_nm)

    def limit_torque(self, q2: float, w2: float) -> float:
        """The hip's passive torque beyond its range: spring plus damper (N m), zero inside the range."""
        if q2 > self.flex_limit:
            return -self.limit_k * (q2 - self.flex_limit) - self.limit_c * w2
        if q2 < -self.ext_limit:
            return -self.limit_k * (q2 + self.ext_limit) - self.limit_c * w2
        return 0.0

    def derivative(self, y: np.ndarray, tau: float) -> np.ndarray:
        q1, q2, w1, w2 = y
        m1, m2, l1, lc1, lc2, g = self.m1, self.m2, self.l1, self.lc1, self.lc2, self.g
        c2, s2 = math.cos(q2), math.sin(q2)
        d11 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * c2) + self.i1 + self.i2
        d12 = m2 * (lc2**2 + l1 * lc2 * c2) + self.i2
        d22 = m2 * lc2**2 + self.i2
        h = m2 * l1 * lc2 * s2
        c1 = -h * (2 * w1 * w2 + w2 * w2)
        c2_ = h * w1 * w1
        g1 = (m1 * lc1 + m2 * l1) * g * math.sin(q1) + m2 * lc2 * g * math.sin(q1 + q2)
        g2 = m2 * lc2 * g * math.sin(q1 + q2)
        f1 = -self.bar_c * w1 - c1 - g1
        f2 = tau + self.limit_torque(q2, w2) - c2_ - g2
        det = d11 * d22 - d12 * d12
        a1 = (d22 * f1 - d12 * f2) / det
        a2 = (d11 * f2 - d12 * f1) / det
        return np.array([w1, w2, a1, a2])

    def energy(self, state: np.ndarray | None = None) -> float:
        """Mechanical energy (J) above the still hang: kinetic, gravity and the hip-limit springs."""
        q1, q2, w1, w2 = self.state if state is None else state
        m1, m2, l1, lc1, lc2, g = self.m1, self.m2, self.l1, self.lc1, self.lc2, self.g
        c2 = math.cos(q2)
        d11 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * c2) + self.i1 + self.i2
        d12 = m2 * (lc2**2 + l1 * lc2 * c2) + self.i2
        d22 = m2 * lc2**2 + self.i2
        kinetic = 0.5 * (d11 * w1 * w1 + 2 * d12 * w1 * w2 + d22 * w2 * w2)
        potential = -(m1 * lc1 + m2 * l1) * g * math.cos(q1) - m2 * lc2 * g * math.cos(q1 + q2)
        hang = -(m1 * lc1 + m2 * (l1 + lc2)) * g
        over = max(q2 - self.flex_limit, 0.0) + max(-self.ext_limit - q2, 0.0)
        return kinetic + potential - hang + 0.5 * self.limit_k * over * over

    def points(self, state: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Bar, hip, feet and centre of mass (x, y) in m, the bar at the origin."""
        q1, q2 = (self.state if state is None else state)[:2]
        e1 = np.array([math.sin(q1), -math.cos(q1)])
        e2 = np.array([math.sin(q1 + q2), -math.cos(q1 + q2)])
        hip = self.l1 * e1
        com = (self.m1 * self.lc1 * e1 + self.m2 * (hip + self.lc2 * e2)) / self.total_mass
        return {"bar": np.zeros(2), "hip": hip, "feet": hip + self.l2 * e2, "com": com,
                "shoulder": 0.6 * self.l1 * e1}

    def _success(self) -> bool:
        if self.goal == "giant":
            return bool(abs(self.state[0]) >= 2 * math.pi)
        return bool(self.points()["com"][1] >= self.release_height_m)

    # ---- Gymnasium API ---------------------------------------------------------------------------------
    def _observation(self) -> np.ndarray:
        q1, q2, w1, w2 = self.state
        obs = np.array([math.cos(q1), math.sin(q1), q2, w1, w2], np.float32)
        return np.clip(obs, self.observation_space.low, self.observation_space.high)

    def _info(self) -> dict[str, Any]:
        com_y = float(self.points()["com"][1])
        self.peak_com_height_m = max(self.peak_com_height_m, com_y)
        return {"energy_j": self.energy(), "energy_fraction": self.energy() / self.goal_energy_j,
                "time_s": self.time_s, "circles": float(self.state[0] / (2 * math.pi)), "com_height_m": com_y,
                "peak_com_height_m": self.peak_com_height_m, "success": self._success()}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        a = self.start_angle_rad
        q1 = self.np_random.uniform(-a, a)
        q2 = self.np_random.uniform(-0.1, 0.1)
        self.state = np.array([q1, q2, 0.0, 0.0])
        self.time_s = 0.0
        self.peak_com_height_m = -math.inf
        if self._trace is not None:
            self._trace.clear()
        if self.render_mode == "human":
            self.render()
        return self._observation(), self._info()

    def step(self, action):
        tau = self.hip_torque(action_to_command(action, self.discrete))
        before = self.energy()
        h = self.dt_s / self.substeps
        self.state = rk4_steps(lambda y: self.derivative(y, tau), self.state, h, self.substeps)
        self.time_s += self.dt_s
        if not np.isfinite(self.state).all():
            raise SimArgumentError("HighBarSwing state became non-finite: lower dt_s or raise substeps")
        info = self._info()
        success = info["success"]
        reward = (self.energy() - before) / self.goal_energy_j - STEP_PENALTY + (SUCCESS_BONUS if success else 0.0)
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(reward), bool(success), False, info

    # ---- drawing ---------------------------------------------------------------------------------------
    def _make_view(self):
        from sportlens.sim.canvas import SideView, Trace

        reach = self.l1 + self.l2 + 0.2
        return SideView(560, 480, (-reach, reach), (-reach, reach)), Trace(200)

    def draw_frame(self) -> np.ndarray:
        from sportlens.sim.canvas import ATHLETE, STRUCTURE, draw_energy_bar, draw_text

        view = self._view
        image = view.blank()
        reach = self.l1 + self.l2 + 0.2
        view.line(image, (0.0, 0.0), (-0.05, -reach), STRUCTURE, 2)  # an upright of the bar, for scale
        p = self.points()
        self._trace.add(*p["feet"])
        self._trace.draw(view, image)
        view.line(image, p["bar"], p["shoulder"], ATHLETE, 3)  # arms
        view.line(image, p["shoulder"], p["hip"], ATHLETE, 6)  # trunk
        view.line(image, p["hip"], p["feet"], ATHLETE, 5)  # legs
        head = p["shoulder"] * 0.8
        view.disc(image, head, 0.1, ATHLETE)
        view.disc(image, p["com"], 0.05, (239, 83, 80))
        view.disc(image, p["bar"], 0.03, STRUCTURE)
        draw_energy_bar(image, self.energy() / self.goal_energy_j)
        draw_text(image, f"t {self.time_s:5.2f} s   circles {self.state[0] / (2 * math.pi):+.2f}   hip "
                         f"{math.degrees(self.state[1]):+4.0f} deg", (12, 20))
        return image
