"""The `-o` folder rule shared by every command that writes.

An output folder is new, empty, or one that sportlens wrote before (it holds summary.json, or the
`.sportlens-incomplete` marker of a run that was interrupted). Never the input, never a folder with a
user's files. While a run writes, the marker is in the folder; it goes away only when summary.json is
written, so a folder without summary.json never looks complete. A rerun into an earlier output folder
first removes what that run wrote, so no file of another input survives (`--resume` keeps it).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from sportlens.errors import UserError
from sportlens.summary import SUMMARY_FILE, Summary, write_summary

MARKER = SUMMARY_FILE  # a finished run's folder
INCOMPLETE = ".sportlens-incomplete"  # a run's folder while it writes (and after an interruption)


def is_sportlens_folder(folder: Path) -> bool:
    return (folder / SUMMARY_FILE).is_file() or (folder / INCOMPLETE).is_file()


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    elif entry.exists() or entry.is_symlink():
        entry.unlink()


def _previous_outputs(out_dir: Path) -> list[Path]:
    """What an earlier run wrote here: the outputs its summary lists, or (interrupted run) every visible entry
    but nested output folders of other runs."""
    summary = out_dir / SUMMARY_FILE
    if summary.is_file() and not (out_dir / INCOMPLETE).exists():
        try:
            listed = json.loads(summary.read_text(encoding="utf-8")).get("outputs", [])
        except (OSError, ValueError):
            listed = []
        names = listed if isinstance(listed, list) else list(listed.values()) if isinstance(listed, dict) else []
        paths = [out_dir / str(name).rstrip("/") for name in names]
        return [p for p in paths if p.resolve().parent == out_dir.resolve()] + [summary]
    return [e for e in out_dir.iterdir() if e.name != INCOMPLETE and not (e.is_dir() and is_sportlens_folder(e))]


def prepare_output_dir(out_dir: str | Path, *inputs: str | Path, clean: bool = True) -> Path:
    """Check the output folder, create it, clear an earlier run's outputs (unless clean=False, for --resume)
    and mark it incomplete; raise UserError if writing there could touch a user's files.

    Refused: a path that is a file, a folder that is (or holds) one of the inputs, and a non-empty folder
    that sportlens did not write. Allowed: a new or empty folder, or an earlier sportlens output folder.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError("output path is a file", out_dir, "give a folder name for -o")
    resolved = out_dir.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == resolved or resolved in source.parents:
            raise UserError("output folder holds the input", out_dir, "choose a separate folder for -o")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not is_sportlens_folder(out_dir):
            raise UserError(
                "output folder is not empty and was not written by sportlens", out_dir,
                "choose a new or empty folder for -o; sportlens never overwrites files it did not write",
            )
        if clean:
            for entry in _previous_outputs(out_dir):
                _remove(entry)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / INCOMPLETE).write_text("a sportlens run is writing here or was interrupted\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the output folder ({exc.strerror})", out_dir, "choose another -o") from None
    return out_dir


def finish_output_dir(out_dir: str | Path, summary: Summary) -> Path:
    """Write summary.json (listing every output) and take the incomplete marker away."""
    out_dir = Path(out_dir)
    path = write_summary(out_dir, summary)
    (out_dir / INCOMPLETE).unlink(missing_ok=True)
    return path


@contextlib.contextmanager
def output_run(out_dir: str | Path, summary: Summary, *inputs: str | Path, clean: bool = True) -> Iterator[Path]:
    """Prepare the folder, yield it, then write summary.json with the total time.

    When the block fails (an error, Ctrl-C), a folder this run created that holds nothing but the marker is
    removed; otherwise the marker stays, so the folder says it is incomplete and a rerun may reuse it.
    """
    out_dir = Path(out_dir)
    existed = out_dir.exists()
    t0 = time.perf_counter()
    prepare_output_dir(out_dir, *inputs, clean=clean)
    try:
        yield out_dir
    except BaseException:
        remaining = [e for e in out_dir.iterdir() if e.name != INCOMPLETE] if out_dir.exists() else []
        if not existed and not remaining:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    summary.timings.setdefault("total_s", round(time.perf_counter() - t0, 3))
    finish_output_dir(out_dir, summary)
