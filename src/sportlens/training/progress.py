"""Rich progress bars for training: epochs and batches with items/s, on stderr."""

from __future__ import annotations

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


class ItemsPerSecondColumn(ProgressColumn):
    """Shows the task's speed in its `unit` field per second (rich measures it from the advance() calls)."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "items")
        return Text(f"  -- {unit}/s" if speed is None else f"{speed:7.2f} {unit}/s", style="progress.data.speed")


def training_progress(console: Console | None = None, enabled: bool = True) -> Progress:
    """A progress display for a fit: one bar for epochs, one for the items of the current epoch."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        ItemsPerSecondColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        disable=not enabled,
        transient=False,
    )
