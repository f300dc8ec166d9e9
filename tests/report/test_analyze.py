"""`analyze` end to end on generated inputs: one decode pass, the task folders, report.html's numbers, and
every task that cannot run listed with its reason."""

from __future__ import annotations

import json
import threading

import numpy as np
import pandas as pd
import pytest

from sportlens.errors import UserError
from sportlens.options import OptionError
from sportlens.report.html import read_report_data
from sportlens.report.options import AnalyzeOptions, analyze_options, load_config
from sportlens.report.pipeline import run_analyze
from sportlens.summary import read_summary

G = 9.80665


def _tasks(summary) -> dict:
    return {row["task"]: row for row in summary.metrics["tasks"]}


def test_a_video_runs_pose_and_reps_in_one_pass_and_lists_what_did_not_run(analyzed):
    out, summary = analyzed
    tasks = _tasks(summary)
    assert tasks["pose"]["status"] == "done" and tasks["reps"]["status"] == "done"
    # --sport auto runs the ball tracker; on this ball-free clip it finds nothing it would call a ball
    assert tasks["ball"]["status"] == "no result" and tasks["ball"]["reason"] == "no ball found"
    assert tasks["action"] == {**tasks["action"], "status": "skipped", "reason": "no --action-model given"}
    decode = summary.metrics["decode"]
    assert decode["passes"] == 1 and decode["consumers"] == ["pose", "ball"] and decode["frames"] == 120
    # every annotated video from one more decode, listed in its task's summary.json
    assert decode["render_passes"] == 1 and "annotated.mp4" in read_summary(out / "pose").outputs
    # the task folders hold what the task commands write, each with its own summary.json
    pose_files = {p.name for p in (out / "pose").iterdir()}
    assert {"keypoints.csv", "angles.csv", "annotated.mp4", "summary.json"} <= pose_files
    assert read_summary(out / "pose").command == "pose" and read_summary(out / "reps").command == "reps"
    assert (out / "reps" / "reps.csv").is_file() and (out / "reps" / "reps.png").is_file()
    assert read_summary(out / "ball").metrics["frames_with_ball"] == 0 and not (out / "action").exists()
    assert read_summary(out).to_dict() == json.loads((out / "summary.json").read_text())
    assert sorted(read_summary(out).outputs) == ["ball/", "pose/", "report.html", "reps/"]


def test_reps_in_analyze_are_the_reps_command_s(analyzed, sway_clip, tmp_path):
    from sportlens.movement.options import RepsOptions
    from sportlens.movement.pipeline import run_reps

    _, summary = analyzed
    ours = summary.metrics["results"]["reps"]
    own = run_reps(sway_clip.path, tmp_path / "reps", RepsOptions(annotated_video=False, plot=False)).metrics
    assert ours["count"] == own["count"] >= 1
    for key in ("reps", "driving_signal", "period_s", "method", "range_angle"):
        assert ours[key] == own[key], key


def test_the_reports_numbers_are_the_task_outputs(analyzed):
    out, summary = analyzed
    data = read_report_data(out / "report.html")
    reps = json.loads((out / "reps" / "summary.json").read_text())["metrics"]["reps"]
    table = next(t for t in data["tables"] if t["title"] == "Per repetition")
    assert [{k: v for k, v in row.items() if k != "rep"} for row in table["rows"]] == reps
    csv = pd.read_csv(out / "reps" / "reps.csv")
    assert [row["start_frame"] for row in table["rows"]] == csv["start_frame"].tolist()
    angles = pd.read_csv(out / "pose" / "angles.csv")
    plot = next(p for p in data["plots"] if p["id"] == "angles")
    tilt = next(line for line in plot["lines"] if line["name"] == "shoulder_tilt")
    np.testing.assert_allclose(np.array(tilt["values"], float), angles["shoulder_tilt"].to_numpy(), atol=1e-3)
    assert plot["t"] == pytest.approx(angles["time_s"].tolist(), abs=1e-3)
    bands = next(p for p in data["plots"] if p["id"] == "reps")["bands"]
    assert [(b["t0"], b["t1"]) for b in bands] == [(r["start_s"], r["end_s"]) for r in reps]
    assert data["video"] == "pose/annotated.mp4"
    assert {t["task"]: t["status"] for t in data["tasks"]} == {t: r["status"] for t, r in _tasks(summary).items()}
    assert data["options"] == summary.options and data["options"]["pose"]["cutoff_hz"] == 6.0
    linked = {o["path"] for o in data["outputs"]}
    assert {"pose/angles.csv", "reps/reps.csv", "summary.json", "pose/openpose/"} <= linked
    html = (out / "report.html").read_text()
    assert "http://" not in html and "https://" not in html  # offline: nothing fetched from anywhere


