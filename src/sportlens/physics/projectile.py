"""Projectile flight of a released object (ball, shot, javelin as a point mass), landing at height 0.

Without drag the closed forms hold (release height h, speed v, angle theta, g):
    y(x)  = h + x tan(theta) - g x^2 / (2 v^2 cos^2(theta))          (the minus sign: gravity pulls down)
    T     = (v sin(theta) + sqrt(v^2 sin^2(theta) + 2 g h)) / g
    R     = v cos(theta) T = (v cos(theta) / g) (v sin(theta) + sqrt(v^2 sin^2(theta) + 2 g h))
    apex  = h + v^2 sin^2(theta) / (2 g)
With quadratic drag, dv/dt = -k |v| v - g z with k = rho C_d A / (2 m), integrated with solve_ivp and an
event at y = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.constants import STANDARD_GRAVITY

AIR_DENSITY = 1.225  # kg/m^3, sea level, 15 degC


@dataclass(frozen=True)
class Drag:
    """Quadratic air drag F = 0.5 rho C_d A |v|^2: drag coefficient, frontal area (m^2), mass (kg)."""

    drag_coefficient: float
    area_m2: float
    mass_kg: float
    air_density: float = AIR_DENSITY

    def __post_init__(self) -> None:
        for name in ("drag_coefficient", "area_m2", "mass_kg", "air_density"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def k_per_m(self) -> float:
        """Drag acceleration per speed squared, k = rho C_d A / (2 m), in 1/m."""
        return self.air_density * self.drag_coefficient * self.area_m2 / (2 * self.mass_kg)

    @classmethod
    def ball(cls, diameter_m: float, mass_kg: float, drag_coefficient: float = 0.47) -> Drag:
        """A sphere: area = pi d^2 / 4 (C_d 0.47 is the smooth-sphere value)."""
        return cls(drag_coefficient, np.pi * diameter_m**2 / 4, mass_kg)


@dataclass(frozen=True)
class Trajectory:
    """A flight: range_m (horizontal distance at y = 0), apex_m (highest y), flight_time_s, and the path
    sampled at time_s (n,) with x_m, y_m (n,) metres. `range`, `apex`, `flight_time` are aliases."""

    range_m: float
    apex_m: float
    flight_time_s: float
    time_s: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray

    @property
    def range(self) -> float:
        return self.range_m

    @property
    def apex(self) -> float:
        return self.apex_m

    @property
    def flight_time(self) -> float:
        return self.flight_time_s


def _check(speed_mps: float, angle_deg: float, height_m: float) -> None:
    if not np.isfinite(speed_mps) or speed_mps < 0:
        raise ValueError(f"speed_mps must be >= 0, got {speed_mps}")
    if not -90.0 <= angle_deg <= 90.0:
        raise ValueError(f"angle_deg must be within [-90, 90], got {angle_deg}")
    if not np.isfinite(height_m) or height_m < 0:
        raise ValueError(f"height_m must be >= 0 (release above the landing level), got {height_m}")


def projectile(
    speed_mps: float,
    angle_deg: float,
    height_m: float = 0.0,
    drag: Drag | None = None,
    g: float = STANDARD_GRAVITY,
    n_points: int = 200,
) -> Trajectory:
    """Flight of a point mass released at `speed_mps`, `angle_deg` above horizontal, `height_m` above the
    landing level; closed form without drag, solve_ivp with quadratic `drag`. Path sampled at n_points."""
    _check(speed_mps, angle_deg, height_m)
    theta = np.radians(angle_deg)
    vx, vy = speed_mps * np.cos(theta), speed_mps * np.sin(theta)
    if drag is None:
        flight = (vy + np.sqrt(vy**2 + 2 * g * height_m)) / g
        t = np.linspace(0.0, flight, n_points)
        x = vx * t
        y = height_m + vy * t - 0.5 * g * t**2
        y[-1] = 0.0
        apex = height_m + (vy**2 / (2 * g) if vy > 0 else 0.0)
        return Trajectory(float(vx * flight), float(apex), float(flight), t, x, y)
    return _with_drag(vx, vy, height_m, drag.k_per_m, g, n_points)


def _with_drag(vx: float, vy: float, height_m: float, k: float, g: float, n_points: int) -> Trajectory:
    from scipy.integrate import solve_ivp

    if height_m == 0 and vy <= 0:
        zeros = np.zeros(n_points)
        return Trajectory(0.0, 0.0, 0.0, zeros, zeros.copy(), zeros.copy())

    def rhs(_t, s):
        speed = np.hypot(s[2], s[3])
        return [s[2], s[3], -k * speed * s[2], -g - k * speed * s[3]]

    def ground(_t, s):
        return s[1]

    ground.terminal = True
    ground.direction = -1

    def top(_t, s):
        return s[3]

    # a bound on the flight time: the drag-free time, plus the fall from the drag-free apex at terminal speed
    free = (max(vy, 0) + np.sqrt(max(vy, 0) ** 2 + 2 * g * height_m)) / g
    t_max = 2 * free + (height_m + vy**2 / (2 * g)) / np.sqrt(g / k) + 10.0
    sol = solve_ivp(
        rhs, (0.0, t_max), [0.0, height_m, vx, vy], events=[ground, top], dense_output=True, rtol=1e-10, atol=1e-10
    )
    hits = sol.t_events[0]
    flight = float(hits[-1]) if hits.size else float(sol.t[-1])
    t = np.linspace(0.0, flight, n_points)
    path = sol.sol(t)
    apex = height_m
    if sol.t_events[1].size:
        apex = float(sol.sol(sol.t_events[1][0])[1])
    y = path[1]
    y[-1] = 0.0
    return Trajectory(float(path[0][-1]), max(apex, height_m), flight, t, path[0], y)


def best_release_angle(
    speed_mps: float,
    height_m: float = 0.0,
    drag: Drag | None = None,
    g: float = STANDARD_GRAVITY,
    tol_deg: float = 1e-4,
) -> tuple[float, float]:
    """The release angle (deg) that gives the longest range, found numerically (bounded scalar search),
    and that range (m). Without drag the answer is atan(v / sqrt(v^2 + 2 g h)): 45 deg only when h = 0."""
    from scipy.optimize import minimize_scalar

    _check(speed_mps, 45.0, height_m)
    res = minimize_scalar(
        lambda a: -projectile(speed_mps, a, height_m, drag, g, n_points=2).range_m,
        bounds=(0.0, 90.0),
        method="bounded",
        options={"xatol": tol_deg},
    )
    return float(res.x), float(-res.fun)


def optimal_angle_closed_form(speed_mps: float, height_m: float, g: float = STANDARD_GRAVITY) -> float:
    """Drag-free best release angle (deg): tan(theta) = v / sqrt(v^2 + 2 g h)."""
    return float(np.degrees(np.arctan2(speed_mps, np.sqrt(speed_mps**2 + 2 * g * height_m))))
