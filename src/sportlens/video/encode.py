"""Write H.264 mp4 files with PyAV, atomically: the file appears under its name only when complete."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import numpy as np

from sportlens.io.atomic import atomic_path


class VideoWriter:
    """Encode RGB frames to an H.264 mp4; use as a context manager.

    The frames go to a temporary file beside the target, which is renamed onto the target when the
    block ends without an error; on an error the partial file is removed.
    """

    def __init__(self, target: str | Path, fps: float, width: int, height: int, crf: int = 23,
                 preset: str = "veryfast"):
        self.target = Path(target)
        self.fps = fps
        self.width, self.height = width - width % 2, height - height % 2  # yuv420p needs even sizes
        self.crf, self.preset = crf, preset
        self.frames_written = 0
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> VideoWriter:
        import av

        tmp = self._stack.enter_context(atomic_path(self.target, suffix=".mp4"))
        # the index goes to the front (faststart), so players can start before the whole file is read
        self._container = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(self.fps).limit_denominator(100_000)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(self.crf), "preset": self.preset}
        stream.codec_context.thread_type = "AUTO"
        self._stream = stream
        return self

    def write(self, image: np.ndarray) -> None:
        """Append one RGB uint8 frame of shape (height, width, 3); it is cropped to even sizes."""
        import av

        image = np.ascontiguousarray(image[: self.height, : self.width])
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
            self._container.close()
        finally:
            # renames the temporary file on success, removes it on an error
            self._stack.__exit__(exc_type, exc, tb)
