"""The `-o` folder rule shared by every command: new, empty, or one that sportlens wrote before."""

from __future__ import annotations

from pathlib import Path

from sportlens.errors import UserError

MARKER = "summary.json"  # every command writes one; its presence means the folder is ours to update


def prepare_output_dir(out_dir: str | Path, *inputs: str | Path) -> Path:
    """Check and create the output folder; raise UserError if writing there could touch a user's files.

    Refused: a path that is a file, a folder that is (or holds) one of the inputs, and a non-empty folder
    without sportlens' summary.json. Allowed: a new or empty folder, or an earlier sportlens output folder.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError("output path is a file", out_dir, "give a folder name for -o")
    resolved = out_dir.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if source == resolved or resolved in source.parents:
            raise UserError("output folder holds the input", out_dir, "choose a separate folder for -o")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise UserError(
            "output folder is not empty and was not written by sportlens", out_dir,
            "choose a new or empty folder for -o; sportlens never overwrites files it did not write",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir
