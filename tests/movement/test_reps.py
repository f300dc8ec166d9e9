"""Repetition counting on generated pose signals with known counts, periods, pauses and setups."""

from __future__ import annotations

import numpy as np
import pytest

from sportlens.movement.reps import EXERCISES, PoseSignal, candidates, count_repetitions, pose_signals

FPS = 30.0


def knee_set(n_reps: int, period_s: float, setup_s: float = 3.0, rest_s: float = 2.0, pause_every: int = 0,
             pause_s: float = 3.0, noise_deg: float = 1.5, seed: int = 0) -> np.ndarray:
    """Knee flexion (deg): still at 10 deg for setup_s, n_reps raised-cosine squats of 80 deg each period_s
    long (with a pause after every pause_every reps), still again for rest_s; Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(period_s * FPS))) / FPS
    rep = 10 + 40 * (1 - np.cos(2 * np.pi * t / period_s))
    parts = [np.full(int(setup_s * FPS), 10.0)]
    for k in range(n_reps):
        parts.append(rep)
        if pause_every and (k + 1) % pause_every == 0 and k + 1 < n_reps:
            parts.append(np.full(int(pause_s * FPS), 10.0))
    parts.append(np.full(int(rest_s * FPS), 10.0))
    x = np.concatenate(parts)
    return x + rng.normal(0, noise_deg, x.size)


def still(n: int, level: float, seed: int = 1) -> np.ndarray:
    return level + np.random.default_rng(seed).normal(0, 1.5, n)


@pytest.mark.parametrize(("n_reps", "period_s"), [(1, 2.0), (2, 2.0), (3, 1.5), (5, 2.5), (12, 1.2), (35, 1.0)])
def test_counts_every_rep_of_short_and_long_sets(n_reps, period_s):
    knee = knee_set(n_reps, period_s)
    result = count_repetitions([PoseSignal("knees", "deg", knee), PoseSignal("elbows", "deg", still(knee.size, 160))],
                               FPS)
    assert result.count == n_reps
    assert result.driving == "knees"
    if n_reps >= 3:
        assert result.period_s == pytest.approx(period_s, rel=0.1)
    # each rep lies inside the movement (after the 3 s setup) and spans about one period
    for rep in result.reps:
        assert rep.start >= 3.0 * FPS - 0.2 * period_s * FPS
        assert 0.7 * period_s * FPS <= rep.end - rep.start <= 1.3 * period_s * FPS


def test_setup_and_rest_are_not_counted_and_pauses_split_nothing():
    knee = knee_set(9, 1.5, setup_s=6.0, rest_s=6.0, pause_every=3, pause_s=4.0)
    result = count_repetitions([PoseSignal("knees", "deg", knee)], FPS)
    assert result.count == 9


def test_setup_movement_that_does_not_come_back_adds_no_rep():
    """Getting into position: the angle moves once from standing to a new level and stays there (walk-in and
    kneel down), then 6 reps around the new level."""
    rng = np.random.default_rng(4)
    walk_in = np.linspace(170, 90, int(1.5 * FPS)) + 10 * np.sin(np.linspace(0, np.pi, int(1.5 * FPS)))
    t = np.arange(int(1.6 * FPS)) / FPS
    reps = np.tile(90 - 30 * (1 - np.cos(2 * np.pi * t / 1.6)), 6)
    x = np.concatenate([np.full(60, 170.0), walk_in, np.full(45, 90.0), reps, np.full(60, 90.0)])
    result = count_repetitions([PoseSignal("left_elbow", "deg", x + rng.normal(0, 1.0, x.size))], FPS)
    assert result.count == 6


def test_half_period_trap_counts_whole_repetitions():
    """A rep whose two halves look alike (out-and-back twice per rep, the second excursion a little smaller):
    the period is the whole rep, not its half."""
    period = 2.4
    t = np.arange(int(10 * period * FPS)) / FPS
    phase = (t % period) / period
    x = 30 * np.abs(np.sin(2 * np.pi * phase)) * np.where(phase < 0.5, 1.0, 0.8)
    x = x + np.random.default_rng(5).normal(0, 0.5, t.size)
    result = count_repetitions([PoseSignal("right_hip", "deg", x)], FPS)
    assert result.period_s == pytest.approx(period, rel=0.05)
    assert result.count == 10


def test_most_periodic_signal_drives_and_exercise_restricts_candidates():
    knee = knee_set(8, 1.5)
    rng = np.random.default_rng(6)
    elbow = 120 + 30 * np.sin(np.cumsum(rng.normal(0, 0.15, knee.size)))  # big but aperiodic arm movement
    signals = [PoseSignal("elbows", "deg", elbow), PoseSignal("knees", "deg", knee)]
    assert count_repetitions(signals, FPS).driving == "knees"
    assert [s.name for s in candidates(signals, "push-up")] == ["elbows"]
    assert {s.name for s in candidates(signals, "squat")} == {"knees"}
    assert set(EXERCISES) >= {"squat", "push-up", "pull-up", "dips"}


def test_no_movement_and_no_return_give_zero():
    assert count_repetitions([PoseSignal("knees", "deg", still(300, 20))], FPS).count == 0
    # sits down once and stays down: never comes back, so not a repetition
    x = np.concatenate([np.full(60, 10.0), np.linspace(10, 100, 30), np.full(120, 100.0)])
    result = count_repetitions([PoseSignal("knees", "deg", x + np.random.default_rng(2).normal(0, 1, x.size))], FPS)
    assert result.count == 0 and result.method == "none"
    assert count_repetitions([PoseSignal("knees", "deg", np.full(200, np.nan))], FPS).count == 0


def test_gaps_in_the_signal_are_bridged_when_short():
    knee = knee_set(10, 1.5)
    knee[200:206] = np.nan  # 0.2 s without a person: interpolated
    assert count_repetitions([PoseSignal("knees", "deg", knee)], FPS).count == 10


def test_pose_signals_give_angles_bilateral_means_and_heights_in_torso_lengths():
    n = 5
    points = {"left_shoulder": np.tile([100.0, 100.0], (n, 1)), "right_shoulder": np.tile([140.0, 100.0], (n, 1)),
              "left_hip": np.tile([100.0, 200.0], (n, 1)), "right_hip": np.tile([140.0, 200.0], (n, 1))}
    angles = {"left_knee": np.full(n, 10.0), "right_knee": np.array([30.0, np.nan, 30, 30, 30])}
    by_name = {s.name: s for s in pose_signals(angles, points)}
    np.testing.assert_allclose(by_name["knees"].values, [20, 10, 20, 20, 20])
    assert by_name["shoulder_height"].unit == "torso"
    np.testing.assert_allclose(by_name["shoulder_height"].values, -1.0)  # y 100 px / torso 100 px, up positive
    np.testing.assert_allclose(by_name["hip_height"].values, -2.0)


def cycles(levels: list[tuple[float, float, float]], noise_deg: float = 1.0, seed: int = 7) -> np.ndarray:
    """Raised-cosine excursions from `rest` to `turn` and back, one per (rest, turn, seconds), concatenated."""
    parts = []
    for rest, turn, seconds in levels:
        t = np.arange(int(round(seconds * FPS))) / FPS
        parts.append(rest + (turn - rest) * (1 - np.cos(2 * np.pi * t / seconds)) / 2)
    x = np.concatenate(parts)
    return x + np.random.default_rng(seed).normal(0, noise_deg, x.size)


def test_two_reps_after_getting_into_position_are_both_counted():
    """Cause (a) of the first benchmark run: a 5 s clip, the elbow straightens from 85 deg into the plank, rests
    1.6 s, then two 2 s push-ups. The setup stretches the autocorrelation period; the spacing of the turning
    points must bring it back, else the 0.6-period spacing drops a repetition."""
    setup = np.linspace(85, 8, int(0.6 * FPS))
    x = np.concatenate([setup, np.full(int(1.6 * FPS), 8.0), cycles([(8, 115, 2.0), (8, 115, 2.0)]),
                        np.full(int(0.3 * FPS), 8.0)])
    assert count_repetitions([PoseSignal("left_elbow", "deg", x)], FPS).count == 2
    # the same after a longer plank: the period itself must come out right
    x = np.concatenate([setup, np.full(int(3.0 * FPS), 8.0), cycles([(8, 115, 2.0)] * 3), np.full(int(0.3 * FPS), 8.0)])
    result = count_repetitions([PoseSignal("left_elbow", "deg", x)], FPS)
    assert result.count == 3
    assert result.period_s == pytest.approx(2.0, rel=0.15)


def test_long_set_whose_tempo_slows_is_read_at_the_repetition_period():
    """Cause (b): 18 pull-ups slowing from 1.5 s to 2.8 s each (fatigue). The autocorrelation has no clear peak at
    twice the period, which the IMU's strict half-period rule takes as a reason to read two repetitions as one."""
    durations = np.linspace(1.5, 2.8, 18)
    x = np.concatenate([np.full(30, 10.0), cycles([(10, 130, d) for d in durations]), np.full(30, 10.0)])
    result = count_repetitions([PoseSignal("elbows", "deg", x)], FPS)
    assert result.count == 18

