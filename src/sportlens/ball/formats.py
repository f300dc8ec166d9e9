"""Ball label layouts: readers that validate (an error names the file and line) and writers for the same layouts.

- rally: `NNNNN.mp4` + `NNNNN.csv`, header `Frame,Ball,x,y`, x and y divided by the frame width and height.
- tracknet: a clip folder of `0000.jpg ...` + `Label.csv`, header `File Name,Visibility Class,X,Y,Trajectory
  Pattern`, pixels, X and Y empty when there is no ball.
- tasks (the tennis tracking task): a clip folder of `0000.jpg ...` + `labels.csv`, header `code,x,y,q`, one
  row per image in name order, pixels, code 0 no ball, 1 easy, 2 hard, 3 occluded.
- track.csv (what `sportlens ball track` writes): `frame,time_s,visible,x,y,confidence`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sportlens.ball.track import VISIBILITY_CODES, BallTrack
from sportlens.constants import VIDEO_SUFFIXES
from sportlens.errors import DataFormatError, InputFileError
from sportlens.io.atomic import write_text

RALLY_HEADER = ["Frame", "Ball", "x", "y"]
TRACKNET_HEADER = ["File Name", "Visibility Class", "X", "Y", "Trajectory Pattern"]
TASKS_HEADER = ["code", "x", "y", "q"]
TRACK_HEADER = ["frame", "time_s", "visible", "x", "y", "confidence"]
TRACKNET_LABELS, TASKS_LABELS = "Label.csv", "labels.csv"
DEFAULT_FPS = 30.0  # both tennis sets are 30 fps image sequences that do not store their rate


@dataclass(frozen=True)
class LabelledClip:
    """One labelled clip: its frames (a video or a folder of images), the labels as a BallTrack, its layout,
    and its group (the match or game it comes from, for splits and per-group results)."""

    name: str
    group: str
    layout: str
    frames: Path
    labels: Path
    track: BallTrack


def _rows(path: Path, header: list[str]) -> list[list[str]]:
    """The CSV's rows after a header that must be exactly `header`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError("label file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"cannot read the label file ({exc})", path) from None
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise DataFormatError("label file is empty", path, f"the header must be {','.join(header)}")
    found = [c.strip() for c in rows[0]]
    if found != header:
        raise DataFormatError(f"wrong columns {','.join(found)}", path, f"the header must be {','.join(header)}")
    for k, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataFormatError(f"line {k} has {len(row)} fields, expected {len(header)}", path)
    return [[c.strip() for c in r] for r in rows[1:]]


def _number(path: Path, line: int, name: str, text: str, kind: Callable = float, empty=None):
    if text == "":
        if empty is not None:
            return empty
        raise DataFormatError(f"line {line}: {name} is empty", path)
    try:
        value = kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise DataFormatError(f"line {line}: {name} is not a number ({text!r})", path) from None
    if kind is int and float(text) != value:
        raise DataFormatError(f"line {line}: {name} must be a whole number ({text!r})", path)
    if isinstance(value, float) and not math.isfinite(value):
        raise DataFormatError(f"line {line}: {name} is not finite ({text!r})", path)
    return value


def _check_inside(path: Path, line: int, x: float, y: float, width: int, height: int, unit: str = "px") -> None:
    if not (0 <= x <= width and 0 <= y <= height):
        raise DataFormatError(f"line {line}: ball at ({x:g}, {y:g}) {unit} lies outside the {width}x{height} image",
                              path, "check the coordinates (pixels, or 0..1 in the rally layout)")


def _image_files(folder: Path) -> list[Path]:
    from sportlens.video.decode import image_sequence_files

    return image_sequence_files(folder) if folder.is_dir() else []


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.size
    except OSError as exc:
        raise InputFileError(f"cannot read the image ({exc})", path) from None


# ---- rally layout ------------------------------------------------------------------------------------------


def rally_video(csv_path: Path) -> Path:
    """The video beside a rally CSV (same stem)."""
    for suffix in sorted(VIDEO_SUFFIXES):
        candidate = csv_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    raise DataFormatError("labels without frames: no video with the same name beside", csv_path,
                          "put NNNNN.mp4 next to NNNNN.csv")


