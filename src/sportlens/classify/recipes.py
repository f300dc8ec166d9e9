"""Training recipes as data: one row per model, interpreted by `classify.train`.

A recipe fixes the input size, batch size, schedule and regularisation for training from scratch
(`weights none`) and, for models with ImageNet weights, the transfer-learning phases: `head_epochs`
with the backbone frozen, then all groups with learning rates from `lr * lr_bottom_ratio` (input side)
rising geometrically to `lr` (head).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from sportlens.errors import ModelError

if TYPE_CHECKING:  # this module stays free of torch: the command line reads the model names from it
    from sportlens.classify.augment import AugmentConfig


@dataclass(frozen=True)
class Recipe:
    model: str
    image_size: int = 128
    batch_size: int = 64
    epochs: int = 40
    lr: float = 2e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    mixup_alpha: float = 0.2
    cutmix_alpha: float = 1.0
    mix_prob: float = 0.5
    scale_min: float = 0.30
    bn_recalibration_batches: int = 0
    # transfer learning (weights imagenet)
    head_epochs: int = 2
    head_lr: float = 2e-3
    finetune_lr: float = 5e-4
    lr_bottom_ratio: float = 0.01
    note: str = ""

    @property
    def cache_size(self) -> int:
        """Side of the decoded uint8 cache: about 1.15x the input so random crops keep detail."""
        return int(round(self.image_size * 1.15 / 8) * 8)

    def augment(self) -> AugmentConfig:
        from sportlens.classify.augment import AugmentConfig

        return AugmentConfig(scale=(self.scale_min, 1.0))

    def to_dict(self) -> dict:
        return asdict(self)


RECIPES: dict[str, Recipe] = {
    r.model: r
    for r in [
        Recipe(
            "resnet18",
            image_size=128,
            batch_size=64,
            epochs=120,
            lr=2e-3,
            note="main from-scratch recipe: 128 px, AdamW one-cycle, label smoothing, mixup/cutmix, bf16 on CPU",
        ),
        Recipe("resnet34", image_size=128, batch_size=64, epochs=120, lr=2e-3),
        Recipe("mobilenet_v3_small", image_size=160, batch_size=64, epochs=150, lr=4e-3, weight_decay=0.02,
               bn_recalibration_batches=10, note="batch-norm statistics recomputed before each validation"),
        Recipe("mobilenet_v3_large", image_size=128, batch_size=64, epochs=120, lr=3e-3, weight_decay=0.02,
               bn_recalibration_batches=10),
        Recipe("efficientnet_b0", image_size=128, batch_size=64, epochs=120, lr=3e-3, weight_decay=0.02,
               bn_recalibration_batches=10),
        Recipe(
            "notebook-cnn",
            image_size=128,
            batch_size=32,
            epochs=30,
            lr=1e-3,
            weight_decay=0.0,
            label_smoothing=0.0,
            mixup_alpha=0.0,
            cutmix_alpha=0.0,
            scale_min=0.6,
            note="baseline in the spirit of the notebook: light augmentation, no mixup, no label smoothing",
        ),
    ]
}


def recipe_for(model: str, **overrides) -> Recipe:
    """The recipe of `model` with the non-None `overrides` applied (epochs, image_size, batch_size, lr)."""
    try:
        recipe = RECIPES[model]
    except KeyError:
        known = ", ".join(sorted(RECIPES))
        raise ModelError(f"unknown image classifier {model!r}", hint=f"choose one of: {known}") from None
    return replace(recipe, **{k: v for k, v in overrides.items() if v is not None})


def recipe_table_markdown() -> str:
    """The recipes as a Markdown table (docs/classify.md holds this exact text; a test keeps them equal)."""
    lines = [
        "| model | px | batch | epochs | lr (scratch) | weight decay | label smoothing | mixup / cutmix (p) "
        "| crop scale | BN recalibration batches | transfer: head epochs, head lr, fine-tune lr, bottom ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in sorted(RECIPES):
        r = RECIPES[name]
        mixing = r.mixup_alpha or r.cutmix_alpha
        mix = f"{r.mixup_alpha:g} / {r.cutmix_alpha:g} ({r.mix_prob:g})" if mixing else "off"
        transfer = "-" if name == "notebook-cnn" else (
            f"{r.head_epochs}, {r.head_lr:g}, {r.finetune_lr:g}, {r.lr_bottom_ratio:g}"
        )
        lines.append(
            f"| {name} | {r.image_size} | {r.batch_size} | {r.epochs} | {r.lr:g} | {r.weight_decay:g} "
            f"| {r.label_smoothing:g} | {mix} | {r.scale_min:g}-1 | {r.bn_recalibration_batches} | {transfer} |"
        )
    return "\n".join(lines)
