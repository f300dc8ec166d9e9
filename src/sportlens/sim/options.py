"""Options of `sportlens sim ...`, validated on construction (the CLI and library callers build the same ones)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Literal

from sportlens.options import OptionError, check_literals, check_range

Algo = Literal["ppo", "a2c", "dqn", "sac"]
PolicyKind = Literal["trained", "scripted", "random"]
DEFAULT_ENV = "sportlens/HalfPipe-v0"
EVAL_SEED = 1000  # evaluation episodes use seeds EVAL_SEED, EVAL_SEED + 1, ...: never the training seeds


def parse_env_settings(items: list[str] | tuple[str, ...] | None) -> tuple[tuple[str, Any], ...]:
    """--set NAME=VALUE items as ((name, value), ...); values are Python literals (2.5, True, (0.1, 0.3)) or
    plain strings."""
    pairs = []
    for item in items or ():
        name, sep, raw = str(item).partition("=")
        if not sep or not name.strip():
            raise OptionError(f"--set must look like NAME=VALUE (e.g. deck_height_m=1.0), got {item!r}")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            value = raw.strip()
        pairs.append((name.strip(), value))
    return tuple(pairs)


def _check_settings(settings: tuple) -> None:
    for pair in settings:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
            raise OptionError(f"--set entries must be (name, value) pairs, got {pair!r}")


@dataclass(frozen=True)
class TrainOptions:
    algo: Algo = "ppo"
    steps: int = 100_000  # environment steps (all parallel environments together)
    seed: int = 0
    n_envs: int = 4  # parallel environments (in this process)
    checkpoint_every: int = 0  # environment steps between checkpoints; 0: five over the run
    eval_episodes: int = 20  # seeded episodes scored at the end of training (the card's metrics)
    env_settings: tuple[tuple[str, Any], ...] = ()  # constructor arguments of the environment
    torch_threads: int = 1  # a small MLP learns fastest on one thread, and the machine is shared

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("steps", self.steps, 1, 100_000_000)
        check_range("n_envs", self.n_envs, 1, 64)
        check_range("checkpoint_every", self.checkpoint_every, 0)
        check_range("eval_episodes", self.eval_episodes, 0, 100_000)
        check_range("torch_threads", self.torch_threads, 1, 256)
        _check_settings(self.env_settings)


@dataclass(frozen=True)
class EvalOptions:
    policy: PolicyKind = "trained"
    episodes: int = 100
    seed: int = EVAL_SEED  # the first episode's seed; episode k uses seed + k
    env_settings: tuple[tuple[str, Any], ...] = ()  # scripted/random without a run: the environment's arguments

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("episodes", self.episodes, 1, 1_000_000)
        check_range("seed", self.seed, 0)
        _check_settings(self.env_settings)


@dataclass(frozen=True)
class RenderOptions:
    policy: PolicyKind = "trained"
    seed: int = EVAL_SEED
    max_seconds: float = 60.0  # simulated time at most (the episode's own limit applies too)
    hold_s: float = 1.0  # the last frame is shown this long after the episode ends
    env_settings: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("seed", self.seed, 0)
        check_range("max_seconds", self.max_seconds, 0.0, 3600.0, low_open=True)
        check_range("hold_s", self.hold_s, 0.0, 60.0)
        _check_settings(self.env_settings)


ReplayRenderer = Literal["auto", "mujoco", "matplotlib", "none"]


@dataclass(frozen=True)
class ReplayOptions:
    mass_kg: float = 70.0  # body mass: de Leva's segment shares of it place the centre of mass
    renderer: ReplayRenderer = "auto"  # auto: MuJoCo's offscreen renderer (EGL, then OSMesa), else matplotlib
    width: int = 640  # video size (pixels)
    height: int = 480
    max_iterations: int = 50  # Levenberg-Marquardt steps per frame at most (the first frame gets 4x)
    min_keypoints: int = 8  # a frame with fewer usable keypoints is not fitted (NaN row, a warning)

    def __post_init__(self) -> None:
        check_literals(self)
        check_range("mass_kg", self.mass_kg, 1.0, 500.0)
        check_range("width", self.width, 64, 3840)
        check_range("height", self.height, 64, 2160)
        check_range("max_iterations", self.max_iterations, 1, 10_000)
        check_range("min_keypoints", self.min_keypoints, 6, 17)
