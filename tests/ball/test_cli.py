"""`sportlens ball track` and `sportlens ball eval` end to end on generated clips, and their error paths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.ball.formats import write_tasks, write_tracknet
from sportlens.ball.synthetic import ClipSpec, write_clip, write_frames, write_rally_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ball")
    truth = write_clip(folder / "rally.mp4", ClipSpec(seconds=2.0))
    return folder / "rally.mp4", truth


def test_track_end_to_end(clip, tmp_path, run_cli):
    video, truth = clip
    result = run_cli("ball", "track", video, "-o", tmp_path / "out", "--model", "classic", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["command"] == "ball track" and summary["warnings"] == []
    assert sorted(summary["outputs"]) == ["annotated.mp4", "rallies.csv", "shots.csv", "speed.csv", "track.csv",
                                          "track.png"]
    table = pd.read_csv(tmp_path / "out" / "track.csv", keep_default_na=False)
    assert list(table.columns) == ["frame", "time_s", "visible", "x", "y", "confidence"]
    assert len(table) == len(truth) and table["frame"].tolist() == list(range(len(truth)))
    assert (table.loc[table["visible"] == 0, "x"] == "").all()  # empty cells when there is no ball
    seen = (table["visible"] == 1).to_numpy() & truth.visible
    error = np.hypot(table["x"].replace("", np.nan).astype(float) - truth.x,
                     table["y"].replace("", np.nan).astype(float) - truth.y)[seen]
    assert seen.sum() >= 0.9 * truth.visible.sum() and np.median(error) < 1.5
    m = summary["metrics"]
    assert m["frames"] == len(truth) and m["model"] == "classic" and m["fps"] > 0
    # one hit (the direction reverses at 1 s), one rally; the ball crosses 70 % of 320 px in 1 s on an arc
    assert (m["shots"], m["rallies"]) == (1, 1)
    shots = pd.read_csv(tmp_path / "out" / "shots.csv")
    assert shots["frame"].tolist() == [30] and shots["kind"].tolist() == ["hit"] and shots["rally"].tolist() == [1]
    assert 224 < m["median_speed_px_s"] < m["max_speed_px_s"] < 400
    from sportlens.video.decode import probe_video

    assert probe_video(tmp_path / "out" / "annotated.mp4").n_frames == len(truth)


def test_track_without_a_ball_warns_and_gives_an_empty_track(tmp_path, run_cli):
    video = tmp_path / "empty.mp4"
    write_clip(video, ClipSpec(ball=False, seconds=1.0))
    result = run_cli("ball", "track", video, "-o", tmp_path / "out", "--model", "classic", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert any("no ball found" in w for w in summary["warnings"]) and "warning: no ball found" in result.stderr
    assert summary["outputs"] == ["track.csv"]
    assert pd.read_csv(tmp_path / "out" / "track.csv")["visible"].sum() == 0


def test_eval_on_every_layout(tmp_path, run_cli):
    spec = ClipSpec(seconds=1.5)
    write_rally_clip(tmp_path / "rally", "00001", spec)
    truth = write_frames(tmp_path / "tracknet" / "game1" / "Clip1", spec)
    write_tracknet(truth, tmp_path / "tracknet" / "game1" / "Clip1")
    write_tasks(write_frames(tmp_path / "tasks" / "game2" / "clip1", spec), tmp_path / "tasks" / "game2" / "clip1")
    for data in ("rally", "tracknet", "tasks"):
        result = run_cli("ball", "eval", tmp_path / data, "--model", "classic", "--json")
        assert result.code == 0, result.stderr
        m = result.json()["metrics"]
        for key in ("sibatracc", "precision", "recall", "f1", "accuracy", "rmse_px", "frames", "fps"):
            assert key in m, key
        assert m["frames"] == 45 and m["clips"] == 1
        assert m["f1"] > 0.8 and m["sibatracc"] > 0.75 and m["rmse_px"] < 3, (data, m)
        assert m["tolerance_px_source"] == pytest.approx(4 * 320 / 512)
    out = tmp_path / "eval-out"
    result = run_cli("ball", "eval", tmp_path / "rally", "-o", out, "--model", "classic")
    assert result.code == 0 and "SiBaTrAcc" in result.stdout
    assert json.loads((out / "summary.json").read_text())["metrics"]["per_clip"][0]["clip"] == "00001"
    assert (out / "per_clip.csv").exists()


def test_bad_labels_are_one_line(tmp_path, run_cli):
    csv = write_rally_clip(tmp_path, "00003", ClipSpec(seconds=0.5))
    csv.write_text(csv.read_text().replace("Frame,Ball,x,y", "frame,ball,x,y"))
    run_cli("ball", "eval", tmp_path).assert_user_error("wrong columns frame,ball,x,y", "00003.csv")
    csv.write_text("Frame,Ball,x,y\n0,1,0.5,1.2\n")
    run_cli("ball", "eval", csv).assert_user_error("line 2", "outside", "00003.csv")
    (tmp_path / "00003.csv").unlink()
    run_cli("ball", "eval", tmp_path).assert_user_error("no labelled clips found")


def test_errors_are_one_line_exit_2(tmp_path, run_cli):
    run_cli("ball", "track", tmp_path / "missing.mp4", "-o", tmp_path / "o").assert_user_error("missing.mp4")
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    run_cli("ball", "track", tmp_path / "broken.mp4", "-o", tmp_path / "o").assert_user_error("broken.mp4")
    run_cli("ball", "track", tmp_path / "broken.mp4", "-o", tmp_path / "o", "--model", "nope").assert_user_error(
        "nope")
    run_cli("ball", "eval", tmp_path, "--tolerance-px", "0").assert_user_error("--tolerance-px must be above 0")
    assert not (tmp_path / "o").exists()


def test_track_with_a_court_gives_metres_and_a_court_plot(clip, tmp_path, run_cli):
    video, truth = clip
    # the generated court's outer lines: far-left, far-right, near-right, near-left in the 320x180 image
    corners = "80,63,240,63,288,162,32,162"
    result = run_cli("ball", "track", video, "-o", tmp_path / "out", "--model", "classic", "--no-video",
                     "--court", corners, "--court-size", "tennis", "--bounces", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert "court.png" in summary["outputs"] and summary["options"]["court"] == [80, 63, 240, 63, 288, 162, 32, 162]
    m = summary["metrics"]
    assert m["shots"] == 1 and m["bounces"] == 0 and m["max_speed_mps"] > m["median_speed_mps"] > 0
    speed = pd.read_csv(tmp_path / "out" / "speed.csv")
    assert list(speed.columns) == ["frame", "time_s", "speed_px_s", "court_x_m", "court_y_m", "speed_mps"]
    from sportlens.camera import apply_homography, court_homography

    h = court_homography(np.reshape([80, 63, 240, 63, 288, 162, 32, 162], (4, 2)),
                         [[0, 0], [10.97, 0], [10.97, 23.77], [0, 23.77]])
    seen = speed["court_x_m"].notna().to_numpy()
    track = pd.read_csv(tmp_path / "out" / "track.csv")
    expected = apply_homography(h, track.loc[seen, ["x", "y"]].to_numpy(float))
    # track.csv is rounded
    assert speed.loc[seen, ["court_x_m", "court_y_m"]].to_numpy() == pytest.approx(expected, abs=0.01)
    shots = pd.read_csv(tmp_path / "out" / "shots.csv")
    assert {"court_x_m", "court_y_m"} <= set(shots.columns)


def test_bad_court_corners_are_one_line(clip, tmp_path, run_cli):
    video, _ = clip
    line = run_cli("ball", "track", video, "-o", tmp_path / "a", "--model", "classic", "--court",
                   "0,0,10,10,20,20,30,30", "--court-size", "badminton")
    line.assert_user_error("--court", "three on one line")
    far = run_cli("ball", "track", video, "-o", tmp_path / "b", "--model", "classic", "--court",
                  "0,0,5000,0,5000,5000,0,5000", "--court-size", "6,13")
    far.assert_user_error("--court", "far outside the 320x180 image")
    missing = run_cli("ball", "track", video, "-o", tmp_path / "c", "--model", "classic", "--court-size", "tennis")
    missing.assert_user_error("--court-size needs --court")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_video_without_a_ball_says_so(tmp_path, run_cli):
    # the shipped photo swaying: the classic tracker follows its moving texture, the plausibility gate drops it
    from sportlens.samples import rotating_clip

    clip = rotating_clip(tmp_path / "sway.mp4", seconds=4.0, size=256)
    result = run_cli("ball", "track", clip.path, "-o", tmp_path / "out", "--model", "classic", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary["metrics"]["frames_detected"] > 60 and summary["metrics"]["frames_with_ball"] == 0
    assert any("keep coming back to the same image points" in w for w in summary["warnings"])
    assert summary["outputs"] == ["track.csv"] and summary["metrics"]["shots"] == 0


def test_heatmap_video_in_the_same_pass(clip, tmp_path, run_cli):
    from sportlens.ball.models import cached_model
    from sportlens.video.decode import decode_frames, probe_video

    video, truth = clip
    result = run_cli("ball", "track", video, "-o", tmp_path / "out", "--heatmap-video", "--no-video", "--json")
    assert result.code == 0, result.stderr
    assert "heatmap.mp4" in result.json()["outputs"]
    spec = cached_model("tracknet-small").spec
    info = probe_video(tmp_path / "out" / "heatmap.mp4")
    # one frame per video frame (the padding of the last window left out), at the network's size
    assert (info.n_frames, info.width, info.height) == (len(truth), spec.width, spec.height)
    frames = [f.image for f in decode_frames(tmp_path / "out" / "heatmap.mp4")]
    track = pd.read_csv(tmp_path / "out" / "track.csv")
    seen = track.index[track["visible"] == 1]
    assert len(seen) > 0
    k = int(seen[len(seen) // 2])  # a frame where the ball was found
    x = int(track.loc[k, "x"] * spec.width / probe_video(video).width)
    y = int(track.loc[k, "y"] * spec.height / probe_video(video).height)
    from sportlens.ball.inference import resize_frame

    plain = resize_frame(next(f.image for f in decode_frames(video) if f.index == k), spec).astype(int)
    change = np.abs(frames[k].astype(int) - plain).sum(axis=2)
    # the heat is drawn over the ball's place; elsewhere the frame is the plain frame (up to encoding noise)
    assert change[max(0, y - 3):y + 4, max(0, x - 3):x + 4].max() > 60 and np.median(change) < 12
    run_cli("ball", "track", video, "-o", tmp_path / "out2", "--model", "classic", "--heatmap-video"
            ).assert_user_error("--heatmap-video needs a heatmap network")
