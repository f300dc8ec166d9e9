import numpy as np
import pandas as pd
import pytest

from sportlens.errors import DataFormatError, InputFileError
from sportlens.imu.readers import barbell_unique_recordings, load_labelled_csv, read_csv

G = 9.80665


def _write(tmp_path, frame, name="rec.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_units_from_column_suffixes(tmp_path):
    t = np.arange(5) / 100
    frame = pd.DataFrame(
        {
            "t_s": t,
            "acc_x_g": 1.0,
            "acc_y_g": 0.0,
            "acc_z_g": -1.0,
            "gyr_x_dps": 180.0,
            "gyr_y_dps": 0.0,
            "gyr_z_dps": -90.0,
        }
    )
    rec = read_csv(_write(tmp_path, frame))
    assert rec.acc_mps2[0] == pytest.approx([G, 0, -G], abs=1e-12)
    assert rec.gyro_rads[0] == pytest.approx([np.pi, 0, -np.pi / 2], abs=1e-12)
    assert rec.rate_hz == pytest.approx(100.0)
    assert rec.units["acc"] == "g" and rec.units["gyro"] == "dps"


def test_epoch_ms_time_column_and_explicit_units(tmp_path):
    frame = pd.DataFrame({"epoch_ms": [1000, 1020, 1040], "acc_x": [1.0] * 3, "acc_y": [0.0] * 3, "acc_z": [0.0] * 3})
    rec = read_csv(_write(tmp_path, frame), acc_unit="g")
    assert rec.time_s == pytest.approx([0.0, 0.02, 0.04])
    assert rec.acc_mps2[0, 0] == pytest.approx(G)


def test_missing_acc_column_is_named(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x_g": [0, 0], "acc_z_g": [1, 1]})
    with pytest.raises(DataFormatError, match=r"missing column\(s\) acc_y") as info:
        read_csv(_write(tmp_path, frame))
    assert "rec.csv" in str(info.value)


def test_no_acc_columns_at_all(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "speed": [1, 2]})
    with pytest.raises(DataFormatError, match=r"missing column\(s\) acc_x, acc_y, acc_z"):
        read_csv(_write(tmp_path, frame))


def test_unit_needed_when_not_in_name(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x": [0, 0], "acc_y": [0, 0], "acc_z": [1, 1]})
    with pytest.raises(DataFormatError, match="not in the column names.*--acc-unit"):
        read_csv(_write(tmp_path, frame))


def test_unknown_unit_and_mixed_units(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x_furlong": [0, 0], "acc_y_furlong": [0, 0], "acc_z_furlong": [1, 1]})
    with pytest.raises(DataFormatError, match="unknown acc unit 'furlong'"):
        read_csv(_write(tmp_path, frame))
    frame = pd.DataFrame({"t_s": [0, 0.1], "acc_x_g": [0, 0], "acc_y_ms2": [0, 0], "acc_z_g": [1, 1]})
    with pytest.raises(DataFormatError, match="disagree on the unit"):
        read_csv(_write(tmp_path, frame))


def test_missing_time_needs_rate(tmp_path):
    frame = pd.DataFrame({"acc_x_g": [0, 0, 0], "acc_y_g": [0, 0, 0], "acc_z_g": [1, 1, 1]})
    path = _write(tmp_path, frame)
    with pytest.raises(DataFormatError, match="missing time column.*--rate-hz"):
        read_csv(path)
    assert read_csv(path, rate_hz=50).time_s == pytest.approx([0, 0.02, 0.04])


def test_non_numeric_value_names_the_line(tmp_path):
    frame = pd.DataFrame({"t_s": [0, 0.1, 0.2], "acc_x_g": ["0", "x", "0"], "acc_y_g": [0, 0, 0], "acc_z_g": [1, 1, 1]})
    with pytest.raises(DataFormatError, match="non-numeric value .x. in column acc_x_g on line 3"):
        read_csv(_write(tmp_path, frame))


def test_long_table_needs_a_recording_id(tmp_path):
    frame = pd.DataFrame(
        {
            "recording_id": ["a", "a", "b", "b"],
            "label": ["x", "x", "y", "y"],
            "t_s": [0, 0.1] * 2,
            "acc_x_g": 0.0,
            "acc_y_g": 0.0,
            "acc_z_g": 1.0,
        }
    )
    path = _write(tmp_path, frame)
    with pytest.raises(DataFormatError, match="holds 2 recordings.*--recording"):
        read_csv(path)
    with pytest.raises(DataFormatError, match="no recording 'c'"):
        read_csv(path, recording="c")
    assert len(read_csv(path, recording="b")) == 2
    labelled = load_labelled_csv(path)
    assert [(d.recording_id, d.label) for d in labelled] == [("a", "x"), ("b", "y")]
    with pytest.raises(DataFormatError, match=r"missing column\(s\) person"):
        load_labelled_csv(path, group_col="person")


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_csv(tmp_path / "nope.csv")


def test_barbell_deduplication_prefers_non_e_and_first_version():
    files = pd.DataFrame(
        {
            "file_id": ["F1", "F2", "F3", "F4", "F5", "F6", "F7"],
            "recording_id": ["R1", "R1", "R2", "R2", "R3", "R3", "R4"],
            "participant": ["E", "E", "A", "A", "A", "A", "C"],
            "sensor": ["accelerometer", "gyroscope"] * 3 + ["accelerometer"],
            "version_suffix": ["1.4.4"] * 7,
            "same_data_as": ["F3", "F4", "F1", "F2", None, None, None],
        }
    )
    # R1 (E) copies R2 (A): keep R2; R3 unique; R4 has no gyroscope file
    assert barbell_unique_recordings(files) == ["R2", "R3"]


def _sine_frame(seconds=5.0, rate=100.0):
    t = np.arange(int(seconds * rate)) / rate
    return pd.DataFrame({"t_s": t, "acc_x_g": np.sin(t), "acc_y_g": 0.25, "acc_z_g": 1.0})


def test_semicolon_separator_with_decimal_commas(tmp_path):
    frame = _sine_frame()
    path = tmp_path / "excel.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    assert "0,01;" in path.read_text()  # the file really has decimal commas
    rec = read_csv(path)
    assert len(rec) == len(frame)
    assert rec.acc_mps2[:, 0] == pytest.approx(np.sin(frame["t_s"]) * G, abs=1e-9)
    assert rec.rate_hz == pytest.approx(100.0)
    assert rec.notes == ()


def test_tab_separator_with_decimal_points(tmp_path):
    frame = _sine_frame()
    path = tmp_path / "tabs.csv"
    frame.to_csv(path, sep="\t", index=False)
    assert read_csv(path).acc_mps2[:, 1] == pytest.approx(np.full(len(frame), 0.25 * G))


def test_short_gaps_of_empty_cells_are_interpolated_with_a_note(tmp_path):
    frame = _sine_frame()
    frame.loc[10, "acc_x_g"] = np.nan  # one cell
    frame.loc[50:52, "acc_y_g"] = np.nan  # three cells: 0.03 s at 100 Hz
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    text = path.read_text().splitlines()
    assert text[11].split(",")[1] == ""  # an empty cell on line 12
    rec = read_csv(path)
    assert len(rec) == len(frame)
    assert rec.acc_mps2[10, 0] == pytest.approx(G * (np.sin(0.09) + np.sin(0.11)) / 2, abs=1e-9)
    assert rec.acc_mps2[50:53, 1] == pytest.approx(np.full(3, 0.25 * G))
    assert rec.timing.ok
    (note,) = rec.notes
    assert note.startswith("4 empty cell(s) in 2 gap(s) of at most 0.1 s filled by linear interpolation")
    assert "line 12" in note


def test_long_gaps_of_empty_cells_split_the_recording(tmp_path):
    frame = _sine_frame()
    frame.loc[200:260, "acc_z_g"] = np.nan  # 0.61 s
    frame["acc_x_g"] = frame["acc_x_g"].astype(object)
    frame.loc[0, "acc_x_g"] = "NaN"  # written out, at the start: nothing to interpolate from
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    rec = read_csv(path, max_gap_s=0.1)
    assert len(rec) == len(frame) - 62
    assert len(rec.timing.gaps) == 1
    assert [len(s) for s in rec.segments()] == [199, 239]
    assert "62 row(s) with empty cells in 2 gap(s) longer than 0.1 s (or at an end) left out" in rec.notes[0]
    assert "first on line 2" in rec.notes[0]
    # a longer limit fills the same hole
    assert len(read_csv(path, max_gap_s=1.0)) == len(frame) - 1


def test_an_all_empty_column_is_an_error(tmp_path):
    frame = _sine_frame()
    frame["acc_y_g"] = np.nan
    with pytest.raises(DataFormatError, match="column acc_y_g has no values") as info:
        read_csv(_write(tmp_path, frame))
    assert "rec.csv" in str(info.value)


def test_shuffled_rows_are_sorted_with_a_note(tmp_path):
    frame = _sine_frame()
    path = _write(tmp_path, frame.sample(frac=1.0, random_state=0))
    rec = read_csv(path)
    assert rec.time_s == pytest.approx(frame["t_s"].to_numpy())
    assert rec.acc_mps2[:, 0] == pytest.approx(np.sin(frame["t_s"]) * G)
    assert rec.timing.ok  # no gaps, no backward stamps left
    (note,) = rec.notes
    assert note.startswith("rows were not in time order") and "sorted by t_s" in note


def test_one_swapped_pair_in_jittery_stamps_is_sorted(tmp_path):
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.006, 0.014, 400))
    t[[100, 101]] = t[[101, 100]]
    frame = pd.DataFrame({"t_s": t, "acc_x_g": 0.0, "acc_y_g": 0.0, "acc_z_g": 1.0})
    rec = read_csv(_write(tmp_path, frame))
    assert np.all(np.diff(rec.time_s) > 0)
    assert "1 step(s) back, first on line 103" in rec.notes[0]


def test_two_overlapping_clocks_are_an_error_naming_the_line(tmp_path):
    frame = _sine_frame()
    reset = pd.concat([frame, frame.assign(t_s=frame["t_s"] + 2.5)])  # the clock went back 2.5 s
    with pytest.raises(DataFormatError, match=r"time goes back on line 502 \(t_s 2.5 after 4.99\)") as info:
        read_csv(_write(tmp_path, reset))
    assert "do not sort into one timeline" in str(info.value) and "rec.csv" in str(info.value)
