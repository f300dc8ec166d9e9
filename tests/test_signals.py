import numpy as np
import pytest

from sportlens.errors import UserError
from sportlens.signals import interpolate_gaps, lowpass_with_gaps

nan = np.nan


def test_interpolates_short_interior_gaps_only():
    y = np.array([0.0, nan, nan, 3.0, nan, nan, nan, 7.0, nan])
    out = interpolate_gaps(y, max_gap=2)
    np.testing.assert_array_equal(out[:4], [0.0, 1.0, 2.0, 3.0])
    assert np.isnan(out[4:7]).all()  # 3-frame gap is longer than max_gap
    assert out[7] == 7.0 and np.isnan(out[8])  # trailing gap is never extrapolated


def test_interpolation_works_per_column_and_leaves_input_alone():
    y = np.array([[0.0, 10.0], [nan, nan], [2.0, 30.0]])
    out = interpolate_gaps(y, max_gap=1)
    np.testing.assert_array_equal(out, [[0, 10], [1, 20], [2, 30]])
    assert np.isnan(y[1]).all()


def test_butterworth_keeps_constant_and_slow_signals_and_has_zero_lag():
    fs = 30.0
    t = np.arange(300) / fs
    np.testing.assert_allclose(lowpass_with_gaps(np.full(300, 5.0), 6, fs), 5.0, atol=1e-9)
    slow = np.cos(2 * np.pi * 1.0 * t)  # peaks at samples 0, 30, 60 ...
    out = lowpass_with_gaps(slow, 6, fs)
    np.testing.assert_allclose(out[30:-30], slow[30:-30], atol=0.01)  # 1 Hz passes
    assert np.argmax(out[45:75]) == 15  # zero lag: the peak stays at sample 60


def test_butterworth_removes_fast_noise():
    fs = 30.0
    t = np.arange(300) / fs
    fast = np.sin(2 * np.pi * 12.0 * t)
    out = lowpass_with_gaps(fast, 4, fs)
    assert np.max(np.abs(out[30:-30])) < 0.02


def test_butterworth_keeps_gaps():
    y = np.concatenate([np.ones(20), [nan] * 5, np.ones(20) * 2])
    out = lowpass_with_gaps(y, 6, 30)
    assert np.isnan(out[20:25]).all()
    np.testing.assert_allclose(out[:20], 1.0, atol=1e-9)
    np.testing.assert_allclose(out[25:], 2.0, atol=1e-9)


def test_cutoff_above_nyquist_is_a_user_error():
    with pytest.raises(UserError, match="below half the frame rate"):
        lowpass_with_gaps(np.zeros(10), 20, 30)
