"""A generated two-class photo set with a known answer: the shipped astronaut photo upright (rotated by a few
degrees) and lying (rotated by about +-90 degrees). Leaning left or right would be one class here, since a
pose and its mirror image are one class. The same as short clips (a slow wobble about each angle), and a video
that goes upright -> lying -> upright at known times."""

from __future__ import annotations

from pathlib import Path

import numpy as np

ANGLES_DEG = {"upright": (-6.0, -3.0, 0.0, 3.0, 6.0), "lying": (-93.0, -88.0, 87.0, 92.0)}
CLIP_ANGLES_DEG = {"upright": (-4.0, 0.0, 4.0), "lying": (-90.0, 88.0, 92.0)}


def _rotated(image: np.ndarray, angle_deg: float) -> np.ndarray:
    """The image rotated about its centre by angle_deg (counter-clockwise), edges reflected."""
    import cv2

    h, w = image.shape[:2]
    return cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0), (w, h),
                          borderMode=cv2.BORDER_REFLECT)


def _astronaut(size: int | None) -> np.ndarray:
    import cv2

    from sportlens.samples import load_astronaut

    image = load_astronaut()
    return image if size is None else cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def write_pose_photos(root: str | Path, angles_deg: dict[str, tuple[float, ...]] = ANGLES_DEG) -> Path:
    """root/CLASS/CLASS_k.jpg, the astronaut rotated about its centre by each angle (degrees, counter-clockwise)."""
    import cv2

    root = Path(root)
    image = _astronaut(None)
    for label, angles in angles_deg.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for k, angle in enumerate(angles):
            cv2.imwrite(str(root / label / f"{label}_{k}.jpg"), cv2.cvtColor(_rotated(image, angle), cv2.COLOR_RGB2BGR))
    return root


def write_pose_clips(root: str | Path, angles_deg: dict[str, tuple[float, ...]] = CLIP_ANGLES_DEG,
                     frames: int = 8, fps: float = 10.0, size: int = 256) -> Path:
    """root/CLASS/CLASS_k.mp4: `frames` frames of the astronaut at each angle, wobbling +-2 degrees about it."""
    from sportlens.video.encode import VideoWriter

    root = Path(root)
    image = _astronaut(size)
    for label, angles in angles_deg.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for k, angle in enumerate(angles):
            with VideoWriter(root / label / f"{label}_{k}.mp4", fps, size, size, crf=20) as writer:
                for i in range(frames):
                    writer.write(_rotated(image, angle + 2.0 * np.sin(2 * np.pi * i / frames)))
    return root


def write_pose_change_video(target: str | Path, schedule: tuple[tuple[str, float], ...] = (
        ("upright", 1.5), ("lying", 1.5), ("upright", 1.0)), fps: float = 10.0, size: int = 256) -> Path:
    """A video of the astronaut in each (class, seconds) of the schedule in turn: upright at 0 deg, lying at 90."""
    from sportlens.video.encode import VideoWriter

    image = _astronaut(size)
    angle = {"upright": 0.0, "lying": 90.0}
    with VideoWriter(target, fps, size, size, crf=20) as writer:
        for label, seconds in schedule:
            for _ in range(int(round(seconds * fps))):
                writer.write(_rotated(image, angle[label]))
    return Path(target)
