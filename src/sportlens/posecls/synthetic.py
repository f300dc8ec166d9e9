"""A generated two-class photo set with a known answer: the shipped astronaut photo upright (rotated by a few
degrees) and lying (rotated by about +-90 degrees). Leaning left or right would be one class here, since a
pose and its mirror image are one class."""

from __future__ import annotations

from pathlib import Path

ANGLES_DEG = {"upright": (-6.0, -3.0, 0.0, 3.0, 6.0), "lying": (-93.0, -88.0, 87.0, 92.0)}


def write_pose_photos(root: str | Path, angles_deg: dict[str, tuple[float, ...]] = ANGLES_DEG) -> Path:
    """root/CLASS/CLASS_k.jpg, the astronaut rotated about its centre by each angle (degrees, counter-clockwise)."""
    import cv2

    from sportlens.samples import load_astronaut

    root = Path(root)
    image = load_astronaut()
    h, w = image.shape[:2]
    for label, angles in angles_deg.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for k, angle in enumerate(angles):
            rotated = cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                                     borderMode=cv2.BORDER_REFLECT)
            cv2.imwrite(str(root / label / f"{label}_{k}.jpg"), cv2.cvtColor(rotated, cv2.COLOR_RGB2BGR))
    return root
