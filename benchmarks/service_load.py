"""The service under load, and after a SIGKILL (issue 18).

1. Load: `sportlens serve` (SQLite store, --workers 2) gets N concurrent uploads of a short clip, then status
   polls at a fixed rate for a while (while the jobs run); counts failed requests, the p50/p95/max latency of
   the status calls, the service's memory (RSS of the service process, without its job processes), and
   whether every job ends (jobs lost = uploads accepted that never reach done/failed).
2. Kill: uploads, SIGKILL of the service while jobs are running and queued, restart on the same root; jobs
   lost must be 0.

    .venv/bin/python benchmarks/service_load.py [--uploads 50 --rate 200 --seconds 60] [--record]

The clip is generated (the sample astronaut swaying, 2 s, 192 px, tasks=pose), so no shared data is needed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, today  # noqa: E402

SECTION = "Service, batch and model lifecycle (issue 18)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(root: Path, port: int, workers: int, max_jobs: int) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    process = subprocess.Popen([sys.executable, "-m", "sportlens", "serve", "--root", str(root), "--port", str(port),
                                "--workers", str(workers), "--max-jobs", str(max_jobs)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the service did not start")


async def upload_all(url: str, clip: bytes, n: int) -> tuple[list[str], int]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        async def one(k):
            try:
                r = await client.post("/api/jobs", files={"file": (f"clip{k}.mp4", clip)}, data={"tasks": "pose"})
                return r.json()["id"] if r.status_code == 201 else None
            except httpx.HTTPError:
                return None
        ids = await asyncio.gather(*(one(k) for k in range(n)))
    return [i for i in ids if i], sum(1 for i in ids if not i)


def poll(url: str, ids: list[str], rate: float, seconds: float, threads: int = 8) -> tuple[list[float], int]:
    """Status calls at `rate` per second in all, from `threads` clients each keeping its own connection and pace
    (closed loop: a slow server lowers the rate achieved rather than piling up a queue in the client); the
    latency of each call is measured from its send to its answer."""
    import threading

    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    each = threads / rate
    t_end = time.perf_counter() + seconds

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=10) as session:
            due, n = time.perf_counter() + k * each / threads, 0
            while due < t_end:
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                t0 = time.perf_counter()
                try:
                    ok = session.get(f"/api/jobs/{ids[(k + n * threads) % len(ids)]}").status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - t0
                with lock:
                    if ok:
                        latencies.append(took)
                    else:
                        failed[0] += 1
                n += 1
                due = max(due + each, time.perf_counter() - each)  # no burst to catch up after a slow call

    workers = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, failed[0]


def wait_all(url: str, ids: list[str], timeout_s: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    states: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            states = {i: client.get(f"/api/jobs/{i}").json()["state"] for i in ids}
            if all(s in ("done", "failed") for s in states.values()):
                break
            time.sleep(1.0)
    return states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-jobs", type=int, default=8)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    from sportlens.samples import rotating_clip

    work = Path(tempfile.mkdtemp(prefix="sportlens-load-"))
    clip = rotating_clip(work / "clip.mp4", seconds=2.0, size=192).path.read_bytes()
    load_before = os.getloadavg()[0]

    # ---- 1. load ----
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = start(work / "load", port, args.workers, max_jobs=args.uploads + 10)
    rss_idle = rss_mb(service.pid)
    t0 = time.perf_counter()
    ids, refused = asyncio.run(upload_all(url, clip, args.uploads))
    upload_s = time.perf_counter() - t0
    latencies, failed = poll(url, ids, args.rate, args.seconds)
    rss_peak = rss_mb(service.pid)
    states = wait_all(url, ids, timeout_s=1800)
    lost_load = sum(1 for s in states.values() if s not in ("done", "failed"))
    done_load = sum(1 for s in states.values() if s == "done")
    service.send_signal(signal.SIGINT)
    service.wait(30)
    lat = np.array(latencies) * 1000
    p50, p95, worst = (float(np.percentile(lat, 50)), float(np.percentile(lat, 95)), float(lat.max()))
    achieved = len(latencies) / args.seconds
    print(f"uploads {len(ids)} accepted, {refused} failed in {upload_s:.1f} s; polls {len(latencies)} "
          f"({achieved:.0f}/s), failed {failed}; status p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms; "
          f"service RSS {rss_idle:.0f} -> {rss_peak:.0f} MB; jobs done {done_load}/{len(ids)}, lost {lost_load}")

    # ---- 2. SIGKILL with jobs running and queued, then restart ----
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = start(work / "kill", port, args.workers, max_jobs=50)
    kill_ids, _ = asyncio.run(upload_all(url, clip, args.kill_jobs))
    with httpx.Client(base_url=url, timeout=30) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = [client.get(f"/api/jobs/{i}").json()["state"] for i in kill_ids]
            if states.count("running") >= min(args.workers, len(kill_ids)):
                break
            time.sleep(0.1)
    before_kill = {s: states.count(s) for s in ("queued", "running", "done")}
    service.send_signal(signal.SIGKILL)
    service.wait(10)
    service = start(work / "kill", port, args.workers, max_jobs=50)
    after = wait_all(url, kill_ids, timeout_s=900)
    lost_kill = sum(1 for s in after.values() if s not in ("done", "failed"))
    done_kill = sum(1 for s in after.values() if s == "done")
    service.send_signal(signal.SIGINT)
    service.wait(30)
    print(f"kill: at SIGKILL {before_kill}; after restart done {done_kill}/{len(kill_ids)}, lost {lost_kill}")

    if args.record:
        append_row(SECTION, "| date | machine | load avg before | uploads (concurrent) | upload failures | status "
                   "polls/s asked / got | poll failures | status p50 / p95 / max ms | service RSS MB idle / under "
                   "load | jobs done / lost | SIGKILL test: running+queued at kill | jobs done / lost after restart |",
                   f"| {today()} | {machine()} | {load_before:.1f} | {args.uploads} | {refused} | {args.rate:.0f} / "
                   f"{achieved:.0f} for {args.seconds:.0f} s | {failed} | {p50:.1f} / {p95:.1f} / {worst:.1f} | "
                   f"{rss_idle:.0f} / {rss_peak:.0f} | {done_load} / {lost_load} | "
                   f"{before_kill['running']}+{before_kill['queued']} | {done_kill} / {lost_kill} |")


if __name__ == "__main__":
    main()
