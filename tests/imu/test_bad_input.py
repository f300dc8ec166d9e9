"""`sportlens imu` under bad input and empty or implausible results (issue 13), end to end on generated files:
every warning reaches summary.json and stderr, every error is one line with exit 2 and no output folder."""

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.events import Cancelled, EventLog, Progress
from sportlens.imu.options import JumpsOptions, RepsOptions
from sportlens.imu.pipeline import run_jumps, run_reps
from sportlens.summary import read_summary

G = 9.80665


@pytest.fixture
def reps_frame(synth):
    t, acc, gyro = synth.reps_signal(6, 4)
    return synth.frame(t, acc, gyro, acc_unit="g", gyro_unit="dps")


def _warned(result, out, text):
    """The warning holding `text`, in summary.json and on stderr."""
    warnings = json.loads((out / "summary.json").read_text())["warnings"]
    found = [w for w in warnings if text in w]
    assert found, warnings
    assert "warning: " + found[0] in " ".join(result.stderr.split()) or found[0][:60] in result.stderr
    return found[0]


def test_empty_cells_are_interpolated_with_a_warning(run_cli, reps_frame, tmp_path):
    frame = reps_frame.copy()
    frame.loc[300, "acc_x_g"] = np.nan
    frame.loc[400:402, "gyr_y_dps"] = np.nan
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "o"
    result = run_cli("imu", "reps", path, "-o", out, "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["reps"]["count"] == 10
    warning = _warned(result, out, "empty cell(s)")
    assert warning.startswith("4 empty cell(s) in 2 gap(s) of at most 0.1 s filled") and "line 302" in warning


def test_a_long_run_of_empty_cells_splits_the_recording_with_a_warning(run_cli, reps_frame, tmp_path):
    frame = reps_frame.copy()
    frame.loc[1000:1200, ["acc_x_g", "acc_y_g", "acc_z_g"]] = np.nan  # 4 s inside the pause
    path = tmp_path / "hole.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "o"
    result = run_cli("imu", "reps", path, "-o", out, "--json", "--max-gap-s", "0.2")
    assert result.code == 0, result.stderr
    payload = result.json()
    assert len(payload["metrics"]["recording"]["timing"]["gaps"]) == 1
    assert payload["metrics"]["reps"]["count"] == 10
    _warned(result, out, "201 row(s) with empty cells in 1 gap(s) longer than 0.2 s")
    _warned(result, out, "1 gap(s) in the time stamps")


def test_semicolons_and_decimal_commas_are_read(run_cli, reps_frame, tmp_path):
    path = tmp_path / "excel.csv"
    reps_frame.to_csv(path, sep=";", decimal=",", index=False)
    result = run_cli("imu", "reps", path, "-o", tmp_path / "o", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["metrics"]["reps"]["count"] == 10
    assert result.json()["warnings"] == []


def test_shuffled_rows_are_sorted_with_a_warning_and_give_the_same_result(run_cli, reps_frame, tmp_path):
    path = tmp_path / "shuffled.csv"
    reps_frame.sample(frac=1.0, random_state=1).to_csv(path, index=False)
    out = tmp_path / "o"
    result = run_cli("imu", "reps", path, "-o", out, "--json")
    assert result.code == 0, result.stderr
    payload = result.json()
    assert payload["metrics"]["reps"]["count"] == 10
    assert payload["metrics"]["recording"]["timing"]["gaps"] == []  # not "36 gaps"
    _warned(result, out, "rows were not in time order")


@pytest.mark.parametrize(
    ("change", "parts"),
    [
        ("overlap", ["time goes back on line", "do not sort into one timeline", "bad.csv"]),
        ("empty", ["column gyr_y_dps has no values: ", "bad.csv"]),
        ("text", ["non-numeric value 'oops' in column acc_z_g on line 12", "bad.csv"]),
    ],
)
def test_unusable_files_are_one_line_errors_without_output(run_cli, reps_frame, tmp_path, change, parts):
    frame = reps_frame.copy()
    if change == "overlap":
        frame = pd.concat([frame, frame.assign(t_s=frame["t_s"] + 5.0)])
    elif change == "empty":
        frame["gyr_y_dps"] = np.nan
    else:
        frame["acc_z_g"] = frame["acc_z_g"].astype(object)
        frame.loc[10, "acc_z_g"] = "oops"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    result = run_cli("imu", "reps", path, "-o", tmp_path / "o")
    result.assert_user_error(*parts)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jumps", "--free-fall-g", "1.5"], "--free-fall-g must be above 0 and below 1, got 1.5"),
        (["reps", "--min-period-s", "4", "--max-period-s", "2"], "--max-period-s must be above --min-period-s"),
        (["reps", "--max-gap-s", "-1"], "--max-gap-s must be at least 0"),
        (["strokes", "--min-gap-s", "0"], "--min-gap-s must be above 0, got 0"),
        (["steps", "--rate-hz", "-5"], "--rate-hz must be above 0, got -5"),
    ],
)
def test_bad_option_values_are_one_line_errors(run_cli, reps_frame, tmp_path, args, message):
    path = tmp_path / "rec.csv"
    reps_frame.to_csv(path, index=False)
    result = run_cli("imu", args[0], path, *args[1:], "-o", tmp_path / "o")
    result.assert_user_error(message)
    assert not (tmp_path / "o").exists()


def test_train_option_errors_are_one_line(run_cli, tmp_path):
    result = run_cli("imu", "train", tmp_path, "--window-s", "4", "--block-s", "1", "-o", tmp_path / "m")
    result.assert_user_error("--block-s must be at least --window-s (4 s), got 1")


