"""The command line's view of progress events: a rich bar per step on stderr, messages and warnings.

Only the CLI (and scripts such as the demo and benchmarks) use this module; tasks report through
`sportlens.events.Progress` and never import rich.
"""

from __future__ import annotations

import os

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from sportlens.events import ProgressEvent

stderr_console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Items per second, e.g. '31.2 frames/s', with the unit the step reported."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "items")
        return Text(f"-- {unit}/s" if speed is None else f"{speed:.1f} {unit}/s", style="progress.data.speed")


def progress_hidden() -> bool:
    """SPORTLENS_NO_PROGRESS=1 (tests, batch logs) hides the bars; messages still print."""
    return os.environ.get("SPORTLENS_NO_PROGRESS") == "1"


class RichListener:
    """Turns progress events into rich bars (one per running step) and prints messages to stderr.

    Use as a context manager around the run: `with RichListener() as listen: run_pose(..., Progress("pose",
    listen))`."""

    def __init__(self, console: Console | None = None, show_bars: bool | None = None):
        self.console = console or stderr_console
        show = (not progress_hidden()) if show_bars is None else show_bars
        self.bars = RichProgress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(), console=self.console, disable=not show, transient=False,
        )
        self._tasks: dict[tuple[str, str], int] = {}

    def __enter__(self) -> RichListener:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bars.__exit__(*exc)

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "message":
            from rich.markup import escape

            style = "[yellow]warning:[/] " if event.level == "warning" else ""
            self.bars.console.print(f"{style}{escape(event.message or '')}", highlight=False, soft_wrap=True)
            return
        key = (event.task, event.step)
        if event.kind == "start":
            if key in self._tasks:
                self.bars.update(self._tasks[key], total=event.total, completed=event.done)
            else:
                self._tasks[key] = self.bars.add_task(event.step, total=event.total, completed=event.done,
                                                      unit=event.unit)
        elif event.kind == "advance" and key in self._tasks:
            self.bars.update(self._tasks[key], completed=event.done)
        elif event.kind == "end" and key in self._tasks:
            task_id = self._tasks.pop(key)
            if event.unit == "batches":  # inner loops (training batches) leave no bar behind
                self.bars.remove_task(task_id)
            else:
                self.bars.update(task_id, completed=event.done, total=event.total or event.done)
