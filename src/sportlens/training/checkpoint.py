"""Checkpoints that carry their model card: data, split, metrics, the command, library versions."""

from __future__ import annotations

import datetime as dt
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from sportlens.errors import ModelError
from sportlens.io.atomic import atomic_path

CHECKPOINT_FORMAT = "sportlens-checkpoint"
CHECKPOINT_VERSION = 1
_VERSIONED = ("sportlens", "torch", "torchvision", "numpy", "onnx", "onnxruntime", "scikit-learn", "pillow")


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape a trained model."""
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def command_line() -> str:
    """The command that is running, as the user typed it (program name shortened to `sportlens`)."""
    args = sys.argv[1:]
    program = Path(sys.argv[0]).name if sys.argv else "python"
    if program in {"sportlens", "__main__.py", "cli.py"}:
        program = "sportlens"
    return " ".join([program, *args])


def new_card(task: str, **fields: Any) -> dict[str, Any]:
    """A model card skeleton: format, task, creation time, command and library versions, plus `fields`."""
    card: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "task": task,
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command_line(),
        "versions": library_versions(),
    }
    card.update(fields)
    return card


def save_checkpoint(path: str | Path, state_dict: dict[str, torch.Tensor], card: dict[str, Any]) -> Path:
    """Write weights and card together, atomically (a crash never leaves a half-written checkpoint)."""
    if card.get("format") != CHECKPOINT_FORMAT:
        raise ValueError("card must come from new_card()")
    with atomic_path(path) as tmp:
        torch.save({"card": card, "state_dict": state_dict}, tmp)
    return Path(path)


def load_checkpoint(path: str | Path, task: str) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint written by save_checkpoint and check that its card belongs to `task`.

    Raises ModelError naming the file when it is missing, unreadable, not ours, of a newer format or of
    another task.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError("checkpoint not found", path, "give the run folder written by the train command")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors all mean: not a readable checkpoint
        raise ModelError(f"cannot read checkpoint ({type(exc).__name__})", path, "retrain or copy it again") from None
    card = blob.get("card") if isinstance(blob, dict) else None
    if not isinstance(card, dict) or card.get("format") != CHECKPOINT_FORMAT:
        raise ModelError("not a sportlens checkpoint (no model card)", path)
    if card.get("format_version", 0) > CHECKPOINT_VERSION:
        raise ModelError(
            f"checkpoint format {card.get('format_version')} is newer than this sportlens understands",
            path,
            "upgrade sportlens",
        )
    if card.get("task") != task:
        raise ModelError(f"checkpoint is for task {card.get('task')!r}, not {task!r}", path)
    return blob["state_dict"], card
