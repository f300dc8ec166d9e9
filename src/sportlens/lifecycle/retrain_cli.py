"""`sportlens retrain TASK NEW_DATA --holdout DATA -o OUT`: thin; the gate itself is lifecycle/retrain.py."""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import JSON_HELP, OUT_HELP
from sportlens.lifecycle.cli import REGISTRY_HELP

HELP = ("Train a candidate on the production model's data plus NEW_DATA, score both on --holdout, register the "
        "candidate, and promote it only when it beats production by --margin.")


def command(
    task: str = typer.Argument(..., metavar="TASK", show_default=False, help="The task (classify)."),
    new_data: Path = typer.Argument(..., metavar="NEW_DATA", show_default=False,
                                    help="New labelled data in the task's training layout."),
    holdout: Path = typer.Option(..., "--holdout", metavar="DATA", show_default=False,
                                 help="Held-out data both models are scored on (no file of either training set)."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP, show_default=False),
    metric: str = typer.Option("macro_f1", "--metric", help="The figure the gate compares (macro_f1, accuracy)."),
    margin: float = typer.Option(0.01, "--margin", help="Promote only when the candidate is better by this much."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, show_default=False,
                                      help="Epochs for the candidate [the production run's]."),
    registry: str | None = typer.Option(None, "--registry", metavar="URI", show_default=False, help=REGISTRY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.command import report, run_task
    from sportlens.lifecycle.options import RetrainOptions
    from sportlens.lifecycle.retrain import run_retrain

    options = RetrainOptions(holdout=str(holdout), metric=metric, margin=margin, registry=registry, epochs=epochs)
    summary = run_task("retrain", lambda progress: run_retrain(task, new_data, out, options, progress))
    m = summary.metrics
    line = (f"candidate {m['metric']} {m['candidate'][m['metric']]:.4f} vs production "
            f"{m['production'][m['metric']]:.4f} (margin {m['margin']:g}): {m['decision']}; "
            f"production is version {m['production_version_after']}")
    report(summary, as_json, [line], out)
