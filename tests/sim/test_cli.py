"""sportlens sim train|eval|render end to end, and their errors."""

from __future__ import annotations

import json

import pytest

from sportlens.options import OptionError
from sportlens.sim.errors import SimArgumentError

EASY = ["--set", "deck_height_m=0.6", "--set", "rolling_friction=0.0"]


def test_eval_of_the_scripted_coach(run_cli, tmp_path):
    result = run_cli("sim", "eval", "--policy", "scripted", "--episodes", "5", "-o", tmp_path / "ev", "--json")
    assert result.code == 0, result.stderr
    m = json.loads(result.stdout)["metrics"]
    assert m["policy"] == "scripted coach" and m["env_id"] == "sportlens/HalfPipe-v0"
    assert m["episodes"] == 5 and m["successes"] == 5 and m["success_rate"] == 1.0
    assert 5.0 < m["mean_time_to_success_s"] < 30.0
    lines = (tmp_path / "ev" / "episodes.csv").read_text().splitlines()
    assert lines[0].startswith("seed,success,episode_return") and len(lines) == 6 and lines[1].startswith("1000,")


def test_render_writes_a_video_trace_and_plot(run_cli, tmp_path):
    import av

    out = tmp_path / "render"
    result = run_cli("sim", "render", "--policy", "scripted", "--env", "sportlens/HighBarSwing-v0", "--max-seconds",
                     "2", "-o", out, "--json")
    assert result.code == 0, result.stderr
    m = json.loads(result.stdout)["metrics"]
    assert m["steps"] == 50 and m["fps"] == 25.0 and not m["success"]
    assert m["frames"] == 1 + 50 + 25  # the first frame, one per step, one second held at the end
    with av.open(str(out / "run.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == m["frames"]
    assert (out / "energy.png").stat().st_size > 1000
    header = (out / "trajectory.csv").read_text().splitlines()[0]
    assert header == "time_s,action,reward,energy_fraction,success,cos_q1,sin_q1,hip_rad,q1_dot_rad_s,hip_dot_rad_s"


def test_an_unknown_algorithm_is_a_clear_error(run_cli, tmp_path):
    run_cli("sim", "train", "sportlens/HalfPipe-v0", "--algo", "dqm", "-o", tmp_path / "run").assert_user_error(
        "dqm", "ppo", "a2c", "dqn", "sac")
    assert not (tmp_path / "run").exists()
    from sportlens.sim.options import TrainOptions

    with pytest.raises(OptionError, match="--algo must be one of ppo, a2c, dqn, sac, got 'dqm'"):
        TrainOptions(algo="dqm")


def test_an_algorithm_that_cannot_act_names_the_variant(run_cli, tmp_path):
    run_cli("sim", "train", "sportlens/HalfPipe-v0", "--algo", "sac", "-o", tmp_path / "run").assert_user_error(
        "sac cannot act in sportlens/HalfPipe-v0 (Discrete actions)", "try sportlens/HalfPipeContinuous-v0")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("args", "parts"), [
    (["sim", "train", "sportlens/Pommel-v0"], ["unknown environment 'sportlens/Pommel-v0'", "sportlens/HalfPipe-v0"]),
    (["sim", "train", "sportlens/HalfPipe-v0", "--set", "radius=2"], ["has no parameter 'radius'", "radius_m"]),
    (["sim", "train", "sportlens/HalfPipe-v0", "--set", "radius_m=-2"], ["radius_m must be a positive"]),
    (["sim", "train", "sportlens/HalfPipe-v0", "--set", "radius_m"], ["--set must look like NAME=VALUE"]),
    (["sim", "eval", "--policy", "trained", "-o", "x"], ["--policy trained needs a run folder"]),
])
def test_bad_input_is_one_line(run_cli, tmp_path, args, parts):
    args = [str(tmp_path / a) if a == "x" else a for a in args]
    if args[1] == "train":
        args += ["-o", str(tmp_path / "run")]
    run_cli(*args).assert_user_error(*parts)
    assert not (tmp_path / "run").exists()


def test_a_folder_that_is_not_a_run(run_cli, tmp_path):
    (tmp_path / "notes").mkdir()
    run_cli("sim", "eval", tmp_path / "notes").assert_user_error("not a sim training run", "sim train")


def test_sac_on_the_continuous_variant_writes_a_run(run_cli, tmp_path, one_torch_thread):
    out = tmp_path / "sac"
    result = run_cli("sim", "train", "sportlens/HalfPipeContinuous-v0", "--algo", "sac", "--steps", "200",
                     "--n-envs", "1", "--eval-episodes", "1", "--checkpoint-every", "100", "-o", out, "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["metrics"]["steps"] == 200 and summary["metrics"]["eval"]["episodes"] == 1
    card = json.loads((out / "card.json").read_text())
    assert card["task"] == "sim" and card["algo"] == "sac" and card["env_id"] == "sportlens/HalfPipeContinuous-v0"
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-000000100.zip", "step-000000200.zip"]
    assert (out / "logs" / "progress.csv").exists()
    assert not (out / "learning_curve.png").exists()  # 200 steps end no 600-step episode: nothing to plot
    assert summary["warnings"] == ["no training episode ended within the steps: no learning_curve.png (train longer)"]
    assert set(summary["outputs"]) >= {"model.zip", "card.json", "episodes.csv", "logs/", "checkpoints/"}


@pytest.mark.slow
def test_a_short_training_run_beats_random_on_an_easy_variant(run_cli, tmp_path, one_torch_thread):
    """PPO for 20k steps (about 20-60 s here) on a low coping without friction against random legs, on the
    same 10 seeded episodes; measured: trained 8/10 reach the coping, random 1/10."""
    run = tmp_path / "ppo"
    assert run_cli("sim", "train", "sportlens/HalfPipe-v0", "--steps", "20000", "--n-envs", "2",
                   "--eval-episodes", "0", "-o", run, *EASY).code == 0
    scores = {}
    for policy in ("trained", "random"):
        result = run_cli("sim", "eval", run, "--policy", policy, "--episodes", "10", "--json")
        assert result.code == 0, result.stderr
        scores[policy] = json.loads(result.stdout)["metrics"]
    assert scores["trained"]["env_settings"] == {"deck_height_m": 0.6, "rolling_friction": 0.0}
    assert scores["trained"]["success_rate"] >= scores["random"]["success_rate"] + 0.4
    assert scores["trained"]["mean_return"] > scores["random"]["mean_return"] + 1.0


def test_sim_argument_error_is_also_a_value_error():
    assert issubclass(SimArgumentError, ValueError)
