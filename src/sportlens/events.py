"""Progress as events: a task reports (task, step, done, total, message); listeners decide what to show.

The rich bar of the command line, a job row of the web service and a test are all listeners. Tasks never
import rich. The same object carries cancellation: Ctrl-C in the CLI (or a cancelled job) sets it, and the
next `advance` in any thread raises `Cancelled`, so worker threads stop promptly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report. kind: 'start' (a step begins), 'advance', 'end' (a step ends) or 'message'.

    done/total count the step's items (frames, images, epochs ...); total is None when unknown; unit names them.
    """

    task: str
    step: str
    kind: str
    done: int = 0
    total: int | None = None
    unit: str = "items"
    message: str | None = None
    level: str = "info"  # for messages: info or warning


Listener = Callable[[ProgressEvent], None]


class Cancelled(Exception):
    """Raised inside a task when its run was cancelled (Ctrl-C, a cancelled job)."""


class Progress:
    """What a task reports to: `with progress.step("pose", total=n, unit="frames") as s: s.advance()`.

    Thread-safe; listeners are called under a lock, in the reporting thread. With no listener, events go
    nowhere and only cancellation is checked.
    """

    def __init__(self, task: str, listener: Listener | None = None, cancel: threading.Event | None = None):
        self.task = task
        self.listener = listener
        self.cancel_event = cancel or threading.Event()
        self._lock = threading.Lock()

    def emit(self, event: ProgressEvent) -> None:
        if self.listener is not None:
            with self._lock:
                self.listener(event)

    def check(self) -> None:
        """Raise Cancelled when the run was cancelled."""
        if self.cancel_event.is_set():
            raise Cancelled(self.task)

    def cancel(self) -> None:
        self.cancel_event.set()

    def step(self, name: str, total: int | None = None, unit: str = "items") -> Step:
        return Step(self, name, total, unit)

    def message(self, text: str, level: str = "info") -> None:
        self.emit(ProgressEvent(self.task, "", "message", message=text, level=level))

    def warn(self, text: str) -> None:
        self.message(text, level="warning")

    def child(self, task: str) -> Progress:
        """A reporter for a sub-task that shares this one's listener and cancellation."""
        return Progress(task, self.listener, self.cancel_event)


class Step:
    """One step of a task with a count of items done."""

    def __init__(self, progress: Progress, name: str, total: int | None, unit: str):
        self.progress, self.name, self.total, self.unit = progress, name, total, unit
        self.done = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Step:
        self.progress.check()
        self.progress.emit(ProgressEvent(self.progress.task, self.name, "start", 0, self.total, self.unit))
        return self

    def advance(self, n: int = 1) -> None:
        """Count n more items done; raises Cancelled when the run was cancelled."""
        with self._lock:
            self.done += n
            done = self.done
        self.progress.emit(ProgressEvent(self.progress.task, self.name, "advance", done, self.total, self.unit))
        self.progress.check()

    def set_total(self, total: int | None) -> None:
        self.total = total
        self.progress.emit(ProgressEvent(self.progress.task, self.name, "start", self.done, total, self.unit))

    def __exit__(self, *exc) -> None:
        self.progress.emit(ProgressEvent(self.progress.task, self.name, "end", self.done, self.total, self.unit))


def ensure_progress(progress: Progress | None, task: str) -> Progress:
    """The given reporter, or a silent one (library calls without a listener)."""
    return progress if progress is not None else Progress(task)


class EventLog:
    """A listener that keeps every event (tests, the service's job rows)."""

    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []

    def __call__(self, event: ProgressEvent) -> None:
        self.events.append(event)

    def fraction(self) -> float:
        """Share of the latest step done, 0..1 (1 when it has no total)."""
        for event in reversed(self.events):
            if event.kind in ("start", "advance", "end") and event.total:
                return min(event.done / event.total, 1.0)
        return 0.0
