"""The service against a running app (`sportlens serve` under uvicorn on a loopback port): upload, poll,
download, refusals, the token, the bound on jobs, a restart after SIGKILL, a dying job, image scoring."""

from __future__ import annotations

import base64
import subprocess
import time

import httpx
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _imu_csv(path):
    """30 s of a wrist doing 12 slow repetitions (acc m/s^2, gyro rad/s, 50 Hz)."""
    rate = 50.0
    t = np.arange(int(30 * rate)) / rate
    s = 0.5 * (1 - np.cos(2 * np.pi * t / 2.5))
    rng = np.random.default_rng(0)
    table = {"t_s": t}
    for k, a in enumerate("xyz"):
        table[f"acc_{a}_ms2"] = [3 * s, 0.5 * s, 9.81 + s][k] + rng.normal(0, 0.1, t.size)
        table[f"gyr_{a}_rads"] = [np.gradient(s) * rate, 0.2 * s, 0 * s][k]
    pd.DataFrame(table).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def imu_file(tmp_path_factory):
    return _imu_csv(tmp_path_factory.mktemp("imu") / "wrist.csv")


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory):
    from sportlens.samples import rotating_clip

    return rotating_clip(tmp_path_factory.mktemp("clip") / "sway.mp4", seconds=2.0, size=192).path


def _upload(client, path, name=None, tasks=None, **kw):
    files = {"file": (name or path.name, path.read_bytes())}
    return client.post("/api/jobs", files=files, data={"tasks": tasks} if tasks else None, **kw)


def test_upload_poll_and_download_an_imu_recording(start_service, imu_file, wait_job):
    service = start_service()
    with httpx.Client(base_url=service.url, timeout=30) as client:
        created = _upload(client, imu_file, name="../../etc/wrist.csv")
        assert created.status_code == 201, created.text
        job_id = created.json()["id"]
        assert len(job_id) == 32
        seen = client.get(f"/api/jobs/{job_id}").json()
        assert seen["state"] in ("queued", "running", "done") and 0.0 <= seen["progress"] <= 1.0
        job = wait_job(client, job_id)
        assert job["state"] == "done", job
        assert job["progress"] == 1.0 and job["error"] is None and job["kind"] == "imu"
        assert job["filename"] == "wrist.csv"  # the client's path is dropped; only the last part is shown
        names = {f["name"] for f in client.get(f"/api/jobs/{job_id}/files").json()}
        assert {"report.html", "summary.json", "reps/summary.json"} <= names
        summary = client.get(f"/api/jobs/{job_id}/files/summary.json").json()
        assert summary["command"] == "analyze" and summary["metrics"]["input_kind"] == "imu"
        reps = summary["metrics"]["results"]["reps"]["reps"]
        assert reps["count"] == 12 and reps["period_s"] == 2.5  # the recording's 12 repetitions, counted by the job
        page = client.get(f"/api/jobs/{job_id}/files/report.html")
        assert page.status_code == 200 and 'id="report-data"' in page.text
        assert job_id in {j["id"] for j in client.get("/api/jobs").json()}
    stored = sorted(p.name for p in (service.root / "jobs" / job_id).iterdir())
    assert stored == ["input.csv", "out", "worker.log"]  # our name for the upload, not the client's


def test_a_video_job_runs_analyze_with_the_tasks_asked(start_service, clip_file, wait_job):
    service = start_service()
    with httpx.Client(base_url=service.url, timeout=30) as client:
        job_id = _upload(client, clip_file, tasks="pose").json()["id"]
        job = wait_job(client, job_id, timeout_s=240)
        assert job["state"] == "done", (job, service.output())
        summary = client.get(f"/api/jobs/{job_id}/files/summary.json").json()
        ran = {row["task"]: row["status"] for row in summary["metrics"]["tasks"]}
        assert ran == {"pose": "done", "reps": "skipped", "ball": "skipped", "action": "skipped"}
        angles = client.get(f"/api/jobs/{job_id}/files/pose/angles.csv")
        assert angles.status_code == 200 and angles.text.startswith("frame,")
        video = client.get(f"/api/jobs/{job_id}/files/pose/annotated.mp4", headers={"Range": "bytes=0-99"})
        assert video.status_code == 206 and len(video.content) == 100  # the report's video can seek