def test_frames_fan_out_to_every_consumer_and_a_failing_one_stops_alone(sway_clip):
    from sportlens.events import Progress
    from sportlens.report.fanout import Consumer, fan_out
    from sportlens.video.decode import decode_frames

    seen, peak = [], [0]
    lock = threading.Lock()

    def count(frames):
        n = 0
        for frame in frames:
            n += 1
            with lock:
                seen.append(frame.index)
        return n

    def fail(frames):
        for k, _ in enumerate(frames):
            if k == 5:
                raise RuntimeError("broken consumer")

    def slow(frames):
        n = 0
        for frame in frames:
            peak[0] = max(peak[0], frame.index - n)
            n += 1
        return n

    consumers = [Consumer("a", count), Consumer("b", fail), Consumer("c", slow)]
    fan_out(decode_frames(sway_clip.path), consumers, Progress("test"), depth=4)
    assert consumers[0].result == 120 and consumers[2].result == 120 and sorted(seen) == list(range(120))
    assert isinstance(consumers[1].error, RuntimeError) and consumers[1].result is None


def test_pose_on_shared_frames_equals_pose_decoding_itself(sway_clip):
    from sportlens.pose.options import PoseOptions
    from sportlens.pose.pipeline import estimate_frames, estimate_sequence
    from sportlens.video.decode import decode_frames, probe_video

    info = probe_video(sway_clip.path)
    options = PoseOptions(workers=1, end_s=1.0)
    own = estimate_sequence(info, options, stop=30).sequence
    shared = estimate_frames(decode_frames(info.path, info=info, stop=30), info, options, total=30).sequence
    assert len(own) == len(shared) == 30
    np.testing.assert_allclose(shared.xy_px, own.xy_px, atol=2.0)  # same frames (256 px: no shrinking)


def _imu_csv(path, gyro: bool = True):
    """8 slow repetitions on a wrist sensor between two still parts (acc m/s^2, gyro rad/s, 50 Hz)."""
    rate = 50.0
    rng = np.random.default_rng(0)
    tt = np.arange(int(8 * 2.5 * rate)) / rate
    s = np.concatenate([np.zeros(100), 0.5 * (1 - np.cos(2 * np.pi * tt / 2.5)), np.zeros(100)])
    table = {"t_s": np.arange(s.size) / rate}
    acc = np.column_stack([3 * s, 0.5 * s, G + s]) + rng.normal(0, 0.1, (s.size, 3))
    for k, a in enumerate("xyz"):
        table[f"acc_{a}_ms2"] = acc[:, k]
    if gyro:
        gyr = np.column_stack([np.gradient(s) * rate, 0.2 * s, 0 * s]) + rng.normal(0, 0.02, (s.size, 3))
        for k, a in enumerate("xyz"):
            table[f"gyr_{a}_rads"] = gyr[:, k]
    pd.DataFrame(table).to_csv(path, index=False)
    return path


def test_an_imu_csv_runs_the_imu_commands(tmp_path):
    summary = run_analyze(_imu_csv(tmp_path / "wrist.csv"), tmp_path / "out")
    tasks = _tasks(summary)
    assert summary.metrics["input_kind"] == "imu"
    assert all(tasks[t]["status"] == "done" for t in ("reps", "jumps", "strokes", "steps"))
    assert summary.metrics["results"]["reps"]["reps"]["count"] == 8
    assert read_summary(tmp_path / "out" / "reps").command == "imu reps"
    data = read_report_data(tmp_path / "out" / "report.html")
    assert "reps/reps.png" in data["images"] and data["video"] is None
    # the recording itself as interactive curves, the repetitions as numbered spans on the acceleration
    plots = {p["id"]: p for p in data["plots"]}
    assert list(plots) == ["imu-acc", "imu-gyro"]
    acc = plots["imu-acc"]
    assert len(acc["t"]) == 1200 and acc["t"][-1] == pytest.approx(23.98)
    assert [line["name"] for line in acc["lines"]] == ["|acc|", "acc x", "acc y", "acc z"]
    assert [line["visible"] for line in acc["lines"]] == [True, False, False, False]
    assert acc["lines"][3]["values"][0] == pytest.approx(G, abs=0.5)  # still, z up: gravity
    reps = summary.metrics["results"]["reps"]["reps"]
    assert [b["label"] for b in acc["bands"]] == [str(k) for k in range(1, 9)]
    assert acc["bands"][0]["t0"] == pytest.approx(reps["times_s"][0] - reps["period_s"] / 2, abs=1e-3)
    strokes = summary.metrics["results"]["strokes"]["strokes"]
    assert len(plots["imu-gyro"]["bands"]) == len(strokes)


