"""PoseSequence: one athlete's keypoints over time, the type the pose tasks hand around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sportlens.pose.keypoints import VIRTUAL_POINTS


@dataclass(frozen=True)
class PoseSequence:
    """Keypoints of one person over N frames and K named keypoints; NaN where no person was found.

    frame: (N,) frame indices; time_s: (N,); xy_px: (N, K, 2) pixels, y down; visibility: (N, K) in [0, 1];
    world_m: (N, K, 3) metres (hip-centred, x right, y down, z away from camera); width/height: frame size
    in pixels; video_fps: frame rate of the source.
    """

    names: tuple[str, ...]
    frame: np.ndarray
    time_s: np.ndarray
    xy_px: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    width: int
    height: int
    video_fps: float

    def __post_init__(self) -> None:
        n, k = len(self.frame), len(self.names)
        if self.xy_px.shape != (n, k, 2) or self.visibility.shape != (n, k) or self.world_m.shape != (n, k, 3):
            raise ValueError(
                f"inconsistent shapes: frame {self.frame.shape}, xy_px {self.xy_px.shape}, "
                f"visibility {self.visibility.shape}, world_m {self.world_m.shape} for {k} names"
            )

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def detected(self) -> np.ndarray:
        """(N,) True where a person was found in the frame."""
        return ~np.all(np.isnan(self.visibility), axis=1)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def point(self, name: str, space: str = "image") -> np.ndarray:
        """(N, 2) pixels for space='image' or (N, 3) metres for 'world'; virtual points are midpoints."""
        data = self.xy_px if space == "image" else self.world_m
        if name in VIRTUAL_POINTS:
            a, b = VIRTUAL_POINTS[name]
            return (data[:, self.index(a)] + data[:, self.index(b)]) / 2
        return data[:, self.index(name)]

    def replace(self, **changes) -> PoseSequence:
        from dataclasses import replace

        return replace(self, **changes)
