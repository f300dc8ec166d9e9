"""`sportlens/HalfPipe-v0`: a skater pumping on a circular half-pipe.

Model (side view, pipe centre O at height R above the bottom, angle theta from the downward vertical through
O, positive towards the right wall): the skater is a point mass m whose centre of mass (CoM) rides at
distance r from O on the radial line through the board; the board rolls on the surface at radius R. The
skater chooses how fast the CoM rises or sinks along that line: r_dot = -u v_max (u = +1 stands up, i.e.
raises the CoM towards O; u = -1 crouches), slowed to zero in the last `limit_band_m` before the CoM
radius limits [com_radius_min_m (standing), com_radius_max_m (crouched)].

The legs push along the radial line, so they exert no moment about O: angular momentum L = m r^2 omega
changes only through gravity and rolling friction,

    d(m r^2 omega)/dt = -m g r sin(theta) - mu N R tanh(omega / 0.05),   N = m (g cos(theta) + r omega^2),

i.e. omega_dot = -(g sin(theta) + 2 r_dot omega) / r - mu R (g cos(theta) + r omega^2) tanh(omega / 0.05) / r^2.
Standing up at the bottom (r falls while L is kept) spins the skater faster, and the legs' work against the
felt load m (g cos(theta) + r omega^2) is the energy gained; crouching at the top, where the load is small,
costs little. That is how real pumping works: no push force anywhere.

Swing energy E = m r^2 omega^2 / 2 + m g (R - r cos(theta)) (J; the CoM height is measured from the bottom of
the pipe; the small kinetic energy of the radial leg motion is left out). The coping is at
theta_c = arccos(1 - deck_height_m / R); the episode ends with success when |theta| reaches theta_c.

Observation (float32): [theta (rad), omega (rad/s), stance] with stance = (r_max - r) / (r_max - r_min),
0 crouched, 1 standing. Action: Discrete(3) -> u = -1 (crouch), 0 (hold), +1 (stand up); the continuous
variant takes Box(-1, 1, (1,)) -> u. Reward per step: reach' - reach (a potential-based shaping term) -0.005
(0.1 per simulated second at the default 0.05 s step), +1 on reaching the coping. reach = (1 - cos theta_max) /
(1 - cos theta_c) is how far up the wall (as a share of the coping height) the board would turn if the skater
held the current stance: cos theta_max = cos theta - r omega^2 / (2 g). Unlike the energy, it does not pay for
standing up as such (standing at the top gains potential energy but no reach): it pays for pumping in phase.
E_c = m g (R - r_mid cos(theta_c)), the energy at rest at the coping, scales the energy bar.
Integration: fixed-step RK4, `substeps` per control step; all randomness from the reset seed.
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

FRICTION_SMOOTHING_RAD_S = 0.05  # tanh(omega / this) replaces sign(omega): no chatter at the turning points
STEP_PENALTY = 0.005
SUCCESS_BONUS = 1.0


def action_to_command(action: Any, continuous: bool) -> float:
    """The leg command u in [-1, 1] from an action of either variant; SimArgumentError for a bad one."""
    if continuous:
        value = np.asarray(action, dtype=np.float64).reshape(-1)
        if value.size != 1 or not np.isfinite(value[0]):
            raise SimArgumentError(f"HalfPipe action must be one finite number in [-1, 1], got {action!r}")
        return float(np.clip(value[0], -1.0, 1.0))
    try:
        index = int(np.asarray(action).item())
    except (TypeError, ValueError):
        raise SimArgumentError(f"HalfPipe action must be 0, 1 or 2 (crouch, hold, stand up), got {action!r}") from None
    if index not in (0, 1, 2) or np.asarray(action).item() != index:
        raise SimArgumentError(f"HalfPipe action must be 0, 1 or 2 (crouch, hold, stand up), got {action!r}")
    return float(index - 1)


class HalfPipeEnv(RenderedEnv, gym.Env):
    """A skater on a circular half-pipe who gains height by pumping (SI units; see the module docstring)."""

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 20}
    observation_names = ("theta_rad", "omega_rad_s", "stance")

    def __init__(self, radius_m: float = 3.0, deck_height_m: float = 2.0, mass_kg: float = 70.0,
                 com_radius_min_m: float = 2.0, com_radius_max_m: float = 2.4, leg_speed_mps: float = 1.5,
                 rolling_friction: float = 0.01, gravity_mps2: float = STANDARD_GRAVITY, dt_s: float = 0.05,
                 substeps: int = 5, start_angle_rad: tuple[float, float] = (0.2, 0.5), continuous: bool = False,
                 limit_band_m: float = 0.03, render_mode: str | None = None):
        self.radius_m = check_positive("radius_m", radius_m)
        self.deck_height_m = check_positive("deck_height_m", deck_height_m)
        if self.deck_height_m > self.radius_m:
            raise SimArgumentError(f"deck_height_m ({deck_height_m:g}) must not exceed radius_m ({radius_m:g}): "
                                   "this model has no vertical wall above the transition")
        self.mass_kg = check_positive("mass_kg", mass_kg)
        self.com_radius_min_m = check_positive("com_radius_min_m", com_radius_min_m)
        self.com_radius_max_m = check_positive("com_radius_max_m", com_radius_max_m)
        if not self.com_radius_min_m < self.com_radius_max_m < self.radius_m:
            raise SimArgumentError(
                f"CoM radii must satisfy com_radius_min_m < com_radius_max_m < radius_m, got {com_radius_min_m:g}, "
                f"{com_radius_max_m:g}, {radius_m:g}")
        self.leg_speed_mps = check_positive("leg_speed_mps", leg_speed_mps)
        self.rolling_friction = check_non_negative("rolling_friction", rolling_friction)
        self.gravity_mps2 = check_positive("gravity_mps2", gravity_mps2)
        self.dt_s = check_positive("dt_s", dt_s)
        self.substeps = int(check_positive("substeps", substeps))
        self.limit_band_m = check_positive("limit_band_m", limit_band_m)
        low, high = (float(a) for a in start_angle_rad)
        if not 0 <= low <= high < math.acos(1 - self.deck_height_m / self.radius_m):
            raise SimArgumentError(f"start_angle_rad must be (low, high) with 0 <= low <= high below the coping angle, "
                                   f"got {start_angle_rad!r}")
        self.start_angle_rad = (low, high)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise SimArgumentError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.continuous = bool(continuous)

        self.coping_angle_rad = math.acos(1 - self.deck_height_m / self.radius_m)
        r_mid = 0.5 * (self.com_radius_min_m + self.com_radius_max_m)
        self.goal_energy_j = self.mass_kg * self.gravity_mps2 * (
            self.radius_m - r_mid * math.cos(self.coping_angle_rad))
        # no reachable state spins faster: all of the goal energy as speed at the smallest radius, times the
        # spin-up of standing from crouched at constant angular momentum, twice over for margin
        omega_bound = 2 * math.sqrt(2 * self.goal_energy_j / self.mass_kg) / self.com_radius_min_m * (
            self.com_radius_max_m / self.com_radius_min_m) ** 2
        self.observation_space = spaces.Box(np.array([-math.pi / 2, -omega_bound, 0.0], np.float32),
                                            np.array([math.pi / 2, omega_bound, 1.0], np.float32), dtype=np.float32)
        self.action_space = (spaces.Box(-1.0, 1.0, (1,), np.float32) if self.continuous else spaces.Discrete(3))
        self.state = np.zeros(3)  # theta (rad), omega (rad/s), r (m)
        self.time_s = 0.0
        self._view = self._window = self._trace = None

    # ---- physics ---------------------------------------------------------------------------------------
    def com_rate(self, r: float, u: float) -> float:
        """r_dot (m/s) for command u: -u v_max, eased to zero inside limit_band_m of the radius limits."""
        rate = -u * self.leg_speed_mps
        if rate < 0:
            room = (r - self.com_radius_min_m) / self.limit_band_m
        else:
            room = (self.com_radius_max_m - r) / self.limit_band_m
        return rate * min(max(room, 0.0), 1.0)

    def derivative(self, y: np.ndarray, u: float) -> np.ndarray:
        theta, omega, r = y
        g, radius = self.gravity_mps2, self.radius_m
        r_dot = self.com_rate(r, u)
        load = g * math.cos(theta) + r * omega * omega  # normal force per unit mass (m/s^2)
        friction = self.rolling_friction * radius * load * math.tanh(omega / FRICTION_SMOOTHING_RAD_S) / (r * r)
        omega_dot = -(g * math.sin(theta) + 2.0 * r_dot * omega) / r - friction
        return np.array([omega, omega_dot, r_dot])

    def energy(self, state: np.ndarray | None = None) -> float:
        """Swing energy E (J) of a state [theta, omega, r] (the current one by default)."""
        theta, omega, r = self.state if state is None else state
        return 0.5 * self.mass_kg * (r * omega) ** 2 + self.mass_kg * self.gravity_mps2 * (
            self.radius_m - r * math.cos(theta))

    def reach(self, state: np.ndarray | None = None) -> float:
        """How high up the wall the board would turn holding the current stance, as a share of the coping
        height: (1 - cos theta_max) / (1 - cos theta_c) with cos theta_max = cos theta - r omega^2 / (2 g)."""
        theta, omega, r = self.state if state is None else state
        cos_max = max(math.cos(theta) - r * omega * omega / (2 * self.gravity_mps2), -1.0)
        return (1 - cos_max) / (1 - math.cos(self.coping_angle_rad))

    def com_position(self, state: np.ndarray | None = None) -> tuple[float, float]:
        """CoM (x, y) in m; x right from the pipe's middle, y up from its bottom."""
        theta, _, r = self.state if state is None else state
        return r * math.sin(theta), self.radius_m - r * math.cos(theta)

    # ---- Gymnasium API ---------------------------------------------------------------------------------
    def _observation(self) -> np.ndarray:
        theta, omega, r = self.state
        stance = (self.com_radius_max_m - r) / (self.com_radius_max_m - self.com_radius_min_m)
        obs = np.array([theta, omega, stance], np.float32)
        return np.clip(obs, self.observation_space.low, self.observation_space.high)

    def _info(self) -> dict[str, Any]:
        return {"energy_j": self.energy(), "energy_fraction": self.energy() / self.goal_energy_j,
                "reach": self.reach(), "time_s": self.time_s, "com_radius_m": float(self.state[2]),
                "success": bool(abs(self.state[0]) >= self.coping_angle_rad)}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        low, high = self.start_angle_rad
        theta = self.np_random.uniform(low, high) * self.np_random.choice([-1.0, 1.0])
        r = self.np_random.uniform(self.com_radius_min_m, self.com_radius_max_m)
        self.state = np.array([theta, 0.0, r])
        self.time_s = 0.0
        if self._trace is not None:
            self._trace.clear()
        if self.render_mode == "human":
            self.render()
        return self._observation(), self._info()

    def step(self, action):
        u = action_to_command(action, self.continuous)
        before = self.reach()
        h = self.dt_s / self.substeps
        self.state = rk4_steps(lambda y: self.derivative(y, u), self.state, h, self.substeps)
        self.time_s += self.dt_s
        if not np.isfinite(self.state).all():  # cannot happen with valid parameters; never hand NaN on
            raise SimArgumentError("HalfPipe state became non-finite: lower dt_s or raise substeps")
        success = abs(self.state[0]) >= self.coping_angle_rad
        reward = self.reach() - before - STEP_PENALTY + (SUCCESS_BONUS if success else 0.0)
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(reward), bool(success), False, self._info()

    # ---- drawing ---------------------------------------------------------------------------------------
    def _make_view(self):
        from sportlens.sim.canvas import SideView, Trace

        half_width = self.radius_m * math.sin(self.coping_angle_rad) + 1.2
        return SideView(640, 400, (-half_width, half_width), (-0.2, self.deck_height_m + 1.6)), Trace(160)

    def draw_frame(self) -> np.ndarray:
        from sportlens.sim.canvas import ATHLETE, STRUCTURE, draw_energy_bar, draw_text

        view, R = self._view, self.radius_m
        image = view.blank()
        arc = np.linspace(-self.coping_angle_rad, self.coping_angle_rad, 120)
        view.polyline(image, R * np.sin(arc), R - R * np.cos(arc), STRUCTURE, 3)
        edge = R * math.sin(self.coping_angle_rad)
        for side in (-1, 1):  # the decks
            view.line(image, (side * edge, self.deck_height_m), (side * (edge + 1.0), self.deck_height_m), STRUCTURE)
        theta, _, r = self.state
        s, c = math.sin(theta), math.cos(theta)
        board = np.array([R * s, R - R * c])
        tangent = np.array([c, s]) * 0.4
        view.line(image, board - tangent, board + tangent, (60, 60, 60), 4)
        com = np.array([r * s, R - r * c])
        head = np.array([(R - 1.75 * (R - r)) * s, R - (R - 1.75 * (R - r)) * c])
        self._trace.add(*com)
        self._trace.draw(view, image)
        view.line(image, board, com, ATHLETE, 4)
        view.line(image, com, head, ATHLETE, 4)
        view.disc(image, head, 0.11, ATHLETE)
        view.disc(image, com, 0.05, (239, 83, 80))
        draw_energy_bar(image, self.energy() / self.goal_energy_j)
        draw_text(image, f"t {self.time_s:5.2f} s   E {self.energy():6.0f} J   angle {math.degrees(theta):+5.1f} deg "
                         f"(coping {math.degrees(self.coping_angle_rad):.0f})", (12, 20))
        return image
