"""`sportlens batch`: inputs collected from a folder or a list, one failure never stops the rest, a rerun skips
what is finished (and redoes a changed file), an interrupted batch resumes, and the same on a local Ray."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sportlens.batch.pipeline import collect_inputs
from sportlens.errors import InputFileError


def _imu(path, period_s: float = 2.5, seconds: float = 20.0):
    rate = 50.0
    t = np.arange(int(seconds * rate)) / rate
    s = 0.5 * (1 - np.cos(2 * np.pi * t / period_s))
    rng = np.random.default_rng(int(period_s * 10))
    table = {"t_s": t}
    for k, a in enumerate("xyz"):
        table[f"acc_{a}_ms2"] = [3 * s, 0.5 * s, 9.81 + s][k] + rng.normal(0, 0.1, t.size)
        table[f"gyr_{a}_rads"] = [np.gradient(s) * rate, 0.2 * s, 0 * s][k] + rng.normal(0, 0.02, t.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(table).to_csv(path, index=False)
    return path


def test_inputs_from_a_folder_and_from_a_list(tmp_path):
    root = tmp_path / "in"
    for name in ("a.csv", "sub/b.mp4", "sub/a.mp4", ".hidden/c.csv", "notes.md", "out/x.csv"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    items = collect_inputs(root, out_dir=root / "out")
    assert [(i.source.relative_to(root).as_posix(), i.name) for i in items] == [
        ("a.csv", "a_csv"), ("sub/a.mp4", "a_mp4"), ("sub/b.mp4", "b")]
    listing = tmp_path / "files.txt"
    listing.write_text(f"# my clips\n\nin/a.csv\n{root / 'sub' / 'b.mp4'}\n")
    assert [i.name for i in collect_inputs(listing)] == ["a", "b"]
    listing.write_text("in/a.csv\nin/missing.mp4\n")
    with pytest.raises(InputFileError, match="line 2 names a file that does not exist"):
        collect_inputs(listing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="no videos, images or CSV files found"):
        collect_inputs(tmp_path / "empty")


def test_a_batch_goes_on_past_a_bad_file_and_a_rerun_skips_what_is_done(tmp_path, run_cli):
    root = tmp_path / "in"
    _imu(root / "slow.csv", 2.5)
    _imu(root / "sub" / "fast.csv", 1.25)
    (root / "broken.csv").write_text("x,y\n")
    out = tmp_path / "out"
    result = run_cli("batch", root, "-o", out, "--workers", "2", "--tasks", "reps", "--json")
    assert result.code == 0, result.stderr
    metrics = result.json()["metrics"]
    assert (metrics["inputs"], metrics["done"], metrics["failed"], metrics["skipped_done_before"]) == (3, 2, 1, 0)
    table = pd.read_csv(out / "batch.csv", keep_default_na=False).set_index("folder")
    assert list(table.index) == ["broken", "slow", "fast"]  # in the order of the paths
    assert table.loc["broken", "status"] == "failed" and "broken.csv" in table.loc["broken", "reason"]
    assert table.loc["slow", "headline"] == "8 reps" and table.loc["fast", "headline"] == "16 reps"
    assert table.loc["slow", "tasks"] == "reps:done jumps:skipped strokes:skipped steps:skipped"
    assert (out / "slow" / "report.html").is_file() and not (out / "broken").exists()

    again = run_cli("batch", root, "-o", out, "--workers", "2", "--tasks", "reps", "--json")
    m = again.json()["metrics"]
    assert (m["skipped_done_before"], m["ran"], m["failed"]) == (2, 1, 1)  # only the failed one is tried again

    _imu(root / "slow.csv", 5.0)  # the file changed: analysed again
    changed = run_cli("batch", root, "-o", out, "--tasks", "reps", "--json").json()["metrics"]
    assert changed["skipped_done_before"] == 1 and changed["ran"] == 2
    assert pd.read_csv(out / "batch.csv").set_index("folder").loc["slow", "headline"] == "4 reps"

    redo = run_cli("batch", root, "-o", out, "--tasks", "reps", "--redo", "--json").json()["metrics"]
    assert redo["skipped_done_before"] == 0 and redo["ran"] == 3


def test_an_interrupted_batch_resumes_where_it_stopped(tmp_path):
    root = tmp_path / "in"
    for k in range(4):
        _imu(root / f"set{k}.csv", 2.0 + 0.25 * k)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sportlens", "batch", str(root), "-o", str(out), "--tasks", "reps"]
    env = dict(os.environ, SPORTLENS_NO_PROGRESS="1")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               start_new_session=True)  # its own group: Ctrl-C reaches it and its analyses
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "batch.csv").is_file():
        time.sleep(0.1)
    assert (out / "batch.csv").is_file(), process.communicate()
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err.decode()
    assert (out / ".sportlens-incomplete").exists() and not (out / "summary.json").exists()
    finished = set(pd.read_csv(out / "batch.csv").query("status == 'done'")["folder"])
    assert 1 <= len(finished) < 4
    resumed = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    import json

    metrics = json.loads(resumed.stdout)["metrics"]
    assert metrics["skipped_done_before"] == len(finished) and metrics["done"] == 4 - len(finished)
    assert set(pd.read_csv(out / "batch.csv")["status"]) == {"done"}


@pytest.mark.slow
def test_the_same_batch_on_a_local_ray_instance(tmp_path, run_cli):
    pytest.importorskip("ray")
    root = tmp_path / "in"
    _imu(root / "a.csv", 2.5)
    _imu(root / "b.csv", 1.25)
    (root / "c.csv").write_text("no,numbers\n")
    out = tmp_path / "out"
    result = run_cli("batch", root, "-o", out, "--ray", "local", "--workers", "2", "--tasks", "reps", "--json")
    assert result.code == 0, result.stderr
    metrics = result.json()["metrics"]
    assert metrics["engine"] == "ray" and (metrics["done"], metrics["failed"]) == (2, 1)
    table = pd.read_csv(out / "batch.csv", keep_default_na=False).set_index("folder")
    assert table.loc["a", "headline"] == "8 reps" and table.loc["b", "headline"] == "16 reps"
