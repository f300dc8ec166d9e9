"""`BallTrack`: one ball position (or none) per frame, in source pixels, with the frame size and rate."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Visibility codes shared by every layout (the tennis tracking task's [code]; TrackNet's Visibility Class).
NO_BALL, EASY, HARD, OCCLUDED = 0, 1, 2, 3
VISIBILITY_CODES = (NO_BALL, EASY, HARD, OCCLUDED)


@dataclass(frozen=True, eq=False)
class BallTrack:
    """Per frame: visibility code (0 no ball, 1 easy, 2 hard, 3 occluded), x and y in source pixels (NaN when
    code is 0), confidence 0..1; plus the image size (width, height) in pixels and the frame rate.

    `pattern` keeps a per-frame label some layouts carry (TrackNet's Trajectory Pattern, the tracking task's
    q column), -1 where unknown, so a file read and written again keeps it.
    """

    visibility: np.ndarray  # (n,) int8 codes
    x: np.ndarray  # (n,) float, source pixels, NaN when not visible
    y: np.ndarray
    confidence: np.ndarray  # (n,) float 0..1
    width: int
    height: int
    fps: float
    pattern: np.ndarray = field(default=None)  # (n,) int, -1 unknown

    def __post_init__(self) -> None:
        vis = np.asarray(self.visibility, dtype=np.int8).ravel()
        n = vis.size
        x = np.asarray(self.x, dtype=float).ravel()
        y = np.asarray(self.y, dtype=float).ravel()
        conf = np.asarray(self.confidence, dtype=float).ravel()
        pattern = np.full(n, -1, dtype=np.int16) if self.pattern is None else np.asarray(self.pattern, np.int16)
        if not (x.size == y.size == conf.size == pattern.size == n):
            raise ValueError(f"BallTrack arrays differ in length: {n}, {x.size}, {y.size}, {conf.size}, {pattern.size}")
        if not np.isin(vis, VISIBILITY_CODES).all():
            raise ValueError(f"visibility codes must be in {VISIBILITY_CODES}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        seen = vis > 0
        if np.isnan(x[seen]).any() or np.isnan(y[seen]).any():
            raise ValueError("a visible frame has no x or y")
        if ((x[seen] < 0) | (x[seen] > self.width) | (y[seen] < 0) | (y[seen] > self.height)).any():
            raise ValueError("a ball position lies outside the image")
        if ((conf < 0) | (conf > 1)).any():
            raise ValueError("confidence must be in 0..1")
        x, y = x.copy(), y.copy()
        x[~seen] = np.nan
        y[~seen] = np.nan
        for name, value in (("visibility", vis), ("x", x), ("y", y), ("confidence", conf), ("pattern", pattern)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return int(self.visibility.size)

    @property
    def visible(self) -> np.ndarray:
        """(n,) bool: a ball position is given."""
        return self.visibility > 0

    @property
    def time_s(self) -> np.ndarray:
        return np.arange(len(self)) / self.fps

    @classmethod
    def empty(cls, n: int, width: int, height: int, fps: float) -> BallTrack:
        nan = np.full(n, np.nan)
        return cls(np.zeros(n, np.int8), nan, nan, np.zeros(n), width, height, fps)

    @classmethod
    def from_points(cls, points: np.ndarray, confidence: np.ndarray | None, width: int, height: int,
                    fps: float) -> BallTrack:
        """From an (n, 2) array of x, y (NaN rows = no ball); visible frames get code 1."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        seen = np.isfinite(points).all(axis=1)
        conf = np.where(seen, 1.0, 0.0) if confidence is None else np.where(seen, confidence, 0.0)
        return cls(seen.astype(np.int8), points[:, 0], points[:, 1], conf, width, height, fps)

    def points(self) -> np.ndarray:
        """(n, 2) x, y in source pixels, NaN where not visible."""
        return np.column_stack([self.x, self.y])

    def replace(self, **changes) -> BallTrack:
        values = {k: getattr(self, k) for k in ("visibility", "x", "y", "confidence", "width", "height", "fps",
                                                 "pattern")}
        values.update(changes)
        return BallTrack(**values)

    def equals(self, other: BallTrack, atol: float = 1e-6) -> bool:
        return (len(self) == len(other) and (self.width, self.height) == (other.width, other.height)
                and np.array_equal(self.visibility, other.visibility)
                and np.allclose(self.x, other.x, atol=atol, equal_nan=True)
                and np.allclose(self.y, other.y, atol=atol, equal_nan=True))
