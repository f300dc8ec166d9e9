import numpy as np
import pytest

from sportlens.errors import DataFormatError
from sportlens.imu.orientation import gyro_bias_from_still, orient, tilt_quaternion
from sportlens.imu.recording import ImuRecording

G = 9.80665


def _turn(rate_hz=100.0, still_s=2.0, turn_s=3.0, rate_rads=np.pi / 4, bias=(0.0, 0.0, 0.0)):
    n_still, n_turn = int(still_s * rate_hz), int(turn_s * rate_hz)
    t = np.arange(n_still + n_turn) / rate_hz
    gyro = np.zeros((t.size, 3))
    gyro[n_still:, 2] = rate_rads
    acc = np.tile([0.0, 0.0, G], (t.size, 1))
    return ImuRecording(t, acc, gyro + np.asarray(bias))


def test_constant_rate_rotation_gives_the_expected_quaternion():
    # 45 deg/s about z for 3 s = 135 deg of yaw: q = (cos 67.5 deg, 0, 0, sin 67.5 deg)
    o = orient(_turn(), remove_bias=False)
    half = np.radians(135.0) / 2
    assert o.quaternion_wxyz[-1] == pytest.approx([np.cos(half), 0, 0, np.sin(half)], abs=1e-4)
    assert o.euler_deg[-1, 2] == pytest.approx(135.0, abs=0.01)
    assert np.abs(o.earth_acc_mps2).max() < 1e-3  # gravity removed, nothing else moves


def test_gyro_bias_from_still_period_is_removed():
    bias = (0.02, -0.01, 0.03)
    rec = _turn(bias=bias)
    assert gyro_bias_from_still(rec) == pytest.approx(bias, abs=1e-9)
    o = orient(rec)
    assert o.euler_deg[-1, 2] == pytest.approx(135.0, abs=0.01)
    drift = orient(rec, remove_bias=False).euler_deg[-1, 2]
    assert drift == pytest.approx(135.0 + np.degrees(0.03 * 5.0), abs=0.3)  # 5 s of uncorrected z bias


def test_tilted_start_and_earth_frame_acceleration():
    # sensor lying on its side (x up), then lifted with 2 m/s^2 along its x axis = earth up
    rate = 100.0
    t = np.arange(300) / rate
    acc = np.tile([G, 0.0, 0.0], (t.size, 1))
    acc[150:200, 0] += 2.0
    o = orient(ImuRecording(t, acc, np.zeros((t.size, 3))), remove_bias=False)
    assert o.earth_acc_mps2[170] == pytest.approx([0, 0, 2.0], abs=0.05)
    q = tilt_quaternion([0.0, 0.0, 1.0])
    assert q == pytest.approx([1, 0, 0, 0])


def test_orientation_needs_a_gyroscope():
    rec = ImuRecording(np.arange(10) / 10, np.zeros((10, 3)))
    with pytest.raises(DataFormatError, match="no gyroscope"):
        orient(rec)
