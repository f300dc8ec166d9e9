"""Mirror a left-wrist recording into the right wrist's frame, so one classifier serves both arms.

A watch on the left wrist, worn the same way as on the right (face out, display upright for its wearer), sits
in the mirror image of the right wrist's frame across the body's sagittal plane. In the watch frame that
mirror flips the forearm axis x. A polar vector (acceleration) flips its x component; an axial vector (angular
rate) picks up the determinant -1 as well, so it flips y and z instead. The sign patterns below are that
reflection; `mirror_signs` is the one place that states it.
"""

from __future__ import annotations

import numpy as np

from sportlens.imu.recording import ImuRecording

# reflection across the plane normal to the sensor x axis: polar vectors S v, axial vectors det(S) S w
REFLECT_X = np.diag([-1.0, 1.0, 1.0])
SIDES = ("left", "right")


def mirror_signs(reflection: np.ndarray = REFLECT_X) -> tuple[np.ndarray, np.ndarray]:
    """Per-axis signs (acc, gyro) of a diagonal reflection: acceleration S a, angular rate det(S) S w."""
    signs = np.diag(reflection).astype(float)
    return signs, np.linalg.det(reflection) * signs


def mirror_recording(rec: ImuRecording, reflection: np.ndarray = REFLECT_X) -> ImuRecording:
    """The recording as the mirror-image limb would have measured it. Gravity lies in the mirror plane, so the
    mirrored acceleration is what the other limb reads; the earth's magnetic field does not (its heading is
    arbitrary), so the magnetometer is dropped."""
    acc_signs, gyro_signs = mirror_signs(reflection)
    return rec.replace(
        acc_mps2=rec.acc_mps2 * acc_signs,
        gyro_rads=None if rec.gyro_rads is None else rec.gyro_rads * gyro_signs,
        mag_ut=None,
    )


def to_right_side(rec: ImuRecording, side: str) -> ImuRecording:
    """A recording from the `side` ("left" or "right") wrist in the right wrist's frame."""
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return mirror_recording(rec) if side == "left" else rec
