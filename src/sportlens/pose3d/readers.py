"""2D keypoints per camera for triangulation: a `sportlens pose` output folder (keypoints.csv) or a folder of
OpenPose JSON files (one per frame, any number of people), as candidates per frame."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.errors import DataFormatError, InputFileError
from sportlens.pose.keypoints import BLAZEPOSE_33, COCO_17, OPENPOSE_BODY_25

# keypoint sets by name: the order of the values in a detector's output (names as in the rest of sportlens)
KEYPOINT_SETS: dict[str, tuple[str, ...]] = {
    "blazepose_33": BLAZEPOSE_33,
    "coco_17": COCO_17,
    "body_25": tuple(n if n is not None else ("left_small_toe" if i == 20 else "right_small_toe")
                     for i, n in enumerate(OPENPOSE_BODY_25)),
    "body_25b": COCO_17 + ("neck", "head_top", "left_foot_index", "left_small_toe", "left_heel", "right_foot_index",
                           "right_small_toe", "right_heel"),
    "halpe_26": COCO_17 + ("head_top", "neck", "mid_hip", "left_foot_index", "right_foot_index", "left_small_toe",
                           "right_small_toe", "left_heel", "right_heel"),
}
# a JSON folder names no keypoint set: its length decides (25 is OpenPose's default BODY_25; say body_25b if not)
BY_LENGTH = {33: "blazepose_33", 17: "coco_17", 25: "body_25", 26: "halpe_26"}


@dataclass
class CameraKeypoints:
    """One camera's 2D detections: frames (N,) frame numbers, people[i] an (P_i, K, 3) array of x_px, y_px,
    confidence per candidate person in frame i (P_i may be 0), the keypoint names and the frame rate if known."""

    folder: Path
    names: tuple[str, ...]
    frames: np.ndarray
    people: list[np.ndarray]
    fps: float | None = None

    def __len__(self) -> int:
        return len(self.frames)


def _natural_key(path: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]


def read_camera_keypoints(folder: str | Path, keypoint_set: str = "auto") -> CameraKeypoints:
    """A pose output folder (keypoints.csv) or a folder of OpenPose JSON files as CameraKeypoints."""
    folder = Path(folder)
    if not folder.exists():
        raise InputFileError("camera folder not found", folder,
                             "give one folder per camera: a sportlens pose output or OpenPose JSON files")
    if folder.is_file() and folder.name == "keypoints.csv":
        folder = folder.parent
    if not folder.is_dir():
        raise InputFileError("not a folder", folder, "give one folder per camera (sportlens pose output or JSON)")
    if (folder / "keypoints.csv").is_file():
        return _read_keypoints_csv(folder, keypoint_set)
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() == ".json" and p.name != "summary.json"),
                   key=_natural_key)
    if not files:
        raise InputFileError("folder has neither keypoints.csv nor OpenPose JSON files", folder,
                             "give a sportlens pose output folder or a folder of per-frame OpenPose JSON files")
    return _read_openpose(folder, files, keypoint_set)


def _read_openpose(folder: Path, files: list[Path], keypoint_set: str) -> CameraKeypoints:
    people: list[np.ndarray] = []
    length = None
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            persons = [np.asarray(p["pose_keypoints_2d"], dtype=float) for p in document.get("people", [])]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError):
            raise DataFormatError("not an OpenPose keypoint file (people[].pose_keypoints_2d)", path,
                                  "give OpenPose JSON files (one per frame)") from None
        persons = [p for p in persons if p.size]
        for p in persons:
            if p.size % 3 or (length is not None and p.size != length):
                raise DataFormatError(f"pose_keypoints_2d holds {p.size} values; expected "
                                      f"{length if length else 'x, y, confidence triples'}", path,
                                      "every person needs the same keypoints (x, y, confidence each)")
            length = p.size
        array = np.stack([p.reshape(-1, 3) for p in persons]) if persons else None
        people.append(array)
    if length is None:
        raise DataFormatError(f"no person in any of {len(files)} JSON files", folder,
                              "check the 2D pose step found people in this camera")
    k = length // 3
    names = _keypoint_names(keypoint_set, k, folder)
    out = []
    for array in people:
        if array is None:
            out.append(np.zeros((0, k, 3)))
            continue
        missing = array[..., 2] <= 0  # OpenPose writes 0, 0, 0 for a keypoint it did not find
        array[missing] = np.nan
        array[..., 2][missing] = 0.0
        out.append(array)
    return CameraKeypoints(folder, names, np.arange(len(files)), out, None)


def _keypoint_names(keypoint_set: str, k: int, where: Path) -> tuple[str, ...]:
    if keypoint_set == "auto":
        if k not in BY_LENGTH:
            raise DataFormatError(f"{k} keypoints per person match no known keypoint set", where,
                                  f"give --keypoint-set ({', '.join(KEYPOINT_SETS)}) of the same length")
        keypoint_set = BY_LENGTH[k]
    names = KEYPOINT_SETS[keypoint_set]
    if len(names) != k:
        raise DataFormatError(f"{k} keypoints per person, but {keypoint_set} has {len(names)}", where,
                              "give the --keypoint-set the 2D detector used")
    return names


def _read_keypoints_csv(folder: Path, keypoint_set: str) -> CameraKeypoints:
    path = folder / "keypoints.csv"
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"keypoints file is not a CSV table ({exc})", path, "rerun sportlens pose") from None
    needed = ("frame", "keypoint", "x_px", "y_px", "visibility")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataFormatError(f"keypoints file has no column {', '.join(missing)}", path,
                              "give the keypoints.csv of a sportlens pose output folder")
    if table.empty:
        raise DataFormatError("keypoints file has no rows", path, "check the pose run found a person")
    if "person_id" not in table.columns:
        table["person_id"] = 0
    names = tuple(dict.fromkeys(table["keypoint"].astype(str)))
    if keypoint_set != "auto" and tuple(KEYPOINT_SETS[keypoint_set]) != names:
        raise DataFormatError(f"keypoints are {len(names)} named points, not {keypoint_set}", path,
                              "leave --keypoint-set at auto for sportlens pose outputs")
    frames = np.arange(int(table["frame"].min()), int(table["frame"].max()) + 1)  # a frame without rows: nobody
    index = {f: i for i, f in enumerate(frames)}
    kindex = {n: j for j, n in enumerate(names)}
    people: list[list[np.ndarray]] = [[] for _ in frames]
    for (frame, _pid), rows in table.groupby(["frame", "person_id"], sort=True):
        person = np.full((len(names), 3), np.nan)
        person[:, 2] = 0.0
        j = rows["keypoint"].astype(str).map(kindex).to_numpy()
        person[j, 0] = rows["x_px"].to_numpy(float)
        person[j, 1] = rows["y_px"].to_numpy(float)
        person[j, 2] = np.nan_to_num(rows["visibility"].to_numpy(float))
        person[~np.isfinite(person[:, :2]).all(axis=1), 2] = 0.0
        people[index[frame]].append(person)
    fps = None
    if "time_s" in table.columns:
        times = table.groupby("frame")["time_s"].first()
        steps = np.diff(times.to_numpy(float)) / np.maximum(np.diff(times.index.to_numpy()), 1)
        if len(steps) and np.median(steps) > 0:
            fps = float(1.0 / np.median(steps))
    return CameraKeypoints(folder, names, frames.astype(int),
                           [np.stack(p) if p else np.zeros((0, len(names), 3)) for p in people], fps)
