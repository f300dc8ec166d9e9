"""Making the registered environments from an id and settings, and running seeded episodes with any policy."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sportlens.sim.errors import SimArgumentError


def env_class(env_id: str) -> type:
    """The environment class of a registered sportlens id; SimArgumentError naming the known ids otherwise."""
    from sportlens.sim.envs import ENVIRONMENTS

    if env_id not in ENVIRONMENTS:
        raise SimArgumentError(f"unknown environment {env_id!r}", hint=f"known: {', '.join(ENVIRONMENTS)}")
    module, _, name = ENVIRONMENTS[env_id].entry_point.partition(":")
    return getattr(importlib.import_module(module), name)


def check_settings(env_id: str, settings: tuple[tuple[str, Any], ...] | dict) -> dict[str, Any]:
    """Settings as constructor keyword arguments, each a parameter of the environment's class."""
    known = [p for p in inspect.signature(env_class(env_id).__init__).parameters if p not in ("self", "render_mode")]
    kwargs = dict(settings)
    for name in kwargs:
        if name not in known:
            raise SimArgumentError(f"{env_id} has no parameter {name!r}", hint=f"its parameters: {', '.join(known)}")
    return kwargs


def make_env(env_id: str, settings: tuple | dict = (), render_mode: str | None = None):
    """gymnasium.make(env_id, **settings) with the id and the setting names checked first (one clear line)."""
    import gymnasium

    kwargs = check_settings(env_id, settings)
    return gymnasium.make(env_id, render_mode=render_mode, **kwargs)


@dataclass(frozen=True)
class EpisodeResult:
    """One seeded episode: success (goal reached), its return, steps, simulated time and when the goal was
    reached (NaN without success), and the highest energy as a share of the goal energy."""

    seed: int
    success: bool
    episode_return: float
    steps: int
    time_s: float
    time_to_success_s: float
    peak_energy_fraction: float

    def row(self) -> dict[str, Any]:
        return asdict(self)


def run_episode(env, policy, seed: int, on_step=None) -> EpisodeResult:
    """Run one episode from reset(seed) until it terminates or is truncated; on_step(env, obs, action, reward,
    info) is called after each step (rendering, traces)."""
    obs, info = env.reset(seed=seed)
    total, steps, peak = 0.0, 0, info["energy_fraction"]
    done = False
    while not done:
        action = policy(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        steps += 1
        peak = max(peak, info["energy_fraction"])
        done = terminated or truncated
        if on_step is not None:
            on_step(env, obs, action, reward, info)
    success = bool(info["success"])
    return EpisodeResult(seed, success, float(total), steps, float(info["time_s"]),
                         float(info["time_s"]) if success else float("nan"), float(peak))


def run_episodes(env, policy, seeds, step=None) -> list[EpisodeResult]:
    """Episodes for each seed in turn; step (a progress Step) advances once per episode."""
    results = []
    for seed in seeds:
        results.append(run_episode(env, policy, int(seed)))
        if step is not None:
            step.advance()
    return results


def episode_metrics(results: list[EpisodeResult]) -> dict[str, Any]:
    """Success rate, mean return (and its standard deviation), mean and median time to success."""
    success = np.array([r.success for r in results], bool)
    returns = np.array([r.episode_return for r in results])
    times = np.array([r.time_to_success_s for r in results if r.success])
    return {
        "episodes": len(results),
        "successes": int(success.sum()),
        "success_rate": float(success.mean()) if results else float("nan"),
        "mean_return": float(returns.mean()) if results else float("nan"),
        "std_return": float(returns.std()) if results else float("nan"),
        "mean_time_to_success_s": float(times.mean()) if times.size else None,
        "median_time_to_success_s": float(np.median(times)) if times.size else None,
        "mean_peak_energy_fraction": float(np.mean([r.peak_energy_fraction for r in results])) if results else None,
    }
