"""Athlete segmentation: a mask per frame (MediaPipe selfie segmentation, shipped in the wheel)."""
