"""Atomic file writing: write to a temporary name beside the target, rename when complete."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto `target` if the block succeeds.

    On an exception the temporary file is removed and the target is left untouched. `suffix` keeps
    the extension on the temporary name (writers such as PyAV pick the format from it).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    ext = target.suffix if suffix is None else suffix
    tmp = target.with_name(f".tmp-{os.getpid()}-{target.stem}{ext}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(target: str | Path, text: str) -> Path:
    """Write text atomically (UTF-8)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def json_text(obj: Any, indent: int | None = None) -> str:
    """Strict JSON (NaN and infinities become null; numpy scalars, paths and dates become plain values)."""
    return json.dumps(_nan_to_none(obj), indent=indent, allow_nan=False, default=str)


def print_json(obj: Any) -> None:
    """The one JSON object a command prints on stdout for --json."""
    print(json_text(obj), flush=True)


def write_json(target: str | Path, obj: Any, indent: int | None = 2) -> Path:
    """Write a JSON document atomically; NaN is written as null."""
    return write_text(target, json_text(obj, indent) + "\n")


def save_figure(fig, target: str | Path, dpi: int = 90, tight: bool = False) -> Path:
    """Save a matplotlib figure as PNG atomically and close it; tight trims the margins (bbox 'tight')."""
    import matplotlib.pyplot as plt

    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight" if tight else None)
    plt.close(fig)
    return Path(target)


def write_csv(target: str | Path, frame) -> Path:
    """Write a pandas DataFrame as CSV atomically (no index column)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)
    return Path(target)


def _nan_to_none(obj: Any) -> Any:
    import math

    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    if hasattr(obj, "item") and hasattr(obj, "dtype"):  # numpy scalar
        return _nan_to_none(obj.item())
    return obj
