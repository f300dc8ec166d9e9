"""`run_eval`: success rate, mean return and time to success over seeded episodes, for a trained run, the
scripted coach or a random policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sportlens.events import Progress, ensure_progress
from sportlens.sim.options import DEFAULT_ENV, EvalOptions
from sportlens.summary import Summary, plain


@dataclass
class Setup:
    """What an eval or render runs: the environment id and settings, a policy, and where they came from."""

    env_id: str
    settings: dict[str, Any]
    policy: Any
    policy_name: str
    card: dict[str, Any] | None


def resolve_setup(run_dir: str | Path | None, env_id: str | None, policy_kind: str, settings: tuple,
                  seed: int) -> Setup:
    """The policy to run: `trained` needs a run folder (its card names the environment); `scripted` and
    `random` take the run's environment, else env_id (default HalfPipe). settings override the run's."""
    from sportlens.errors import UserError
    from sportlens.sim.episodes import check_settings, make_env
    from sportlens.sim.policies import random_policy, scripted_policy
    from sportlens.sim.train import load_run, trained_policy

    model = card = None
    if run_dir is not None:
        model, card = load_run(run_dir)
        if env_id is not None and env_id != card["env_id"]:
            raise UserError(f"--env {env_id} differs from the run's environment {card['env_id']}", run_dir,
                            "leave --env out to use the run's")
        env_id = card["env_id"]
    elif policy_kind == "trained":
        raise UserError("--policy trained needs a run folder", hint="give RUN (the -o folder of `sim train`) or "
                        "choose --policy scripted|random with --env ID")
    env_id = env_id or DEFAULT_ENV
    merged = {**(card or {}).get("env_settings", {}), **check_settings(env_id, settings)}
    probe = make_env(env_id, merged)  # the coach reads the body and pipe parameters from it
    if policy_kind == "trained":
        policy, name = trained_policy(model), f"trained {card['algo']}"
    elif policy_kind == "scripted":
        policy, name = scripted_policy(probe), "scripted coach"
    else:
        policy, name = random_policy(probe.action_space, seed), "random"
    return Setup(env_id, merged, policy, name, card)


def run_eval(run_dir: str | Path | None, out_dir: str | Path | None, options: EvalOptions | None = None,
             env_id: str | None = None, progress: Progress | None = None) -> Summary:
    """Episodes with seeds options.seed .. seed + episodes - 1; writes episodes.csv; metrics as in
    `episode_metrics` plus the environment and policy. out_dir defaults to RUN/eval-POLICY."""
    import pandas as pd

    from sportlens.errors import UserError
    from sportlens.io.atomic import write_csv
    from sportlens.io.output_dir import output_run
    from sportlens.sim.episodes import episode_metrics, make_env, run_episodes

    options = options or EvalOptions()
    progress = ensure_progress(progress, "sim eval")
    setup = resolve_setup(run_dir, env_id, options.policy, options.env_settings, options.seed)
    if out_dir is None:
        if run_dir is None:
            raise UserError("sim eval without a run folder needs -o OUT", hint="add -o OUT")
        out_dir = Path(run_dir) / f"eval-{options.policy}"
    inputs = [str(run_dir)] if run_dir is not None else [setup.env_id]
    summary = Summary("sim eval", inputs=inputs, options={**plain(options), "env_id": setup.env_id})
    with output_run(out_dir, summary, *([run_dir] if run_dir is not None else [])):
        env = make_env(setup.env_id, setup.settings)
        seeds = range(options.seed, options.seed + options.episodes)
        with progress.step("episodes", total=options.episodes, unit="episodes") as step:
            results = run_episodes(env, setup.policy, seeds, step)
        env.close()
        write_csv(Path(out_dir) / "episodes.csv", pd.DataFrame([r.row() for r in results]))
        summary.metrics.update({"env_id": setup.env_id, "env_settings": setup.settings, "policy": setup.policy_name,
                                "first_seed": options.seed, **episode_metrics(results)})
        if not any(r.success for r in results):
            summary.warn(f"no episode reached the goal ({options.episodes} episodes)")
    return summary
