"""Read IMU CSV files into `ImuRecording`s: a generic CSV reader and one reader per shared data set.

Column units are read from the name suffix (`acc_x_g`, `gyr_x_dps` ...) through the tables below; a
column without a suffix needs an explicit unit. Readers validate at the edge and raise DataFormatError
naming the file and the missing or ambiguous columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sportlens.constants import STANDARD_GRAVITY
from sportlens.errors import DataFormatError, InputFileError
from sportlens.imu.recording import ImuRecording, merge_streams

# unit suffix -> factor to SI, per stream (definitions as data: a new unit is one row)
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "acc": {"g": STANDARD_GRAVITY, "ms2": 1.0, "mps2": 1.0},
    "gyro": {"dps": np.pi / 180.0, "degs": np.pi / 180.0, "rads": 1.0, "rps": 1.0},
    "mag": {"ut": 1.0, "mt": 1000.0, "gauss": 100.0},
}
STREAM_PREFIXES = {"acc": "acc", "accel": "acc", "gyr": "gyro", "gyro": "gyro", "mag": "mag"}
# time column -> factor to seconds, in order of preference
TIME_COLUMNS = {"t_s": 1.0, "time_s": 1.0, "timestamp_s": 1.0, "time_ms": 1e-3, "epoch_ms": 1e-3, "timestamp_ms": 1e-3}
_COLUMN = re.compile(r"^(acc|accel|gyr|gyro|mag)_([xyz])(?:_([a-z0-9]+))?$")


@dataclass(frozen=True)
class LabelledRecording:
    """A recording from a labelled data set: `label` is the class, `group` the person (or block) to split by."""

    recording: ImuRecording
    label: str
    group: str
    recording_id: str
    meta: dict = field(default_factory=dict)


SEPARATORS = (",", ";", "\t")
_DECIMAL_COMMA = re.compile(r"(^|[;\t])\s*-?\d+,\d+\s*($|[;\t])")


def sniff_csv(path: Path) -> dict[str, str]:
    """The separator (the one the header line uses most: `,` `;` or tab) and the decimal mark of a CSV: a
    `;`- or tab-separated file whose cells read like `9,81` has decimal commas (as spreadsheets in many
    European locales write them). Returns keyword arguments for pandas.read_csv."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            lines = [line.rstrip("\r\n") for _, line in zip(range(50), handle, strict=False)]
    except (OSError, EOFError):
        return {}  # pandas gives the error message
    if not lines:
        return {}
    sep = max(SEPARATORS, key=lambda c: lines[0].count(c))
    if sep == "," or not lines[0].count(sep):
        return {}
    decimal = "," if any(_DECIMAL_COMMA.search(line) for line in lines[1:]) else "."
    return {"sep": sep, "decimal": decimal}