def read_rally(csv_path: str | Path, video: str | Path | None = None) -> BallTrack:
    """Read a rally CSV (`Frame,Ball,x,y`, normalised) against its video: one row per decoded frame."""
    from sportlens.video.decode import probe_video

    csv_path = Path(csv_path)
    rows = _rows(csv_path, RALLY_HEADER)
    video = rally_video(csv_path) if video is None else Path(video)
    info = probe_video(video)
    n = len(rows)
    vis, xs, ys = np.zeros(n, np.int8), np.full(n, np.nan), np.full(n, np.nan)
    for k, (frame, ball, x, y) in enumerate(rows):
        line = k + 2
        if _number(csv_path, line, "Frame", frame, int) != k:
            raise DataFormatError(f"line {line}: Frame is {frame}, expected {k} (rows must be 0..N-1 in order: "
                                  "a missing row?)", csv_path)
        code = _number(csv_path, line, "Ball", ball, int)
        if code not in (0, 1):
            raise DataFormatError(f"line {line}: Ball must be 0 or 1, got {ball}", csv_path)
        if code:
            xn, yn = _number(csv_path, line, "x", x), _number(csv_path, line, "y", y)
            _check_inside(csv_path, line, xn, yn, 1, 1, "(normalised)")
            vis[k], xs[k], ys[k] = 1, xn * info.width, yn * info.height
    if info.n_frames is not None and n != info.n_frames:
        what = "labels without frames" if n > info.n_frames else "missing rows"
        raise DataFormatError(f"{what}: {n} rows for {info.n_frames} frames of {video.name}", csv_path,
                              "give one row per video frame")
    return BallTrack(vis, xs, ys, vis.astype(float), info.width, info.height, info.fps)


def write_rally(track: BallTrack, csv_path: str | Path) -> Path:
    """Write `Frame,Ball,x,y` (normalised, 6 decimals; 0,0 when no ball)."""
    lines = [",".join(RALLY_HEADER)]
    for k in range(len(track)):
        if track.visible[k]:
            lines.append(f"{k},1,{track.x[k] / track.width:.6f},{track.y[k] / track.height:.6f}")
        else:
            lines.append(f"{k},0,0.000,0.000")
    return write_text(csv_path, "\n".join(lines) + "\n")


# ---- TrackNet tennis layout ---------------------------------------------------------------------------------


def read_tracknet(clip: str | Path, fps: float = DEFAULT_FPS) -> BallTrack:
    """Read a TrackNet clip folder (`0000.jpg ...` + `Label.csv`); one row per image, in image order."""
    clip = Path(clip)
    labels = clip / TRACKNET_LABELS
    rows = _rows(labels, TRACKNET_HEADER)
    images = _image_files(clip)
    by_name = {p.name: k for k, p in enumerate(images)}
    if not images:
        raise DataFormatError("labels without frames: no images in the clip folder", labels)
    width, height = _image_size(images[0])
    n = len(images)
    vis, xs, ys, pattern = np.zeros(n, np.int8), np.full(n, np.nan), np.full(n, np.nan), np.full(n, -1)
    seen = np.zeros(n, bool)
    for k, (name, code, x, y, traj) in enumerate(rows):
        line = k + 2
        if name not in by_name:
            raise DataFormatError(f"line {line}: labels without frames: no image {name!r} in the clip", labels)
        i = by_name[name]
        if seen[i]:
            raise DataFormatError(f"line {line}: {name} is labelled twice", labels)
        seen[i] = True
        code = _number(labels, line, "Visibility Class", code, int)
        if code not in VISIBILITY_CODES:
            raise DataFormatError(f"line {line}: Visibility Class must be 0..3, got {code}", labels)
        pattern[i] = _number(labels, line, "Trajectory Pattern", traj, int, empty=-1)
        if code:
            xp, yp = _number(labels, line, "X", x), _number(labels, line, "Y", y)
            _check_inside(labels, line, xp, yp, width, height)
            vis[i], xs[i], ys[i] = code, xp, yp
    if not seen.all():
        first = images[int(np.argmin(seen))].name
        raise DataFormatError(f"missing rows: {int((~seen).sum())} image(s) without a label (first {first})", labels,
                              "give one row per image")
    return BallTrack(vis, xs, ys, (vis > 0).astype(float), width, height, fps, pattern)


def write_tracknet(track: BallTrack, clip: str | Path, names: list[str] | None = None) -> Path:
    """Write `Label.csv` in a clip folder; names default to 0000.jpg, 0001.jpg ..."""
    names = names or [f"{k:04d}.jpg" for k in range(len(track))]
    lines = [",".join(TRACKNET_HEADER)]
    for k, name in enumerate(names):
        traj = "" if track.pattern[k] < 0 else str(int(track.pattern[k]))
        if track.visible[k]:
            lines.append(f"{name},{int(track.visibility[k])},{track.x[k]:.3f},{track.y[k]:.3f},{traj}")
        else:
            lines.append(f"{name},0,,,{traj}")
    return write_text(Path(clip) / TRACKNET_LABELS, "\n".join(lines) + "\n")


# ---- tennis tracking-task layout ----------------------------------------------------------------------------