def test_bad_uploads_are_refused_with_a_message(start_service, imu_file, tmp_path, wait_job):
    service = start_service("--max-upload-mb", "0.5")
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)))
    big = tmp_path / "big.csv"
    big.write_text("a,b,c\n" + "1,2,3\n" * 100000)
    broken = tmp_path / "broken.mp4"  # the magic bytes of an MP4, then nothing a decoder can read
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 2000)
    with httpx.Client(base_url=service.url, timeout=30) as client:
        refused = _upload(client, noise)
        assert refused.status_code == 415 and "not a format sportlens analyses" in refused.json()["detail"]
        too_big = _upload(client, big)
        assert too_big.status_code == 413 and "0.5 MB" in too_big.json()["detail"]
        unknown = _upload(client, imu_file, tasks="pose,juggling")
        assert unknown.status_code == 400 and "juggling" in unknown.json()["detail"]
        missing = client.post("/api/jobs", data={"tasks": "pose"})
        assert missing.status_code == 422
        assert client.get("/api/jobs/0123").status_code == 404
        # a file that passes the sniffing but does not decode: the job fails with the reason, nothing else does
        job_id = _upload(client, broken).json()["id"]
        failed = wait_job(client, job_id)
        assert failed["state"] == "failed" and "broken" not in failed["error"] and failed["error"]
        assert "input.mp4" in failed["error"]  # the reader's one-line error names the stored file
        fine = wait_job(client, _upload(client, imu_file).json()["id"])
        assert fine["state"] == "done"
    assert sorted(p.name for p in (service.root / "jobs").iterdir()) == sorted([job_id, fine["id"]])


def test_path_traversal_in_file_names_finds_nothing(start_service, imu_file, wait_job):
    service = start_service()
    with httpx.Client(base_url=service.url, timeout=30) as client:
        job_id = _upload(client, imu_file).json()["id"]
        wait_job(client, job_id)
        for name in ("..%2F..%2Fjobs.sqlite", "..%2Finput.csv", "%2Fetc%2Fpasswd", "reps%2F..%2F..%2Finput.csv"):
            response = client.get(f"/api/jobs/{job_id}/files/{name}")
            assert response.status_code == 404, (name, response.status_code)
        assert client.get(f"/api/jobs/{job_id}/files/reps/summary.json").status_code == 200


