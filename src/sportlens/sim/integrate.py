"""Fixed-step Runge-Kutta integration shared by the sport environments (deterministic: no adaptive steps)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Derivative = Callable[[np.ndarray], np.ndarray]


def rk4_step(f: Derivative, y: np.ndarray, h: float) -> np.ndarray:
    """One classical 4th-order Runge-Kutta step of dy/dt = f(y) (autonomous; the action is held in f)."""
    k1 = f(y)
    k2 = f(y + 0.5 * h * k1)
    k3 = f(y + 0.5 * h * k2)
    k4 = f(y + h * k3)
    return y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4_steps(f: Derivative, y: np.ndarray, h: float, n: int) -> np.ndarray:
    """n RK4 steps of size h (s) from y."""
    for _ in range(n):
        y = rk4_step(f, y, h)
    return y
