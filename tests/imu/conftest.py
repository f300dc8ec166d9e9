"""Generated IMU signals with known answers, shared by the IMU tests (through the `synth` fixture)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

G = 9.80665


def jump_signal(flight_time_s: float, rate_hz: float = 200.0, seed: int = 0):
    """Vertical sensor (z up): 1 s quiet stance, countermovement + push-off whose net impulse gives the
    take-off velocity g T / 2, free fall for T, a landing that stops the body, 1 s stance. Returns
    (time_s, acc (N, 3) m/s^2, takeoff_s, landing_s)."""
    rng = np.random.default_rng(seed)
    dt = 1.0 / rate_hz
    v_to = G * flight_time_s / 2
    d1, d2 = 0.4, 0.3  # unweighting, push-off (s)
    # net acceleration lobes: -B sin over d1, +A sin over d2 with (2/pi)(A d2 - B d1) = v_to
    b = 4.0
    a = (v_to * np.pi / 2 + b * d1) / d2
    phases = [
        np.zeros(int(1.0 * rate_hz)),
        -b * np.sin(np.pi * np.arange(int(d1 * rate_hz)) * dt / d1),
        a * np.sin(np.pi * np.arange(int(d2 * rate_hz)) * dt / d2),
    ]
    net = np.concatenate(phases)
    takeoff_s = net.size * dt
    n_flight = int(round(flight_time_s * rate_hz))
    landing_s = takeoff_s + n_flight * dt
    d3 = 0.2
    land = v_to * np.pi / (2 * d3) * np.sin(np.pi * np.arange(int(d3 * rate_hz)) * dt / d3)
    acc_z = np.concatenate([net + G, np.zeros(n_flight), land + G, np.full(int(rate_hz), G)])
    acc = np.column_stack([np.zeros_like(acc_z), np.zeros_like(acc_z), acc_z])
    acc += rng.normal(0, 0.05, acc.shape)
    t = np.arange(acc_z.size) * dt
    return t, acc, takeoff_s, landing_s


def loose_jump_signal(flight_time_s: float = 0.5, rate_hz: float = 200.0):
    """`jump_signal` with the sensor wobbling against the body over the first 60 % of the flight: one full
    sine of relative acceleration (3 g peak), so it leaves free fall but moves with the body again before
    landing, with no net velocity change (as the hand-held phone of the shared CMJ does). Same returns."""
    t, acc, takeoff_s, landing_s = jump_signal(flight_time_s, rate_hz)
    i0, n = int(round(takeoff_s * rate_hz)), int(0.6 * flight_time_s * rate_hz)
    acc[i0 : i0 + n, 2] += 3 * G * np.sin(2 * np.pi * np.arange(n) / n)
    return t, acc, takeoff_s, landing_s


def reps_signal(n_first: int, n_second: int, period_s: float = 3.0, pause_s: float = 8.0, rate_hz: float = 50.0):
    """A sinusoidal exercise: n_first cycles, a pause (still), n_second cycles; acc in m/s^2, gyro rad/s."""
    rng = np.random.default_rng(1)

    def cycles(n):
        tt = np.arange(int(n * period_s * rate_hz)) / rate_hz
        return 0.5 * (1 - np.cos(2 * np.pi * tt / period_s))  # rest at 0, one peak per cycle

    s = np.concatenate(
        [
            np.zeros(int(2 * rate_hz)),
            cycles(n_first),
            np.zeros(int(pause_s * rate_hz)),
            cycles(n_second),
            np.zeros(int(2 * rate_hz)),
        ]
    )
    acc = np.column_stack([3 * s, 0.5 * s, G + 1.0 * s]) + rng.normal(0, 0.1, (s.size, 3))
    gyro = np.column_stack([1.5 * np.gradient(s) * rate_hz / 2, 0.2 * s, 0 * s]) + rng.normal(0, 0.02, (s.size, 3))
    t = np.arange(s.size) / rate_hz
    return t, acc, gyro


def frame(t, acc, gyro=None, acc_unit="ms2", gyro_unit="rads") -> pd.DataFrame:
    """A CSV-ready table with unit-suffixed columns (acc given in m/s^2, gyro in rad/s)."""
    scale_acc = {"ms2": 1.0, "g": 1 / G}[acc_unit]
    cols = {"t_s": t}
    for k, ax in enumerate("xyz"):
        cols[f"acc_{ax}_{acc_unit}"] = acc[:, k] * scale_acc
    if gyro is not None:
        scale_gyro = {"rads": 1.0, "dps": 180 / np.pi}[gyro_unit]
        for k, ax in enumerate("xyz"):
            cols[f"gyr_{ax}_{gyro_unit}"] = gyro[:, k] * scale_gyro
    return pd.DataFrame(cols)


@pytest.fixture
def synth():
    """The generators above: synth.jump_signal, synth.loose_jump_signal, synth.reps_signal, synth.frame, synth.G."""
    module = sys.modules[__name__]
    return SimpleNamespace(jump_signal=module.jump_signal, loose_jump_signal=module.loose_jump_signal,
                           reps_signal=module.reps_signal, frame=module.frame, G=G)
