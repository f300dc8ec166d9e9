"""HalfPipe-v0: the mechanics (energy, angular momentum, pumping), the Gymnasium contract and bad input."""

from __future__ import annotations

import math

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sportlens.sim.envs  # noqa: F401  (registers the ids)
from sportlens.sim.envs.halfpipe import HalfPipeEnv
from sportlens.sim.errors import SimArgumentError
from sportlens.sim.policies import halfpipe_coach

HOLD, CROUCH, STAND = 1, 0, 2


def _energies(env: HalfPipeEnv, policy, seconds: float, seed: int = 3) -> np.ndarray:
    obs, _ = env.reset(seed=seed)
    energies = [env.energy()]
    for _ in range(int(round(seconds / env.dt_s))):
        obs, _, terminated, _, _ = env.step(policy(obs))
        energies.append(env.energy())
        assert not terminated
    return np.array(energies)


def test_energy_is_conserved_without_actuation():
    env = HalfPipeEnv(rolling_friction=0.0)
    energies = _energies(env, lambda obs: HOLD, 10.0)
    drift = np.abs(energies - energies[0]).max() / energies[0]
    assert drift < 1e-4
    assert env.time_s == pytest.approx(10.0)


def test_friction_takes_energy_away():
    energies = _energies(HalfPipeEnv(rolling_friction=0.01), lambda obs: HOLD, 10.0)
    assert np.all(np.diff(energies) <= 1e-9) and energies[-1] < 0.95 * energies[0]


def test_standing_up_keeps_angular_momentum_and_spins_faster():
    """Without gravity or friction the legs' radial push has no moment about the pipe centre: L = m r^2 omega
    is the same after standing from the crouched to the standing radius, so omega grows by (r_max/r_min)^2."""
    env = HalfPipeEnv(rolling_friction=0.0, gravity_mps2=1e-12)
    env.reset(seed=0)
    env.state = np.array([0.0, 0.5, env.com_radius_max_m])
    momentum = env.mass_kg * env.state[2] ** 2 * env.state[1]
    for _ in range(20):  # 1 s: the 0.4 m stand-up takes about 0.27 s at 1.5 m/s
        env.step(STAND)
    assert env.state[2] == pytest.approx(env.com_radius_min_m, abs=1e-3)
    assert env.mass_kg * env.state[2] ** 2 * env.state[1] == pytest.approx(momentum, rel=1e-5)  # RK4 error
    assert env.state[1] / 0.5 == pytest.approx((env.com_radius_max_m / env.state[2]) ** 2, rel=1e-5)


def _coach(obs):
    return int(halfpipe_coach(obs)) + 1


def _against_coach(obs):
    return 1 - int(halfpipe_coach(obs))


def test_pumping_in_phase_raises_energy_and_out_of_phase_lowers_it():
    env = HalfPipeEnv(rolling_friction=0.0, deck_height_m=3.0)  # a high coping: 8 s of pumping stay below it
    in_phase = _energies(env, _coach, 8.0)
    out_of_phase = _energies(env, _against_coach, 8.0)
    assert in_phase[0] == out_of_phase[0]
    assert in_phase[-1] > 1.5 * in_phase[0]
    assert out_of_phase[-1] < 0.9 * out_of_phase[0]


def test_the_coach_reaches_the_coping_and_random_legs_do_not():
    env = gymnasium.make("sportlens/HalfPipe-v0")
    reached = []
    for policy in (_coach, lambda obs: int(np.random.default_rng(int(1e3 * abs(obs[0]))).integers(3))):
        obs, info = env.reset(seed=5)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            done = terminated or truncated
        reached.append((info["success"], info["time_s"]))
    assert reached[0][0] and reached[0][1] < 30.0
    assert not reached[1][0] and reached[1][1] == pytest.approx(30.0)


@pytest.mark.parametrize("env_id", ["sportlens/HalfPipe-v0", "sportlens/HalfPipeContinuous-v0"])
def test_check_env_passes(env_id):
    check_env(gymnasium.make(env_id).unwrapped, skip_render_check=False)


def test_the_same_seed_gives_the_same_episode():
    runs = []
    for _ in range(2):
        env = gymnasium.make("sportlens/HalfPipe-v0")
        obs, _ = env.reset(seed=42)
        trace = [obs]
        for k in range(100):
            obs, *_ = env.step(k % 3)
            trace.append(obs)
        runs.append(np.array(trace))
    assert np.array_equal(runs[0], runs[1])
    env = gymnasium.make("sportlens/HalfPipe-v0")
    assert not np.array_equal(env.reset(seed=43)[0], runs[0][0])


def test_coping_angle_and_observation_ranges():
    env = HalfPipeEnv(radius_m=3.0, deck_height_m=1.5)
    assert env.coping_angle_rad == pytest.approx(math.pi / 3)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs) and 0.2 <= abs(obs[0]) <= 0.5 and obs[1] == 0.0
    assert info["reach"] == pytest.approx((1 - math.cos(obs[0])) / 0.5, rel=1e-6)


def test_rgb_array_frames_show_the_pipe_and_the_skater():
    env = gymnasium.make("sportlens/HalfPipe-v0", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (400, 640, 3) and frame.dtype == np.uint8
    skater = np.all(frame == (30, 90, 200), axis=-1)
    assert skater.sum() > 50
    env.step(STAND)
    assert not np.array_equal(env.render(), frame)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"radius_m": -3.0}, "radius_m must be a positive finite number, got -3"),
    ({"mass_kg": float("nan")}, "mass_kg must be a positive finite number, got nan"),
    ({"deck_height_m": 4.0}, "deck_height_m (4) must not exceed radius_m (3)"),
    ({"com_radius_max_m": 3.5}, "com_radius_min_m < com_radius_max_m < radius_m"),
    ({"rolling_friction": -0.1}, "rolling_friction must be zero or a positive finite number"),
])
def test_bad_parameters_are_one_clear_error(kwargs, message):
    with pytest.raises(SimArgumentError) as error:
        HalfPipeEnv(**kwargs)
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(("continuous", "action"), [(True, np.array([np.nan], np.float32)), (False, 3),
                                                    (False, 1.5), (True, np.array([0.1, 0.2]))])
def test_a_bad_action_is_a_clear_error(continuous, action):
    env = HalfPipeEnv(continuous=continuous)
    env.reset(seed=0)
    with pytest.raises(SimArgumentError, match="HalfPipe action must be"):
        env.step(action)
