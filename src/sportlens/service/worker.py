"""One job in its own process: `python -m sportlens.service.worker DB_URL JOB_ID JOB_DIR`.

Runs `analyze` on the job's stored input into JOB_DIR/out, writing progress into the job store (at most a few
times a second) and the final state. A job's crash, even a hard one, ends this process only: the service sees
the exit code and fails that job. SIGTERM (the service shutting down) stops the analysis and leaves the job
`running`, so the next start of the service puts it back in the queue.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

EXIT_DONE, EXIT_FAILED, EXIT_STOPPED = 0, 1, 75
JOB_NICENESS = 10


class _StoreListener:
    """Progress events -> the job row: a monotonic fraction (capped below 1 until done) and a stage text."""

    def __init__(self, store, job_id: str, every_s: float = 0.25):
        self.store, self.job_id, self.every_s = store, job_id, every_s
        self.fraction, self.last = 0.0, 0.0

    def __call__(self, event) -> None:
        if event.kind not in ("start", "advance", "end"):
            return
        if event.total:
            self.fraction = max(self.fraction, min(0.95, event.done / event.total))
        now = time.monotonic()
        if event.kind == "advance" and now - self.last < self.every_s:
            return
        self.last = now
        count = f" {event.done}/{event.total}" if event.total else ""
        self.store.set_progress(self.job_id, self.fraction, f"{event.task}: {event.step}{count}")


def run_job(db_url: str, job_id: str, job_dir: Path) -> int:
    from sportlens.errors import UserError
    from sportlens.events import Cancelled, Progress
    from sportlens.report.options import load_config
    from sportlens.report.pipeline import run_analyze
    from sportlens.service.store import JobStore

    os.nice(JOB_NICENESS)  # the analysis yields the CPU to the API: status calls stay fast while jobs run
    store = JobStore(db_url)
    job = store.get(job_id)
    if job is None or job.state != "running":
        return EXIT_FAILED
    progress = Progress("analyze", _StoreListener(store, job_id))

    def _stop(signum, frame):  # service shutdown: stop at the next progress step
        progress.cancel()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    flags = {"tasks": None if not job.tasks else [t.strip() for t in job.tasks.split(",") if t.strip()]}
    try:
        options = load_config(None, flags)
        run_analyze(job_dir / job.stored, job_dir / "out", options, progress)
    except (Cancelled, KeyboardInterrupt):
        return EXIT_STOPPED
    except UserError as exc:
        store.finish(job_id, "failed", exc.message)
        return EXIT_FAILED
    except Exception as exc:  # a bug in one job fails that job, with what happened
        store.finish(job_id, "failed", f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    store.finish(job_id, "done")
    return EXIT_DONE


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m sportlens.service.worker DB_URL JOB_ID JOB_DIR", file=sys.stderr)
        return 2
    return run_job(argv[0], argv[1], Path(argv[2]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
