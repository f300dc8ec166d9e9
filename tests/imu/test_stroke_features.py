"""Stroke features: rotation invariance, stroke-event windows on known peaks, per-session normalisation."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sportlens.imu.classify import RECIPES
from sportlens.imu.recording import ImuRecording
from sportlens.imu.stroke_features import (
    dominant_rotation_axis,
    event_starts,
    event_windows,
    fixed_windows,
    invariant_feature_names,
    invariant_features,
    sensor_frame_features,
    session_zscore,
    still_calibration,
)

G = 9.80665
RATE = 100.0


def _strokes(peaks_s, seconds=10.0, axis=(1.0, 0.2, -0.3), peak_rads=8.0, width_s=0.08, seed=0, rate=RATE):
    """Swings as Gaussian pulses of angular rate about `axis` peaking at `peaks_s`, with gravity turning with the
    swing and noise; a still sensor between them. Returns an ImuRecording."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    speed = sum(peak_rads * np.exp(-0.5 * ((t - p) / width_s) ** 2) for p in peaks_s)
    gyro = speed[:, None] * axis + rng.normal(0, 0.005, (len(t), 3))
    angle = np.cumsum(speed) / rate
    rot = Rotation.from_rotvec(angle[:, None] * axis)
    acc = rot.inv().apply([0.0, 0.0, G]) + rng.normal(0, 0.05, (len(t), 3))
    acc += 3.0 * np.gradient(speed)[:, None] * np.array([0.0, 1.0, 0.0])  # a swing's tangential push
    return ImuRecording(t, acc, gyro, rate_hz=rate)


