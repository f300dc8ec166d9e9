"""OpenSim text formats: TRC marker files and MOT motion (angle) files, written atomically, and readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.errors import DataFormatError
from sportlens.io.atomic import atomic_path


def _fmt(value: float) -> str:
    return "NaN" if not np.isfinite(value) else f"{value:.6f}"


def write_trc(target: str | Path, time_s: np.ndarray, markers: dict[str, np.ndarray], rate_hz: float,
              units: str = "m") -> Path:
    """Write markers {name: (N, 3) array} as an OpenSim TRC file (Y up is the caller's job); NaN = missing."""
    target = Path(target)
    names = list(markers)
    n = len(time_s)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{target.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate_hz:.6f}\t{rate_hz:.6f}\t{n}\t{len(names)}\t{units}\t{rate_hz:.6f}\t1\t{n}",
        "Frame#\tTime\t" + "\t".join(f"{name}\t\t" for name in names).rstrip("\t"),
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(names) + 1)),
        "",
    ]
    stacked = np.concatenate([np.asarray(markers[name], float).reshape(n, 3) for name in names], axis=1)
    for i in range(n):
        lines.append(f"{i + 1}\t{time_s[i]:.6f}\t" + "\t".join(_fmt(v) for v in stacked[i]))
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def read_trc(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray], float]:
    """Read a TRC file: (time_s (N,), {marker: (N, 3)}, rate_hz)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) < 6 or not lines[0].startswith("PathFileType"):
        raise DataFormatError("not a TRC marker file", path, "expected a 'PathFileType' header line")
    rate = float(lines[2].split("\t")[0])
    names = [c for c in lines[3].split("\t")[2:] if c]
    rows = [line.split("\t") for line in lines[5:] if line.strip()]
    data = np.array([[float(v) for v in row] for row in rows])
    time_s = data[:, 1]
    markers = {name: data[:, 2 + 3 * i: 5 + 3 * i] for i, name in enumerate(names)}
    return time_s, markers, rate


def write_mot(target: str | Path, table: pd.DataFrame, time_column: str = "time_s", in_degrees: bool = True) -> Path:
    """Write a table (a time column plus value columns) as an OpenSim .mot motion file."""
    target = Path(target)
    columns = [c for c in table.columns if c != time_column]
    header = [
        target.name,
        "version=1",
        f"nRows={len(table)}",
        f"nColumns={len(columns) + 1}",
        f"inDegrees={'yes' if in_degrees else 'no'}",
        "endheader",
        "time\t" + "\t".join(columns),
    ]
    values = table[[time_column, *columns]].to_numpy(dtype=float)
    body = ["\t".join(_fmt(v) for v in row) for row in values]
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    return target


def read_mot(path: str | Path) -> pd.DataFrame:
    """Read an OpenSim .mot/.sto file into a DataFrame (first column 'time')."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        end = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
    except StopIteration:
        raise DataFormatError("not an OpenSim motion file", path, "expected an 'endheader' line") from None
    columns = lines[end + 1].split("\t")
    rows = [[float(v) for v in line.split("\t")] for line in lines[end + 2:] if line.strip()]
    return pd.DataFrame(rows, columns=columns)
