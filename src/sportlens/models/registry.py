"""A small named registry: `reg.register("name")(builder)`, `reg.build("name", **kw)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sportlens.errors import ModelError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names to builders; unknown names give a ModelError that lists the known ones."""

    def __init__(self, kind: str):
        self.kind = kind
        self._builders: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorate(builder: Callable[..., T]) -> Callable[..., T]:
            if name in self._builders:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._builders[name] = builder
            return builder

        return decorate

    def names(self) -> list[str]:
        return sorted(self._builders)

    def get(self, name: str) -> Callable[..., T]:
        try:
            return self._builders[name]
        except KeyError:
            raise ModelError(
                f"unknown {self.kind} {name!r}", hint=f"choose one of: {', '.join(self.names())}"
            ) from None

    def build(self, name: str, **kwargs) -> T:
        return self.get(name)(**kwargs)

    def __contains__(self, name: str) -> bool:
        return name in self._builders
