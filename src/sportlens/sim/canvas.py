"""Side-view drawing for the environments: a world-to-pixel mapping, a trace, an energy bar (OpenCV on numpy
RGB arrays, no display needed), and a matplotlib window for render_mode "human"."""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

BACKGROUND = (245, 245, 240)
STRUCTURE = (90, 90, 100)
ATHLETE = (30, 90, 200)
TRACE = (239, 83, 80)
TEXT = (20, 20, 20)


class SideView:
    """Pixels for world metres (x right, y up) on a width x height RGB canvas showing [x0, x1] x [y0, y1]."""

    def __init__(self, width: int, height: int, x_range: tuple[float, float], y_range: tuple[float, float]):
        self.width, self.height = width, height
        panel = 70  # px on the right for the energy bar
        sx = (width - panel - 20) / (x_range[1] - x_range[0])
        sy = (height - 40) / (y_range[1] - y_range[0])
        self.scale = min(sx, sy)
        self.x0 = 10 + (width - panel - 20 - self.scale * (x_range[1] - x_range[0])) / 2 - self.scale * x_range[0]
        self.y0 = height - 20 - (height - 40 - self.scale * (y_range[1] - y_range[0])) / 2 + self.scale * y_range[0]

    def blank(self) -> np.ndarray:
        return np.full((self.height, self.width, 3), BACKGROUND, np.uint8)

    def px(self, x: float | np.ndarray, y: float | np.ndarray) -> np.ndarray:
        """World (x, y) in m -> integer pixel coordinates (..., 2)."""
        xy = np.stack([self.x0 + self.scale * np.asarray(x), self.y0 - self.scale * np.asarray(y)], -1)
        return xy.round().astype(np.int32)

    def polyline(self, image: np.ndarray, x, y, colour, thickness: int = 2) -> None:
        points = self.px(x, y).reshape(-1, 1, 2)
        if len(points) >= 2:
            cv2.polylines(image, [points], False, colour, thickness, cv2.LINE_AA)

    def line(self, image, a, b, colour, thickness: int = 3) -> None:
        cv2.line(image, tuple(self.px(*a)), tuple(self.px(*b)), colour, thickness, cv2.LINE_AA)

    def disc(self, image, centre, radius_m: float, colour) -> None:
        cv2.circle(image, tuple(self.px(*centre)), max(2, round(radius_m * self.scale)), colour, -1, cv2.LINE_AA)


def draw_energy_bar(image: np.ndarray, fraction: float, label: str = "energy") -> None:
    """A vertical bar at the right edge filled to `fraction` of the goal energy (a line marks 1.0, the goal);
    the bar's top stands for 1.25."""
    h, w = image.shape[:2]
    x0, x1, top, bottom = w - 50, w - 25, 30, h - 30
    cv2.rectangle(image, (x0, top), (x1, bottom), STRUCTURE, 1)
    full = bottom - top
    level = int(round(full * float(np.clip(fraction / 1.25, 0, 1))))
    colour = (76, 175, 80) if fraction >= 1 else (255, 167, 38)
    cv2.rectangle(image, (x0 + 1, bottom - level), (x1 - 1, bottom - 1), colour, -1)
    goal = bottom - int(round(full / 1.25))
    cv2.line(image, (x0 - 4, goal), (x1 + 4, goal), TEXT, 2)
    cv2.putText(image, label, (x0 - 16, top - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.4, TEXT, 1, cv2.LINE_AA)
    cv2.putText(image, f"{fraction:.2f}", (x0 - 8, bottom + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.4, TEXT, 1, cv2.LINE_AA)


def draw_text(image: np.ndarray, text: str, at: tuple[int, int]) -> None:
    cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, 0.5, TEXT, 1, cv2.LINE_AA)


class Trace:
    """The last n points of a path (world metres)."""

    def __init__(self, n: int = 200):
        self.points: deque[tuple[float, float]] = deque(maxlen=n)

    def add(self, x: float, y: float) -> None:
        self.points.append((float(x), float(y)))

    def clear(self) -> None:
        self.points.clear()

    def draw(self, view: SideView, image: np.ndarray) -> None:
        if len(self.points) >= 2:
            xy = np.array(self.points)
            view.polyline(image, xy[:, 0], xy[:, 1], TRACE, 1)


class HumanWindow:
    """render_mode "human": frames shown in a matplotlib window at the environment's frame rate."""

    def __init__(self, fps: float):
        self.fps = fps
        self._image = None

    def show(self, frame: np.ndarray) -> None:
        import matplotlib.pyplot as plt

        if self._image is None:
            plt.ion()
            fig, ax = plt.subplots(figsize=(frame.shape[1] / 100, frame.shape[0] / 100))
            ax.set_axis_off()
            self._image = ax.imshow(frame)
        else:
            self._image.set_data(frame)
        plt.pause(1.0 / self.fps)

    def close(self) -> None:
        if self._image is not None:
            import matplotlib.pyplot as plt

            plt.close(self._image.figure)
            self._image = None


class RenderedEnv:
    """What both environments share for drawing: `render()` for render_mode "rgb_array" (the frame) and "human"
    (a window), and `close()`. The environment gives `_make_view()` -> (SideView, Trace) and `draw_frame()`."""

    _view = _window = _trace = None

    def _make_view(self):
        raise NotImplementedError

    def draw_frame(self) -> np.ndarray:
        raise NotImplementedError

    def render(self):
        if self.render_mode is None:
            import gymnasium as gym

            gym.logger.warn("render() called without a render_mode; give render_mode='rgb_array' or 'human'")
            return None
        if self._view is None:
            self._view, self._trace = self._make_view()
        frame = self.draw_frame()
        if self.render_mode == "human":
            if self._window is None:
                self._window = HumanWindow(self.metadata["render_fps"])
            self._window.show(frame)
            return None
        return frame

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None
