"""Generated ball clips with known answers (tests, the contract test, demos): a drawn court, a ball on
ballistic flights between two hitters, sensor noise, a moving player that occludes the ball."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sportlens.ball.track import EASY, NO_BALL, OCCLUDED, BallTrack


@dataclass(frozen=True)
class ClipSpec:
    width: int = 320
    height: int = 180
    fps: float = 30.0
    seconds: float = 3.0
    ball_radius: float = 0.008  # / frame width
    noise: float = 3.0  # grey-level standard deviation of the per-frame noise
    occlusion: bool = True  # a player rectangle crosses the ball's path
    ball: bool = True  # False: the same court and player, no ball
    seed: int = 0


def ballistic_path(spec: ClipSpec) -> np.ndarray:
    """(n, 2) ball centre in pixels: flights of 1 s between x = 15 % and 85 % of the width, each an arc
    under constant gravity (apex at 20 % of the height on the first flight, 3 % lower on each of the next six,
    then again: a real ball does not retrace its path, and post-processing drops a "ball" that keeps doing so),
    the direction reversing at each hit."""
    n = int(round(spec.seconds * spec.fps))
    t = np.arange(n) / spec.fps
    flight = 1.0
    phase = (t % flight) / flight  # 0..1 within a flight
    forward = (np.floor(t / flight) % 2) == 0
    x0, x1 = 0.15 * spec.width, 0.85 * spec.width
    x = np.where(forward, x0 + (x1 - x0) * phase, x1 - (x1 - x0) * phase)
    base, apex = 0.62 * spec.height, (0.2 + 0.03 * (np.floor(t / flight) % 7)) * spec.height
    y = base - 4 * (base - apex) * phase * (1 - phase)  # a parabola in time: constant vertical acceleration
    return np.column_stack([x, y])


def _court(spec: ClipSpec) -> np.ndarray:
    import cv2

    w, h = spec.width, spec.height
    image = np.zeros((h, w, 3), np.uint8)
    image[:] = (40, 110, 70)
    image[: int(0.3 * h)] = (30, 30, 45)  # stands
    line = max(1, w // 200)
    pts = np.array([[0.1 * w, 0.9 * h], [0.9 * w, 0.9 * h], [0.75 * w, 0.35 * h], [0.25 * w, 0.35 * h]], np.int32)
    cv2.polylines(image, [pts], True, (230, 230, 230), line)
    cv2.line(image, (w // 2, int(0.35 * h)), (w // 2, int(0.9 * h)), (230, 230, 230), line)
    cv2.line(image, (int(0.18 * w), int(0.55 * h)), (int(0.82 * w), int(0.55 * h)), (200, 200, 200), line + 1)
    return image


def render_clip(spec: ClipSpec):
    """Yield (RGB frame, truth row (code, x, y)) for each frame of the clip."""
    import cv2

    rng = np.random.default_rng(spec.seed)
    court = _court(spec)
    path = ballistic_path(spec)
    r = max(1, int(round(spec.ball_radius * spec.width)))
    pw, ph = int(0.06 * spec.width), int(0.3 * spec.height)
    for k, (bx, by) in enumerate(path):
        image = court.copy()
        # the player walks slowly across the middle; the ball passes behind it now and then
        px = int((0.3 + 0.4 * (0.5 + 0.5 * np.sin(k / spec.fps * 1.3))) * spec.width)
        py = int(0.25 * spec.height) if spec.occlusion else int(0.62 * spec.height)
        hidden = spec.occlusion and px - r <= bx <= px + pw + r and py - r <= by <= py + ph + r
        if spec.ball and not hidden:
            cv2.circle(image, (int(round(bx)), int(round(by))), r, (250, 250, 240), -1, lineType=cv2.LINE_AA)
        cv2.rectangle(image, (px, py), (px + pw, py + ph), (180, 60, 50), -1)
        if spec.noise:
            noisy = image.astype(np.int16) + rng.normal(0, spec.noise, image.shape).astype(np.int16)
            image = np.clip(noisy, 0, 255).astype(np.uint8)
        code = NO_BALL if not spec.ball else (OCCLUDED if hidden else EASY)
        yield image, (code, bx, by)


def _truth(rows: list, spec: ClipSpec) -> BallTrack:
    codes = np.array([c for c, _, _ in rows], np.int8)
    xs = np.array([x for _, x, _ in rows])
    ys = np.array([y for _, _, y in rows])
    return BallTrack(codes, xs, ys, (codes > 0).astype(float), spec.width, spec.height, spec.fps)


def write_clip(path: str | Path, spec: ClipSpec | None = None) -> BallTrack:
    """Write the clip as an H.264 mp4; returns the truth (occluded frames have code 3 and the hidden position)."""
    from sportlens.video.encode import VideoWriter

    spec = spec or ClipSpec()
    rows = []
    with VideoWriter(path, spec.fps, spec.width, spec.height, crf=18) as writer:
        for image, row in render_clip(spec):
            writer.write(image)
            rows.append(row)
    return _truth(rows, spec)


def write_frames(folder: str | Path, spec: ClipSpec | None = None) -> BallTrack:
    """Write the clip as 0000.jpg, 0001.jpg ... (the TrackNet and tracking-task layouts); returns the truth."""
    import cv2

    spec = spec or ClipSpec()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for k, (image, row) in enumerate(render_clip(spec)):
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(folder / f"{k:04d}.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
        rows.append(row)
    return _truth(rows, spec)


def visible_only(truth: BallTrack) -> BallTrack:
    """Occluded frames marked as no ball (the rally layout has only 0/1)."""
    vis = np.where(truth.visibility == OCCLUDED, 0, np.minimum(truth.visibility, 1)).astype(np.int8)
    return truth.replace(visibility=vis, confidence=(vis > 0).astype(float))


def write_rally_clip(folder: str | Path, stem: str = "00001", spec: ClipSpec | None = None) -> Path:
    """A labelled rally: folder/stem.mp4 + folder/stem.csv (Frame,Ball,x,y normalised). Returns the CSV path."""
    from sportlens.ball.formats import write_rally

    folder = Path(folder)
    truth = write_clip(folder / f"{stem}.mp4", spec)
    return write_rally(visible_only(truth), folder / f"{stem}.csv")
