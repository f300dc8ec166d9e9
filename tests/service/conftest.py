"""A real PostgreSQL server and a real running service (uvicorn on a loopback port) for the service tests."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A throw-away PostgreSQL cluster (Debian's postgresql package; `.ci/run` installs it) on a free port.

    As root, the server runs as the `postgres` user (it refuses root). Skipped only where the package is
    missing, which `.ci/run` does not allow."""
    url = os.environ.get("SPORTLENS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; .ci/run does this)")
    base = Path(tmp_path_factory.mktemp("pg"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        base.chmod(0o755)
        for parent in base.parents:  # the postgres user must be able to reach the folder
            if str(parent).startswith(str(tmp_path_factory.getbasetemp().parent)):
                parent.chmod(parent.stat().st_mode | 0o005)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "sportlens",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                    f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        subprocess.run([*as_user, str(bindir.parent / "bin" / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                        "-U", "sportlens", "jobs"], check=True, capture_output=True)
        yield f"postgresql+psycopg://sportlens@127.0.0.1:{port}/jobs"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)


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


@pytest.fixture
def wait_job():
    """wait_job(client, job_id, states=("done", "failed")) -> the job once it reaches one of the states."""
    return _wait_for


def _wait_for(client, job_id: str, states=("done", "failed"), timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout_s} s")
