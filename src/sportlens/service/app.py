"""The web service: upload a file, `analyze` runs as a job, poll it, fetch its files; plus image scoring.

`create_app(settings)` builds the FastAPI app; `sportlens serve` runs it with uvicorn. Job state lives in the
database (see store.py) and the job's files under ROOT/jobs/<id>/: the upload as `input.<kind's suffix>` (a
name of ours: the client's name is only shown), the analysis in `out/`, the worker's log.
"""

from __future__ import annotations

import base64
import binascii
import io
import secrets
import shutil
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel

from sportlens import __version__
from sportlens.service.runner import JobRunner
from sportlens.service.sniff import SUPPORTED, UnsupportedUpload, sniff
from sportlens.service.store import JobStore

CHUNK = 1 << 20
TOKEN_COOKIE = "sportlens_token"


@dataclass
class Settings:
    root: Path  # jobs/ and the default SQLite database live here
    db_url: str | None = None  # default: sqlite:///ROOT/jobs.sqlite
    workers: int = 1
    max_upload_mb: float = 500.0
    max_active_jobs: int = 20  # queued + running; beyond it uploads get 429
    token: str | None = None
    score_model: Path | None = None  # a `classify train` run for POST /api/score [the registry's production one]
    registry: str | None = None  # MLflow registry URI [$SPORTLENS_REGISTRY or ~/.sportlens/registry]
    poll_s: float = 0.5
    max_attempts: int = 3

    @property
    def url(self) -> str:
        return self.db_url or f"sqlite:///{(Path(self.root) / 'jobs.sqlite').resolve()}"


class ScoreRequest(BaseModel):
    data: str  # base64 of an image file (JPEG, PNG ...)


class ScoreResponse(BaseModel):
    label: str
    probability: float


class JobCreated(BaseModel):
    id: str


