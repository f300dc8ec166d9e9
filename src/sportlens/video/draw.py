"""Overlays on RGB frames: skeletons, keypoints, labelled values and a title bar (OpenCV drawing)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import cv2
import numpy as np

LEFT_COLOUR = (66, 165, 245)  # RGB blue for the athlete's left side
RIGHT_COLOUR = (239, 83, 80)  # red for the right side
CENTRE_COLOUR = (255, 235, 59)
# one colour per id (a person, a class), RGB (matplotlib's tab10), cycled past ten
ID_COLOURS = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)  # fmt: skip


def id_colour(k: int) -> tuple[int, int, int]:
    """The colour of id k (RGB), the same in every drawing and plot."""
    return ID_COLOURS[k % len(ID_COLOURS)]


def _side_colour(name: str) -> tuple[int, int, int]:
    if name.startswith("left"):
        return LEFT_COLOUR
    if name.startswith("right"):
        return RIGHT_COLOUR
    return CENTRE_COLOUR


def draw_skeleton(image: np.ndarray, points: Mapping[str, np.ndarray], edges: Iterable[tuple[str, str]],
                  thickness: int | None = None, colour: tuple[int, int, int] | None = None) -> np.ndarray:
    """Draw edges between named points (pixel (x, y); NaN points are skipped) onto image in place; lines in
    the side colours (left blue, right red), or all in `colour` (one per person when there are several)."""
    h, w = image.shape[:2]
    t = thickness or max(2, round(min(h, w) / 180))
    for a, b in edges:
        pa, pb = points.get(a), points.get(b)
        if pa is None or pb is None or np.isnan(pa).any() or np.isnan(pb).any():
            continue
        line = colour or (_side_colour(a) if _side_colour(a) == _side_colour(b) else CENTRE_COLOUR)
        cv2.line(image, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), line, t, cv2.LINE_AA)
    for name, p in points.items():
        if not np.isnan(p).any():
            cv2.circle(image, (int(p[0]), int(p[1])), t + 1, colour or _side_colour(name), -1, cv2.LINE_AA)
    return image


def draw_label(image: np.ndarray, text: str, at: tuple[float, float], colour=(255, 255, 255),
               scale: float | None = None):
    """Text with a dark box behind it, anchored at pixel (x, y) (top-left of the box)."""
    h = image.shape[0]
    s = scale or max(0.4, h / 1400)
    th = max(1, round(s * 2))
    (tw, tht), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, s, th)
    x, y = int(at[0]), int(at[1])
    cv2.rectangle(image, (x - 2, y - 2), (x + tw + 2, y + tht + base + 2), (20, 20, 20), -1)
    cv2.putText(image, text, (x, y + tht), cv2.FONT_HERSHEY_SIMPLEX, s, colour, th, cv2.LINE_AA)
    return image


MIN_PANEL_SCALE = 0.28  # below this OpenCV's font is no longer readable: the panel is left out


def draw_value_panel(image: np.ndarray, rows: Iterable[tuple[str, str]], origin=(10, 10)) -> np.ndarray:
    """A column of "name value" lines in the top-left corner (e.g. live joint angles; ASCII only: OpenCV's
    font has no other glyphs), sized to stay within about 40 % of the width and 75 % of the height so it
    never hides the athlete on a small photo; left out when it would be too small to read (the values are
    in the CSV files)."""
    h, w = image.shape[:2]
    lines = [(f"{name:<16} {value:>7}", name) for name, value in rows]
    if not lines:
        return image
    widest = max(cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)[0][0] for text, _ in lines)
    s = min(max(0.4, h / 1400), 0.4 * w / widest, 0.75 * h / (60 * len(lines)))
    if s < MIN_PANEL_SCALE:
        return image
    step = int(60 * s)
    y = origin[1]
    for text, name in lines:
        draw_label(image, text, (origin[0], y), _side_colour(name), s)
        y += step
    return image
