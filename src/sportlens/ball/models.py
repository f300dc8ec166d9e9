"""The ball model registry: a name -> a function that tracks one source and returns the raw BallTrack.

Every model streams frames (bounded memory) and is followed by the same post-processing."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sportlens.ball.track import BallTrack
from sportlens.models.registry import Registry
from sportlens.video.decode import Frame, VideoInfo

# builder(info) -> tracker; tracker(frames) -> raw BallTrack
BALL_MODELS: Registry[Callable[[VideoInfo], Callable[[Iterable[Frame]], BallTrack]]] = Registry("ball model")


@BALL_MODELS.register("classic")
def classic(info: VideoInfo) -> Callable[[Iterable[Frame]], BallTrack]:
    """Frame differencing + blob filter + constant-acceleration Kalman gating (no training)."""
    from sportlens.ball.classic import ClassicTracker

    def track(frames: Iterable[Frame]) -> BallTrack:
        tracker = ClassicTracker(info.width, info.height)
        for frame in frames:
            tracker.feed(frame.image)
        points, confidence = tracker.finish()
        return BallTrack.from_points(points, confidence, info.width, info.height, info.fps)

    return track
