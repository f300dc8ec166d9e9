"""`sportlens serve`: the web service (FastAPI under uvicorn) until Ctrl-C.

Thin: flags become Settings, then uvicorn runs `create_app`. Only light imports here.
"""

from __future__ import annotations

from pathlib import Path

import typer

HELP = ("Run the web service: upload videos, photos or IMU CSVs, `analyze` runs them as jobs (state in a "
        "database), a page at / and a JSON API with OpenAPI docs at /docs.")


def command(
    root: Path = typer.Option(Path("sportlens-service"), "--root", metavar="DIR",
                              help="Folder for the jobs' files (and the default SQLite database)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    db: str | None = typer.Option(None, "--db", metavar="URL", show_default=False,
                                  help="SQLAlchemy database URL, e.g. postgresql+psycopg://user:pw@host/db "
                                       "[sqlite:///ROOT/jobs.sqlite]."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Jobs run at the same time (one process each)."),
    max_jobs: int = typer.Option(20, "--max-jobs", min=1, help="Queued + running jobs; more uploads get 429."),
    max_upload_mb: float = typer.Option(500.0, "--max-upload-mb", min=0.001, help="Largest upload accepted."),
    token: str | None = typer.Option(None, "--token", envvar="SPORTLENS_TOKEN", show_default=False,
                                     help="Require 'Authorization: Bearer TOKEN' on the API (also from "
                                          "$SPORTLENS_TOKEN)."),
    score_model: Path | None = typer.Option(None, "--score-model", metavar="RUN", show_default=False,
                                            help="A `sportlens classify train` run for POST /api/score [the "
                                                 "registry's production classify model]."),
    registry: str | None = typer.Option(None, "--registry", metavar="URI", show_default=False,
                                        help="MLflow model registry [$SPORTLENS_REGISTRY or ~/.sportlens/registry]."),
) -> None:
    import uvicorn

    from sportlens.errors import InputFileError, UserError
    from sportlens.service.app import Settings, create_app

    if score_model is not None and not score_model.exists():
        raise InputFileError("score model not found", score_model, "give a `sportlens classify train` run folder")
    if root.exists() and not root.is_dir():
        raise UserError("--root is a file, not a folder", root, "give a folder for the service's jobs")
    if db is not None and "://" not in db:
        raise UserError(f"--db {db!r} is not a database URL", hint="e.g. sqlite:///jobs.sqlite or "
                        "postgresql+psycopg://user:password@localhost/sportlens")
    settings = Settings(root=root, db_url=db, workers=workers, max_upload_mb=max_upload_mb,
                        max_active_jobs=max_jobs, token=token, score_model=score_model,
                        registry=registry)
    try:
        app = create_app(settings)
    except Exception as exc:  # the database cannot be reached or created
        if type(exc).__module__.startswith("sqlalchemy"):
            raise UserError(f"cannot open the job database: {exc.__class__.__name__}: "
                            f"{str(exc).splitlines()[0]}", hint="check --db") from None
        raise
    _check_port(host, port)
    typer.echo(f"sportlens service on http://{host}:{port}/ (jobs in {root}; Ctrl-C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_port(host: str, port: int) -> None:
    """One clear line when the address is taken or not ours, rather than uvicorn's log line and exit code 3."""
    import socket

    from sportlens.errors import UserError

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror})",
                        hint="another service uses this port? choose another --port (or --host)") from None