def _open_csv(path: Path):
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputFileError("file not found", path, "check the path")
    if path.is_dir():
        raise InputFileError("expected a CSV file, got a folder", path)
    if path.stat().st_size == 0:
        raise InputFileError("the file is empty", path, "export the recording again")
    try:
        frame = pd.read_csv(path, **sniff_csv(path))
    except Exception as exc:  # pandas raises several types for unreadable files
        raise DataFormatError(f"cannot read CSV ({type(exc).__name__}: {exc})", path) from None
    if frame.empty:
        raise DataFormatError("the CSV has no rows", path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def detect_columns(columns: list[str]) -> dict[str, dict]:
    """Map each stream found in the header to its x/y/z columns and unit suffix (None when absent).

    Returns {"acc": {"columns": [...], "unit": "g"}, ...}; raises ValueError naming a stream whose
    axes are incomplete or whose axes disagree on the unit.
    """
    found: dict[str, dict[str, tuple[str, str | None]]] = {}
    for name in columns:
        m = _COLUMN.match(name.lower())
        if m:
            stream = STREAM_PREFIXES[m.group(1)]
            found.setdefault(stream, {})[m.group(2)] = (name, m.group(3))
    out = {}
    for stream, axes in found.items():
        missing = [f"{stream}_{a}" for a in "xyz" if a not in axes]
        if missing:
            raise ValueError(f"missing column(s) {', '.join(missing)}")
        units = {axes[a][1] for a in "xyz"}
        if len(units) != 1:
            raise ValueError(f"{stream} columns disagree on the unit: {', '.join(axes[a][0] for a in 'xyz')}")
        out[stream] = {"columns": [axes[a][0] for a in "xyz"], "unit": units.pop()}
    return out


def _factor(stream: str, unit: str | None, path: Path, columns: list[str]) -> float:
    table = UNIT_FACTORS[stream]
    if unit is None:
        raise DataFormatError(
            f"the unit of {', '.join(columns)} is not in the column names",
            path,
            f"rename them with a suffix ({', '.join(table)}) or pass --{stream}-unit",
        )
    if unit not in table:
        raise DataFormatError(
            f"unknown {stream} unit {unit!r} in {columns[0]}", path, f"known units: {', '.join(table)}"
        )
    return table[unit]


def read_csv(
    path: str | Path,
    *,
    recording: str | None = None,
    rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyro_unit: str | None = None,
    mag_unit: str | None = None,
    placement: str = "unknown",
    max_gap_s: float = 0.1,
    frame=None,
) -> ImuRecording:
    """Read one recording from a CSV with a time column (t_s, time_s, epoch_ms ...) and acc_x/y/z columns.

    Units come from column suffixes (`_g`, `_ms2`, `_dps`, `_rads`, `_ut`); explicit `*_unit` options
    override or fill in missing suffixes. Without a time column, `rate_hz` gives t = sample / rate. Empty
    cells are interpolated over runs of at most `max_gap_s`; rows of longer runs are left out (a gap in time);
    rows out of time order are sorted when they sort into one timeline (`ImuRecording.notes` says what was
    done); a time column that goes back otherwise is an error. A long
    table with a `recording_id` column needs `recording` when it holds more than one recording. `frame`: the
    CSV already read (a DataFrame from the same file), so a long table is parsed once; `path` then only names
    it in error messages.
    """

    path = Path(path)
    if frame is None:
        frame = _open_csv(path)
    if "recording_id" in frame.columns:
        ids = list(dict.fromkeys(frame["recording_id"].astype(str)))
        if recording is None and len(ids) > 1:
            shown = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
            raise DataFormatError(
                f"the CSV holds {len(ids)} recordings ({shown})", path, "choose one with --recording ID"
            )
        if recording is not None:
            if recording not in ids:
                raise DataFormatError(f"no recording {recording!r} in the CSV", path, f"known: {', '.join(ids[:10])}")
            frame = frame[frame["recording_id"].astype(str) == recording]
    elif recording is not None:
        raise DataFormatError("--recording given but the CSV has no recording_id column", path)
    try:
        streams = detect_columns(list(frame.columns))
    except ValueError as exc:
        raise DataFormatError(str(exc), path, "the CSV needs acc_x, acc_y, acc_z (+ gyr_x/y/z) columns") from None
    if "acc" not in streams:
        raise DataFormatError(
            "missing column(s) acc_x, acc_y, acc_z", path, "name them acc_x_g / acc_x_ms2 ... (unit suffix)"
        )
    explicit = {"acc": acc_unit, "gyro": gyro_unit, "mag": mag_unit}
    lines = frame.index.to_numpy() + 2  # file line of each row: +1 header, +1 one-based
    columns: dict[str, np.ndarray] = {}  # every numeric column read, NaN where a cell is empty
    units: dict[str, str] = {}
    factors: dict[str, float] = {}
    for stream, info in streams.items():
        unit = explicit[stream] or info["unit"]
        factors[stream] = _factor(stream, unit, path, info["columns"])
        units[stream] = unit
        for name in info["columns"]:
            columns[name] = _numeric_column(frame[name], name, path, lines)
    time_col = next((c for c in TIME_COLUMNS if c in frame.columns), None)
    if time_col is not None:
        t = _numeric_column(frame[time_col], time_col, path, lines) * TIME_COLUMNS[time_col]
        units["time"] = time_col
    elif rate_hz:
        t = np.arange(len(frame)) / float(rate_hz)
        units["time"] = f"sample / {rate_hz:g} Hz"
    else:
        raise DataFormatError(
            f"missing time column (one of {', '.join(TIME_COLUMNS)})", path, "add one or pass --rate-hz"
        )
    notes: list[str] = []
    table = np.column_stack([t, *columns.values()])
    table, lines = _time_order(table, lines, time_col or "time", path, notes)
    table, lines = _fill_gaps(table, lines, max_gap_s, rate_hz, path, notes)
    if len(table) < 2:
        raise DataFormatError("the recording has fewer than 2 samples", path)
    t = table[:, 0]
    if time_col is not None and time_col.endswith("_ms"):
        t = t - t[0]
    values: dict[str, np.ndarray] = {}
    k = 1
    for stream in streams:
        values[stream] = table[:, k : k + 3] * factors[stream]
        k += 3
    try:
        return ImuRecording(
            time_s=t,
            acc_mps2=values["acc"],
            gyro_rads=values.get("gyro"),
            mag_ut=values.get("mag"),
            rate_hz=float(rate_hz) if rate_hz else 0.0,
            units=units,
            placement=placement,
            name=recording or path.name,
            notes=tuple(notes),
        )
    except ValueError as exc:
        raise DataFormatError(str(exc), path) from None


def _numeric_column(column, name: str, path: Path, lines: np.ndarray) -> np.ndarray:
    """A column as floats with NaN for empty cells (and NaN/NA written out); text that is not a number is an
    error naming its line, and so is a column without a single value."""
    import pandas as pd

    if column.dtype == object:
        column = column.where(column.astype(str).str.strip() != "", None)
    values = pd.to_numeric(column, errors="coerce")
    wrong = values.isna() & column.notna()
    if wrong.any():
        row = int(np.flatnonzero(wrong.to_numpy())[0])
        raise DataFormatError(f"non-numeric value {column.iloc[row]!r} in column {name} on line {lines[row]}", path,
                              "fix or empty that cell (empty cells are interpolated)")
    out = values.to_numpy(dtype=float)
    if not np.isfinite(out).any():
        raise DataFormatError(f"column {name} has no values", path, "fill it or remove that stream's columns")
    return out


def _time_order(table: np.ndarray, lines: np.ndarray, time_col: str, path: Path, notes: list[str]):
    """Rows sorted by time (column 0) when they are a pure reordering of one timeline, with a note; a
    DataFormatError naming the first backward line when they are not (two overlapping clocks, a reset).

    A reordering is pure when the sorted stamps have no more steps under half the median step than the file
    had in its own order (jitter and duplicated stamps stay allowed): two interleaved timelines make about
    half of all steps short.
    """
    t = table[:, 0]
    known = np.isfinite(t)
    steps = np.diff(t[known])
    if not (steps < 0).any():
        return table, lines
    back = int(np.flatnonzero(steps < 0)[0])
    known_lines = lines[known]
    sorted_steps = np.diff(np.sort(t[known]))
    positive = sorted_steps[sorted_steps > 0]
    median = float(np.median(positive)) if positive.size else 0.0
    short_sorted = int(np.sum(sorted_steps < 0.5 * median))
    short_before = int(np.sum((steps >= 0) & (steps < 0.5 * median)))
    if median <= 0 or short_sorted > short_before + max(2, int(0.01 * steps.size)):
        raise DataFormatError(
            f"time goes back on line {known_lines[back + 1]} ({time_col} {t[known][back + 1]:g} after "
            f"{t[known][back]:g}) and the rows do not sort into one timeline",
            path,
            "split the file where the clock was reset, or fix the time column",
        )
    moved = int(np.sum(steps < 0))
    dropped = int(np.sum(~known))
    order = np.argsort(t[known], kind="stable")
    notes.append(
        f"rows were not in time order ({moved} step(s) back, first on line {known_lines[back + 1]}): sorted by "
        f"{time_col}" + (f"; {dropped} row(s) without a time stamp left out" if dropped else "")
    )
    return table[known][order], known_lines[order]


def _fill_gaps(table: np.ndarray, lines: np.ndarray, max_gap_s: float, rate_hz: float | None, path: Path,
               notes: list[str]):
    """Empty cells: runs of at most `max_gap_s` (in samples at the file's rate) inside a column are filled by
    linear interpolation; rows still missing a value (a longer run, or at either end) are left out, so the
    recording has a gap in time there that every analysis treats as one. Each case adds a note."""
    from sportlens.signals import finite_runs, interpolate_gaps

    missing = ~np.isfinite(table)
    if not missing.any():
        return table, lines
    t = table[:, 0]
    steps = np.diff(t[np.isfinite(t)])
    rate = float(rate_hz) if rate_hz else (1.0 / float(np.median(steps[steps > 0])) if (steps > 0).any() else 1.0)
    limit = int(np.floor(max_gap_s * rate + 1e-9))
    filled = interpolate_gaps(table, limit)
    cells = int(np.sum(missing & np.isfinite(filled)))
    if cells:
        runs = sum(len(finite_runs(missing[:, k] & np.isfinite(filled[:, k]))) for k in range(table.shape[1]))
        first = lines[np.flatnonzero((missing & np.isfinite(filled)).any(axis=1))[0]]
        notes.append(f"{cells} empty cell(s) in {runs} gap(s) of at most {max_gap_s:g} s filled by linear "
                     f"interpolation (first on line {first})")
    keep = np.isfinite(filled).all(axis=1)
    if not keep.all():
        gaps = len(finite_runs(~keep))
        first = lines[np.flatnonzero(~keep)[0]]
        notes.append(f"{int(np.sum(~keep))} row(s) with empty cells in {gaps} gap(s) longer than {max_gap_s:g} s "
                     f"(or at an end) left out, first on line {first}: the recording is split there")
    return filled[keep], lines[keep]


# ---- shared data sets (../shared/data/imu/<folder>) -------------------------------------------------


def _long_table(path: Path, label_col: str, group_col: str, rate_hz: float | None, placement: str, meta_cols=()):
    import pandas as pd

    if not path.exists():
        raise InputFileError("data file not found", path, "check the data folder (see ../shared/data/imu/README.md)")
    frame = pd.read_csv(path)
    streams = detect_columns(list(frame.columns))
    out = []
    for rid, part in frame.groupby("recording_id", sort=False):
        arrays = {s: part[i["columns"]].to_numpy(float) * UNIT_FACTORS[s][i["unit"]] for s, i in streams.items()}
        t = part["t_s"].to_numpy(float) if "t_s" in part else part["sample"].to_numpy(float) / rate_hz
        rec = ImuRecording(
            time_s=t,
            acc_mps2=arrays["acc"],
            gyro_rads=arrays.get("gyro"),
            rate_hz=rate_hz or 0.0,
            units={s: i["unit"] for s, i in streams.items()},
            placement=placement,
            name=str(rid),
        )
        first = part.iloc[0]
        meta = {c: first[c].item() if hasattr(first[c], "item") else first[c] for c in meta_cols}
        out.append(LabelledRecording(rec, str(first[label_col]), str(first[group_col]), str(rid), meta))
    return out


def load_spar(root: Path) -> list[LabelledRecording]:
    """SPAR shoulder exercises (50 Hz wrist watch, acc in g, gyro rad/s); group = subject."""
    return _long_table(root / "imu.csv.gz", "exercise", "subject", 50.0, "wrist", ("side",))


def load_tennis(root: Path) -> list[LabelledRecording]:
    """Tennis wrist MPU-6050 (100 Hz, clips at +-2 g and +-250 deg/s); group = session (no person ids)."""
    return _long_table(root / "imu.csv.gz", "label", "session", 100.0, "wrist")


def load_running(root: Path, rate_hz: float = 100.0) -> list[LabelledRecording]:
    """StrikeWatch running (wrist acc only, no time stamps; rate not stated, ~100 Hz assumed); group = person."""
    return _long_table(root / "imu.csv.gz", "strike", "person", rate_hz, "wrist")


def load_cmj(root: Path) -> list[LabelledRecording]:
    """The one countermovement jump: phone at the chest, 128 Hz; meta holds the force-plate reference."""
    import pandas as pd

    phone = read_csv(root / "phone_chest_imu.csv", rate_hz=128.0, placement="chest")
    jumps = pd.read_csv(root / "jumps.csv").iloc[0].to_dict()
    fp = pd.read_csv(root / "forceplate_vertical_acc.csv")
    meta = {k: (v.item() if hasattr(v, "item") else v) for k, v in jumps.items()}
    meta["forceplate_acc_vert_mps2"] = fp["acc_vert_ms2"].to_numpy(float)
    return [LabelledRecording(phone, "countermovement", "1", str(meta["jump_id"]), meta)]


def barbell_unique_recordings(files) -> list[str]:
    """Recording ids left after dropping duplicated files (the files.csv `same_data_as` groups).

    Per group of identical accelerometer files one is kept, preferring participants other than E (every E
    file copies an A or D file) and the `1.4.4` version over its `1.4.41` copy; recordings without a
    gyroscope file are dropped.
    """
    acc = files[files["sensor"] == "accelerometer"].copy()
    with_gyro = set(files.loc[files["sensor"] == "gyroscope", "recording_id"])
    acc["rank"] = list(
        zip(acc["participant"] == "E", acc["version_suffix"].astype(str) != "1.4.4", acc["file_id"], strict=True)
    )
    acc = acc.sort_values("rank")
    seen: set[str] = set()
    keep = []
    for row in acc.itertuples():
        dupes = set() if not isinstance(row.same_data_as, str) else set(re.split(r"[;,| ]+", row.same_data_as))
        if row.file_id in seen or dupes & seen:
            seen.add(row.file_id)
            continue
        seen.add(row.file_id)
        seen.update(dupes)
        if row.recording_id in with_gyro:
            keep.append(row.recording_id)
    return keep


def load_barbell(root: Path, rate_hz: float = 25.0, deduplicate: bool = True) -> list[LabelledRecording]:
    """Barbell MetaMotion wristband (acc 12.5 Hz in g, gyro 25 Hz in deg/s), merged on epoch_ms at `rate_hz`.

    label = exercise, group = participant; meta has category, the protocol rep count (heavy 5, medium 10).
    """
    import pandas as pd

    for name in ("files.csv", "accelerometer.csv.gz", "gyroscope.csv.gz"):
        if not (root / name).exists():
            raise InputFileError("data file not found", root / name, "see ../shared/data/imu/README.md")
    files = pd.read_csv(root / "files.csv")
    keep = barbell_unique_recordings(files) if deduplicate else sorted(set(files["recording_id"]))
    acc = pd.read_csv(root / "accelerometer.csv.gz")
    gyro = pd.read_csv(root / "gyroscope.csv.gz")
    acc_by, gyro_by = dict(tuple(acc.groupby("recording_id"))), dict(tuple(gyro.groupby("recording_id")))
    protocol_reps = {"heavy": 5, "medium": 10}
    out = []
    for rid in keep:
        if rid not in acc_by or rid not in gyro_by:
            continue
        a, g = acc_by[rid], gyro_by[rid]
        t0 = min(a["epoch_ms"].min(), g["epoch_ms"].min())
        rec = merge_streams(
            (a["epoch_ms"].to_numpy(float) - t0) / 1000.0,
            a[["acc_x_g", "acc_y_g", "acc_z_g"]].to_numpy(float) * STANDARD_GRAVITY,
            (g["epoch_ms"].to_numpy(float) - t0) / 1000.0,
            np.deg2rad(g[["gyr_x_dps", "gyr_y_dps", "gyr_z_dps"]].to_numpy(float)),
            rate_hz=rate_hz,
            units={"acc": "g", "gyro": "dps", "time": "epoch_ms"},
            placement="wrist",
            name=rid,
        )
        first = a.iloc[0]
        category = str(first["category"])
        meta = {"category": category, "protocol_reps": protocol_reps.get(category)}
        out.append(LabelledRecording(rec, str(first["exercise"]), str(first["participant"]), rid, meta))
    return out


@dataclass(frozen=True)
class DataSet:
    """A shared data set: its folder name under ../shared/data/imu, loader and what its labels/groups are."""

    folder: str
    load: Callable[[Path], list[LabelledRecording]]
    label: str
    group: str


DATASETS: dict[str, DataSet] = {
    "spar": DataSet("spar", load_spar, "exercise", "subject"),
    "tennis": DataSet("tennis-wrist", load_tennis, "stroke", "session"),
    "barbell": DataSet("barbell", load_barbell, "exercise", "participant"),
    "running": DataSet("running", load_running, "foot strike", "person"),
    "cmj": DataSet("cmj", load_cmj, "jump type", "person"),
}


def load_dataset(name: str, root: str | Path) -> list[LabelledRecording]:
    """Load a shared data set by name from its folder `root` (e.g. ../shared/data/imu/spar)."""
    if name not in DATASETS:
        raise DataFormatError(f"unknown data set {name!r}", hint=f"choose one of: {', '.join(DATASETS)}")
    root = Path(root)
    if not root.is_dir():
        raise InputFileError("data folder not found", root, "point to the set's folder under ../shared/data/imu/")
    return DATASETS[name].load(root)


def guess_dataset(root: str | Path) -> str | None:
    """The data set name whose folder name matches `root`'s last part, if any."""
    last = Path(root).name
    return next((n for n, d in DATASETS.items() if d.folder == last), None)


def load_labelled_csv(
    path: str | Path, label_col: str = "label", group_col: str | None = None, rate_hz: float | None = None
) -> list[LabelledRecording]:
    """A generic long CSV: recording_id, a label column, optional group column (and `side`, left/right, for
    mirroring), time and acc/gyro columns."""
    path = Path(path)
    frame = _open_csv(path)
    needed = ["recording_id", label_col] + ([group_col] if group_col else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataFormatError(f"missing column(s) {', '.join(missing)}", path, "a labelled CSV needs them")
    out = []
    for rid in dict.fromkeys(frame["recording_id"].astype(str)):
        rec = read_csv(path, frame=frame, recording=rid, rate_hz=rate_hz)
        part = frame[frame["recording_id"].astype(str) == rid].iloc[0]
        group = str(part[group_col]) if group_col else rid
        meta = {"side": str(part["side"])} if "side" in frame.columns else {}
        out.append(LabelledRecording(rec, str(part[label_col]), group, rid, meta))
    return out
