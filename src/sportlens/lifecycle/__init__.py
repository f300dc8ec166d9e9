"""Model lifecycle: an MLflow registry of every task's trained models, promotion, gated retraining."""
