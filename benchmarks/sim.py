"""Sport simulations: success of trained vs scripted policies, training minutes, environment speed.

    .venv/bin/python benchmarks/sim.py halfpipe --algo ppo --steps 300000
    .venv/bin/python benchmarks/sim.py highbar --algo ppo --steps 200000
    .venv/bin/python benchmarks/sim.py speed

halfpipe/highbar: train with `run_train` (the code behind `sportlens sim train`, one torch thread), then score
the trained policy, the scripted coach and random actions on the same 100 seeded episodes (seeds 1000-1099, never
used in training). speed: environment steps per second, single and vectorised (Gymnasium's SyncVectorEnv and
AsyncVectorEnv with 8 copies), random actions, all in one run so the ratios compare. Rows are appended to the
"Sport simulations" section of BENCHMARKS.md with the machine's load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, today  # noqa: E402

SECTION = "Sport simulations (issue 20)"
EPISODES = 100
ENV_IDS = {"halfpipe": "sportlens/HalfPipe-v0", "highbar": "sportlens/HighBarSwing-v0"}


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def score(env_id: str, algo: str, steps: int, out: Path, seed: int) -> dict:
    from sportlens.sim.evaluate import run_eval
    from sportlens.sim.options import EvalOptions, TrainOptions
    from sportlens.sim.train import run_train

    run_dir = out / f"{env_id.split('/')[1]}-{algo}-{steps}-seed{seed}"
    load_before = _load()
    train = run_train(env_id, run_dir, TrainOptions(algo=algo, steps=steps, seed=seed, eval_episodes=0))
    figures = {"train_minutes": train.metrics["train_minutes"], "steps_per_s": train.metrics["steps_per_s"],
               "load": f"{load_before} -> {_load()}"}
    for policy in ("trained", "scripted", "random"):
        result = run_eval(run_dir, run_dir / f"eval-{policy}", EvalOptions(policy=policy, episodes=EPISODES))
        figures[policy] = result.metrics
    return figures


def _time(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def record_policy_rows(part: str, algo: str, steps: int, seed: int, f: dict) -> None:
    header = ("| date | environment | algorithm, steps, seed | training min (steps/s) | policy | success "
              f"({EPISODES} seeded episodes) | mean return | mean time to goal (s) | load avg | machine |")
    for policy in ("trained", "scripted", "random"):
        m = f[policy]
        training = f"{f['train_minutes']:.1f} ({f['steps_per_s']:.0f})" if policy == "trained" else "-"
        append_row(SECTION, header, f"| {today()} | {ENV_IDS[part]} | {algo}, {steps}, {seed} | {training} | "
                                    f"{policy} | {100 * m['success_rate']:.0f} % | {m['mean_return']:.2f} | "
                                    f"{_time(m['mean_time_to_success_s'])} | {f['load']} | {machine()} |")


def speed(seconds: float = 3.0) -> dict:
    import gymnasium
    import numpy as np

    import sportlens.sim.envs  # noqa: F401

    figures = {}
    for name, env_id in ENV_IDS.items():
        env = gymnasium.make(env_id)
        env.reset(seed=0)
        env.action_space.seed(0)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            n += 1
            if terminated or truncated:
                env.reset()
        figures[(name, "single")] = n / (time.perf_counter() - t0)
        for kind, maker in (("sync x8", gymnasium.vector.SyncVectorEnv), ("async x8", gymnasium.vector.AsyncVectorEnv)):
            vec = maker([lambda env_id=env_id: gymnasium.make(env_id) for _ in range(8)])
            vec.reset(seed=0)
            vec.action_space.seed(0)
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                vec.step(vec.action_space.sample())
                n += 8
            figures[(name, kind)] = n / (time.perf_counter() - t0)
            vec.close()
        np.random.default_rng(0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["halfpipe", "highbar", "speed"])
    parser.add_argument("--algo", default="ppo")
    parser.add_argument("--steps", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/sportlens-sim-bench"))
    parser.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")
    if args.part == "speed":
        load = _load()
        figures = speed()
        for (name, kind), rate in figures.items():
            print(f"{ENV_IDS[name]} {kind}: {rate:,.0f} steps/s")
        if not args.no_record:
            header = ("| date | environment | single (steps/s) | SyncVectorEnv x8 | AsyncVectorEnv x8 | load avg "
                      "| machine |")
            for name, env_id in ENV_IDS.items():
                append_row(SECTION, header, f"| {today()} | {env_id} | {figures[(name, 'single')]:,.0f} | "
                                            f"{figures[(name, 'sync x8')]:,.0f} | {figures[(name, 'async x8')]:,.0f} | "
                                            f"{load} | {machine()} |")
        return
    figures = score(ENV_IDS[args.part], args.algo, args.steps, args.out, args.seed)
    for policy in ("trained", "scripted", "random"):
        m = figures[policy]
        print(f"{policy}: success {m['success_rate']:.2f}, mean return {m['mean_return']:.2f}, "
              f"mean time to goal {m['mean_time_to_success_s']}")
    print(f"training {figures['train_minutes']:.2f} min at {figures['steps_per_s']:.0f} steps/s, "
          f"load {figures['load']}")
    if not args.no_record:
        record_policy_rows(args.part, args.algo, args.steps, args.seed, figures)


if __name__ == "__main__":
    main()
