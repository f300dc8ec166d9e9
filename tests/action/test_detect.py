"""Action detection in long videos: windows, aggregation into segments, detection metrics on hand-computed
tables, the segments reader's errors, and `sportlens action detect` end to end on a generated long sequence."""

import numpy as np
import pandas as pd
import pytest

from sportlens.action.detect import (
    Segment,
    activity,
    average_precision,
    detection_metrics,
    frame_scores,
    read_segments,
    segments_from_scores,
    temporal_iou,
    window_starts,
)
from sportlens.errors import DataFormatError


def test_window_starts_cover_the_video_to_its_last_frame():
    assert window_starts(10, 4, 3).tolist() == [0, 3, 6]
    assert window_starts(11, 4, 3).tolist() == [0, 3, 6, 7]
    assert window_starts(4, 4, 2).tolist() == [0]
    with pytest.raises(ValueError):
        window_starts(3, 4, 1)


def test_frame_scores_average_the_windows_covering_each_frame():
    probs = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    scores = frame_scores(probs, np.array([0, 2, 4]), 3, 7)
    expected = [[1, 0], [1, 0], [0.5, 0.5], [0, 1], [0.25, 0.75], [0.5, 0.5], [0.5, 0.5]]
    np.testing.assert_allclose(scores, expected)


def test_segments_from_a_hand_made_score_sequence():
    a = [0.2] * 4 + [0.9] * 6 + [0.3] + [0.8] * 3 + [0.1] * 2 + [0.0] * 6
    b = [0.1] * 4 + [0.1] * 6 + [0.2] + [0.1] * 3 + [0.7] * 2 + [0.6] * 6
    scores = np.column_stack([a, b])
    active = np.ones(len(a), bool)
    active[20:] = False  # the athlete stands still at the end
    got = segments_from_scores(scores, ["a", "b"], active, min_score=0.5, min_frames=3, max_gap_frames=1)
    # frames 4-13: 'a' with a one-frame dip (frame 10) joined; 14-19: 'b' (frames 20-21 are still)
    assert got == [Segment(4, 14, "a", 0.81), Segment(14, 20, "b", round((2 * 0.7 + 4 * 0.6) / 6, 4))]
    # without joining, the dip splits 'a' and its 3-frame tail survives min_frames=3 exactly
    got = segments_from_scores(scores, ["a", "b"], active, min_score=0.5, min_frames=3, max_gap_frames=0)
    assert [(s.start_frame, s.end_frame, s.label) for s in got] == [(4, 10, "a"), (11, 14, "a"), (14, 20, "b")]
    got = segments_from_scores(scores, ["a", "b"], None, min_score=0.5, min_frames=7, max_gap_frames=1)
    assert [(s.start_frame, s.end_frame, s.label) for s in got] == [(4, 14, "a"), (14, 22, "b")]


def test_map_and_mean_iou_on_a_hand_computed_table():
    truth = [Segment(0, 10, "a"), Segment(20, 30, "a"), Segment(40, 50, "b")]
    pred = [Segment(0, 10, "a", 0.9), Segment(22, 32, "a", 0.8), Segment(60, 70, "a", 0.95),
            Segment(45, 60, "b", 0.7)]
    assert temporal_iou(pred[1], truth[1]) == pytest.approx(8 / 12)
    assert temporal_iou(pred[3], truth[2]) == pytest.approx(5 / 20)
    # 'a' by score: FP (0.95), TP, TP -> precision 0, 1/2, 2/3 at recall 0, 1/2, 1 -> AP 2/3; 'b': one FP -> 0
    assert average_precision([p for p in pred if p.label == "a"], truth[:2]) == pytest.approx(2 / 3)
    m = detection_metrics(pred, truth, 0.5)
    assert m["ap"] == {"a": pytest.approx(2 / 3), "b": 0.0}
    assert m["map"] == pytest.approx(1 / 3)
    assert m["mean_iou"] == pytest.approx((1 + 8 / 12 + 5 / 20) / 3)
    # a duplicate detection of a matched segment is a false positive
    assert average_precision([Segment(0, 10, "a", 0.9), Segment(1, 10, "a", 0.8)], [Segment(0, 10, "a")]) == 1.0
    assert detection_metrics([], truth)["map"] == 0.0


def test_activity_is_joint_speed_in_normalised_units_per_second():
    still = np.zeros((30, 13, 2))
    assert activity(still, 30.0, 0.5).max() == 0.0
    moving = np.zeros((30, 13, 2))
    moving[:, :, 0] = 0.1 * np.arange(30)[:, None]  # 0.1 per frame at 30 fps = 3 per second
    np.testing.assert_allclose(activity(moving, 30.0, 0.2)[3:-3], 3.0)


def _truth(path, rows):
    pd.DataFrame(rows, columns=["video", "start", "end", "label"]).to_csv(path, index=False)
    return path


