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


def test_periodicity_gives_the_period_and_a_strength_near_one_for_a_clean_repetition():
    from sportlens.signals import periodicity

    fs = 30.0
    t = np.arange(int(12 * fs)) / fs
    period, strength = periodicity(np.sin(2 * np.pi * t / 1.5), fs, 0.5, 6.0)
    assert period == pytest.approx(1.5, abs=1 / fs)
    assert strength > 0.9
    noise = np.random.default_rng(0).normal(size=t.size)
    assert periodicity(noise, fs, 0.5, 6.0)[1] < 0.3
    assert periodicity(np.zeros(t.size), fs, 0.5, 6.0) == (None, 0.0)


def test_repetition_peaks_one_per_cycle_none_in_pauses_and_across_pieces():
    from sportlens.signals import repetition_peaks

    fs = 50.0
    t = np.arange(int(10 * fs)) / fs
    reps = 1 - np.cos(2 * np.pi * t / 2.0)  # 5 cycles, peaks at 1, 3, 5, 7, 9 s
    rng = np.random.default_rng(1)
    pause = rng.normal(0, 0.01, int(4 * fs))
    x = np.concatenate([reps, pause, reps[: int(4 * fs)]]) + rng.normal(0, 0.01, int(18 * fs))
    first, second = x[: int(14 * fs)], x[int(14 * fs) :]
    pieces = [(np.arange(first.size) / fs, first), (14 + np.arange(second.size) / fs, second)]
    peaks, sign = repetition_peaks(pieces, fs, 2.0)
    assert sign == 1.0
    assert [len(p) for p in peaks] == [5, 2]
    np.testing.assert_allclose(peaks[0] / fs, [1, 3, 5, 7, 9], atol=0.05)
    only_valleys, sign = repetition_peaks(pieces[:1], fs, 2.0, signs=(-1.0,))
    assert sign == -1.0 and len(only_valleys[0]) == 4  # valleys inside the signal at 2, 4, 6, 8 s
    assert repetition_peaks([], fs, 2.0) == ([], 1.0)


def test_dominant_period_require_repeat_false_keeps_a_period_without_a_peak_at_twice_it():
    """Cycles slowing from 1.5 s to 2.8 s: no clean autocorrelation peak at twice the first period. The strict
    default (IMU) then skips to a multiple; require_repeat=False (video) keeps the repetition period."""
    from sportlens.signals import dominant_period

    fs = 30.0
    durations = np.linspace(1.5, 2.8, 18)
    x = np.concatenate([-np.cos(2 * np.pi * np.arange(int(d * fs)) / (d * fs)) for d in durations])
    loose = dominant_period(x, fs, 0.5, 8.0, require_repeat=False)
    assert 1.5 <= loose <= 2.8
    assert dominant_period(x, fs, 0.5, 8.0) != loose
