"""Pose classification from BlazePose keypoints: `sportlens posecls train|eval|predict`."""
