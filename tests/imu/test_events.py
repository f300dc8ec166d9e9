import numpy as np
import pytest

from sportlens.errors import DataFormatError
from sportlens.imu.events import (
    MAX_HEIGHT_RATIO,
    PLAUSIBLE_HEIGHT_M,
    Jump,
    check_jump,
    count_reps,
    detect_jumps,
    detect_steps,
    detect_strokes,
    jump_height_from_flight,
    saturated_axes,
)
from sportlens.imu.recording import ImuRecording
from sportlens.signals import dominant_period

G = 9.80665


def test_jump_height_formula():
    assert jump_height_from_flight(0.5) == pytest.approx(G * 0.25 / 8)


@pytest.mark.parametrize("flight_time_s", [0.3, 0.5, 0.6])
def test_simulated_jump_gives_flight_time_and_height(synth, flight_time_s):
    t, acc, takeoff_s, landing_s = synth.jump_signal(flight_time_s)
    jumps = detect_jumps(ImuRecording(t, acc))
    assert len(jumps) == 1
    j = jumps[0]
    # interpolated threshold crossings sit within one 5 ms sample of the true take-off and landing
    assert j.takeoff_s == pytest.approx(takeoff_s, abs=0.005)
    assert j.landing_s == pytest.approx(landing_s, abs=0.005)
    assert j.flight_time_s == pytest.approx(flight_time_s, abs=0.005)
    true_h = G * flight_time_s**2 / 8
    assert j.height_flight_m == pytest.approx(true_h, rel=0.035)
    # the push-off was built to give v = g T / 2, so v^2 / 2g is the same height; g itself is measured over
    # 0.3 s of stance with 0.05 m/s^2 noise (about 0.007 m/s^2, i.e. 0.005 m/s over the 0.7 s push-off)
    assert j.takeoff_velocity_mps == pytest.approx(G * flight_time_s / 2, rel=0.01)
    assert j.height_velocity_m == pytest.approx(true_h, rel=0.02)
    # landing at the take-off height: the landing velocity is the take-off velocity downwards; the landing
    # crossing is found within one 5 ms sample, g x 5 ms = 0.05 m/s
    assert j.landing_velocity_mps == pytest.approx(-G * flight_time_s / 2, abs=0.05)
    assert j.height_landing_m == pytest.approx(true_h, abs=0.01)
    assert j.plausible and j.problems == ()
    assert (j.height_m, j.height_method) == (j.height_flight_m, "flight time")


def test_a_sensor_that_leaves_free_fall_is_flagged_and_the_landing_velocity_gives_the_height(synth):
    t, acc, *_ = synth.loose_jump_signal(0.5)
    rec = ImuRecording(t, acc)
    (j,) = detect_jumps(rec)
    true_h = G * 0.25 / 8
    assert j.height_flight_m < 0.5 * true_h  # the free-fall phase is only the end of the flight
    assert j.takeoff_velocity_mps < 0  # "take-off" is found in mid-flight
    assert not j.plausible
    assert any("not upward" in p for p in j.problems)
    assert any("disagree" in p and "loose or hand-held" in p for p in j.problems)
    # the wobble has no net velocity change, so the landing velocity still holds the height
    assert j.height_landing_m == pytest.approx(true_h, abs=0.01)
    assert (j.height_m, j.height_method) == (j.height_landing_m, "landing velocity")


def _jump(flight_m, velocity_m=None, landing_m=None, v_off=None):
    t = (8 * flight_m / G) ** 0.5
    return check_jump(Jump(1.0, 1.0 + t, t, flight_m, v_off, velocity_m, None, landing_m))


def test_plausibility_checks_as_data():
    lo, hi = PLAUSIBLE_HEIGHT_M
    assert _jump(0.3, 0.3, 0.3, 2.4).plausible
    high = _jump(hi * 1.2)
    assert not high.plausible and f"outside {lo:g}-{hi:g} m" in high.problems[0]
    assert high.height_m is None and high.height_method is None
    # a ratio just inside the tolerance passes, just outside does not
    assert _jump(0.3, landing_m=0.3 * MAX_HEIGHT_RATIO * 0.99).plausible
    off = _jump(0.3, landing_m=0.3 * MAX_HEIGHT_RATIO * 1.01)
    assert "disagree" in off.problems[0]
    assert off.height_method == "landing velocity"
    # without a landing velocity the take-off velocity is compared with the flight time
    assert "disagree" in _jump(0.1, velocity_m=0.3).problems[0]
    negative = _jump(0.3, v_off=-0.5)
    assert "not upward" in negative.problems[0] and negative.height_m is None
    assert negative.as_dict()["plausible"] is False


def test_no_jump_when_standing(synth):
    t = np.arange(400) / 100
    assert detect_jumps(ImuRecording(t, np.tile([0, 0, G], (400, 1)))) == []


@pytest.mark.parametrize(("n1", "n2"), [(10, 10), (7, 5), (20, 0)])
def test_sinusoidal_exercise_with_a_pause_counts_every_cycle(synth, n1, n2):
    t, acc, gyro = synth.reps_signal(n1, n2)
    reps = count_reps(ImuRecording(t, acc, gyro))
    assert reps.count == n1 + n2
    assert reps.period_s == pytest.approx(3.0, abs=0.1)
    # no repetition inside the 8 s pause
    pause = (t[0] + 2 + 3 * n1 + 1.5, t[0] + 2 + 3 * n1 + 6.5)
    assert not np.any((reps.times_s > pause[0]) & (reps.times_s < pause[1]))


