"""`sportlens models list|show|register|promote`: thin commands over the MLflow registry (lifecycle/registry.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import JSON_HELP

REGISTRY_HELP = "MLflow tracking URI of the registry [$SPORTLENS_REGISTRY or sqlite in ~/.sportlens/registry]."

app = typer.Typer(help="Trained models in an MLflow registry: list, show, register a run, promote a version.",
                  no_args_is_help=True)


def _registry(uri: str | None):
    from sportlens.lifecycle.registry import ModelRegistry

    return ModelRegistry(uri)


def _summary(command: str, registry, metrics: dict):
    from sportlens.summary import Summary

    summary = Summary(command, inputs=[], options={"registry": registry.uri})
    summary.metrics.update(metrics)
    return summary


def _lines(rows: list[dict]) -> list[str]:
    lines = []
    for row in rows:
        figures = ", ".join(f"{k} {v:.4g}" for k, v in sorted(row["metrics"].items())
                            if k.split(".")[-1] in ("accuracy", "macro_f1", "f1", "sibatracc"))
        mark = "  (production)" if row["production"] else ""
        lines.append(f"{row['name']} v{row['version']}{mark}  {figures}  {row['source']}")
    return lines


@app.command("list")
def list_models(
    task: str | None = typer.Option(None, "--task", metavar="TASK", show_default=False,
                                    help="Only this task's models (classify, ball, action, posecls, imu)."),
    registry: str | None = typer.Option(None, "--registry", metavar="URI", show_default=False, help=REGISTRY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Every registered version, the production one marked."""
    from sportlens.command import report

    reg = _registry(registry)
    rows = [v.row() for v in reg.list(task)]
    report(_summary("models list", reg, {"versions": rows}), as_json,
           _lines(rows) or [f"no models registered in {reg.uri}"])


@app.command("show")
def show(
    task: str = typer.Argument(..., metavar="TASK", show_default=False, help="classify, ball, action ..."),
    version: int | None = typer.Option(None, "--version", min=1, show_default=False,
                                       help="A version number [the production one]."),
    registry: str | None = typer.Option(None, "--registry", metavar="URI", show_default=False, help=REGISTRY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """One version with its model card."""
    import json

    from sportlens.command import report

    reg = _registry(registry)
    chosen = reg.show(task, version)
    card = reg.card(task, chosen.version)
    lines = _lines([chosen.row()]) + [json.dumps({k: card[k] for k in card if k != "versions"}, indent=2,
                                                 default=str)]
    report(_summary("models show", reg, {"version": chosen.row(), "card": card}), as_json, lines)


@app.command("register")
def register(
    run: Path = typer.Argument(..., metavar="RUN", show_default=False,
                               help="The -o folder of a train command (or its best.pt / model.joblib)."),
    promote: bool = typer.Option(False, "--promote", help="Make it the production version too."),
    registry: str | None = typer.Option(None, "--registry", metavar="URI", show_default=False, help=REGISTRY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Log a trained run (model file, card, summary) as a new version of sportlens-TASK."""
    from sportlens.command import report
    from sportlens.errors import InputFileError

    if not run.exists():
        raise InputFileError("run not found", run, "give the -o folder of a train command")
    reg = _registry(registry)
    version = reg.register(run)
    if promote:
        version = reg.promote(version.task, version.version)
    report(_summary("models register", reg, {"version": version.row()}), as_json, _lines([version.row()]))


@app.command("promote")
def promote(
    task: str = typer.Argument(..., metavar="TASK", show_default=False, help="classify, ball, action ..."),
    version: int = typer.Argument(..., metavar="VERSION", min=1, show_default=False, help="The version number."),
    registry: str | None = typer.Option(None, "--registry", metavar="URI", show_default=False, help=REGISTRY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Make VERSION the production model of TASK (what the service and analyze load)."""
    from sportlens.command import report

    reg = _registry(registry)
    chosen = reg.promote(task, version)
    report(_summary("models promote", reg, {"version": chosen.row()}), as_json, _lines([chosen.row()]))