def _still(tmp_path, gyro=True):
    t = np.arange(1000) / 100
    frame = pd.DataFrame({"t_s": t, "acc_x_g": 0.0, "acc_y_g": 0.0, "acc_z_g": 1.0})
    if gyro:
        frame["gyr_x_dps"], frame["gyr_y_dps"], frame["gyr_z_dps"] = 0.0, 0.0, 0.0
    frame += np.random.default_rng(0).normal(0, 0.002, frame.shape) * (frame.columns != "t_s")
    path = tmp_path / "still.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("command", "metric", "warning"),
    [
        ("reps", ("reps", "count"), "no repetition found"),
        ("jumps", ("count",), "no jump found"),
        ("strokes", ("count",), "no stroke found"),
        ("steps", ("steps", "count"), "no step found"),
    ],
)
def test_empty_results_warn(run_cli, tmp_path, command, metric, warning):
    out = tmp_path / command
    result = run_cli("imu", command, _still(tmp_path), "-o", out, "--json")
    assert result.code == 0, result.stderr
    value = result.json()["metrics"]
    for key in metric:
        value = value[key]
    assert value == 0
    _warned(result, out, warning)


def test_a_jump_from_a_loose_sensor_warns_and_takes_the_landing_velocity(run_cli, synth, tmp_path):
    t, acc, *_ = synth.loose_jump_signal(0.5)
    path = tmp_path / "loose.csv"
    synth.frame(t, acc).to_csv(path, index=False)
    out = tmp_path / "o"
    result = run_cli("imu", "jumps", path, "-o", out, "--json")
    assert result.code == 0, result.stderr
    payload = result.json()
    assert (payload["metrics"]["count"], payload["metrics"]["plausible"]) == (1, 0)
    (jump,) = payload["metrics"]["jumps"]
    assert jump["plausible"] is False and jump["takeoff_velocity_mps"] < 0
    assert jump["height_method"] == "landing velocity"
    assert jump["height_m"] == pytest.approx(G * 0.25 / 8, abs=0.01)
    _warned(result, out, "take-off velocity")
    _warned(result, out, "height 0.30")
    assert "(implausible)" in result.stderr  # the result line says so too


def test_a_rerun_into_the_same_folder_keeps_nothing_of_the_other_command(run_cli, synth, reps_frame, tmp_path):
    path = tmp_path / "rec.csv"
    reps_frame.to_csv(path, index=False)
    out = tmp_path / "o"
    assert run_cli("imu", "jumps", path, "-o", out).code == 0
    assert (out / "jumps.png").exists()
    assert run_cli("imu", "reps", path, "-o", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == ["reps.png", "summary.json"]
    assert read_summary(out).command == "imu reps"


def test_library_call_reports_progress_and_returns_the_written_summary(synth, reps_frame, tmp_path):
    path = tmp_path / "rec.csv"
    reps_frame.to_csv(path, index=False)
    log = EventLog()
    summary = run_reps(path, tmp_path / "o", RepsOptions(), Progress("imu reps", log))
    assert summary["reps"]["count"] == 10
    assert read_summary(tmp_path / "o").to_dict() == summary.to_dict()
    assert [e.kind for e in log.events] == ["start", "advance", "advance", "end"]
    assert log.fraction() == 1.0


def test_a_cancelled_run_leaves_no_folder_that_looks_complete(synth, tmp_path):
    t, acc, *_ = synth.jump_signal(0.5)
    path = tmp_path / "jump.csv"
    synth.frame(t, acc).to_csv(path, index=False)
    progress = Progress("imu jumps")
    progress.cancel()
    with pytest.raises(Cancelled):
        run_jumps(path, tmp_path / "o", JumpsOptions(), progress)
    assert not (tmp_path / "o" / "summary.json").exists()


def test_warnings_of_many_labelled_recordings_are_counted_not_repeated():
    from sportlens.imu.pipeline import _labelled_warnings
    from sportlens.imu.readers import LabelledRecording
    from sportlens.imu.recording import ImuRecording
    from sportlens.summary import Summary

    t = np.concatenate([np.arange(100), np.arange(200, 300)]) / 50  # a 2 s hole
    noise = np.random.default_rng(3).normal(0, 0.05, (200, 3))  # a constant axis would look clipped
    gap = ImuRecording(t, np.tile([0, 0, G], (200, 1)) + noise)
    clean = ImuRecording(np.arange(200) / 50, np.tile([0, 0, G], (200, 1)) + noise)

    def items(n_gap):
        return [LabelledRecording(gap, "a", "p", f"g{k}") for k in range(n_gap)] + [
            LabelledRecording(clean, "b", "p", "c")]

    few = Summary("imu train")
    _labelled_warnings(few, items(2))
    assert few.warnings == ["g0: 1 gap(s) in the time stamps, 2.02 s in all (not interpolated)",
                            "g1: 1 gap(s) in the time stamps, 2.02 s in all (not interpolated)"]
    many = Summary("imu train")
    _labelled_warnings(many, items(5))
    (line,) = many.warnings
    assert line.startswith("5 of 6 recordings have timing or clipping warnings (first: g0: 1 gap(s)")
    assert sorted(many.metrics["recording_warnings"]) == ["g0", "g1", "g2", "g3", "g4"]


def test_an_empty_file_says_so(tmp_path, run_cli):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    run_cli("imu", "reps", empty, "-o", tmp_path / "o").assert_user_error("the file is empty", "empty.csv")
