"""The sim task's errors: one line for the CLI (UserError) that library callers can also catch as ValueError."""

from __future__ import annotations

from sportlens.errors import UserError


class SimArgumentError(UserError, ValueError):
    """A bad environment parameter or action (negative radius, NaN action, unknown algorithm ...)."""


def check_positive(name: str, value: float) -> float:
    """value as a float; SimArgumentError unless it is finite and > 0."""
    value = float(value)
    if not (value > 0 and value < float("inf")):
        raise SimArgumentError(f"{name} must be a positive finite number, got {value:g}")
    return value


def check_non_negative(name: str, value: float) -> float:
    value = float(value)
    if not (value >= 0 and value < float("inf")):
        raise SimArgumentError(f"{name} must be zero or a positive finite number, got {value:g}")
    return value
