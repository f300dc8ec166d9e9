"""`sportlens compare` end to end on two generated clips of different speeds, on pose folders, and its error paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sportlens.samples import rotating_clip


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """The astronaut swaying +-20 deg: A with a 2 s period for 4 s, B with a 1.5 s period for 3 s (the same
    movement, faster) at 15 fps."""
    root = tmp_path_factory.mktemp("compare")
    slow = rotating_clip(root / "slow.mp4", seconds=4.0, fps=15.0, period_s=2.0, size=192)
    fast = rotating_clip(root / "fast.mp4", seconds=3.0, fps=15.0, period_s=1.5, size=192)
    return slow, fast


def test_compare_two_videos_writes_every_output(run_cli, clips, tmp_path):
    slow, fast = clips
    out = tmp_path / "out"
    result = run_cli("compare", slow.path, fast.path, "-o", out, "--json", "--angles",
                     "left_elbow,right_elbow,left_shoulder,right_shoulder,trunk_lean", "--top-k", "3")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["command"] == "compare" and summary["schema"] == "sportlens-summary/1"
    m = summary["metrics"]
    assert m["frames_a"] == 60 and m["frames_b"] == 45
    assert set(m["per_angle"]) <= {"left_elbow", "right_elbow", "left_shoulder", "right_shoulder", "trunk_lean"}
    assert m["distance"] > 0 and len(m["deviations"]) == 3
    assert {"pose_a/", "pose_b/", "distances.csv", "path.csv", "deviations.csv", "compare.png",
            "compare.mp4"} <= set(summary["outputs"])
    path = pd.read_csv(out / "path.csv")
    assert list(path.columns) == ["step", "frame_a", "frame_b", "time_a_s", "time_b_s", "deviation_deg"]
    assert (path[["frame_a", "frame_b"]].diff().dropna() >= 0).all().all()
    assert tuple(path.iloc[-1][["frame_a", "frame_b"]]) == (59, 44)
    # the faster clip is aligned by stretching it: on average 4/3 frames of A per frame of B
    assert len(path) >= 60
    distances = pd.read_csv(out / "distances.csv")
    assert distances["angle"].iloc[-1] == "all"
    assert m["distance"] == pytest.approx(distances["dtw_distance"].iloc[-1], abs=1e-3)

    # the pose folders just written compare the same way without running pose again
    again = run_cli("compare", out / "pose_a", out / "pose_b", "-o", tmp_path / "again", "--json", "--no-video",
                    "--angles", "left_elbow,right_elbow,left_shoulder,right_shoulder,trunk_lean")
    assert again.code == 0, again.stderr
    assert again.json()["metrics"]["distance"] == pytest.approx(m["distance"], abs=1e-3)


def test_a_performance_compared_with_itself_is_at_distance_zero_on_the_diagonal(run_cli, clips, tmp_path):
    slow, _ = clips
    first = run_cli("compare", slow.path, slow.path, "-o", tmp_path / "self", "--no-video", "--json")
    assert first.code == 0, first.stderr
    assert first.json()["metrics"]["distance"] == 0
    path = pd.read_csv(tmp_path / "self" / "path.csv")
    np.testing.assert_array_equal(path["frame_a"], path["frame_b"])


def test_errors_are_one_line(run_cli, clips, tmp_path):
    slow, _ = clips
    empty = tmp_path / "empty"
    empty.mkdir()
    run_cli("compare", slow.path, empty, "-o", tmp_path / "o1").assert_user_error("input B", "angles.csv")
    run_cli("compare", slow.path, slow.path, "-o", tmp_path / "o2", "--angles", "left_knee,wing").assert_user_error(
        "--angles", "wing")
    run_cli("compare", slow.path, slow.path, "-o", tmp_path / "o3", "--top-k", "0").assert_user_error("top")
    run_cli("compare", tmp_path / "missing.mp4", slow.path, "-o", tmp_path / "o4").assert_user_error("missing.mp4")
