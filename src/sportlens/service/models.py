"""The models the service uses, with their cards (GET /api/models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARD_FIELDS = ("task", "model", "created_utc", "command", "data", "split", "metrics", "classes")


def _card_view(card: dict[str, Any]) -> dict[str, Any]:
    return {key: card[key] for key in CARD_FIELDS if key in card}


def list_models(score_model: Path | None, registry: str | None = None) -> list[dict[str, Any]]:
    """The shipped ball networks, the image model given for /api/score and every version in the model
    registry (the production ones marked), each with its card or figures."""
    from sportlens.ball.models import WEIGHTS_DIR
    from sportlens.training.checkpoint import load_checkpoint

    rows = []
    for path in sorted(WEIGHTS_DIR.glob("*.pt")):
        _, card = load_checkpoint(path, "ball")
        rows.append({"name": path.stem, "task": "ball", "source": "shipped", "used_by": "analyze (ball)",
                     "card": _card_view(card)})
    if score_model is not None:
        from sportlens.classify.inference import load_classifier

        loaded = load_classifier(score_model)
        rows.append({"name": loaded.card.get("model", "classifier"), "task": "classify", "source": str(loaded.path),
                     "used_by": "/api/score", "card": _card_view(loaded.card)})
    from sportlens.lifecycle.registry import ModelRegistry, registry_exists

    if registry_exists(registry):
        for version in ModelRegistry(registry).list():
            row = version.row()
            rows.append({"name": f"{row['name']} v{row['version']}", "task": row["task"], "source": "registry",
                         "production": row["production"], "metrics": row["metrics"], "tags": row["tags"],
                         "used_by": "analyze, /api/score" if row["production"] else None})
    return rows
