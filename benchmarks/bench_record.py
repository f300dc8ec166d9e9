"""Shared by the benchmark scripts: where the data is, the machine description, and appending results."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"


def shared_path(relative: str) -> Path:
    """A path under ../shared/data, or exit with a clear message when it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        sys.exit(f"benchmark data missing: {path} — place the shared data sets beside the repository (../shared/data)")
    return path


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), no GPU, Python {platform.python_version()}"


def today() -> str:
    return dt.date.today().isoformat()


def append_row(section: str, header: str, row: str) -> None:
    """Append a table row under `## section` / the table `header` in BENCHMARKS.md, creating them if needed."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    lines = text.rstrip("\n").splitlines()
    title = f"## {section}"
    if title not in lines:
        lines += ["", title]
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    if header not in lines[start:end]:
        lines[end:end] = ["", header, "|" + "---|" * (header.count("|") - 1)]
        end += 3
    k = lines.index(header, start) + 2
    while k < len(lines) and lines[k].startswith("|"):
        k += 1
    lines.insert(k, row)
    tmp = BENCHMARKS_MD.with_name(".tmp-BENCHMARKS.md")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, BENCHMARKS_MD)


def timed_process(command: list[str]) -> float:
    """Wall seconds of a whole command run as its own process (progress bars off, output discarded)."""
    env = dict(os.environ, SPORTLENS_NO_PROGRESS="1")
    t0 = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0
