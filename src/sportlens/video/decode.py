"""Decode videos (PyAV) and image sequences into a stream of frames with index, time and fps.

Frames are yielded one at a time, so memory stays bounded on a long match. A frame that cannot be
decoded is reported (index and reason) through `on_skip` and skipped; a file that cannot be opened
at all raises a VideoError naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from sportlens.constants import IMAGE_SUFFIXES, VIDEO_SUFFIXES  # noqa: F401 (re-exported)
from sportlens.errors import VideoError

DEFAULT_SEQUENCE_FPS = 30.0

SkipHandler = Callable[[int, str], None]


@dataclass(frozen=True)
class Frame:
    """One decoded frame: `image` is RGB uint8 of shape (height, width, 3)."""

    index: int
    time_s: float
    image: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """What a source holds: kind is 'video', 'images' (a folder) or 'image' (one file)."""

    path: Path
    kind: str
    width: int
    height: int
    fps: float
    n_frames: int | None
    duration_s: float | None
    codec: str | None = None
    rotation_deg: int = 0  # display rotation of a phone video (counter-clockwise); frames come out upright


def _resize_shape(width: int, height: int, size: tuple[int, int] | None, max_side: int | None) -> tuple[int, int]:
    if size is not None:
        return int(size[0]), int(size[1])
    if max_side is not None and max(width, height) > max_side:
        scale = max_side / max(width, height)
        # even sizes keep H.264 and yuv420p happy downstream
        return max(2, int(round(width * scale / 2)) * 2), max(2, int(round(height * scale / 2)) * 2)
    return width, height


def image_sequence_files(folder: Path) -> list[Path]:
    """Image files of a folder, ordered by the number in their name (0000.jpg, 1.jpg ...), then by name."""

    def key(p: Path):
        digits = re.findall(r"\d+", p.stem)
        return (int(digits[-1]) if digits else -1, p.name)

    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES), key=key)


def frame_numbers(files: list[Path]) -> list[int] | None:
    """The frame number in each name when the files are a numbered sequence (same text around one number,
    e.g. frame_0001.jpg, frame_0002.jpg; numbers all different), else None."""
    pattern = re.compile(r"^(.*?)(\d+)(\D*)$")
    parts = [pattern.match(f.stem) for f in files]
    if not parts or any(m is None for m in parts):
        return None
    if len({(m.group(1), m.group(3), f.suffix.lower()) for m, f in zip(parts, files, strict=True)}) != 1:
        return None
    numbers = [int(m.group(2)) for m in parts]
    return numbers if len(set(numbers)) == len(numbers) else None


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise VideoError("input not found", path, "check the path")
    if path.is_file() and path.stat().st_size == 0:
        raise VideoError("input file is empty", path, "re-export or re-copy the video")


def read_image(path: Path) -> np.ndarray:
    """One image file as RGB uint8; ValueError when it cannot be decoded."""
    import cv2

    data = np.fromfile(path, dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise ValueError("not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _open_container(path: Path):
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise VideoError(
            f"not a readable video ({reason.rstrip('.').lower()})", path,
            "give an mp4/mov/avi/mkv file or an image folder; if it plays elsewhere, re-export it as H.264 mp4",
        ) from None
    if not container.streams.video:
        container.close()
        raise VideoError("file has no video stream", path, "give a video file or an image folder")
    return container


def probe_video(path: str | Path, fps: float | None = None) -> VideoInfo:
    """Describe a video file, an image-sequence folder or a single image without decoding it all."""
    path = Path(path)
    _check_exists(path)
    if path.is_dir():
        files = image_sequence_files(path)
        if not files:
            raise VideoError("folder has no images", path,
                             f"give a folder of photos or numbered frames ({', '.join(sorted(IMAGE_SUFFIXES))})")
        first = _first_readable(files)
        rate = fps or DEFAULT_SEQUENCE_FPS
        numbers = frame_numbers(files)
        n = (numbers[-1] - numbers[0] + 1) if numbers else len(files)
        return VideoInfo(path, "images", first.shape[1], first.shape[0], rate, n, n / rate)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        try:
            img = read_image(path)
        except ValueError:
            raise VideoError("not a readable image", path, "check the file or give a video") from None
        return VideoInfo(path, "image", img.shape[1], img.shape[0], fps or DEFAULT_SEQUENCE_FPS, 1, None)
    container = _open_container(path)
    try:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or stream.guessed_rate or fps or DEFAULT_SEQUENCE_FPS)
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        n = stream.frames or (int(round(duration * rate)) if duration else None)
        if stream.codec_context.width == 0:
            raise VideoError("video stream has no frame size", path, "the file is probably truncated or corrupt")
        width, height = stream.codec_context.width, stream.codec_context.height
        rotation = _display_rotation(container)
        if rotation % 180:
            width, height = height, width  # frames are turned upright on decode
        return VideoInfo(path, "video", width, height, rate, n, duration, stream.codec_context.name, rotation)
    finally:
        container.close()


def _display_rotation(container) -> int:
    """Rotation (degrees, counter-clockwise, a multiple of 90) phones store in the display matrix; read from
    the first frame, since PyAV exposes it per frame."""
    import av

    try:
        for frame in container.decode(video=0):
            return int(round((frame.rotation or 0) / 90.0)) * 90 % 360
    except av.error.FFmpegError:
        return 0
    return 0


def _first_readable(files: list[Path]) -> np.ndarray:
    for f in files[:50]:
        try:
            return read_image(f)
        except ValueError:
            continue
    raise VideoError("none of the first images can be read", files[0].parent, "check the image files")


def decode_frames(
    path: str | Path,
    size: tuple[int, int] | None = None,
    max_side: int | None = None,
    fps: float | None = None,
    on_skip: SkipHandler | None = None,
    start: int = 0,
    stop: int | None = None,
    info: VideoInfo | None = None,
) -> Iterator[Frame]:
    """Yield RGB frames from a video file, an image-sequence folder or one image.

    size: (width, height) to resize to on decode; max_side: shrink so the longer side is at most this.
    fps: frame rate for image sequences (default 30); ignored for videos, which carry their own.
    on_skip(index, reason) is called for each frame that cannot be decoded; decoding goes on.
    start/stop: only frames with start <= index < stop (a video seeks to the key frame before start).
    info: the source's VideoInfo when the caller already probed it (saves opening the file again).
    In a numbered image sequence a frame's index is its number minus the first number, so gaps in the
    numbering stay gaps.
    """
    info = info if info is not None else probe_video(path, fps)
    if info.kind == "video":
        yield from _decode_video(info, size, max_side, on_skip, start, stop)
    else:
        files = image_sequence_files(info.path) if info.kind == "images" else [info.path]
        yield from _decode_sequence(info, files, size, max_side, on_skip, start, stop)


def _decode_sequence(info: VideoInfo, files: list[Path], size, max_side, on_skip, start=0,
                     stop=None) -> Iterator[Frame]:
    import cv2

    numbers = frame_numbers(files) if len(files) > 1 else None
    indices = [n - numbers[0] for n in numbers] if numbers else list(range(len(files)))
    for index, file in zip(indices, files, strict=True):
        if index < start or (stop is not None and index >= stop):
            continue
        try:
            img = read_image(file)
        except ValueError as exc:
            if on_skip:
                on_skip(index, f"{file.name}: {exc}")
            continue
        w, h = _resize_shape(img.shape[1], img.shape[0], size, max_side)
        if (w, h) != (img.shape[1], img.shape[0]):
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        yield Frame(index, index / info.fps, img)


def _decode_video(info: VideoInfo, size, max_side, on_skip, start_frame=0, stop_frame=None) -> Iterator[Frame]:
    import av

    container = _open_container(info.path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = stream.time_base or Fraction(1, 1)
        start = stream.start_time or 0
        w, h = _resize_shape(info.width, info.height, size, max_side)
        quarter_turns = info.rotation_deg // 90  # np.rot90 turns counter-clockwise, like the display matrix
        if quarter_turns % 2:
            w, h = h, w  # decode to the stored orientation, then turn
        expected = start_frame  # index the next frame should get when timestamps are missing
        if start_frame > 0:
            target = start + int(start_frame / info.fps / time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)  # key frame at or before
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                if on_skip:
                    on_skip(expected, f"demux failed ({exc}); stopping at the last good frame")
                break
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as exc:
                if packet.size and on_skip:
                    on_skip(expected, f"packet could not be decoded ({type(exc).__name__})")
                if packet.size:
                    expected += 1
                continue
            for vf in decoded:
                if vf.pts is not None:
                    t = float((vf.pts - start) * time_base)
                    index = int(round(t * info.fps))
                else:
                    index = expected
                    t = index / info.fps
                if index < start_frame:
                    continue  # decoded from the key frame up to the requested start
                if stop_frame is not None and index >= stop_frame:
                    return
                if index > expected and on_skip:
                    for missing in range(expected, index):
                        on_skip(missing, "frame missing from the stream (corrupt or dropped)")
                expected = max(expected, index + 1)
                if (w, h) != (vf.width, vf.height):
                    img = vf.to_ndarray(format="rgb24", width=w, height=h)
                else:
                    img = vf.to_ndarray(format="rgb24")
                if quarter_turns:
                    img = np.ascontiguousarray(np.rot90(img, quarter_turns))
                yield Frame(index, t, img)
        # a stream that stops short of its stated length was truncated or lost its sync: say which frames
        exact = bool(stream.frames)
        end = info.n_frames if stop_frame is None or info.n_frames is None else min(stop_frame, info.n_frames)
        if on_skip and end and expected < end - (0 if exact else 1):
            for missing in range(expected, end):
                on_skip(missing, "stream ended early (file truncated or corrupt)")
    finally:
        container.close()


def contiguous_frames(frames: Iterable[Frame], start: int = 0, step=None) -> Iterator[Frame]:
    """Frames with no index missing, re-indexed from `start` to 0: a frame the decoder skipped is replaced by
    the one before it (nothing moves there), so consumer row k is always source frame start + k (the ball
    trackers need this). `step` (a progress step) advances once per decoded frame."""
    expected, last = start, None
    for frame in frames:
        while last is not None and frame.index > expected:
            yield Frame(expected - start, last.time_s, last.image)
            expected += 1
        yield Frame(frame.index - start, frame.time_s, frame.image) if start else frame
        last, expected = frame, frame.index + 1
        if step is not None:
            step.advance()


def prefetch(frames: Iterator[Frame], depth: int = 8) -> Iterator[Frame]:
    """Decode ahead in a background thread (PyAV and OpenCV release the GIL), so decoding overlaps
    with the consumer's work; errors from the decoder are raised in the consumer. Memory: `depth` frames."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in frames:
                if stop.is_set():
                    break
                q.put(frame)
            q.put(done)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=produce, name="sportlens-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
