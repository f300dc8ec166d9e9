"""Rich progress bars on stderr, shared by every long-running command."""

from __future__ import annotations

import os

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

stderr_console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Items per second, e.g. '31.2 frames/s'."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("…" if speed is None else f"{speed:.1f} {self.unit}/s", style="progress.data.speed")


def progress_bar(unit: str = "items", disable: bool | None = None) -> Progress:
    """A progress display for `with progress_bar("frames") as p: task = p.add_task("pose", total=n)`.

    Hidden when SPORTLENS_NO_PROGRESS=1 (tests, batch logs) or when disable is True."""
    if disable is None:
        disable = os.environ.get("SPORTLENS_NO_PROGRESS") == "1"
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console,
        disable=disable,
        transient=False,
    )
