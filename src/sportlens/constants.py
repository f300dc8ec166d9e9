"""Physical constants and the file kinds sportlens reads, defined once."""

from __future__ import annotations

STANDARD_GRAVITY = 9.80665  # m/s^2 (CGPM 1901)

# Still images every reader accepts (OpenCV and Pillow both decode these); lower-case suffixes.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".m4v", ".webm"})
