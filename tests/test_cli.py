from sportlens import __version__


def test_help_lists_commands(run_cli):
    result = run_cli("--help")
    assert result.code == 0
    assert "pose" in result.stdout


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"sportlens {__version__}"


def test_unknown_command_is_usage_error(run_cli):
    result = run_cli("no-such-command")
    assert result.code == 2
