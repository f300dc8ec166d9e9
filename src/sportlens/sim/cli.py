"""`sportlens sim train|eval|render`: sport environments, reinforcement learning and the coach's technique.

Thin: flags become the options dataclasses, then `run_train` / `run_eval` / `run_render`. Light imports only,
so `sportlens --help` stays fast (gymnasium, torch and stable-baselines3 load inside the commands).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP, report, run_task

app = typer.Typer(help="Sport simulations: half-pipe pumping and high-bar swings; train, evaluate, render; "
                       "replay a recorded 3D pose on a MuJoCo humanoid.",
                  no_args_is_help=True)


class Algo(StrEnum):
    ppo = "ppo"
    a2c = "a2c"
    dqn = "dqn"
    sac = "sac"


class PolicyKind(StrEnum):
    trained = "trained"
    scripted = "scripted"
    random = "random"


ENV_HELP = ("Environment id: sportlens/HalfPipe-v0, sportlens/HalfPipeContinuous-v0, sportlens/HighBarSwing-v0, "
            "sportlens/HighBarSwingDiscrete-v0, sportlens/HighBarRelease-v0.")
SET_HELP = "An environment parameter, NAME=VALUE (SI units, e.g. deck_height_m=1.0); repeat for more."
RUN_HELP = "Run folder written by `sim train`."
POLICY_HELP = "trained: the run's model; scripted: the coach's technique; random: random actions."
ENV_OPTION_HELP = "Environment id for --policy scripted|random without a run (default sportlens/HalfPipe-v0)."


def _percent(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


@app.command()
def train(
    env: str = typer.Argument(..., help=ENV_HELP),
    out: Path = typer.Option(..., "-o", "--out", help=f"Run folder (model.zip, card.json, logs, checkpoints). "
                                                     f"{OUT_HELP}"),
    algo: Algo = typer.Option(Algo.ppo, help="Stable-Baselines3 algorithm (dqn: discrete actions; sac: continuous)."),
    steps: int = typer.Option(100_000, help="Environment steps to train for (all parallel environments together)."),
    seed: int = typer.Option(0, help="Seed of the environments and the networks."),
    n_envs: int = typer.Option(4, help="Environments stepped side by side."),
    checkpoint_every: int = typer.Option(0, help="Steps between checkpoints (0: five over the run)."),
    eval_episodes: int = typer.Option(20, help="Seeded episodes scored after training (0: none)."),
    settings: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE", help=SET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train a policy with Stable-Baselines3: progress bar, CSV logs, checkpoints, a model card."""
    from sportlens.sim.options import TrainOptions, parse_env_settings
    from sportlens.sim.train import run_train

    options = TrainOptions(algo=algo.value, steps=steps, seed=seed, n_envs=n_envs, checkpoint_every=checkpoint_every,
                           eval_episodes=eval_episodes, env_settings=parse_env_settings(settings))
    summary = run_task("sim train", lambda progress: run_train(env, out, options, progress))
    m = summary.metrics
    line = f"{m['algo']} on {m['env_id']}: {m['steps']} steps in {m['train_minutes']:.2f} min"
    if "eval" in m:
        e = m["eval"]
        line += f"; success {_percent(e['success_rate'])} over {e['episodes']} episodes, mean return " \
                f"{e['mean_return']:.2f}"
    report(summary, as_json, [line], out)


