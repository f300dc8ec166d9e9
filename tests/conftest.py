"""Shared test fixtures: run the CLI in-process and capture its streams."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")  # keep test output and stderr checks clean
os.environ.setdefault("MPLBACKEND", "Agg")
# no test reads or writes the user's model registry (~/.sportlens/registry): a per-run one that starts absent
os.environ["SPORTLENS_REGISTRY"] = f"sqlite:///{tempfile.gettempdir()}/sportlens-test-registry-{os.getpid()}/mlflow.db"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)

    def assert_user_error(self, *parts: str) -> None:
        """A user error: exit 2, nothing on stdout, one line on stderr holding every part."""
        assert self.code == 2, self.stderr
        assert self.stdout == ""
        line = self.stderr.strip()
        assert "\n" not in line and line.startswith("error: "), self.stderr
        for part in parts:
            assert part in line, (part, line)


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


def write_labelled_imu_csv(path, n_people: int = 4, seed: int = 3):
    """A labelled long IMU CSV: n_people people x two movements (a slow swing on x, a fast shake on y), 16 s
    each at 50 Hz, columns recording_id, person, label, t_s, acc_*_ms2, gyr_*_rads. Returns path."""
    import numpy as np
    import pandas as pd

    from sportlens.constants import STANDARD_GRAVITY

    rows = []
    rng = np.random.default_rng(seed)
    rate = 50.0
    t = np.arange(int(16 * rate)) / rate
    for p in range(n_people):
        for label, f, ax in (("swing", 0.5, 0), ("shake", 3.0, 1)):
            amp = rng.uniform(0.8, 1.2)
            acc = np.zeros((t.size, 3))
            acc[:, 2] = STANDARD_GRAVITY
            acc[:, ax] += 4 * amp * np.sin(2 * np.pi * f * t)
            acc += rng.normal(0, 0.3, acc.shape)
            gyro = rng.normal(0, 0.05, acc.shape)
            gyro[:, ax] += amp * np.sin(2 * np.pi * f * t)
            frame = pd.DataFrame({"recording_id": f"p{p}-{label}", "person": f"p{p}", "label": label, "t_s": t})
            for k, a in enumerate("xyz"):
                frame[f"acc_{a}_ms2"] = acc[:, k]
                frame[f"gyr_{a}_rads"] = gyro[:, k]
            rows.append(frame)
    pd.concat(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def labelled_imu_csv():
    """write_labelled_imu_csv(path, n_people=4): the labelled IMU set the classifier tests train on."""
    return write_labelled_imu_csv


def write_two_class_images(root):
    """Two classes of 12 small images each: red discs and blue squares on noise."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(2)
    for label, colour in (("disc", (220, 40, 40)), ("square", (40, 60, 220))):
        (root / label).mkdir(parents=True)
        for k in range(12):
            image = Image.fromarray(rng.integers(90, 160, (40, 40, 3)).astype(np.uint8))
            draw = ImageDraw.Draw(image)
            x, y = (int(v) for v in rng.integers(8, 24, 2))
            box = [x, y, x + 12, y + 12]
            (draw.ellipse if label == "disc" else draw.rectangle)(box, fill=colour)
            image.save(root / label / f"{label}_{k:02d}.png")
    return root


@pytest.fixture(scope="session")
def two_class_images():
    """write_two_class_images(root): 12 red discs and 12 blue squares (40 px), a classifier learns them at once."""
    return write_two_class_images


# ---- a running service (`sportlens serve` in its own process) -----------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    """`sportlens serve` in its own process; .url is its base address."""

    root: Path
    args: list[str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> Service:
        import httpx

        env = dict(os.environ, OMP_NUM_THREADS="1")
        self.log = open(self.root.parent / f"service-{self.port}-{time.time_ns()}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sportlens", "serve", "--root", str(self.root), "--port", str(self.port),
             *self.args], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the service exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"the service did not answer within {timeout_s} s: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the service dies with no chance to clean up (its job processes go on until they end)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


@pytest.fixture
def start_service(tmp_path):
    """start_service(*flags, root=None) -> a running Service; every one is stopped after the test."""
    started: list[Service] = []

    def start(*args: str, root: Path | None = None) -> Service:
        service = Service(root or tmp_path / "service", [str(a) for a in args]).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


