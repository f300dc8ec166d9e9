"""The job store on SQLite and on a real PostgreSQL server: the same tests, the same answers."""

from __future__ import annotations

import threading

import pytest

from sportlens.service.store import JobStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = JobStore(url)
    from sqlalchemy import text

    with store.engine.begin() as connection:  # the PostgreSQL database is shared by the session's tests
        connection.execute(text("DELETE FROM sportlens_jobs"))
    yield store
    store.close()


def test_jobs_are_claimed_oldest_first_and_finish_once(store):
    a = store.create("a.mp4", "video", "input.mp4")
    b = store.create("b.csv", "imu", "input.csv", tasks="reps")
    assert store.count_active() == 2
    first = store.claim_next()
    assert first.id == a.id and first.state == "running" and first.attempts == 1
    store.set_progress(a.id, 0.5, "pose: decode 5/10")
    assert store.get(a.id).progress == 0.5 and store.get(a.id).stage == "pose: decode 5/10"
    assert store.finish(a.id, "done") is True
    assert store.finish(a.id, "failed", "late") is False  # already finished: the first end stands
    done = store.get(a.id)
    assert done.state == "done" and done.progress == 1.0 and done.error is None and done.finished is not None
    second = store.claim_next()
    assert second.id == b.id and second.tasks == "reps"
    assert store.claim_next() is None
    assert store.finish(b.id, "failed", "bad input") is True
    assert store.get(b.id).error == "bad input" and store.count_active() == 0
    assert [j.id for j in store.list()] == [b.id, a.id]
    assert store.get("no-such-id") is None
    public = store.get(a.id).public()
    assert set(public) >= {"id", "state", "progress", "error"} and public["created"].endswith("+00:00")


def test_concurrent_claims_take_each_job_exactly_once(store):
    ids = {store.create(f"{k}.csv", "imu", "input.csv").id for k in range(12)}
    claimed: list[str] = []
    lock = threading.Lock()

    def worker():
        while (job := store.claim_next()) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)  # every job once, none twice


def test_a_restart_requeues_running_jobs_until_the_attempt_limit(store):
    job = store.create("a.mp4", "video", "input.mp4")
    store.claim_next()
    assert store.requeue_running(max_attempts=2) == ([job.id], [])
    requeued = store.get(job.id)
    assert requeued.state == "queued" and requeued.progress == 0.0 and requeued.attempts == 1
    store.claim_next()  # second attempt, then the service dies again
    assert store.requeue_running(max_attempts=2) == ([], [job.id])
    failed = store.get(job.id)
    assert failed.state == "failed" and "2 times" in failed.error


def test_finish_rejects_a_state_that_is_not_an_end(store):
    job = store.create("a.mp4", "video", "input.mp4")
    with pytest.raises(ValueError):
        store.finish(job.id, "queued")