@app.command("eval")
def evaluate(
    run: Path = typer.Argument(None, help=f"{RUN_HELP} Optional with --policy scripted|random."),
    out: Path | None = typer.Option(None, "-o", "--out", help=f"Output folder (default RUN/eval-POLICY). {OUT_HELP}"),
    policy: PolicyKind = typer.Option(PolicyKind.trained, help=POLICY_HELP),
    env: str | None = typer.Option(None, "--env", help=ENV_OPTION_HELP),
    episodes: int = typer.Option(100, help="Seeded episodes."),
    seed: int = typer.Option(1000, help="Seed of the first episode (episode k: SEED + k)."),
    settings: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE", help=SET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Success rate, mean return and time to success over seeded episodes."""
    from sportlens.sim.evaluate import run_eval
    from sportlens.sim.options import EvalOptions, parse_env_settings

    options = EvalOptions(policy=policy.value, episodes=episodes, seed=seed,
                          env_settings=parse_env_settings(settings))
    summary = run_task("sim eval", lambda progress: run_eval(run, out, options, env, progress))
    m = summary.metrics
    when = "" if m["mean_time_to_success_s"] is None else f", mean time to success {m['mean_time_to_success_s']:.1f} s"
    report(summary, as_json, [f"{m['policy']} on {m['env_id']}: success {_percent(m['success_rate'])} "
                              f"({m['successes']}/{m['episodes']}), mean return {m['mean_return']:.2f}{when}"])


@app.command()
def render(
    run: Path = typer.Argument(None, help=f"{RUN_HELP} Optional with --policy scripted|random."),
    out: Path = typer.Option(..., "-o", "--out", help=f"Output folder (run.mp4, trajectory.csv, energy.png). "
                                                     f"{OUT_HELP}"),
    policy: PolicyKind = typer.Option(PolicyKind.trained, help=POLICY_HELP),
    env: str | None = typer.Option(None, "--env", help=ENV_OPTION_HELP),
    seed: int = typer.Option(1000, help="Seed of the episode."),
    max_seconds: float = typer.Option(60.0, help="Simulated seconds at most."),
    settings: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE", help=SET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """One episode as a side-view video with the trajectory trace and a live energy bar."""
    from sportlens.sim.options import RenderOptions, parse_env_settings
    from sportlens.sim.render import run_render

    options = RenderOptions(policy=policy.value, seed=seed, max_seconds=max_seconds,
                            env_settings=parse_env_settings(settings))
    summary = run_task("sim render", lambda progress: run_render(run, out, options, env, progress))
    m = summary.metrics
    result = f"goal reached after {m['time_to_success_s']:.1f} s" if m["success"] else "goal not reached"
    report(summary, as_json, [f"{m['policy']} on {m['env_id']}: {result}; {m['frames']} frames"], out)


class ReplayRenderer(StrEnum):
    auto = "auto"
    mujoco = "mujoco"
    matplotlib = "matplotlib"
    none = "none"


@app.command()
def replay(
    pose: Path = typer.Argument(..., help="A pose3d.trc (`sportlens pose --person-height`), a multi-camera "
                                          "markers.trc (`pose3d`), a pose keypoints.csv, or a folder holding one."),
    out: Path = typer.Option(..., "-o", "--out", help=f"Output folder (joint_angles.csv, com.csv, com.png, "
                                                     f"limits.csv, fit.csv, humanoid.xml, replay.mp4). {OUT_HELP}"),
    mass_kg: float = typer.Option(70.0, "--mass-kg", help="Body mass (kg): places the centre of mass by de Leva's "
                                                          "segment shares."),
    renderer: ReplayRenderer = typer.Option(ReplayRenderer.auto, help="Video: MuJoCo's offscreen renderer "
                                            "(EGL, then OSMesa), a matplotlib stick figure, or none; auto: MuJoCo "
                                            "where a GL context can be made, else matplotlib."),
    width: int = typer.Option(640, help="Video width (pixels)."),
    height: int = typer.Option(480, help="Video height (pixels)."),
    max_iterations: int = typer.Option(50, help="Inverse-kinematics steps per frame at most."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A recorded 3D pose drives a MuJoCo humanoid by inverse kinematics: joint angles, centre of mass,
    joint-limit breaks, fit residual and a video."""
    from sportlens.sim.options import ReplayOptions
    from sportlens.sim.replay import run_replay

    options = ReplayOptions(mass_kg=mass_kg, renderer=renderer.value, width=width, height=height,
                            max_iterations=max_iterations)
    summary = run_task("sim replay", lambda progress: run_replay(pose, out, options, progress))
    m = summary.metrics
    residual = m["residual_mm"]
    line = f"{m['fitted_frames']}/{m['frames']} frames fitted"
    if residual:
        line += f", residual median {residual['median']:.1f} mm (max {residual['max']:.1f})"
    line += f"; {m['frames_beyond_limits']} frames beyond a joint limit; video: {m['renderer']}"
    report(summary, as_json, [line], out)
