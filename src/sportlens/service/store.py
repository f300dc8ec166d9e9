"""The job store: every job's state, progress and result in a database, through SQLAlchemy.

SQLite file by default, PostgreSQL (or any SQLAlchemy URL) otherwise. The database is the only place a job
lives: the service, its workers and a restarted service all read and write it, so a job survives a crash of
the service. Claiming a job is one conditional UPDATE (`queued` -> `running`), so two dispatchers never run
the same job.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text, create_engine, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ACTIVE = ("queued", "running")


class Base(DeclarativeBase):
    pass


class JobRow(Base):
    __tablename__ = "sportlens_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    filename: Mapped[str] = mapped_column(String(255))  # the name the user uploaded (display only)
    kind: Mapped[str] = mapped_column(String(16))  # video | image | imu
    stored: Mapped[str] = mapped_column(String(255))  # server-side file name inside the job folder
    tasks: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Job:
    """A job as the API shows it."""

    id: str
    state: str
    progress: float
    stage: str
    error: str | None
    filename: str
    kind: str
    stored: str
    tasks: str | None
    attempts: int
    created: datetime
    started: datetime | None
    finished: datetime | None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id, "state": self.state, "progress": round(self.progress, 4), "stage": self.stage,
            "error": self.error, "filename": self.filename, "kind": self.kind, "tasks": self.tasks,
            "created": _iso(self.created), "started": _iso(self.started), "finished": _iso(self.finished),
        }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were written in UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


def _job(row: JobRow) -> Job:
    return Job(row.id, row.state, row.progress, row.stage, row.error, row.filename, row.kind, row.stored, row.tasks,
               row.attempts, row.created, row.started, row.finished)


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL; SQLite gets WAL and a busy timeout so workers and the API can share it."""
    if url.startswith("sqlite"):
        from sqlalchemy import event

        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class JobStore:
    """Create, claim, update and read jobs. Safe to use from several threads and processes."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def create(self, filename: str, kind: str, stored: str, tasks: str | None = None,
               job_id: str | None = None) -> Job:
        row = JobRow(id=job_id or secrets.token_hex(16), state="queued", progress=0.0, stage="queued", error=None,
                     filename=filename[:255], kind=kind, stored=stored, tasks=tasks, attempts=0, created=_now())
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _job(row)

    def get(self, job_id: str) -> Job | None:
        with Session(self.engine) as session:
            row = session.get(JobRow, job_id)
            return None if row is None else _job(row)

    def list(self, limit: int = 100) -> list[Job]:
        with Session(self.engine) as session:
            rows = session.scalars(select(JobRow).order_by(JobRow.created.desc()).limit(limit))
            return [_job(r) for r in rows]

    def count_active(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(JobRow).where(JobRow.state.in_(ACTIVE))) or 0

    def claim_next(self) -> Job | None:
        """Take the oldest queued job and mark it running; None when there is none. Atomic across processes."""
        with Session(self.engine) as session:
            candidates = session.scalars(select(JobRow.id).where(JobRow.state == "queued")
                                         .order_by(JobRow.created).limit(5)).all()
        for job_id in candidates:
            with Session(self.engine) as session, session.begin():
                claimed = session.execute(
                    update(JobRow).where(JobRow.id == job_id, JobRow.state == "queued")
                    .values(state="running", started=_now(), stage="starting", progress=0.0,
                            attempts=JobRow.attempts + 1)).rowcount
            if claimed:
                return self.get(job_id)
        return None

    def set_progress(self, job_id: str, progress: float, stage: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "running")
                            .values(progress=max(0.0, min(progress, 1.0)), stage=stage[:200]))

    def finish(self, job_id: str, state: str, error: str | None = None) -> bool:
        """Mark a running job done or failed; False when it was not running (already finished elsewhere)."""
        if state not in ("done", "failed"):
            raise ValueError(f"a job finishes as done or failed, not {state!r}")
        values: dict[str, Any] = {"state": state, "finished": _now(), "error": error, "stage": state}
        if state == "done":
            values["progress"] = 1.0
        with Session(self.engine) as session, session.begin():
            return session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "running")
                                   .values(**values)).rowcount == 1

    def requeue_running(self, max_attempts: int) -> tuple[list[str], list[str]]:
        """After a restart: jobs left running by a dead service go back to the queue, or fail once they have
        been tried max_attempts times (a job that kills its service must not kill it forever).
        Returns (requeued ids, failed ids)."""
        requeued, failed = [], []
        with Session(self.engine) as session, session.begin():
            for row in session.scalars(select(JobRow).where(JobRow.state == "running")):
                if row.attempts >= max_attempts:
                    row.state, row.finished, row.stage = "failed", _now(), "failed"
                    row.error = (f"the service stopped while this job ran, {row.attempts} times; "
                                 "it is not tried again: upload the file again to retry")
                    failed.append(row.id)
                else:
                    row.state, row.stage, row.progress, row.started = "queued", "queued (service restarted)", 0.0, None
                    requeued.append(row.id)
        return requeued, failed
