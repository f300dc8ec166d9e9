"""The one training layer shared by tasks: seeded splits, a fit loop with a pluggable training step and
monitored metric, checkpoints with model cards."""

from sportlens.training.checkpoint import library_versions, load_checkpoint, save_checkpoint
from sportlens.training.fit import FitConfig, FitResult, Phase, TrainStep, classification_step, fit
from sportlens.training.splits import grouped_split, kfold_assign, stratified_split

__all__ = [
    "FitConfig",
    "FitResult",
    "Phase",
    "TrainStep",
    "classification_step",
    "fit",
    "grouped_split",
    "kfold_assign",
    "library_versions",
    "load_checkpoint",
    "save_checkpoint",
    "stratified_split",
]
