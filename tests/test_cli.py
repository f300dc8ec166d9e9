from sportlens import __version__


def test_help_lists_every_task_with_its_help_line(run_cli):
    result = run_cli("--help")
    assert result.code == 0
    from sportlens.cli import TASKS

    lines = result.stdout.split("Commands:")[1].splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert sorted(listed) == sorted(name for _, name, _ in TASKS)
    assert "<bool>" not in result.stdout  # flags are shown without a value placeholder


def test_interrupted_run_exits_130_with_one_line(run_cli, monkeypatch):
    from sportlens.pose import pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run_pose", interrupted)
    result = run_cli("pose", "anything.mp4", "-o", "out")
    assert result.code == 130
    assert result.stderr.strip().startswith("interrupted") and len(result.stderr.strip().splitlines()) == 1


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"sportlens {__version__}"


def test_unknown_command_is_usage_error(run_cli):
    result = run_cli("no-such-command")
    assert result.code == 2