def test_an_imu_csv_without_gyroscope_skips_strokes(tmp_path):
    summary = run_analyze(_imu_csv(tmp_path / "acc.csv", gyro=False), tmp_path / "out", AnalyzeOptions(
        tasks=("reps", "strokes")))
    tasks = _tasks(summary)
    assert tasks["reps"]["status"] == "done" and tasks["jumps"]["reason"] == "not in --tasks"
    assert tasks["strokes"]["status"] == "skipped" and "no gyroscope" in tasks["strokes"]["reason"]
    assert not any(w.startswith("strokes: failed") for w in summary.warnings)


def test_photos_run_pose_only(tmp_path):
    import shutil

    from sportlens.samples import ASTRONAUT

    (tmp_path / "photos").mkdir()
    shutil.copy(ASTRONAUT, tmp_path / "photos" / "astronaut.jpg")
    summary = run_analyze(tmp_path / "photos", tmp_path / "out")
    tasks = _tasks(summary)
    assert tasks["pose"]["status"] == "done" and summary.metrics["input_kind"] == "photos"
    assert tasks["reps"]["reason"] == "not applicable to photos (needs a video)"
    assert (tmp_path / "out" / "report.html").is_file()


def test_a_failing_task_is_a_warning_and_the_others_still_run(sway_clip, tmp_path, monkeypatch):
    import sportlens.report.stages as stages

    def broken(*args, **kwargs):
        raise RuntimeError("reps exploded")

    monkeypatch.setattr(stages, "write_reps", broken)
    options = analyze_options({"tasks": ["pose", "reps"], "pose": {"annotated_video": False, "end_s": 1.0}})
    summary = run_analyze(sway_clip.path, tmp_path / "out", options)
    tasks = _tasks(summary)
    assert tasks["pose"]["status"] == "done"
    assert tasks["reps"]["status"] == "failed" and tasks["reps"]["reason"] == "RuntimeError: reps exploded"
    assert "reps: failed: RuntimeError: reps exploded" in summary.warnings
    assert read_report_data(tmp_path / "out" / "report.html")["warnings"] == summary.warnings
    assert summary.metrics["decode"]["frames"] == 30


@pytest.mark.parametrize("make, message", [
    (lambda p: (p / "broken.mp4").write_bytes(b"\x00not a video" * 50) and p / "broken.mp4", "broken.mp4"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "folder has no images"),
    (lambda p: (p / "notes.csv").write_text("name,score\nann,3\nbob,4\n") and p / "notes.csv", "not an IMU recording"),
    (lambda p: p / "missing.mp4", "input not found"),
])
def test_bad_input_is_one_clear_error_and_nothing_written(tmp_path, make, message):
    source = make(tmp_path)
    with pytest.raises(UserError) as info:
        run_analyze(source, tmp_path / "out")
    assert message in str(info.value.message) + str(source)
    assert not (tmp_path / "out").exists()


def test_options_are_checked_before_anything_runs(tmp_path, sway_clip):
    with pytest.raises(OptionError, match="unknown nonsense"):
        AnalyzeOptions(tasks=("nonsense",))
    with pytest.raises(OptionError, match="needs --action-model"):
        AnalyzeOptions(tasks=("action",))
    with pytest.raises(OptionError, match="--action-model: no such"):
        AnalyzeOptions(action_model=str(tmp_path / "no-run"))
    with pytest.raises(UserError, match="jumps do"):
        run_analyze(sway_clip.path, tmp_path / "out", AnalyzeOptions(tasks=("jumps",)))
    assert not (tmp_path / "out").exists()


def test_the_toml_file_sets_every_tasks_options_and_flags_win(tmp_path):
    config = tmp_path / "analyze.toml"
    config.write_text('tasks = ["pose", "reps"]\nsport = "none"\n[pose]\ncutoff_hz = 4.0\n[reps]\nexercise = "squat"\n'
                      '[ball]\nmax_gap_frames = 3\n[imu.reps]\nmin_period_s = 1.5\n')
    options = load_config(config, {"reps.exercise": "lunge", "sport": None})
    assert options.tasks == ("pose", "reps") and options.sport == "none" and options.pose.cutoff_hz == 4.0
    assert options.reps.exercise == "lunge" and options.ball.max_gap_frames == 3
    assert options.imu["reps"].min_period_s == 1.5
    config.write_text("[pose]\ncutof_hz = 4.0\n")
    with pytest.raises(UserError, match="unknown option 'cutof_hz'"):
        load_config(config, {})
    config.write_text("colour = 'red'\n")
    with pytest.raises(UserError, match="unknown option 'colour'"):
        load_config(config, {})


