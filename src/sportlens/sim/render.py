"""`run_render`: one seeded episode as a side-view video (trajectory trace, live energy bar), its
trajectory as CSV and the energy over time as a plot."""

from __future__ import annotations

from pathlib import Path

from sportlens.events import Progress, ensure_progress
from sportlens.sim.evaluate import resolve_setup
from sportlens.sim.options import RenderOptions
from sportlens.summary import Summary, plain

VIDEO_FILE = "run.mp4"


def run_render(run_dir: str | Path | None, out_dir: str | Path, options: RenderOptions | None = None,
               env_id: str | None = None, progress: Progress | None = None) -> Summary:
    """Render the episode with seed options.seed: run.mp4, trajectory.csv (time_s, action, reward,
    energy_fraction, success and the observation's named columns per step) and energy.png."""
    import numpy as np
    import pandas as pd

    from sportlens.io.atomic import write_csv
    from sportlens.io.output_dir import output_run
    from sportlens.sim.episodes import make_env
    from sportlens.video.encode import VideoWriter

    options = options or RenderOptions()
    progress = ensure_progress(progress, "sim render")
    setup = resolve_setup(run_dir, env_id, options.policy, options.env_settings, options.seed)
    inputs = [str(run_dir)] if run_dir is not None else [setup.env_id]
    summary = Summary("sim render", inputs=inputs, options={**plain(options), "env_id": setup.env_id})
    with output_run(out_dir, summary, *([run_dir] if run_dir is not None else [])):
        out_dir = Path(out_dir)
        env = make_env(setup.env_id, setup.settings, render_mode="rgb_array")
        base = env.unwrapped
        fps = float(base.metadata["render_fps"])
        max_steps = int(round(options.max_seconds / base.dt_s))
        names = list(base.observation_names)
        obs, info = env.reset(seed=options.seed)
        frame = env.render()
        rows = []
        with VideoWriter(out_dir / VIDEO_FILE, fps, frame.shape[1], frame.shape[0]) as video, \
                progress.step("frames", total=max_steps, unit="frames") as step:
            video.write(frame)
            done, steps = False, 0
            while not done and steps < max_steps:
                action = setup.policy(obs)
                obs, reward, terminated, truncated, info = env.step(action)
                steps += 1
                done = terminated or truncated
                video.write(env.render())
                rows.append({"time_s": info["time_s"], "action": float(np.asarray(action).reshape(-1)[0]),
                             "reward": reward, "energy_fraction": info["energy_fraction"],
                             "success": bool(info["success"]), **dict(zip(names, map(float, obs), strict=True))})
                step.advance()
            last = env.render()
            for _ in range(int(round(options.hold_s * fps))):
                video.write(last)
        env.close()
        trajectory = pd.DataFrame(rows)
        write_csv(out_dir / "trajectory.csv", trajectory)
        _energy_plot(out_dir / "energy.png", trajectory, setup.env_id, setup.policy_name)
        success = bool(info["success"])
        summary.metrics.update({"env_id": setup.env_id, "policy": setup.policy_name, "seed": options.seed,
                                "steps": steps, "time_s": round(float(info["time_s"]), 3), "success": success,
                                "time_to_success_s": round(float(info["time_s"]), 3) if success else None,
                                "frames": video.frames_written, "fps": fps})
        if not success:
            summary.warn(f"the episode did not reach the goal in {info['time_s']:.1f} s")
    return summary


def _energy_plot(path: Path, trajectory, env_id: str, policy_name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    fig, ax = plt.subplots(figsize=(7, 3))
    if len(trajectory):
        ax.plot(trajectory["time_s"], trajectory["energy_fraction"], color="C1")
    ax.axhline(1.0, color="k", lw=1, ls="--", label="goal")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("energy / goal energy")
    ax.set_title(f"{policy_name} on {env_id}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    save_figure(fig, path)
