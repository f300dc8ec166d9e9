"""What every task's options dataclass shares: validation with one clear line per bad value, and loading
from a TOML configuration file (the CLI, the TOML file and the service all build the same dataclass)."""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from sportlens.errors import UserError


class OptionError(UserError):
    """An option has a value that cannot work (out of range, unknown choice, needs hardware we lack)."""


def flag(name: str) -> str:
    """The command-line spelling of an option field: min_visibility -> --min-visibility."""
    return "--" + name.replace("_", "-")


def check_range(name: str, value: float | None, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False) -> None:
    """Raise OptionError unless low <= value <= high (open ends exclude the bound); None passes."""
    if value is None:
        return
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        lo = "" if low is None else f"{'above' if low_open else 'at least'} {low:g}"
        hi = "" if high is None else f"{'below' if high_open else 'at most'} {high:g}"
        rule = " and ".join(part for part in (lo, hi) if part)
        raise OptionError(f"{flag(name)} must be {rule}, got {value:g}")


def check_choice(name: str, value: Any, choices: typing.Iterable[Any]) -> None:
    choices = [c.value if isinstance(c, Enum) else c for c in choices]
    raw = value.value if isinstance(value, Enum) else value
    if raw not in choices:
        raise OptionError(f"{flag(name)} must be one of {', '.join(map(str, choices))}, got {raw!r}")


def literal_choices(cls: type, name: str) -> tuple[Any, ...]:
    """The allowed values of a Literal-typed field of dataclass `cls`."""
    hints = typing.get_type_hints(cls)
    return typing.get_args(hints[name])


def check_literals(options: Any) -> None:
    """Check every Literal-typed field of a dataclass instance against its allowed values."""
    hints = typing.get_type_hints(type(options))
    for f in dataclasses.fields(options):
        hint = hints[f.name]
        if typing.get_origin(hint) is typing.Literal:
            check_choice(f.name, getattr(options, f.name), typing.get_args(hint))


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML configuration file as a dict; one clear error when it is missing or malformed."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("configuration file not found", path, "check the path given to --config") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"configuration file is not valid TOML ({exc})", path, "fix the file") from None


def options_from_mapping(cls: type, values: dict[str, Any], source: str | Path = "configuration") -> Any:
    """Build options dataclass `cls` from a mapping (keys may use - or _); unknown keys are an error."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in names:
            raise UserError(f"unknown option {key!r} in {source}", hint=f"known options: {', '.join(sorted(names))}")
        default = names[name].default
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        kwargs[name] = value
    return cls(**kwargs)


def merge_options(base: Any, **changes: Any) -> Any:
    """A copy of options `base` with the given fields changed (validated again)."""
    return dataclasses.replace(base, **changes)