def _error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def create_app(settings: Settings) -> FastAPI:
    root = Path(settings.root)
    jobs_dir = root / "jobs"
    jobs_dir.mkdir(parents=True, exist_ok=True)
    store = JobStore(settings.url)
    runner = JobRunner(store, jobs_dir, settings.workers, settings.poll_s, settings.max_attempts,
                       env={"SPORTLENS_REGISTRY": settings.registry} if settings.registry else None)
    scorer: dict[str, Any] = {}
    score_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner.start()
        yield
        runner.stop()
        store.close()

    app = FastAPI(title="sportlens", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Upload a video, photo or IMU CSV; sportlens analyze runs it as a job.")
    _offline_docs(app)
    app.state.store, app.state.runner, app.state.settings = store, runner, settings

    def authorise(request: Request) -> None:
        if not settings.token:
            return
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else request.cookies.get(TOKEN_COOKIE, "")
        if not secrets.compare_digest(given.encode(), settings.token.encode()):
            raise _error(401, "missing or wrong token: send 'Authorization: Bearer <token>'")

    auth = [Depends(authorise)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        from sportlens.service.page import PAGE

        return HTMLResponse(PAGE.replace("__TOKEN_REQUIRED__", "true" if settings.token else "false"))

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    @app.post("/api/jobs", status_code=201, response_model=JobCreated, dependencies=auth)
    async def create_job(request: Request, file: UploadFile = File(...), tasks: str | None = Form(None)) -> dict:
        limit = int(settings.max_upload_mb * CHUNK)
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit + 64 * 1024:
            raise _error(413, f"the upload is larger than the limit of {settings.max_upload_mb:g} MB")
        tasks = _check_tasks(tasks)
        if store.count_active() >= settings.max_active_jobs:
            raise _error(429, f"{settings.max_active_jobs} jobs are queued or running; try again when some finish")
        job_id = secrets.token_hex(16)
        job_dir = jobs_dir / job_id
        job_dir.mkdir()
        try:
            sniffed, stored = await _save_upload(file, job_dir, limit, settings.max_upload_mb)
            job = store.create(_display_name(file.filename), sniffed.kind, stored, tasks, job_id=job_id)
        except BaseException:
            shutil.rmtree(job_dir, ignore_errors=True)
            raise
        runner.notify()
        return {"id": job.id}

    @app.get("/api/jobs", dependencies=auth)
    def list_jobs(limit: int = 100) -> list[dict]:
        return [job.public() for job in store.list(max(1, min(limit, 1000)))]

    @app.get("/api/jobs/{job_id}", dependencies=auth)
    def get_job(job_id: str) -> dict:
        return _job_or_404(store, job_id).public()

    @app.get("/api/jobs/{job_id}/files", dependencies=auth)
    def list_files(job_id: str) -> list[dict]:
        _job_or_404(store, job_id)
        return _files(jobs_dir / job_id)

    @app.get("/api/jobs/{job_id}/files/{name:path}", dependencies=auth)
    def get_file(job_id: str, name: str) -> FileResponse:
        _job_or_404(store, job_id)
        return FileResponse(_safe_file(jobs_dir / job_id, name))

    @app.get("/api/models", dependencies=auth)
    def models() -> list[dict]:
        from sportlens.service.models import list_models

        return list_models(settings.score_model, settings.registry)

    @app.post("/api/score", response_model=ScoreResponse, dependencies=auth)
    def score(body: ScoreRequest) -> dict:
        try:
            raw = base64.b64decode(body.data, validate=True)
        except (binascii.Error, ValueError):
            raise _error(400, "'data' is not base64: send the image file's bytes base64-encoded") from None
        with score_lock:
            if "model" not in scorer:
                from sportlens.classify.inference import load_classifier
                from sportlens.lifecycle.registry import production_run

                run = settings.score_model or production_run("classify", settings.registry)
                if run is None:
                    raise _error(503, "no image model: promote one in the registry (sportlens models register RUN "
                                      "--promote) or start the service with --score-model RUN")
                scorer["model"] = load_classifier(run)
        return _score(scorer["model"], raw)

    return app


def _offline_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs with Swagger UI served from the installed swagger-ui-bundle package: FastAPI's
    default page loads it from a CDN, which an offline machine cannot reach."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="sportlens API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css", swagger_favicon_url="data:,")


def _check_tasks(tasks: str | None) -> str | None:
    if tasks is None or not tasks.strip():
        return None
    from sportlens.errors import UserError
    from sportlens.report.options import analyze_options

    names = [t.strip() for t in tasks.split(",") if t.strip()]
    try:
        analyze_options({"tasks": names})
    except UserError as exc:
        raise _error(400, exc.message) from None
    return ",".join(names)


async def _save_upload(file: UploadFile, job_dir: Path, limit: int, limit_mb: float):
    """Stream the upload to a temporary name, counting bytes; sniff its head; rename to input<suffix>."""
    part = job_dir / "upload.part"
    size, head = 0, b""
    with open(part, "wb") as out:
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _error(413, f"the upload is larger than the limit of {limit_mb:g} MB")
            if len(head) < 8192:
                head += chunk[: 8192 - len(head)]
            out.write(chunk)
    try:
        sniffed = sniff(head)
    except UnsupportedUpload as exc:
        raise _error(415, f"{exc}: upload {SUPPORTED}") from None
    stored = "input" + sniffed.suffix
    part.rename(job_dir / stored)
    return sniffed, stored


def _display_name(name: str | None) -> str:
    """The client's file name for display only: its last path part, printable characters."""
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable() and ch not in "<>\"'")
    return clean[:200] or "upload"


def _job_or_404(store: JobStore, job_id: str):
    job = store.get(job_id) if len(job_id) <= 64 else None
    if job is None:
        raise _error(404, f"no job {job_id[:64]!r}")
    return job


def _files(job_dir: Path) -> list[dict]:
    out = job_dir / "out"
    rows = []
    if out.is_dir():
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            rel = path.relative_to(out).as_posix()
            rows.append({"name": rel, "bytes": path.stat().st_size})
    log = job_dir / "worker.log"
    if log.is_file():
        rows.append({"name": "worker.log", "bytes": log.stat().st_size})
    return rows


def _safe_file(job_dir: Path, name: str) -> Path:
    """A file of the job's out/ folder (or its worker.log); anything resolving elsewhere is a 404."""
    if name == "worker.log":
        path = job_dir / "worker.log"
    else:
        base = (job_dir / "out").resolve()
        path = (base / name).resolve()
        if not path.is_relative_to(base):
            raise _error(404, "no such file in this job")
    if not path.is_file():
        raise _error(404, "no such file in this job")
    return path


def _score(loaded, raw: bytes) -> dict:
    import torch
    from PIL import Image, UnidentifiedImageError

    from sportlens.classify.inference import image_pixels, predict_logits

    try:
        with Image.open(io.BytesIO(raw)) as image:
            pixels = image_pixels(image, loaded.cache_size)
    except (UnidentifiedImageError, OSError):
        raise _error(400, "'data' does not decode as an image (JPEG, PNG ...)") from None
    x = torch.from_numpy(pixels).permute(2, 0, 1)[None]
    probs = torch.softmax(predict_logits(loaded.module, x, loaded.image_size), dim=1)[0]
    best = int(probs.argmax())
    return {"label": loaded.classes[best], "probability": round(float(probs[best]), 6)}
