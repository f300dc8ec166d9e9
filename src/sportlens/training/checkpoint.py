"""Checkpoints that carry their model card: data, split, metrics, the command, library versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from sportlens.errors import ModelError
from sportlens.io.atomic import atomic_path
from sportlens.models.card import CARD_FORMAT, CARD_VERSION, check_card, command_line, new_card
from sportlens.summary import library_versions

CHECKPOINT_FORMAT = CARD_FORMAT
CHECKPOINT_VERSION = CARD_VERSION
__all__ = ["command_line", "library_versions", "load_checkpoint", "new_card", "save_checkpoint"]


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
    card = check_card(blob.get("card") if isinstance(blob, dict) else None, task, path)
    return blob["state_dict"], card