def test_a_token_guards_the_api(start_service, imu_file, wait_job):
    service = start_service("--token", "s3cret")
    with httpx.Client(base_url=service.url, timeout=30) as client:
        assert client.get("/api/jobs").status_code == 401
        wrong = client.get("/api/jobs", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "token" in wrong.json()["detail"]
        assert _upload(client, imu_file).status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        job_id = _upload(client, imu_file, headers=auth).json()["id"]
        assert wait_job(httpx.Client(base_url=service.url, headers=auth), job_id)["state"] == "done"
        # the page's report frame sends the token as a cookie
        cookie = client.get(f"/api/jobs/{job_id}/files/report.html", cookies={"sportlens_token": "s3cret"})
        assert cookie.status_code == 200
        assert client.get("/api/health").status_code == 200  # health and the page stay open
        assert "const TOKEN_REQUIRED = true" in client.get("/").text


def test_uploads_beyond_the_bound_get_429(start_service, clip_file):
    service = start_service("--max-jobs", "1")
    with httpx.Client(base_url=service.url, timeout=30) as client:
        assert _upload(client, clip_file, tasks="pose").status_code == 201
        busy = _upload(client, clip_file, tasks="pose")
        assert busy.status_code == 429 and "1 jobs are queued or running" in busy.json()["detail"]


def test_jobs_survive_a_sigkill_of_the_service(start_service, clip_file, imu_file, wait_job):
    service = start_service("--workers", "1")
    with httpx.Client(base_url=service.url, timeout=30) as client:
        first = _upload(client, clip_file, tasks="pose").json()["id"]
        second = _upload(client, imu_file).json()["id"]
        deadline = time.monotonic() + 60
        while client.get(f"/api/jobs/{first}").json()["state"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get(f"/api/jobs/{first}").json()["state"] == "running"
        assert client.get(f"/api/jobs/{second}").json()["state"] == "queued"
    service.kill()
    time.sleep(1.0)  # the killed service's job process got SIGTERM with it
    leftovers = subprocess.run(["pgrep", "-f", f"sportlens.service.worker .*{first}"], capture_output=True)
    assert leftovers.stdout == b""
    restarted = start_service("--workers", "1", root=service.root)
    with httpx.Client(base_url=restarted.url, timeout=30) as client:
        for job_id in (first, second):
            job = wait_job(client, job_id, timeout_s=240)
            assert job["state"] == "done", (job, restarted.output())
        summary = client.get(f"/api/jobs/{first}/files/summary.json").json()
        assert summary["status"] == "complete"
        assert not (restarted.root / "jobs" / first / "out" / ".sportlens-incomplete").exists()


def test_a_job_whose_process_dies_fails_alone(start_service, clip_file, imu_file, wait_job):
    service = start_service("--workers", "1")
    with httpx.Client(base_url=service.url, timeout=30) as client:
        doomed = _upload(client, clip_file, tasks="pose").json()["id"]
        deadline = time.monotonic() + 60
        pid = b""
        while not pid and time.monotonic() < deadline:
            pid = subprocess.run(["pgrep", "-f", f"sportlens.service.worker .*{doomed}"],
                                 capture_output=True).stdout.strip()
            time.sleep(0.1)
        assert pid, service.output()
        subprocess.run(["kill", "-KILL", pid.split()[0].decode()], check=True)
        job = wait_job(client, doomed)
        assert job["state"] == "failed" and "signal 9" in job["error"]
        after = wait_job(client, _upload(client, imu_file).json()["id"])
        assert after["state"] == "done"  # the service and the next job carry on


def test_score_images_with_the_books_contract(start_service, two_class_images, tmp_path, run_cli, one_torch_thread):
    images = two_class_images(tmp_path / "images")
    run = tmp_path / "run"
    trained = run_cli("classify", "train", images, "-o", run, "--model", "notebook-cnn", "--image-size", "32",
                      "--epochs", "10", "--amp", "off", "--device", "cpu", "--json")
    assert trained.code == 0, trained.stderr
    no_model = start_service(root=tmp_path / "plain")
    with httpx.Client(base_url=no_model.url, timeout=30) as client:
        response = client.post("/api/score", json={"data": ""})
        assert response.status_code == 503 and "--score-model" in response.json()["detail"]
    service = start_service("--score-model", run, root=tmp_path / "scoring")
    disc = (images / "disc" / "disc_00.png").read_bytes()
    with httpx.Client(base_url=service.url, timeout=60) as client:
        scored = client.post("/api/score", json={"data": base64.b64encode(disc).decode()})
        assert scored.status_code == 200, scored.text
        body = scored.json()
        assert set(body) == {"label", "probability"}
        assert body["label"] == "disc" and 0.5 < body["probability"] <= 1.0
        assert client.post("/api/score", json={"data": "not base64!"}).status_code == 400
        text = base64.b64encode(b"hello, not an image").decode()
        assert client.post("/api/score", json={"data": text}).status_code == 400
        models = client.get("/api/models").json()
        by_task = {m["task"]: m for m in models}
        assert by_task["classify"]["card"]["classes"] == ["disc", "square"]
        assert by_task["ball"]["name"] == "tracknet-small" and "metrics" in by_task["ball"]["card"]
        page = client.get("/docs")
        assert page.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower()  # works offline
        assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
        spec = client.get("/openapi.json").json()
        assert {"/api/jobs", "/api/jobs/{job_id}", "/api/score", "/api/models"} <= set(spec["paths"])


def test_serve_refuses_a_taken_port_and_a_bad_root_or_database_in_one_line(run_cli, tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run_cli("serve", "--root", tmp_path / "jobs", "--port", port).assert_user_error(
            f"cannot listen on 127.0.0.1:{port}", "choose another --port")
    (tmp_path / "file").write_text("x")
    run_cli("serve", "--root", tmp_path / "file").assert_user_error("--root is a file")
    run_cli("serve", "--root", tmp_path / "jobs", "--db", "jobs.sqlite").assert_user_error("not a database URL")
    run_cli("serve", "--root", tmp_path / "jobs", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"
            ).assert_user_error("cannot open the job database")
