"""`run_train`: Stable-Baselines3 on a sport environment, with progress events, CSV logs, checkpoints, a seed
and a model card; `load_run` reads a run folder back.

Run folder: model.zip (the SB3 model), card.json (the model card), logs/progress.csv (SB3's training log),
logs/monitor-K.monitor.csv (every training episode of environment K: return, length, success),
checkpoints/step-NNNNNNNNN.zip, episodes.csv and learning_curve.png, summary.json.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sportlens.events import Progress, ensure_progress
from sportlens.sim.errors import SimArgumentError
from sportlens.sim.options import EVAL_SEED, TrainOptions
from sportlens.summary import Summary, plain

CARD_FILE = "card.json"
MODEL_FILE = "model.zip"


@dataclass(frozen=True)
class Recipe:
    """An algorithm: its SB3 class, the action spaces it handles, and the hyperparameters used here."""

    sb3_class: str
    action_spaces: tuple[str, ...]
    hyperparameters: dict[str, Any] = field(default_factory=dict)


# Hyperparameters as data: modest networks and batches that learn in minutes on one CPU thread. PPO keeps an
# entropy bonus and a long horizon (gamma 0.995, about 10 s): without them it settles on "always stand", which
# pays at once, before it finds that crouching at the top pays a second later.
RECIPES: dict[str, Recipe] = {
    "ppo": Recipe("PPO", ("Discrete", "Box"), {"n_steps": 256, "batch_size": 64, "n_epochs": 10, "gamma": 0.995,
                                               "gae_lambda": 0.95, "learning_rate": 3e-4, "ent_coef": 0.01}),
    "a2c": Recipe("A2C", ("Discrete", "Box"), {"n_steps": 16, "gamma": 0.99, "learning_rate": 7e-4}),
    "dqn": Recipe("DQN", ("Discrete",), {"learning_rate": 1e-3, "buffer_size": 50_000, "learning_starts": 1_000,
                                         "batch_size": 64, "gamma": 0.99, "train_freq": 4,
                                         "target_update_interval": 1_000,
                                         "exploration_fraction": 0.2, "exploration_final_eps": 0.02}),
    "sac": Recipe("SAC", ("Box",), {"learning_rate": 3e-4, "buffer_size": 100_000, "learning_starts": 1_000,
                                    "batch_size": 128, "gamma": 0.99}),
}
NET_ARCH = [64, 64]


def check_algo(algo: str, env_id: str, action_space) -> Recipe:
    """The recipe of `algo`; SimArgumentError for an unknown one or one that cannot drive this action space."""
    if algo not in RECIPES:
        raise SimArgumentError(f"unknown algorithm {algo!r}", hint=f"choose one of {', '.join(RECIPES)}")
    recipe = RECIPES[algo]
    kind = type(action_space).__name__
    if kind not in recipe.action_spaces:
        from sportlens.sim.envs import ENVIRONMENTS

        entry = ENVIRONMENTS[env_id].entry_point
        other = [i for i, s in ENVIRONMENTS.items() if s.entry_point == entry and s.actions in recipe.action_spaces]
        hint = f"{algo} needs a {' or '.join(recipe.action_spaces)} action space" + (
            f"; try {', '.join(other)}" if other else "")
        raise SimArgumentError(f"{algo} cannot act in {env_id} ({kind} actions)", hint=hint)
    return recipe


def _sb3_class(recipe: Recipe):
    import stable_baselines3

    return getattr(stable_baselines3, recipe.sb3_class)


def _callbacks(out_dir: Path, progress_step, checkpoint_every: int, n_envs: int):
    """SB3 callbacks: progress events every 1 % of the run (and cancellation), checkpoints written atomically."""
    from stable_baselines3.common.callbacks import BaseCallback

    from sportlens.io.atomic import atomic_path

    class ProgressAndCheckpoints(BaseCallback):
        def __init__(self):
            super().__init__()
            self.reported = 0
            self.next_checkpoint = checkpoint_every
            self.chunk = max(n_envs, (progress_step.total or 100) // 100)

        def _on_step(self) -> bool:
            done = self.num_timesteps
            if done - self.reported >= self.chunk:
                progress_step.advance(done - self.reported)  # raises Cancelled on Ctrl-C
                self.reported = done
            if checkpoint_every and done >= self.next_checkpoint:
                target = out_dir / "checkpoints" / f"step-{done:09d}.zip"
                with atomic_path(target, suffix=".zip") as tmp:
                    self.model.save(tmp)
                self.next_checkpoint += checkpoint_every
            return True

        def _on_training_end(self) -> None:
            if self.num_timesteps > self.reported:
                progress_step.advance(self.num_timesteps - self.reported)

    return ProgressAndCheckpoints()


def run_train(env_id: str, out_dir: str | Path, options: TrainOptions | None = None,
              progress: Progress | None = None) -> Summary:
    """Train options.algo on env_id for options.steps environment steps; write the run folder (see the module
    docstring); metrics: the end-of-training evaluation over options.eval_episodes seeded episodes."""
    from sportlens.io.output_dir import output_run
    from sportlens.sim.episodes import check_settings, make_env

    options = options or TrainOptions()
    progress = ensure_progress(progress, "sim train")
    out_dir = Path(out_dir)
    settings = check_settings(env_id, options.env_settings)  # an unknown id or parameter fails before -o is touched
    probe = make_env(env_id, settings)
    recipe = check_algo(options.algo, env_id, probe.action_space)
    probe.close()

    summary = Summary("sim train", inputs=[env_id], options={**plain(options), "env_id": env_id})
    with output_run(out_dir, summary):
        import torch
        from stable_baselines3.common.env_util import make_vec_env
        from stable_baselines3.common.logger import configure
        from stable_baselines3.common.monitor import Monitor  # noqa: F401  (make_vec_env wraps each env in it)

        from sportlens.io.atomic import atomic_path, write_json
        from sportlens.models.card import new_card

        threads_before = torch.get_num_threads()
        torch.set_num_threads(options.torch_threads)
        try:
            (out_dir / "logs").mkdir()
            vec_env = make_vec_env(env_id, n_envs=options.n_envs, seed=options.seed, env_kwargs=settings,
                                   monitor_dir=str(out_dir / "logs"),
                                   monitor_kwargs={"info_keywords": ("success",)})
            hyper = dict(recipe.hyperparameters)
            model = _sb3_class(recipe)("MlpPolicy", vec_env, seed=options.seed, device="cpu", verbose=0,
                                       policy_kwargs={"net_arch": NET_ARCH}, **hyper)
            model.set_logger(configure(str(out_dir / "logs"), ["csv"]))
            every = options.checkpoint_every or max(1, options.steps // 5)
            t0 = time.perf_counter()
            with progress.step("training", total=options.steps, unit="steps") as step:
                model.learn(total_timesteps=options.steps, callback=_callbacks(out_dir, step, every, options.n_envs))
            train_s = time.perf_counter() - t0
            vec_env.close()
            with atomic_path(out_dir / MODEL_FILE, suffix=".zip") as tmp:
                model.save(tmp)
            summary.timings["train_s"] = round(train_s, 3)
            summary.metrics.update({"env_id": env_id, "algo": options.algo, "steps": int(model.num_timesteps),
                                    "train_minutes": round(train_s / 60, 3),
                                    "steps_per_s": round(model.num_timesteps / train_s, 1)})
            if options.eval_episodes:
                evaluation = _final_eval(env_id, settings, model, options.eval_episodes, out_dir, progress)
                summary.metrics["eval"] = evaluation
            if not _learning_curve(out_dir, env_id, options.algo):
                summary.warn("no training episode ended within the steps: no learning_curve.png (train longer)")
            card = new_card("sim", env_id=env_id, env_settings=settings, algo=options.algo,
                            sb3_class=recipe.sb3_class, hyperparameters=hyper, net_arch=NET_ARCH, seed=options.seed,
                            n_envs=options.n_envs, steps=int(model.num_timesteps), train_s=round(train_s, 3),
                            torch_threads=options.torch_threads, metrics=summary.metrics.get("eval", {}))
            write_json(out_dir / CARD_FILE, card)
        finally:
            torch.set_num_threads(threads_before)
    return summary


def _final_eval(env_id, settings, model, episodes: int, out_dir: Path, progress: Progress) -> dict[str, Any]:
    import pandas as pd

    from sportlens.io.atomic import write_csv
    from sportlens.sim.episodes import episode_metrics, make_env, run_episodes

    env = make_env(env_id, settings)
    with progress.step("evaluation", total=episodes, unit="episodes") as step:
        results = run_episodes(env, trained_policy(model), range(EVAL_SEED, EVAL_SEED + episodes), step)
    env.close()
    write_csv(out_dir / "episodes.csv", pd.DataFrame([r.row() for r in results]))
    return {**episode_metrics(results), "first_seed": EVAL_SEED}


def trained_policy(model):
    """A trained SB3 model as a policy: its deterministic action for each observation."""
    return lambda obs: model.predict(obs, deterministic=True)[0]


def _learning_curve(out_dir: Path, env_id: str, algo: str) -> bool:
    """learning_curve.png: the return and success of the training episodes against environment steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from sportlens.io.atomic import save_figure

    frames = []
    for path in sorted((out_dir / "logs").glob("*.monitor.csv")):
        frame = pd.read_csv(path, skiprows=1)
        if len(frame):
            frames.append(frame)
    if not frames:
        return False
    episodes = pd.concat(frames).sort_values("t")
    steps = episodes["l"].cumsum().to_numpy()
    window = max(1, len(episodes) // 20)
    fig, (a, b) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    a.plot(steps, episodes["r"], ".", ms=2, alpha=0.4, color="grey")
    a.plot(steps, episodes["r"].rolling(window, min_periods=1).mean(), color="C0")
    a.set_ylabel("episode return")
    a.set_title(f"{algo} on {env_id}: training episodes")
    success = episodes["success"].astype(float) if "success" in episodes else np.zeros(len(episodes))
    b.plot(steps, pd.Series(np.asarray(success)).rolling(window, min_periods=1).mean(), color="C2")
    b.set_ylabel(f"success (mean of {window})")
    b.set_xlabel("environment steps (all environments)")
    b.set_ylim(-0.05, 1.05)
    fig.tight_layout()
    save_figure(fig, out_dir / "learning_curve.png")
    return True


def load_run(run_dir: str | Path):
    """(model, card) of a run folder written by `sim train`; ModelError when it is not one."""
    from sportlens.errors import InputFileError, ModelError
    from sportlens.models.card import check_card

    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise InputFileError("run folder not found", run_dir, "give the -o folder of `sportlens sim train`")
    card_path = run_dir / CARD_FILE
    if not card_path.is_file() or not (run_dir / MODEL_FILE).is_file():
        raise ModelError("not a sim training run (no card.json and model.zip)", run_dir,
                         "give the -o folder of `sportlens sim train`")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelError("model card is not valid JSON", card_path, "train again") from None
    check_card(card, "sim", card_path)
    if card.get("algo") not in RECIPES:
        raise ModelError(f"model card names an unknown algorithm {card.get('algo')!r}", card_path)
    try:
        model = _sb3_class(RECIPES[card["algo"]]).load(run_dir / MODEL_FILE, device="cpu")
    except Exception as exc:  # a damaged zip raises many kinds
        raise ModelError(f"cannot read the model ({type(exc).__name__})", run_dir / MODEL_FILE, "train again") from None
    return model, card
