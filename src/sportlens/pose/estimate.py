"""BlazePose (MediaPipe) as a per-frame estimator: pixel keypoints, visibility and world coordinates."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from dataclasses import dataclass

import numpy as np

from sportlens.errors import ModelError
from sportlens.pose.keypoints import BLAZEPOSE_33

# mediapipe 0.10.21's wheel ships only the "full" landmark model; the others are downloaded on first use,
# which this offline tool must not do.
MODEL_COMPLEXITY = {"full": 1}


@dataclass(frozen=True)
class PoseEstimate:
    """One person's landmarks in one frame.

    xy_px: (33, 2) pixel coordinates in the frame given; visibility: (33,) in [0, 1];
    world_m: (33, 3) metres, origin between the hips, x right, y down, z away from the camera.
    """

    xy_px: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray


@contextlib.contextmanager
def native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for the block, for the log lines MediaPipe's C++ threads write
    there at start-up; Python's sys.stderr (progress bars, messages) keeps going to the terminal.
    SPORTLENS_NATIVE_LOGS=1 keeps the native lines."""
    if os.environ.get("SPORTLENS_NATIVE_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    python_stderr = sys.stderr
    try:
        redirect = python_stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # already captured (tests) or replaced by the caller
        redirect = False
    if redirect:
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=python_stderr.encoding, errors="replace")
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        ctypes.CDLL(None).fflush(None)  # C stdio may still hold part of a line for the old target
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
        if redirect:
            sys.stderr.close()
            sys.stderr = python_stderr


class BlazePoseEstimator:
    """Run BlazePose on RGB frames; tracking mode (video) reuses the previous frame's region."""

    names = BLAZEPOSE_33

    def __init__(self, model: str = "full", static_image: bool = False, min_detection: float = 0.5,
                 min_tracking: float = 0.5):
        if model not in MODEL_COMPLEXITY:
            raise ModelError(
                f"pose model {model!r} is not available offline",
                hint=f"use one of: {', '.join(MODEL_COMPLEXITY)} (shipped inside the mediapipe wheel)",
            )
        import mediapipe as mp

        self.model = model
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static_image,
            model_complexity=MODEL_COMPLEXITY[self.model],
            smooth_landmarks=False,  # we filter afterwards with zero lag; its causal smoother lags
            enable_segmentation=False,
            min_detection_confidence=min_detection,
            min_tracking_confidence=min_tracking,
        )

    def __call__(self, rgb: np.ndarray, out_width: int | None = None,
                 out_height: int | None = None) -> PoseEstimate | None:
        """Estimate the pose in an RGB uint8 frame; pixel coordinates are scaled to out_width x out_height
        (default: the frame's own size), so a downscaled frame can give full-resolution coordinates."""
        result = self._pose.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None:
            return None
        h, w = rgb.shape[:2]
        ow, oh = out_width or w, out_height or h
        lm = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64)
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float64)
        xy = lm[:, :2] * np.array([ow, oh])
        return PoseEstimate(xy, lm[:, 2], world)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> BlazePoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
