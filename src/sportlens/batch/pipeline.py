"""`run_batch`: many inputs through `analyze`, on a local process pool or a Ray cluster, resumable.

Each input runs as its own `sportlens analyze IN -o OUT/<name> --json` process (on this machine, or inside a
Ray task): a crash or a bad file fails that input only. OUT/batch.csv is rewritten (atomically) after every
input, so an interrupted batch leaves a consistent table; a rerun into the same OUT skips the inputs whose
folder holds a complete analysis of the same file, and redoes the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sportlens.batch.options import BatchOptions
from sportlens.constants import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from sportlens.errors import InputFileError
from sportlens.events import Cancelled, Progress, ensure_progress
from sportlens.io.output_dir import INCOMPLETE, output_run
from sportlens.summary import SUMMARY_FILE, Summary, plain

DATA_SUFFIXES = frozenset(VIDEO_SUFFIXES | IMAGE_SUFFIXES | {".csv"})
LIST_SUFFIXES = (".txt", ".lst", ".list")
TABLE = "batch.csv"
COLUMNS = ["input", "folder", "status", "reason", "seconds", "tasks", "warnings", "headline", "input_bytes",
           "input_mtime_ns"]


@dataclass(frozen=True)
class Item:
    source: Path
    name: str  # the sub-folder of OUT


def collect_inputs(source: Path, out_dir: Path | None = None) -> list[Item]:
    """The inputs a folder (recursively), a list file (one path per line, # comments) or one file names."""
    if not source.exists():
        raise InputFileError("input not found", source, "give a folder of videos/images/CSVs or a list file")
    if source.is_dir():
        skip = None if out_dir is None else out_dir.resolve()
        files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(source).parts)
                       and (skip is None or skip not in p.resolve().parents))
    elif source.suffix.lower() in LIST_SUFFIXES:
        files = []
        for number, line in enumerate(source.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            path = Path(text).expanduser()
            path = path if path.is_absolute() else source.parent / path
            if not path.is_file():
                raise InputFileError(f"line {number} names a file that does not exist ({text})", source,
                                     "fix or remove that line")
            files.append(path)
    else:
        files = [source]
    if not files:
        raise InputFileError("no videos, images or CSV files found", source,
                             f"give a folder holding files ending in {', '.join(sorted(DATA_SUFFIXES))}")
    return _name(files)


def _name(files: list[Path]) -> list[Item]:
    """One folder name per input: the file's stem; the suffix added, then a number, where stems collide."""
    stems: dict[str, int] = {}
    for path in files:
        stems[path.stem] = stems.get(path.stem, 0) + 1
    items, used = [], set()
    for path in files:
        name = path.stem if stems[path.stem] == 1 else f"{path.stem}_{path.suffix.lstrip('.').lower()}"
        base, k = name, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        items.append(Item(path, name))
    return items


def _fingerprint(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"input_bytes": stat.st_size, "input_mtime_ns": stat.st_mtime_ns}


def finished_before(folder: Path, source: Path, row: dict[str, Any] | None) -> bool:
    """batch.csv says this file (same size and modification time) was analysed into a folder that is complete."""
    if row is None or row.get("status") != "done" or (folder / INCOMPLETE).exists():
        return False
    if not (folder / SUMMARY_FILE).is_file():
        return False
    try:
        return {k: int(row.get(k) or -1) for k in ("input_bytes", "input_mtime_ns")} == _fingerprint(source)
    except ValueError:
        return False


def analyze_one(source: str, folder: str, args: list[str]) -> dict[str, Any]:
    """Run `sportlens analyze SOURCE -o FOLDER --json ARGS` in its own process; a row of batch.csv.

    Plain types in and out, so the same function runs in a local thread or as a Ray task."""
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "sportlens", "analyze", source, "-o", folder, "--json", *args]
    env = dict(os.environ, SPORTLENS_NO_PROGRESS="1", OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    row: dict[str, Any] = {"input": source, "folder": Path(folder).name, "seconds": round(time.perf_counter() - t0, 2),
                           **_fingerprint(Path(source))}
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"analyze ended with exit code {done.returncode}"
        row.update(status="failed", reason=reason.removeprefix("error: ")[:500], tasks="", warnings=0, headline="")
        return row
    summary = json.loads(done.stdout)
    tasks = summary["metrics"].get("tasks", [])
    row.update(status="done", reason="", warnings=len(summary.get("warnings", [])),
               tasks=" ".join(f"{t['task']}:{t['status']}" for t in tasks), headline=_headline(summary))
    return row


def _headline(summary: dict[str, Any]) -> str:
    """The first numbers a person looks for, from each task's metrics."""
    parts = []
    results = summary["metrics"].get("results", {})
    pose = results.get("pose", {})
    if "frames" in pose:
        parts.append(f"person in {pose.get('frames_with_person', 0)}/{pose['frames']} frames")
    reps = results.get("reps", {})
    if isinstance(reps.get("count"), int):
        parts.append(f"{reps['count']} reps")
    elif isinstance(reps.get("reps"), dict) and "count" in reps["reps"]:
        parts.append(f"{reps['reps']['count']} reps")
    ball = results.get("ball", {})
    if "visible_frames" in ball:
        parts.append(f"ball in {ball['visible_frames']} frames")
    return ", ".join(parts)


def _write_table(out_dir: Path, rows: dict[str, dict[str, Any]], order: list[Item]) -> None:
    import pandas as pd

    from sportlens.io.atomic import write_csv

    ordered = [rows[item.name] for item in order if item.name in rows]
    write_csv(out_dir / TABLE, pd.DataFrame(ordered, columns=COLUMNS))


def _old_rows(out_dir: Path) -> dict[str, dict[str, Any]]:
    import pandas as pd

    path = out_dir / TABLE
    if not path.is_file():
        return {}
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError):
        return {}
    return {row["folder"]: dict(row) for row in table.to_dict("records") if "folder" in row}


