"""The worker pool: N threads, each claims the oldest queued job and runs it in its own process.

A process per job keeps one job's crash (a segfault in a decoder included) away from the service and from
the other jobs; the thread waits for it and fails the job when the process died without saying how it ended.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sportlens.service.store import JobStore
from sportlens.service.worker import EXIT_STOPPED


def _die_with_parent() -> None:
    """In the job's process (Linux): SIGTERM when the service dies, even by SIGKILL, so a restarted service
    never finds a job still being written by an orphan of the old one."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class JobRunner:
    def __init__(self, store: JobStore, jobs_dir: Path, workers: int = 1, poll_s: float = 0.5,
                 max_attempts: int = 3, env: dict[str, str] | None = None):
        self.store, self.jobs_dir, self.workers = store, Path(jobs_dir), workers
        self.poll_s, self.max_attempts = poll_s, max_attempts
        self.env = dict(env or {})  # extra environment of the job processes (e.g. the model registry)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._children: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def start(self) -> tuple[list[str], list[str]]:
        """Requeue what a previous service left running, then start the pool. Returns (requeued, failed)."""
        recovered = self.store.requeue_running(self.max_attempts)
        for k in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"sportlens-worker-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return recovered

    def notify(self) -> None:
        """A job was queued: wake an idle worker now rather than at its next poll."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop taking jobs; running ones get SIGTERM and stay `running` in the store, so the next start
        requeues them."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            children = list(self._children.values())
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout_s)
            except subprocess.TimeoutExpired:
                child.kill()
        for thread in self._threads:
            thread.join(timeout_s)

    def running(self) -> list[str]:
        with self._lock:
            return list(self._children)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.store.claim_next()
            except Exception as exc:  # the database is briefly unavailable: say so, try again at the next poll
                print(f"sportlens service: cannot read the job queue: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                job = None
            if job is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()
                continue
            self._run(job.id)

    def _run(self, job_id: str) -> None:
        job_dir = self.jobs_dir / job_id
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), **self.env)
        log_path = job_dir / "worker.log"
        with open(log_path, "ab") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "sportlens.service.worker", self.store.url, job_id, str(job_dir)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, preexec_fn=_die_with_parent)
            with self._lock:
                self._children[job_id] = child
            code = child.wait()
            with self._lock:
                self._children.pop(job_id, None)
        if code == EXIT_STOPPED and self._stopping.is_set():
            return  # shutdown: the job stays running and is requeued at the next start
        job = self.store.get(job_id)
        if job is not None and job.state == "running":
            how = f"signal {-code}" if code < 0 else f"exit code {code}"
            self.store.finish(job_id, "failed", f"the job's worker process ended without a result ({how}); "
                                                "see worker.log in the job's files")
