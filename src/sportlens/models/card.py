"""Model cards, one module for every kind of model file: torch checkpoints (.pt) and scikit-learn models
(.joblib) carry the same card (format, task, creation time, command, library versions, plus the task's
fields) and are checked the same way on load."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import Any

from sportlens.errors import ModelError
from sportlens.io.atomic import atomic_path
from sportlens.summary import current_argv, library_versions

CARD_FORMAT = "sportlens-checkpoint"
CARD_VERSION = 1


def command_line() -> str:
    """The command that is running, as the user typed it (program name shortened to `sportlens`)."""
    argv = current_argv()
    program = Path(argv[0]).name if argv else "python"
    if program in {"sportlens", "__main__.py", "cli.py"}:
        program = "sportlens"
    return shlex.join([program, *argv[1:]])


def new_card(task: str, **fields: Any) -> dict[str, Any]:
    """A model card: format, task, creation time, command and library versions, plus `fields`."""
    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "format_version": CARD_VERSION,
        "task": task,
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command_line(),
        "versions": library_versions(),
    }
    card.update(fields)
    return card


def check_card(card: Any, task: str, path: Path) -> dict[str, Any]:
    """Raise ModelError naming the file unless `card` is a sportlens card of `task` in a format we read."""
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelError("not a sportlens model (no model card)", path)
    if card.get("format_version", 0) > CARD_VERSION:
        raise ModelError(f"model format {card.get('format_version')} is newer than this sportlens understands", path,
                         "upgrade sportlens")
    if card.get("task") != task:
        raise ModelError(f"model is for task {card.get('task')!r}, not {task!r}", path)
    return card


def save_joblib_model(path: str | Path, model: Any, card: dict[str, Any]) -> Path:
    """Write a scikit-learn model and its card together, atomically."""
    import joblib

    if card.get("format") != CARD_FORMAT:
        raise ValueError("card must come from new_card()")
    with atomic_path(path) as tmp:
        joblib.dump({"card": card, "model": model}, tmp)
    return Path(path)


def load_joblib_model(path: str | Path, task: str) -> tuple[Any, dict[str, Any]]:
    """(model, card) from a file written by save_joblib_model; ModelError when missing, foreign or another
    task's."""
    import joblib

    path = Path(path)
    if not path.is_file():
        raise ModelError("model file not found", path, "give the model file written by the train command")
    try:
        blob = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many types for a foreign file
        raise ModelError(f"cannot read model ({type(exc).__name__})", path, "retrain or copy it again") from None
    card = check_card(blob.get("card") if isinstance(blob, dict) else None, task, path)
    return blob["model"], card
