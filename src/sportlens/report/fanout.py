"""One decode pass fanned out to several frame consumers, each in its own thread, with bounded memory.

The decoder (this thread) hands each frame to every consumer's queue of at most `depth` frames, so a slow
consumer holds the decoder back rather than letting frames pile up. A consumer is a function of an iterator
of frames (pose's `estimate_frames`, a ball tracker) and returns its result. A consumer that fails stops
receiving frames; the others go on, and its exception is returned in place of its result (analyze turns it
into a warning). Ctrl-C or a cancelled run stops every consumer at its next frame.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sportlens.events import Cancelled, Progress
from sportlens.video.decode import Frame

_END = object()
_POLL_S = 0.1


@dataclass
class Consumer:
    """A named consumer: run(frames) -> result; `transform` (in the consumer's thread) maps each frame first."""

    name: str
    run: Callable[[Iterator[Frame]], Any]
    transform: Callable[[Frame], Frame] | None = None
    result: Any = None
    error: BaseException | None = None
    frames: int = 0
    _queue: queue.Queue = field(default=None, repr=False)  # type: ignore[assignment]
    _done: threading.Event = field(default_factory=threading.Event, repr=False)


def _feed(consumer: Consumer, progress: Progress) -> Iterator[Frame]:
    while True:
        try:
            item = consumer._queue.get(timeout=_POLL_S)
        except queue.Empty:
            progress.check()
            continue
        if item is _END:
            return
        consumer.frames += 1
        yield consumer.transform(item) if consumer.transform is not None else item


def fan_out(frames: Iterable[Frame], consumers: list[Consumer], progress: Progress, depth: int = 8) -> list[Consumer]:
    """Decode once, feed every consumer; returns the consumers with .result or .error filled."""
    threads = []
    for consumer in consumers:
        consumer._queue = queue.Queue(maxsize=depth)

        def work(c: Consumer = consumer) -> None:
            try:
                c.result = c.run(_feed(c, progress))
            except BaseException as exc:  # kept and reported by the caller; Cancelled is re-raised there
                c.error = exc
            finally:
                c._done.set()

        thread = threading.Thread(target=work, name=f"analyze-{consumer.name}", daemon=True)
        thread.start()
        threads.append(thread)
    try:
        for frame in frames:
            progress.check()
            live = [c for c in consumers if not c._done.is_set()]
            if not live:
                break
            for c in live:
                _put(c, frame, progress)
    except BaseException:
        progress.cancel()
        for thread in threads:
            thread.join()
        raise
    finally:
        for c in consumers:
            _put(c, _END, progress, final=True)
    for thread in threads:
        thread.join()
    for c in consumers:
        if isinstance(c.error, (Cancelled, KeyboardInterrupt)):
            raise c.error
    return consumers


def _put(consumer: Consumer, item: Any, progress: Progress, final: bool = False) -> None:
    """Queue an item unless the consumer has stopped; wait while its queue is full."""
    while not consumer._done.is_set():
        try:
            consumer._queue.put(item, timeout=_POLL_S)
            return
        except queue.Full:
            if not final:
                progress.check()