def _turned(rec: ImuRecording, R: np.ndarray) -> ImuRecording:
    return rec.replace(acc_mps2=rec.acc_mps2 @ R.T, gyro_rads=rec.gyro_rads @ R.T)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_features_unchanged_by_any_rotation_of_the_sensor(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(150) / RATE
    acc = np.column_stack([9 + 5 * np.sin(7 * t), 2 * np.cos(3 * t), 4 * t]) + rng.normal(0, 0.3, (150, 3))
    gyro = np.column_stack([4 * np.sin(9 * t), np.cos(5 * t), t]) + rng.normal(0, 0.1, (150, 3))
    R = Rotation.random(random_state=seed).as_matrix()
    before, after = invariant_features(acc, gyro, RATE), invariant_features(acc @ R.T, gyro @ R.T, RATE)
    assert before.shape == (len(invariant_feature_names()),) == (68,)
    np.testing.assert_allclose(after, before, rtol=0, atol=1e-9)
    # the sensor-axis features do change: the test above could fail
    raw = sensor_frame_features(acc @ R.T, gyro @ R.T, RATE) - sensor_frame_features(acc, gyro, RATE)
    assert np.max(np.abs(raw)) > 1


def test_event_windows_of_a_turned_recording_are_the_same():
    rec = _strokes([2.0, 4.5, 7.0])
    R = Rotation.random(random_state=7).as_matrix()
    a, b = event_windows([rec]), event_windows([_turned(rec, R)])
    np.testing.assert_array_equal(a.start_s, b.start_s)
    np.testing.assert_allclose(b.X, a.X, rtol=0, atol=1e-9)


def test_rotation_axis_turns_with_the_sensor_and_keeps_its_sign():
    rec = _strokes([2.0])
    v = dominant_rotation_axis(rec.gyro_rads)
    np.testing.assert_allclose(v, np.array([1.0, 0.2, -0.3]) / np.linalg.norm([1.0, 0.2, -0.3]), atol=1e-3)
    R = Rotation.random(random_state=3).as_matrix()
    np.testing.assert_allclose(dominant_rotation_axis(rec.gyro_rads @ R.T), R @ v, atol=1e-9)
    assert np.allclose(dominant_rotation_axis(-rec.gyro_rads), -v)  # a swing the other way: the other sign


def test_event_windows_centred_on_known_peaks():
    peaks = [2.0, 4.5, 7.03]
    w = event_windows([_strokes(peaks)], window_s=1.0, hop_s=0.5, idle_margin_s=1.0)
    centre = w.centre_s[w.is_stroke]
    # a 100-sample window starting 50 samples before the peak sample: its centre lies half a sample before it
    np.testing.assert_allclose(centre, np.array(peaks) - 0.005, atol=1e-9)
    quiet = w.start_s[~w.is_stroke]
    assert len(quiet) > 0
    for s in quiet:  # no peak within 1 s of a quiet window
        assert all(p < s - 1.0 or p > s + 0.99 + 1.0 for p in peaks)


def test_event_window_near_a_gap_moves_inside_the_piece():
    rec = _strokes([1.6, 5.0], seconds=8.0)
    # a gap from 1.8 s to 2.2 s: the first stroke's centred window would cross it
    keep = (rec.time_s < 1.8) | (rec.time_s >= 2.2)
    w = event_windows([rec.select(keep)], window_s=1.0)
    starts = sorted(w.start_s[w.is_stroke])
    assert starts[0] == pytest.approx(0.8)  # ends at 1.79, the last sample before the gap, peak inside
    assert starts[1] == pytest.approx(4.5)


def test_event_starts_exact():
    t = np.arange(0, 10, 0.1)  # 100 samples
    on, off = event_starts(t, np.array([0.1, 5.02]), n=10, hop=10, idle_margin_s=1.0)
    assert on == [0, 45]  # the first peak is too close to the start: the window starts at the first sample
    # windows [a, a + 0.9 s] with no peak in [a - 1, a + 1.9]: a = 2, 3, 7, 8, 9 s
    assert off == [20, 30, 70, 80, 90]


def test_fixed_windows_cover_every_hop():
    w = fixed_windows([_strokes([2.0], seconds=5.0)], 1.0, 0.5)
    np.testing.assert_allclose(w.start_s, np.arange(9) * 0.5)
    assert w.is_stroke.all() and w.X.shape == (9, 68)


def test_session_zscore_removes_a_per_session_offset_and_scale_exactly():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    sessions = np.array(["a"] * 25 + ["b"] * 15)
    shifted = X.copy()
    shifted[sessions == "b"] = X[sessions == "b"] * np.array([2.0, 0.5, 3.0, 1.0, 7.0]) + np.array([1, -4, 0, 9, 2])
    np.testing.assert_allclose(session_zscore(shifted, sessions), session_zscore(X, sessions), rtol=0, atol=1e-9)
    z = session_zscore(X, sessions)
    for s in "ab":
        np.testing.assert_allclose(z[sessions == s].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(z[sessions == s].std(axis=0), 1, atol=1e-12)
    const = session_zscore(np.ones((4, 2)) * 3.0, np.array(["a"] * 4))
    np.testing.assert_array_equal(const, 0)


def test_still_calibration_recovers_gain_and_bias():
    rec = _strokes([3.0, 6.0], seconds=9.0)
    bias = np.array([0.05, -0.03, 0.04])
    bad = rec.replace(acc_mps2=rec.acc_mps2 * 0.9, gyro_rads=rec.gyro_rads + bias)
    cal = still_calibration([bad])
    assert cal.still_s > 3.0
    assert cal.acc_scale == pytest.approx(1 / 0.9, rel=2e-3)
    np.testing.assert_allclose(cal.gyro_bias_rads, bias, atol=5e-3)
    fixed = cal.apply(bad)
    assert np.median(np.linalg.norm(fixed.acc_mps2, axis=1)) == pytest.approx(G, rel=2e-3)
    none = still_calibration([bad], min_still_s=100.0)  # not enough still time: no correction
    assert none.acc_scale == 1.0 and not none.gyro_bias_rads.any()


def test_stroke_invariant_recipe_tells_swing_axes_apart_on_a_turned_sensor():
    # two "strokes": the swing turns about the forearm axis or across it; a turned sensor at test time
    peaks = np.arange(1.5, 29, 2.5)
    axes = {"across": (0.0, 0.0, 1.0), "along": (1.0, 0.0, 0.0)}
    train = [event_windows([_strokes(peaks, 30.0, axis=a, seed=i)]) for i, a in enumerate(axes.values())]
    R = Rotation.random(random_state=5).as_matrix()
    test = [event_windows([_turned(_strokes(peaks, 30.0, axis=a, seed=9 + i), R)]) for i, a in enumerate(axes.values())]

    def xy(sets):
        X = np.vstack([s.X[s.is_stroke] for s in sets])
        y = np.concatenate([[name] * int(s.is_stroke.sum()) for name, s in zip(axes, sets, strict=True)])
        return X, y

    model = RECIPES.build("stroke-invariant", seed=0).fit(*xy(train))
    X, y = xy(test)
    assert len(y) == 22  # 11 strokes of each
    assert np.mean(model.predict(X) == y) == 1.0
