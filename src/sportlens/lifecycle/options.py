"""Options of `sportlens retrain`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sportlens.options import OptionError, check_range


@dataclass(frozen=True)
class RetrainOptions:
    holdout: str  # held-out data both models are scored on (shares no file with either training set)
    metric: str = "macro_f1"  # the figure the gate compares
    margin: float = 0.01  # the candidate must beat production by at least this much to be promoted
    registry: str | None = None  # MLflow tracking URI [$SPORTLENS_REGISTRY or ~/.sportlens/registry]
    epochs: int | None = None  # override the production run's epochs

    def __post_init__(self) -> None:
        if not self.holdout:
            raise OptionError("--holdout is required: data that neither model trained on")
        check_range("margin", self.margin, -1.0, 1.0)
        if self.epochs is not None:
            check_range("epochs", self.epochs, 1, 100_000)

    def overrides(self) -> dict[str, Any]:
        """Training options that replace the production run's own."""
        return {"epochs": self.epochs}