def read_tasks(clip: str | Path, fps: float = DEFAULT_FPS) -> BallTrack:
    """Read a tracking-task clip folder (`0000.jpg ...` + `labels.csv` with code,x,y,q; row k = k-th image)."""
    clip = Path(clip)
    labels = clip / TASKS_LABELS
    rows = _rows(labels, TASKS_HEADER)
    images = _image_files(clip)
    if not images:
        raise DataFormatError("labels without frames: no images in the clip folder", labels)
    if len(rows) != len(images):
        what = "labels without frames" if len(rows) > len(images) else "missing rows"
        raise DataFormatError(f"{what}: {len(rows)} rows for {len(images)} images", labels, "give one row per image")
    width, height = _image_size(images[0])
    n = len(images)
    vis, xs, ys, pattern = np.zeros(n, np.int8), np.full(n, np.nan), np.full(n, np.nan), np.full(n, -1)
    for k, (code, x, y, q) in enumerate(rows):
        line = k + 2
        code = _number(labels, line, "code", code, int)
        if code not in VISIBILITY_CODES:
            raise DataFormatError(f"line {line}: code must be 0..3, got {code}", labels)
        pattern[k] = _number(labels, line, "q", q, int, empty=-1)
        if code:
            xp, yp = _number(labels, line, "x", x), _number(labels, line, "y", y)
            _check_inside(labels, line, xp, yp, width, height)
            vis[k], xs[k], ys[k] = code, xp, yp
    return BallTrack(vis, xs, ys, (vis > 0).astype(float), width, height, fps, pattern)


def write_tasks(track: BallTrack, clip: str | Path) -> Path:
    """Write `labels.csv` (code,x,y,q) in a clip folder; x, y empty when there is no ball."""
    lines = [",".join(TASKS_HEADER)]
    for k in range(len(track)):
        q = "" if track.pattern[k] < 0 else str(int(track.pattern[k]))
        xy = f"{track.x[k]:.3f},{track.y[k]:.3f}" if track.visible[k] else ","
        lines.append(f"{int(track.visibility[k])},{xy},{q}")
    return write_text(Path(clip) / TASKS_LABELS, "\n".join(lines) + "\n")


# ---- track.csv ----------------------------------------------------------------------------------------------


def track_table(track: BallTrack):
    """track.csv as a DataFrame: frame,time_s,visible,x,y,confidence (x, y empty when not visible)."""
    import pandas as pd

    return pd.DataFrame({"frame": np.arange(len(track)), "time_s": np.round(track.time_s, 4),
                         "visible": track.visible.astype(int), "x": np.round(track.x, 2),
                         "y": np.round(track.y, 2), "confidence": np.round(track.confidence, 3)})[TRACK_HEADER]


def read_track_csv(path: str | Path, width: int, height: int, fps: float) -> BallTrack:
    """Read a track.csv back (the image size and rate come from summary.json or the video)."""
    path = Path(path)
    rows = _rows(path, TRACK_HEADER)
    n = len(rows)
    vis, xs, ys, conf = np.zeros(n, np.int8), np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    for k, (_, _, visible, x, y, c) in enumerate(rows):
        line = k + 2
        if _number(path, line, "visible", visible, int):
            xs[k], ys[k] = _number(path, line, "x", x), _number(path, line, "y", y)
            _check_inside(path, line, xs[k], ys[k], width, height)
            vis[k] = 1
        conf[k] = _number(path, line, "confidence", c, empty=0.0)
    return BallTrack(vis, xs, ys, conf, width, height, fps)


# ---- finding labelled clips ---------------------------------------------------------------------------------


def find_labelled_clips(data: str | Path, fps: float = DEFAULT_FPS) -> list[LabelledClip]:
    """Every labelled clip under `data` (a folder in any of the three layouts, or one rally CSV), read and checked."""
    data = Path(data)
    if not data.exists():
        raise InputFileError("data not found", data, "give a folder of labelled clips or a rally CSV")
    clips: list[LabelledClip] = []
    if data.is_file():
        if data.suffix.lower() != ".csv":
            raise DataFormatError("not a label file", data, "give a rally CSV (Frame,Ball,x,y) or a folder")
        return [LabelledClip(data.stem, data.stem, "rally", rally_video(data), data, read_rally(data))]
    for labels in sorted(data.rglob(TRACKNET_LABELS)):
        clip = labels.parent
        clips.append(LabelledClip(_clip_name(data, clip), clip.parent.name if clip != data else clip.name,
                                  "tracknet", clip, labels, read_tracknet(clip, fps)))
    for labels in sorted(data.rglob(TASKS_LABELS)):
        clip = labels.parent
        clips.append(LabelledClip(_clip_name(data, clip), clip.parent.name if clip != data else clip.name,
                                  "tasks", clip, labels, read_tasks(clip, fps)))
    for labels in sorted(data.rglob("*.csv")):
        if labels.name in (TRACKNET_LABELS, TASKS_LABELS):
            continue
        if any(labels.with_suffix(s).is_file() for s in VIDEO_SUFFIXES):
            clips.append(LabelledClip(labels.stem, labels.stem, "rally", rally_video(labels), labels,
                                      read_rally(labels)))
    if not clips:
        raise DataFormatError("no labelled clips found in", data,
                              "expected NNNNN.mp4 + NNNNN.csv, or clip folders with Label.csv or labels.csv")
    return clips


def _clip_name(root: Path, clip: Path) -> str:
    return clip.relative_to(root).as_posix() if clip != root else clip.name
