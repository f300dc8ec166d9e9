"""`sportlens reps` end to end on a generated clip with a known number of cycles, and its error paths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.samples import rotating_clip


@pytest.fixture(scope="module")
def sway(tmp_path_factory):
    """The astronaut swaying +-20 deg with a 2 s period for 8.5 s at 15 fps: 4 whole cycles (and a quarter)."""
    return rotating_clip(tmp_path_factory.mktemp("reps") / "sway.mp4", seconds=8.5, fps=15.0, period_s=2.0,
                         size=256)


def test_reps_counts_the_sway_cycles_and_writes_every_output(run_cli, sway, tmp_path):
    out = tmp_path / "out"
    result = run_cli("reps", sway.path, "-o", out, "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["command"] == "reps" and summary["schema"] == "sportlens-summary/1"
    m = summary["metrics"]
    assert m["count"] == 4
    assert m["period_s"] == pytest.approx(2.0, rel=0.1)
    assert len(m["reps"]) == 4
    for rep in m["reps"]:
        assert {"start_frame", "end_frame", "duration_s", "range_deg"} <= set(rep)
        assert rep["duration_s"] == pytest.approx((rep["end_frame"] - rep["start_frame"]) / 15.0, abs=1e-3)
        assert 0.5 * 2.0 <= rep["duration_s"] <= 1.3 * 2.0
    assert {"pose/", "reps.csv", "reps.png", "reps.mp4"} <= set(summary["outputs"])
    table = pd.read_csv(out / "reps.csv")
    assert list(table.columns) == ["rep", "start_frame", "end_frame", "start_s", "end_s", "duration_s", "range_deg"]
    assert list(table["rep"]) == [1, 2, 3, 4]
    # the pose task's own files, in its own format, in pose/
    assert json.loads((out / "pose" / "summary.json").read_text())["command"] == "pose"
    assert {"keypoints.csv", "angles.csv"} <= {p.name for p in (out / "pose").iterdir()}
    import av

    with av.open(str(out / "reps.mp4")) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == len(sway.rotation_deg)
    assert "reps 4" in result.stderr


def test_reps_without_a_person_counts_zero_with_a_warning(run_cli, tmp_path):
    from sportlens.video.encode import VideoWriter

    clip = tmp_path / "empty.mp4"
    rng = np.random.default_rng(0)
    with VideoWriter(clip, 15.0, 128, 128) as writer:
        for _ in range(30):
            writer.write(rng.integers(0, 40, (128, 128, 3)).astype(np.uint8))
    result = run_cli("reps", clip, "-o", tmp_path / "out", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["count"] == 0 and m["reps"] == []
    assert any("0 repetitions" in w for w in result.json()["warnings"])
    assert "warning:" in result.stderr
    assert not (tmp_path / "out" / "reps.csv").exists()


def test_reps_error_paths_are_one_line(run_cli, tmp_path, sway):
    run_cli("reps", tmp_path / "missing.mp4", "-o", tmp_path / "a").assert_user_error("missing.mp4")
    run_cli("reps", sway.path, "-o", tmp_path / "b", "--min-period", "3", "--max-period", "2").assert_user_error(
        "--max-period")
    run_cli("reps", sway.path, "-o", tmp_path / "c", "--exercise", "juggling").assert_user_error("juggling")
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(photo)
    run_cli("reps", photo, "-o", tmp_path / "d").assert_user_error("needs a video", "photo.png")
    assert not (tmp_path / "d").exists()


def test_reps_with_an_exercise_reports_its_form_rules_per_repetition(run_cli, sway, tmp_path):
    from sportlens.movement.form import rules_for

    out = tmp_path / "form"
    result = run_cli("reps", sway.path, "-o", out, "--exercise", "push-up", "--no-video", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    rules = rules_for("push-up")
    assert set(m["form"]) == {r.name for r in rules}
    for rule in rules:
        assert m["form"][rule.name]["threshold"] == rule.threshold
        assert m["form"][rule.name]["measured"] <= m["count"]
    if m["count"]:
        table = pd.read_csv(out / "reps.csv")
        for rule in rules:
            assert {rule.name, f"{rule.name}_ok"} <= set(table.columns)
        assert {"elbow_depth", "elbow_depth_ok"} <= set(m["reps"][0])


def test_skill_rules_without_repetitions_are_reported_per_segment(run_cli, tmp_path):
    """A still person (the astronaut, upper body only): no repetition, so the board rule is read on the one
    segment with the person in view; no ankles are seen, so the stance stays empty rather than guessed."""
    clip = rotating_clip(tmp_path / "still.mp4", seconds=2.0, fps=15.0, amplitude_deg=0.0, size=256)
    out = tmp_path / "out"
    result = run_cli("reps", clip.path, "-o", out, "--exercise", "board", "--mirrored", "--no-video", "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    assert m["count"] == 0 and m["form_by"] == "segment" and m["mirrored"] is True
    assert m["form_rows"] == [{"segment": 1, "start_frame": 0, "end_frame": 29, "start_s": 0.0, "end_s": 1.933,
                               "stance": None, "stance_label": None}]
    assert m["form"]["stance"]["threshold"] == 0.0 and m["form"]["stance"]["measured"] == 0
    assert m["form"]["stance"]["labels"] == {"regular": 0, "goofy": 0}
    table = pd.read_csv(out / "form.csv")
    assert list(table.columns) == ["segment", "start_frame", "end_frame", "start_s", "end_s", "stance",
                                   "stance_label"]
    assert not (out / "reps.csv").exists()
