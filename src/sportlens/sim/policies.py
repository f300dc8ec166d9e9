"""Policies that are not learnt: the scripted coach's technique for each environment and a random policy.

A policy maps an observation to an action of the environment's own action space; the coaches are defined
on the leg or hip command u in [-1, 1] and turned into the variant's action (discrete or continuous).
"""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np

from sportlens.sim.errors import SimArgumentError

Policy = Callable[[np.ndarray], np.ndarray | int]


def halfpipe_coach(obs: np.ndarray) -> float:
    """Crouch at the top, extend at the bottom: stand up while rolling away from the bottom (theta and omega
    of the same sign: the CoM rises right after the lowest point, where the felt load is highest), crouch
    while rolling back down (the CoM sinks right after the turn, where the load is lowest)."""
    theta, omega = float(obs[0]), float(obs[1])
    return 1.0 if theta * omega > 0 else -1.0


def highbar_coach(env) -> Callable[[np.ndarray], float]:
    """The high-bar coach for this gymnast (see `sportlens.sim.envs.highbar.coach_command`)."""
    from sportlens.sim.envs.highbar import coach_command

    return lambda obs: coach_command(obs, env)


# entry point -> a factory: the unwrapped environment (its body and pipe) -> obs -> command u in [-1, 1]
COACHES: dict[str, Callable] = {
    "sportlens.sim.envs.halfpipe:HalfPipeEnv": lambda env: halfpipe_coach,
    "sportlens.sim.envs.highbar:HighBarSwingEnv": highbar_coach,
}


def command_to_action(u: float, action_space: gym.Space):
    """A command u in [-1, 1] as an action of a Discrete(3) ({-1, 0, +1} -> 0, 1, 2) or a Box(1) space."""
    if isinstance(action_space, gym.spaces.Discrete):
        return int(np.clip(np.rint(u), -1, 1)) + 1
    return np.array([u], dtype=np.float32)


def scripted_policy(env) -> Policy:
    """The coach's policy for an environment made from a registered id (gymnasium.make)."""
    entry = env.spec.entry_point
    if entry not in COACHES:
        raise SimArgumentError(f"no scripted policy for {env.spec.id}", hint=f"scripted ones: {', '.join(COACHES)}")
    coach = COACHES[entry](env.unwrapped)
    space = env.action_space
    return lambda obs: command_to_action(coach(obs), space)


def random_policy(action_space: gym.Space, seed: int) -> Policy:
    """Uniformly random actions from the space, seeded."""
    action_space.seed(seed)
    return lambda obs: action_space.sample()
