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
    """Items per second, e.g. '31.2 frames/s'; a task's own `unit` field overrides the bar's unit."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", self.unit)
        return Text(f"-- {unit}/s" if speed is None else f"{speed:.1f} {unit}/s", style="progress.data.speed")


def progress_bar(unit: str = "items", disable: bool | None = None, console: Console | None = None) -> Progress:
    """A progress display for `with progress_bar("frames") as p: task = p.add_task("pose", total=n)`.

    Several tasks may share it (e.g. epochs and batches, each with `unit=` as a task field). Hidden when
    SPORTLENS_NO_PROGRESS=1 (tests, batch logs) or when disable is True."""
    if disable is None or disable is False:
        disable = disable or os.environ.get("SPORTLENS_NO_PROGRESS") == "1"
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console or stderr_console,
        disable=disable,
        transient=False,
    )
