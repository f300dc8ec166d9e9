"""Linear momentum and impulse: p = m v, J = integral F dt, delta v = J / m."""

from __future__ import annotations

import numpy as np

from sportlens.constants import STANDARD_GRAVITY


def momentum(mass_kg: float, velocity_mps):
    """Linear momentum p = m v (kg m/s); velocity may be a scalar or a vector."""
    if mass_kg <= 0:
        raise ValueError(f"mass_kg must be positive, got {mass_kg}")
    return mass_kg * np.asarray(velocity_mps, dtype=float)


def impulse(force_n, time_s) -> float:
    """Impulse J = integral of F dt (N s) of a sampled force (n,) over time_s (n,), trapezoid rule."""
    from scipy.integrate import trapezoid

    force_n, time_s = np.asarray(force_n, dtype=float), np.asarray(time_s, dtype=float)
    if force_n.shape != time_s.shape or force_n.ndim != 1:
        raise ValueError("force_n and time_s must be 1-D arrays of the same length")
    return float(trapezoid(force_n, time_s))


def velocity_change(impulse_ns: float, mass_kg: float) -> float:
    """Change of velocity (m/s) from an impulse (N s) on a mass (kg): delta v = J / m."""
    if mass_kg <= 0:
        raise ValueError(f"mass_kg must be positive, got {mass_kg}")
    return impulse_ns / mass_kg


def takeoff_velocity_from_force(force_n, time_s, mass_kg: float, g: float = STANDARD_GRAVITY) -> float:
    """Take-off velocity (m/s) of a jump from a vertical ground reaction force (N) sampled from quiet stance
    to take-off: v = integral (F - m g) dt / m (the body starts at rest)."""
    force_n = np.asarray(force_n, dtype=float)
    return velocity_change(impulse(force_n - mass_kg * g, time_s), mass_kg)