def test_segments_file_errors_name_the_line(tmp_path):
    ok = _truth(tmp_path / "ok.csv", [["long.mp4", 10, 40, "wave"], ["other.mp4", 0, 5000, "wave"],
                                      ["long.mp4", 50, 90, "squat"]])
    assert read_segments(ok, 30.0, 100, ["squat", "wave"], "long.mp4") == [Segment(10, 40, "wave"),
                                                                          Segment(50, 90, "squat")]
    secs = _truth(tmp_path / "secs.csv", [["long.mp4", 0.5, 1.5, "wave"]])
    assert read_segments(secs, 30.0, 100, ["wave"], "long.mp4", unit="seconds") == [Segment(15, 45, "wave")]
    past = _truth(tmp_path / "past.csv", [["long.mp4", 10, 40, "wave"], ["long.mp4", 80, 120, "wave"]])
    with pytest.raises(DataFormatError, match=r"line 3: segment ends at frame 120, past the video's end \(100 frames"):
        read_segments(past, 30.0, 100, ["wave"], "long.mp4")
    unknown = _truth(tmp_path / "unknown.csv", [["long.mp4", 10, 40, "lob"]])
    with pytest.raises(DataFormatError, match=r"line 2: label 'lob' is not one of the model's classes \(squat, wave\)"):
        read_segments(unknown, 30.0, 100, ["squat", "wave"], "long.mp4")
    with pytest.raises(DataFormatError, match="no segment of video 'short.mp4'"):
        read_segments(ok, 30.0, 100, ["squat", "wave"], "elsewhere/short.mp4")


# ---- end to end ----------------------------------------------------------------------------------------

FPS = 30.0
# (kind, frames): still stretches around a waving and a squatting stretch
PLAN = [("still", 45), ("wave", 75), ("still", 45), ("squat", 75), ("still", 45)]


def _long_sequence(root):
    """A blank video and the keypoints.csv of a generated figure following PLAN; the truth segments."""
    from sportlens.action.skeleton import FROM_BLAZEPOSE, JOINTS
    from sportlens.action.synthetic import STAND, clip
    from sportlens.video.encode import VideoWriter

    rng = np.random.default_rng(5)
    parts, truth, at = [], [], 0
    for kind, n in PLAN:
        if kind == "still":
            parts.append(np.repeat(STAND[None] * 2.0 + [200.0, 150.0], n, axis=0) + rng.normal(0, 0.1, (n, 13, 2)))
        else:
            parts.append(clip(kind, n, rng))
            truth.append(["long.mp4", at, at + n, kind])
        at += n
    xy = np.concatenate(parts)
    rows = [{"frame": f, "time_s": f / FPS, "keypoint": FROM_BLAZEPOSE[j], "x_px": xy[f, k, 0], "y_px": xy[f, k, 1],
             "visibility": 1.0} for f in range(len(xy)) for k, j in enumerate(JOINTS)]
    pd.DataFrame(rows).to_csv(root / "keypoints.csv", index=False)
    with VideoWriter(root / "long.mp4", FPS, 96, 64) as out:
        for _ in range(len(xy)):
            out.write(np.zeros((64, 96, 3), np.uint8))
    return root / "long.mp4", root / "keypoints.csv", _truth(root / "truth.csv", truth)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_torch_thread):
    from sportlens.action.synthetic import write_penn
    from sportlens.cli import main

    root = tmp_path_factory.mktemp("detect")
    run = root / "run"
    assert main(["action", "train", str(write_penn(root / "penn")), "-o", str(run), "--epochs", "15",
                 "--batch-size", "8", "--model", "skeleton-tcn-small"]) == 0
    return run, *_long_sequence(root)


def test_detect_finds_the_generated_actions(trained, tmp_path, run_cli):
    run, video, keypoints, truth = trained
    out = tmp_path / "out"
    result = run_cli("action", "detect", video, "-o", out, "--model", run, "--pose", keypoints, "--truth", truth,
                     "--json")
    assert result.code == 0, result.stderr
    m = result.json()["metrics"]
    segments = pd.read_csv(out / "segments.csv")
    assert list(segments.columns) == ["start_frame", "end_frame", "start_s", "end_s", "label", "score"]
    assert segments["label"].tolist() == ["wave", "squat"], segments
    # each found within a quarter second of the truth (windows straddling a boundary blur it a little)
    np.testing.assert_allclose(segments[["start_frame", "end_frame"]].to_numpy(), [[45, 120], [165, 240]], atol=8)
    assert m["detection"]["map"] == 1.0 and m["detection"]["mean_iou"] > 0.8
    assert m["per_class"] == {"squat": 1, "wave": 1} and m["frames"] == 285
    assert (out / "timeline.png").stat().st_size > 10_000 and (out / "annotated.mp4").is_file()
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 285 and list(scores.columns) == ["frame", "time_s", "squat", "wave", "activity"]


def test_detect_errors_are_one_line(trained, tmp_path, run_cli):
    run, video, keypoints, truth = trained
    result = run_cli("action", "detect", video, "-o", tmp_path / "a", "--model", run, "--pose", keypoints,
                     "--window", "20")
    result.assert_user_error("shorter than the model's window (20.00 s)", "long.mp4")
    past = _truth(tmp_path / "past.csv", [["long.mp4", 200, 400, "wave"]])
    result = run_cli("action", "detect", video, "-o", tmp_path / "b", "--model", run, "--pose", keypoints,
                     "--truth", past)
    result.assert_user_error("past the video's end (285 frames", "past.csv")
    unknown = _truth(tmp_path / "unknown.csv", [["long.mp4", 20, 40, "lob"]])
    result = run_cli("action", "detect", video, "-o", tmp_path / "c", "--model", run, "--pose", keypoints,
                     "--truth", unknown)
    result.assert_user_error("label 'lob' is not one of the model's classes", "unknown.csv")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
