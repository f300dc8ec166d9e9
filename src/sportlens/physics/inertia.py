"""Moments of inertia of simple segment models (definitions as data) and the parallel-axis theorem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SegmentModel:
    """A rigid-body model: what it is, the axis, the dimensions it needs, and I(m, dims) in kg m^2."""

    description: str
    axis: str
    needs: tuple[str, ...]
    formula: str
    inertia: Callable[..., float]


SEGMENT_MODELS: dict[str, SegmentModel] = {
    "rod-centre": SegmentModel(
        "thin rod",
        "through its centre, perpendicular",
        ("length_m",),
        "m L^2 / 12",
        lambda m, length_m: m * length_m**2 / 12,
    ),
    "rod-end": SegmentModel(
        "thin rod (e.g. a limb about the proximal joint)",
        "through one end, perpendicular",
        ("length_m",),
        "m L^2 / 3",
        lambda m, length_m: m * length_m**2 / 3,
    ),
    "cylinder-axis": SegmentModel(
        "solid cylinder", "its long axis", ("radius_m",), "m r^2 / 2", lambda m, radius_m: m * radius_m**2 / 2
    ),
    "cylinder-centre": SegmentModel(
        "solid cylinder",
        "through its centre, perpendicular to the long axis",
        ("length_m", "radius_m"),
        "m (3 r^2 + L^2) / 12",
        lambda m, length_m, radius_m: m * (3 * radius_m**2 + length_m**2) / 12,
    ),
    "cylinder-end": SegmentModel(
        "solid cylinder",
        "through one end face, perpendicular to the long axis",
        ("length_m", "radius_m"),
        "m (3 r^2 + 4 L^2) / 12",
        lambda m, length_m, radius_m: m * (3 * radius_m**2 + 4 * length_m**2) / 12,
    ),
    "hoop": SegmentModel(
        "thin ring or hollow cylinder", "its symmetry axis", ("radius_m",), "m r^2", lambda m, radius_m: m * radius_m**2
    ),
    "solid-sphere": SegmentModel(
        "solid sphere (e.g. a shot)",
        "through its centre",
        ("radius_m",),
        "2 m r^2 / 5",
        lambda m, radius_m: 2 * m * radius_m**2 / 5,
    ),
    "hollow-sphere": SegmentModel(
        "thin spherical shell (e.g. a ball)",
        "through its centre",
        ("radius_m",),
        "2 m r^2 / 3",
        lambda m, radius_m: 2 * m * radius_m**2 / 3,
    ),
}


def moment_of_inertia(model: str, mass_kg: float, **dims: float) -> float:
    """Moment of inertia (kg m^2) of a segment model from SEGMENT_MODELS with its dimensions in metres."""
    if model not in SEGMENT_MODELS:
        raise ValueError(f"unknown segment model {model!r}; known: {', '.join(SEGMENT_MODELS)}")
    spec = SEGMENT_MODELS[model]
    missing = [d for d in spec.needs if d not in dims]
    extra = [d for d in dims if d not in spec.needs]
    if missing or extra:
        raise ValueError(f"{model} needs {', '.join(spec.needs)}; missing {missing}, unexpected {extra}")
    if mass_kg <= 0 or any(dims[d] <= 0 for d in spec.needs):
        raise ValueError("mass and dimensions must be positive")
    return float(spec.inertia(mass_kg, **dims))


def parallel_axis(inertia_centre_kgm2: float, mass_kg: float, distance_m: float) -> float:
    """Inertia about a parallel axis `distance_m` from the centre-of-mass axis: I = I_cm + m d^2."""
    return inertia_centre_kgm2 + mass_kg * distance_m**2


def angular_momentum(inertia_kgm2: float, angular_velocity_rads: float) -> float:
    """Angular momentum L = I omega (kg m^2 / s)."""
    return inertia_kgm2 * angular_velocity_rads