def test_dominant_period_of_a_sine():
    rate = 50.0
    t = np.arange(2000) / rate
    assert dominant_period(np.sin(2 * np.pi * t / 2.5), rate, 1.0, 10.0) == pytest.approx(2.5, abs=0.02)
    assert dominant_period(np.zeros(100), rate, 1.0, 10.0) is None


def test_a_lag_whose_double_repeats_better_is_half_a_period():
    # one 2 s cycle = two bumps 1 s apart with different heights (an upright row: up and down look alike)
    rate = 50.0
    t = np.arange(int(40 * rate)) / rate
    phase = t % 2.0
    x = np.exp(-0.5 * ((phase - 0.5) / 0.15) ** 2) + 0.75 * np.exp(-0.5 * ((phase - 1.5) / 0.15) ** 2)
    xc = x - x.mean()
    ac = np.correlate(xc, xc, "full")[xc.size - 1 :] / np.dot(xc, xc)
    assert ac[50] >= 0.8 * ac[100]  # the 1 s lag alone looks like a period: the double-lag check decides
    assert dominant_period(x, rate, 0.8, 10.0) == pytest.approx(2.0, abs=0.04)


def test_fast_repetitions_below_one_second_are_all_counted():
    # 20 cycles of 0.9 s (SPAR subject 4's fast sets): the default shortest period (0.8 s) lets them through
    rate = 50.0
    t = np.arange(int((2 + 20 * 0.9 + 2) * rate)) / rate
    s = np.where((t >= 2) & (t < 2 + 20 * 0.9), 0.5 * (1 - np.cos(2 * np.pi * (t - 2) / 0.9)), 0.0)
    rng = np.random.default_rng(3)
    acc = np.column_stack([3 * s, 0.5 * s, G + s]) + rng.normal(0, 0.05, (t.size, 3))
    reps = count_reps(ImuRecording(t, acc))
    assert reps.period_s == pytest.approx(0.9, abs=0.04)
    assert reps.count == 20


def _swings(n, rate=100.0, clip=None):
    t = np.arange(int((2 + 2 * n) * rate)) / rate
    gyro = np.zeros((t.size, 3))
    peaks = 2.0 + 2 * np.arange(n)
    for p in peaks:
        gyro[:, 2] += 8.0 * np.exp(-0.5 * ((t - p) / 0.08) ** 2)
    if clip is not None:
        gyro = np.clip(gyro, -clip, clip)
    return ImuRecording(t, np.tile([0, 0, G], (t.size, 1)), gyro), peaks


def test_strokes_from_angular_rate_peaks():
    rec, peaks = _swings(6)
    strokes = detect_strokes(rec)
    assert [s.peak_s for s in strokes] == pytest.approx(peaks, abs=0.011)
    for s in strokes:
        # |w| = 8 exp(-x^2/2) falls to 30 % at x = 1.55 sigma = 0.124 s
        assert s.end_s - s.start_s == pytest.approx(2 * 0.124, abs=0.03)
        assert not s.clipped


def test_clipped_strokes_are_flagged():
    rec, _ = _swings(3, clip=6.0)
    assert saturated_axes(rec.gyro_rads) == [2]
    strokes = detect_strokes(rec)
    assert len(strokes) == 3 and all(s.clipped for s in strokes)


def test_strokes_need_a_gyroscope():
    with pytest.raises(DataFormatError, match="no gyroscope"):
        detect_strokes(ImuRecording(np.arange(10) / 10, np.zeros((10, 3))))


def test_steps_and_cadence():
    rate = 100.0
    t = np.arange(int(20 * rate)) / rate
    step_hz = 2.8  # 168 steps/min
    acc = np.column_stack([np.zeros_like(t), np.zeros_like(t), G + 6 * np.sin(2 * np.pi * step_hz * t)])
    steps = detect_steps(ImuRecording(t, acc))
    assert steps.cadence_spm == pytest.approx(168.0, abs=1.0)
    assert abs(steps.count - 56) <= 1


def test_events_do_not_bridge_gaps(synth):
    t, acc, gyro = synth.reps_signal(5, 5)
    cut = t > 22.0
    t = np.where(cut, t + 30.0, t)  # a 30 s hole inside the pause
    reps = count_reps(ImuRecording(t, acc, gyro))
    assert reps.count == 10
    assert len(ImuRecording(t, acc, gyro).timing.gaps) == 1


def test_sensor_noise_alone_gives_no_repetition_and_no_step():
    # a phone lying still: 0.02 m/s^2 and 0.005 rad/s of noise; standardised, it would look like a movement
    rng = np.random.default_rng(5)
    t = np.arange(3000) / 100
    acc = np.tile([0, 0, G], (t.size, 1)) + rng.normal(0, 0.02, (t.size, 3))
    gyro = rng.normal(0, 0.005, (t.size, 3))
    rec = ImuRecording(t, acc, gyro)
    reps = count_reps(rec)
    assert reps.count == 0 and np.isnan(reps.period_s) and reps.as_dict()["period_s"] is None
    assert len(reps.signal) == len(rec)  # the plot still shows the (flat) signal
    assert detect_steps(rec).count == 0


def test_a_still_piece_beside_an_exercise_adds_no_repetition(synth):
    t, acc, gyro = synth.reps_signal(6, 0)
    still_t = t[-1] + 20 + np.arange(1500) / 50  # 30 s of stillness after a 20 s gap
    rng = np.random.default_rng(2)
    rec = ImuRecording(np.concatenate([t, still_t]),
                       np.vstack([acc, np.tile([0, 0, G], (1500, 1)) + rng.normal(0, 0.02, (1500, 3))]),
                       np.vstack([gyro, rng.normal(0, 0.005, (1500, 3))]))
    assert count_reps(rec).count == 6
