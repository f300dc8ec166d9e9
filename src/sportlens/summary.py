"""The one summary.json schema, written by one function for every command and readable back.

Top level (schema "sportlens-summary/1"): schema, command, status, tool {name, version}, versions (key
libraries), argv, created_utc, inputs, options (effective), outputs (file names relative to the output
folder, folders with a trailing "/"), warnings, metrics (the task's results), timings (seconds).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any

from sportlens import __version__
from sportlens.errors import DataFormatError

SCHEMA = "sportlens-summary/1"
SUMMARY_FILE = "summary.json"
KEY_LIBRARIES = ("numpy", "scipy", "pandas", "torch", "torchvision", "mediapipe", "opencv-contrib-python", "av",
                 "scikit-learn", "imufusion", "onnxruntime")

_argv: list[str] | None = None  # set by the CLI entry point: what the user typed


def set_argv(argv: list[str] | None) -> None:
    """Record the command line (the CLI calls this once; library calls leave it unset)."""
    global _argv
    _argv = None if argv is None else ["sportlens", *argv]


def current_argv() -> list[str]:
    """The command line of this run: what the CLI recorded, else this process's argv."""
    return list(_argv) if _argv is not None else list(sys.argv)


def library_versions() -> dict[str, str]:
    """Python and the installed key libraries (missing ones are left out)."""
    versions = {"python": platform.python_version(), "sportlens": __version__}
    for name in KEY_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def plain(value: Any) -> Any:
    """Options and results as JSON-ready values: dataclasses to dicts, enums to values, paths and tuples."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


@dataclass
class Summary:
    """What one command did; `metrics` holds the task's own results (counts, angles, accuracies ...)."""

    command: str
    inputs: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    argv: list[str] = field(default_factory=current_argv)
    status: str = "complete"
    tool: dict[str, str] = field(default_factory=lambda: {"name": "sportlens", "version": __version__})
    versions: dict[str, str] = field(default_factory=library_versions)
    created_utc: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        data = plain(asdict(self))
        order = ("schema", "command", "status", "tool", "versions", "argv", "created_utc", "inputs", "options",
                 "outputs", "warnings", "metrics", "timings")
        return {k: data[k] for k in order}

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: str | Path | None = None) -> Summary:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise DataFormatError(f"not a {SCHEMA} summary", path, "give a summary.json written by this sportlens")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def __getitem__(self, key: str) -> Any:
        """summary["frames"] reads a metric (then a top-level field): handy in scripts and tests."""
        if key in self.metrics:
            return self.metrics[key]
        return self.to_dict()[key]

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def read_summary(path: str | Path) -> Summary:
    """Read summary.json (a file or the folder holding it) back into a Summary."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFormatError("summary not found", path, "give an output folder of a finished sportlens run") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DataFormatError("summary is not valid JSON", path) from None
    return Summary.from_dict(data, path)


def list_outputs(out_dir: Path) -> list[str]:
    """Files and folders in out_dir that a run wrote (hidden and temporary names and summary.json left out)."""
    names = []
    for entry in sorted(Path(out_dir).iterdir()):
        if entry.name.startswith(".") or entry.name == SUMMARY_FILE:
            continue
        names.append(entry.name + "/" if entry.is_dir() else entry.name)
    return names


def write_summary(out_dir: str | Path, summary: Summary) -> Path:
    """Write out_dir/summary.json atomically, listing every output now in the folder."""
    from sportlens.io.atomic import write_json

    out_dir = Path(out_dir)
    summary.outputs = list_outputs(out_dir)
    return write_json(out_dir / SUMMARY_FILE, summary.to_dict())
