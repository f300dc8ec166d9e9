"""Annotated videos as overlays: a target file plus a function that draws one frame's annotations.

Each task's renderer builds an `Overlay` and hands it to `render_overlays`, which decodes the frames once and
writes every overlay's video from that one pass. Alone (`sportlens pose`, `reps`, `ball track`) a renderer writes
its video at once; inside `collect_overlays()` (what `analyze` does) the renderers only register their overlays,
and one `render_overlays` call at the end writes the pose, repetition and ball videos from a single decode
instead of one decode each.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sportlens.events import Progress, ensure_progress
from sportlens.video.decode import VideoInfo, decode_frames, prefetch


@dataclass
class Overlay:
    """Draw `draw(image, i)` on the source frames first .. first+count-1 (i counts from 0) into `target`."""

    target: Path
    first: int
    count: int
    draw: Callable[[np.ndarray, int], None]
    fps: float
    width: int
    height: int


@dataclass
class OverlayCollector:
    overlays: list[Overlay] = field(default_factory=list)

    def add(self, overlay: Overlay) -> None:
        self.overlays.append(overlay)


_COLLECTOR: contextvars.ContextVar[OverlayCollector | None] = contextvars.ContextVar("overlays", default=None)


@contextlib.contextmanager
def collect_overlays() -> Iterator[OverlayCollector]:
    """Inside this block renderers register their overlays instead of writing them (see `submit`)."""
    collector = OverlayCollector()
    token = _COLLECTOR.set(collector)
    try:
        yield collector
    finally:
        _COLLECTOR.reset(token)


def submit(info: VideoInfo, overlay: Overlay, progress: Progress | None = None) -> Path:
    """Write the overlay's video now, or register it when a `collect_overlays()` block is active."""
    collector = _COLLECTOR.get()
    if collector is not None:
        collector.add(overlay)
    else:
        render_overlays(info, [overlay], progress)
    return overlay.target


def render_overlays(info: VideoInfo, overlays: list[Overlay], progress: Progress | None = None,
                    step_name: str = "video") -> list[Path]:
    """Decode the frames the overlays cover once and write every overlay's video (each from its own copy of the
    frame). Every file is written atomically; an error or Ctrl-C leaves none half-written."""
    from sportlens.video.encode import VideoWriter

    if not overlays:
        return []
    progress = ensure_progress(progress, "video")
    start = min(o.first for o in overlays)
    stop = max(o.first + o.count for o in overlays)
    with contextlib.ExitStack() as stack:
        writers = [stack.enter_context(VideoWriter(o.target, o.fps, o.width, o.height)) for o in overlays]
        step = stack.enter_context(progress.step(step_name, total=stop - start, unit="frames"))
        for frame in prefetch(decode_frames(info.path, info=info, start=start, stop=stop)):
            last = len(overlays) - 1
            for k, (overlay, writer) in enumerate(zip(overlays, writers, strict=True)):
                i = frame.index - overlay.first
                if 0 <= i < overlay.count:
                    image = frame.image if k == last else frame.image.copy()
                    overlay.draw(image, i)
                    writer.write(image)
            step.advance()
    return [o.target for o in overlays]
