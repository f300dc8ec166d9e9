"""Shared test fixtures: run the CLI in-process and capture its streams."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")  # keep test output and stderr checks clean
os.environ.setdefault("MPLBACKEND", "Agg")


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(capsys):
    """Call `sportlens ARGS...` in this process; returns exit code, stdout and stderr."""
    from sportlens.cli import main

    def call(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return call


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models train faster on one thread, and a shared 2-core machine runs other jobs; restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
