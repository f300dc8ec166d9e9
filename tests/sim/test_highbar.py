"""HighBarSwing-v0: energy, the coach's giant swing, the Gymnasium contract and bad input."""

from __future__ import annotations

import math

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import sportlens.sim.envs  # noqa: F401
from sportlens.sim.envs.highbar import HighBarSwingEnv, coach_command
from sportlens.sim.errors import SimArgumentError

RELAX = np.array([0.0], np.float32)


def test_energy_is_conserved_without_torque_or_friction():
    env = HighBarSwingEnv(bar_damping_nms_rad=0.0, limit_damping_nms_rad=0.0)
    env.reset(seed=1)
    start = env.energy() + env.goal_energy_j  # relative to the lowest energy, so a still hang is not zero
    energies = [env.step(RELAX)[4]["energy_j"] + env.goal_energy_j for _ in range(250)]  # 10 s
    assert np.abs(np.array(energies) - start).max() / start < 1e-4


def test_hip_work_is_the_energy_gained():
    """Without friction the energy gained over one step is the hip's work, tau times the hip's rotation."""
    env = HighBarSwingEnv(bar_damping_nms_rad=0.0, limit_damping_nms_rad=0.0, dt_s=0.001, substeps=1)
    env.reset(seed=2)
    q2_before, e_before = env.state[1], env.energy()
    env.step(np.array([0.5], np.float32))
    work = 0.5 * env.flexion_torque_nm * (env.state[1] - q2_before)
    assert env.energy() - e_before == pytest.approx(work, rel=1e-3)


def test_the_coach_makes_a_giant_swing_and_relaxed_hips_do_not():
    env = gymnasium.make("sportlens/HighBarSwing-v0")
    outcomes = []
    for policy in (lambda obs: np.array([coach_command(obs)], np.float32), lambda obs: RELAX):
        obs, info = env.reset(seed=0)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            done = terminated or truncated
        outcomes.append(info)
    assert outcomes[0]["success"] and abs(outcomes[0]["circles"]) >= 1.0 and outcomes[0]["time_s"] < 32.0
    assert not outcomes[1]["success"] and abs(outcomes[1]["circles"]) < 0.1


def test_the_release_goal_ends_at_the_height():
    env = gymnasium.make("sportlens/HighBarRelease-v0", release_height_m=0.3)
    obs, info = env.reset(seed=0)
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(np.array([coach_command(obs)], np.float32))
        done = terminated or truncated
    assert terminated and info["com_height_m"] >= 0.3


@pytest.mark.parametrize("env_id", ["sportlens/HighBarSwing-v0", "sportlens/HighBarSwingDiscrete-v0",
                                    "sportlens/HighBarRelease-v0"])
def test_check_env_passes(env_id):
    check_env(gymnasium.make(env_id).unwrapped, skip_render_check=False)


def test_frames_show_the_gymnast():
    env = gymnasium.make("sportlens/HighBarSwing-v0", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (480, 560, 3) and np.all(frame == (30, 90, 200), axis=-1).sum() > 100


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"upper_length_m": -1.0}, "upper_length_m must be a positive finite number"),
    ({"leg_com_m": 1.0}, "a link's centre of mass must lie within it"),
    ({"goal": "kip"}, "goal must be one of giant, release"),
    ({"start_angle_rad": 2.0}, "start_angle_rad must be below pi/2"),
])
def test_bad_parameters_are_one_clear_error(kwargs, message):
    with pytest.raises(SimArgumentError, match=message.replace("(", r"\(")):
        HighBarSwingEnv(**kwargs)


def test_a_nan_action_is_a_clear_error():
    env = HighBarSwingEnv()
    env.reset(seed=0)
    with pytest.raises(SimArgumentError, match="one finite number"):
        env.step(np.array([math.nan], np.float32))
