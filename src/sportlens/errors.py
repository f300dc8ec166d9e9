"""User-facing errors: one line that says what went wrong, with which file, and what to do."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """An error caused by the user's input; the CLI prints it as one line and exits 2."""

    def __init__(self, what: str, path: str | Path | None = None, hint: str | None = None):
        self.what = what
        self.path = None if path is None else Path(path)
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [self.what]
        if self.path is not None:
            parts[0] = f"{self.what}: {self.path}"
        if self.hint:
            parts.append(self.hint)
        return " — ".join(parts)


class InputFileError(UserError):
    """A file or folder given by the user is missing, empty or unreadable."""


class VideoError(InputFileError):
    """A video or image sequence cannot be decoded."""


class DataFormatError(InputFileError):
    """A data file (CSV, JSON, TRC ...) has the wrong columns or content."""


class ModelError(UserError):
    """A model name, checkpoint or model card is unknown or does not match."""


class OfflineError(UserError):
    """Something needs the network (weights, a URL) and this machine is offline."""