def _analyze_args(options: BatchOptions) -> list[str]:
    args = []
    if options.tasks:
        args += ["--tasks", ",".join(options.tasks)]
    if options.config:
        args += ["--config", str(Path(options.config).resolve())]
    if options.no_video:
        args.append("--no-video")
    return args


def run_batch(source: str | Path, out_dir: str | Path, options: BatchOptions = BatchOptions(),
              progress: Progress | None = None) -> Summary:
    progress = ensure_progress(progress, "batch")
    source, out_dir = Path(source), Path(out_dir)
    items = collect_inputs(source, out_dir)
    summary = Summary("batch", inputs=[str(source)], options=plain(options))
    with output_run(out_dir, summary, source, clean=options.redo):
        old = {} if options.redo else _old_rows(out_dir)
        rows: dict[str, dict[str, Any]] = {}
        todo = []
        for item in items:
            if not options.redo and finished_before(out_dir / item.name, item.source, old.get(item.name)):
                rows[item.name] = old[item.name]
            else:
                todo.append(item)
        skipped = len(items) - len(todo)
        args = _analyze_args(options)
        t0 = time.perf_counter()
        with progress.step("files", total=len(items), unit="files") as step:
            if skipped:
                step.advance(skipped)
            if todo:
                run = _run_ray if options.ray else _run_local
                run(todo, out_dir, args, options, rows, items, step)
        elapsed = time.perf_counter() - t0
        ran = [rows[i.name] for i in todo if i.name in rows]
        failed = [r for r in ran if r["status"] == "failed"]
        summary.metrics.update({
            "inputs": len(items), "skipped_done_before": skipped, "ran": len(ran), "done": len(ran) - len(failed),
            "failed": len(failed), "engine": "ray" if options.ray else "local", "workers": options.workers,
            "files_per_s": round(len(ran) / elapsed, 4) if ran and elapsed > 0 else None,
        })
        summary.timings["analyze_s"] = round(elapsed, 3)
        for row in failed:
            summary.warn(f"{row['folder']}: failed: {row['reason']}")
    return summary


def _run_local(todo: list[Item], out_dir: Path, args: list[str], options: BatchOptions,
               rows: dict, order: list[Item], step) -> None:
    pending: dict[Future, Item] = {}
    queue = list(todo)
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        try:
            while queue or pending:
                while queue and len(pending) < options.workers:
                    item = queue.pop(0)
                    pending[pool.submit(analyze_one, str(item.source), str(out_dir / item.name), args)] = item
                finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for future in finished:
                    item = pending.pop(future)
                    rows[item.name] = future.result()
                    _write_table(out_dir, rows, order)
                    step.advance()
                if not finished:
                    step.progress.check()
        except BaseException:
            queue.clear()  # the running analyses got the same Ctrl-C; nothing new starts
            raise


def _run_ray(todo: list[Item], out_dir: Path, args: list[str], options: BatchOptions,
             rows: dict, order: list[Item], step) -> None:
    try:
        import ray
    except ImportError:
        from sportlens.errors import UserError

        raise UserError("--ray needs Ray", hint="pip install 'sportlens[ray]' (or pip install ray)") from None
    address = None if options.ray == "local" else options.ray
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, num_cpus=options.workers if address is None else None,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(analyze_one)
        refs = {remote.remote(str(item.source), str((out_dir / item.name).resolve()), args): item for item in todo}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1, timeout=0.5)
            for ref in ready:
                item = refs.pop(ref)
                try:
                    rows[item.name] = ray.get(ref)
                except Exception as exc:  # the Ray worker itself died
                    rows[item.name] = {"input": str(item.source), "folder": item.name, "status": "failed",
                                       "reason": f"Ray task failed: {type(exc).__name__}", "seconds": None,
                                       "tasks": "", "warnings": 0, "headline": ""}
                _write_table(out_dir, rows, order)
                step.advance()
            if not ready:
                try:
                    step.progress.check()
                except Cancelled:
                    for ref in refs:
                        ray.cancel(ref, force=True)
                    raise
    finally:
        if started_here:
            ray.shutdown()
