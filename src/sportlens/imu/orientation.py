"""Orientation from accelerometer + gyroscope (+ magnetometer) with imufusion's AHRS (Madgwick-style filter).

Quaternions are (w, x, y, z), sensor to earth, earth frame NWU (x north, y west, z up); Euler angles are
roll, pitch, yaw in degrees (ZYX). Gravity-free acceleration is given in the earth frame, in m/s^2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.constants import STANDARD_GRAVITY
from sportlens.errors import DataFormatError
from sportlens.imu.recording import ImuRecording


@dataclass(frozen=True)
class Orientation:
    """Per-sample orientation: time_s (N,), quaternion_wxyz (N, 4), euler_deg (N, 3) roll/pitch/yaw,
    earth_acc_mps2 (N, 3) gravity-free acceleration in the earth frame, gyro_bias_rads (3,) subtracted first."""

    time_s: np.ndarray
    quaternion_wxyz: np.ndarray
    euler_deg: np.ndarray
    earth_acc_mps2: np.ndarray
    gyro_bias_rads: np.ndarray
    n_segments: int

    def as_frame(self):
        import pandas as pd

        cols = {"time_s": self.time_s}
        for k, name in enumerate("wxyz"):
            cols[f"q{name}"] = self.quaternion_wxyz[:, k]
        for k, name in enumerate(("roll_deg", "pitch_deg", "yaw_deg")):
            cols[name] = self.euler_deg[:, k]
        for k, name in enumerate("xyz"):
            cols[f"earth_acc_{name}_ms2"] = self.earth_acc_mps2[:, k]
        return pd.DataFrame(cols)


def still_mask(
    rec: ImuRecording,
    window_s: float = 0.5,
    gyro_std_rads: float = 0.02,
    max_bias_rads: float = 0.1,
    acc_tol_mps2: float = 0.3,
):
    """Samples inside a still period: over `window_s` the gyro's std stays under `gyro_std_rads` and its mean
    under `max_bias_rads` (a steady turn is not still) on every axis, and |acc| stays within `acc_tol_mps2`
    of g. Returns a boolean array (N,)."""
    from scipy.ndimage import uniform_filter1d

    n = max(3, int(round(window_s * rec.rate_hz)))
    ok_acc = np.abs(np.linalg.norm(rec.acc_mps2, axis=1) - STANDARD_GRAVITY) < acc_tol_mps2
    if rec.gyro_rads is None:
        return uniform_filter1d(ok_acc.astype(float), n) > 0.999
    mean = uniform_filter1d(rec.gyro_rads, n, axis=0, mode="nearest")
    var = uniform_filter1d(rec.gyro_rads**2, n, axis=0, mode="nearest") - mean**2
    ok_gyro = np.all((np.sqrt(np.clip(var, 0, None)) < gyro_std_rads) & (np.abs(mean) < max_bias_rads), axis=1)
    ok = ok_gyro & (uniform_filter1d(ok_acc.astype(float), n, mode="nearest") > 0.999)
    return ok


def gyro_bias_from_still(rec: ImuRecording, min_still_s: float = 0.5, **still) -> np.ndarray | None:
    """Gyro bias (rad/s, shape (3,)) = mean angular rate over still periods; None if still < `min_still_s`."""
    if rec.gyro_rads is None:
        raise DataFormatError("the recording has no gyroscope", hint="orientation needs gyr_x/y/z columns")
    mask = still_mask(rec, **still)
    if mask.sum() < min_still_s * rec.rate_hz:
        return None
    return rec.gyro_rads[mask].mean(axis=0)


def tilt_quaternion(acc: np.ndarray) -> np.ndarray:
    """The quaternion (w, x, y, z) with zero yaw that turns the measured gravity direction `acc` onto earth z."""
    a = np.asarray(acc, dtype=float) / np.linalg.norm(acc)
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(a, z)
    s = np.linalg.norm(axis)
    c = float(np.dot(a, z))
    if s < 1e-12:
        return np.array([1.0, 0, 0, 0]) if c > 0 else np.array([0.0, 1.0, 0, 0])
    angle = np.arctan2(s, c)
    return np.concatenate([[np.cos(angle / 2)], axis / s * np.sin(angle / 2)])


def orient(
    rec: ImuRecording,
    gain: float = 0.5,
    remove_bias: bool = True,
    acceleration_rejection_deg: float = 10.0,
    init_s: float = 0.2,
) -> Orientation:
    """Run imufusion's AHRS over a recording; each gap-free segment starts from the tilt of its first `init_s`.

    The gyro bias (from still periods, `gyro_bias_from_still`) is subtracted first when `remove_bias`. The
    filter is given the real step between samples, so mildly irregular stamps are handled.
    """
    import imufusion

    if rec.gyro_rads is None:
        raise DataFormatError(f"the recording {rec.name!r} has no gyroscope", hint="orientation needs gyr_x/y/z")
    bias = gyro_bias_from_still(rec) if remove_bias else None
    bias = np.zeros(3) if bias is None else bias
    parts = rec.segments()
    times, quats, eulers, earths = [], [], [], []
    for seg in parts:
        settings = imufusion.AhrsSettings(
            sample_rate=seg.rate_hz,
            convention=imufusion.CONVENTION_NWU,
            gain=gain,
            gyroscope_range=2000.0,
            acceleration_rejection=acceleration_rejection_deg,
            magnetic_rejection=10.0,
            rejection_timeout=max(1.0, 5 * seg.rate_hz),
        )
        ahrs = imufusion.Ahrs()
        ahrs.set_settings(settings)
        n0 = max(1, int(round(init_s * seg.rate_hz)))
        ahrs.set_quaternion(tilt_quaternion(seg.acc_mps2[:n0].mean(axis=0)))
        ahrs.skip_startup()  # the startup phase holds yaw at zero; the tilt start makes it unnecessary
        gyro_dps = np.degrees(seg.gyro_rads - bias)
        acc_g = seg.acc_mps2 / STANDARD_GRAVITY
        mag = seg.mag_ut
        n = len(seg)
        q = np.empty((n, 4))
        e = np.empty((n, 3))
        t = seg.time_s
        for i in range(n):
            dt = (t[i] - t[i - 1]) if i else 1.0 / seg.rate_hz
            ahrs.set_sample_period(float(dt))
            if mag is None:
                ahrs.update_no_magnetometer(gyro_dps[i], acc_g[i])
            else:
                ahrs.update(gyro_dps[i], acc_g[i], mag[i])
            q[i] = ahrs.get_quaternion()
            e[i] = ahrs.get_earth_acceleration()
        times.append(t)
        quats.append(q)
        eulers.append(np.array([imufusion.quaternion_to_euler(x) for x in q]))
        earths.append(e * STANDARD_GRAVITY)
    return Orientation(
        time_s=np.concatenate(times),
        quaternion_wxyz=np.concatenate(quats),
        euler_deg=np.concatenate(eulers),
        earth_acc_mps2=np.concatenate(earths),
        gyro_bias_rads=bias,
        n_segments=len(parts),
    )