def test_an_action_model_classifies_the_clip_from_the_pose_folder(sway_clip, tmp_path, one_torch_thread):
    from sportlens.action.synthetic import write_penn
    from sportlens.cli import main

    penn = write_penn(tmp_path / "penn", n_per_class=6)
    run = tmp_path / "action-run"
    assert main(["action", "train", str(penn), "-o", str(run), "--epochs", "1", "--model", "skeleton-tcn-small",
                 "--batch-size", "4"]) == 0
    options = analyze_options({"action_model": str(run), "tasks": ["pose", "action"],
                               "pose": {"annotated_video": False, "end_s": 1.0}})
    summary = run_analyze(sway_clip.path, tmp_path / "out", options)
    assert _tasks(summary)["action"]["status"] == "done"
    predicted = json.loads((tmp_path / "out" / "action" / "summary.json").read_text())["metrics"]["predictions"]
    data = read_report_data(tmp_path / "out" / "report.html")
    table = next(t for t in data["tables"] if t["title"].startswith("Action"))
    assert [(r["label"], r["probability"]) for r in table["rows"]] == [
        (p["label"], p["probability"]) for p in predicted[0]["top_k"]]
    card = next(m for m in data["models"] if m["task"] == "action")["details"]
    assert card["model"] == "skeleton-tcn-small" and card["classes"] == ["squat", "wave"]

    # the whole 4 s clip is at least 1.5 model windows (2.5 s) long: searched along time (action detect), a timeline
    long = run_analyze(sway_clip.path, tmp_path / "out-long", analyze_options(
        {"action_model": str(run), "tasks": ["pose", "action"], "pose": {"annotated_video": False}}))
    detected = read_summary(tmp_path / "out-long" / "action")
    assert _tasks(long)["action"]["status"] == "done" and detected.command == "action detect"
    data = read_report_data(tmp_path / "out-long" / "report.html")
    timeline = next(p for p in data["plots"] if p["id"] == "actions")
    assert [line["name"] for line in timeline["lines"]] == ["squat", "wave"] and len(timeline["t"]) == 120
    assert len(timeline["bands"]) == detected.metrics["segments"]
    assert ("actions found", detected.metrics["segments"]) in [tuple(f) for f in data["facts"]]


def test_a_cancelled_run_stops_every_consumer(sway_clip):
    from sportlens.events import Cancelled, Progress
    from sportlens.report.fanout import Consumer, fan_out
    from sportlens.video.decode import decode_frames

    progress = Progress("test")

    def cancel_at_10(frames):
        for k, _ in enumerate(frames):
            if k == 10:
                progress.cancel()  # what Ctrl-C does in the CLI

    def drain(frames):
        return sum(1 for _ in frames)

    consumers = [Consumer("a", cancel_at_10), Consumer("b", drain)]
    with pytest.raises(Cancelled):
        fan_out(decode_frames(sway_clip.path), consumers, progress, depth=2)
    assert consumers[1].result is None or consumers[1].result < 120


def test_the_command_reads_the_config_and_prints_the_tasks(tmp_path, run_cli):
    config = tmp_path / "analyze.toml"
    config.write_text('tasks = ["reps", "steps"]\n[imu.reps]\nmin_period_s = 1.0\n')
    result = run_cli("analyze", _imu_csv(tmp_path / "wrist.csv"), "-o", tmp_path / "out", "--config", config, "--json")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["command"] == "analyze" and document["options"]["imu"]["reps"]["min_period_s"] == 1.0
    assert "reps done" in result.stderr and "jumps skipped: not in --tasks" in result.stderr
    assert f"report: {tmp_path / 'out' / 'report.html'}" in result.stderr
    bad = run_cli("analyze", tmp_path / "wrist.csv", "-o", tmp_path / "out2", "--tasks", "ball")
    bad.assert_user_error("--tasks ball", "IMU recording")
    assert not (tmp_path / "out2").exists()


@pytest.mark.parametrize(("sport", "found", "status"), [
    ("auto", 0, "no result"), ("auto", 3, "no result"), ("auto", 30, "no result"), ("auto", 60, "done"),
    ("tennis", 3, "done"), ("tennis", 0, "no result")])
def test_sport_auto_keeps_a_ball_only_when_it_is_seen_often_enough(sport, found, status):
    from sportlens.report.pipeline import TaskRun, _judge_ball
    from sportlens.summary import Summary

    ball_summary = Summary("ball track")
    ball_summary.metrics.update({"frames": 420, "frames_with_ball": found})
    ball = TaskRun("ball", "done", summary=ball_summary)
    _judge_ball(ball, analyze_options({"sport": sport}))
    assert ball.status == status
    if found and status == "no result":
        assert ball.reason.startswith(f"--sport auto: a ball in only {found} of 420 frames")
