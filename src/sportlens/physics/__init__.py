"""Sport physics: projectile flight (with release height and quadratic drag), momentum and impulse,
segment moments of inertia, and speed from a tracked pixel trajectory."""

from sportlens.camera import court_homography
from sportlens.physics.inertia import SEGMENT_MODELS, moment_of_inertia, parallel_axis
from sportlens.physics.momentum import impulse, momentum, takeoff_velocity_from_force, velocity_change
from sportlens.physics.projectile import Drag, Trajectory, best_release_angle, projectile
from sportlens.physics.speed import speed_from_track

__all__ = [
    "SEGMENT_MODELS",
    "Drag",
    "Trajectory",
    "best_release_angle",
    "court_homography",
    "impulse",
    "moment_of_inertia",
    "momentum",
    "parallel_axis",
    "projectile",
    "speed_from_track",
    "takeoff_velocity_from_force",
    "velocity_change",
]
