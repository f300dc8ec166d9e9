"""Skeleton sequences for action recognition: the 13-joint set of Penn Action, readers (Penn Action .mat
files, sportlens pose outputs, videos through the pose pipeline), normalisation and the model's features.

A clip is normalised so that it does not depend on where the athlete stands or how large they appear:
centred on the median mid-hip over the clip, scaled by the median torso length (mid-shoulder to mid-hip;
the overall spread when no torso is visible). Left/right mirroring (x negated, left and right joints
swapped) is the training augmentation and the test-time average, so the model does not depend on which
way the athlete faces or on a data set's left/right convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sportlens.errors import DataFormatError

JOINTS = ("head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
          "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
MIRROR = tuple(JOINTS.index(n.replace("left", "#").replace("right", "left").replace("#", "right")) for n in JOINTS)
# BlazePose name for each joint (the pose pipeline's keypoints)
FROM_BLAZEPOSE = {"head": "nose", **{n: n for n in JOINTS if n != "head"}}
# bones (from, to): the limbs, the shoulder and hip lines, the trunk sides and the head on the shoulders
BONES = (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"), ("left_shoulder", "left_hip"),
         ("right_shoulder", "right_hip"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"), ("left_hip", "left_knee"),
         ("left_knee", "left_ankle"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
         ("left_shoulder", "head"))
FEATURE_VERSION = 2
# per step: joint x, y and their velocity (4 x 13), bone vectors and their velocity (4 x 13), log duration (1)
N_FEATURES = 4 * len(JOINTS) + 4 * len(BONES) + 1


@dataclass(frozen=True)
class SkeletonClip:
    """One sequence: xy (T, 13, 2) pixels, NaN where a joint is not visible; label (None when unknown);
    split ('train', 'test' or None), source (file or folder), fps."""

    xy: np.ndarray
    label: str | None
    source: str
    split: str | None = None
    fps: float = 30.0

    def __post_init__(self) -> None:
        if self.xy.ndim != 3 or self.xy.shape[1:] != (len(JOINTS), 2):
            raise ValueError(f"skeleton of shape {self.xy.shape}, expected (T, {len(JOINTS)}, 2)")


def read_penn_action(path: Path) -> SkeletonClip:
    """One Penn Action label file (scipy .mat: action, x, y, visibility, train)."""
    from scipy.io import loadmat

    try:
        mat = loadmat(path)
        x, y = np.asarray(mat["x"], float), np.asarray(mat["y"], float)
        visible = np.asarray(mat["visibility"]).astype(bool)
        label = str(np.asarray(mat["action"]).ravel()[0])
        train = int(np.asarray(mat["train"]).ravel()[0])
    except (KeyError, ValueError, OSError, IndexError) as exc:
        raise DataFormatError(f"not a Penn Action label file ({type(exc).__name__}: {exc})", path,
                              "expected a .mat with action, x, y, visibility and train") from None
    if x.shape != y.shape or x.ndim != 2 or x.shape[1] != len(JOINTS):
        raise DataFormatError(f"x/y of shape {x.shape}/{y.shape}, expected (frames, 13)", path)
    xy = np.stack([x, y], axis=-1)
    xy[~visible] = np.nan
    return SkeletonClip(xy, label, str(path), "train" if train == 1 else "test")


def from_pose(xy_px: np.ndarray, names: tuple[str, ...], visibility: np.ndarray, min_visibility: float = 0.5
              ) -> np.ndarray:
    """(T, 13, 2) joints from a pose sequence's keypoints (T, K, 2) named `names`; weak keypoints are NaN."""
    out = np.full((len(xy_px), len(JOINTS), 2), np.nan)
    for j, joint in enumerate(JOINTS):
        k = names.index(FROM_BLAZEPOSE[joint])
        ok = visibility[:, k] >= min_visibility
        out[ok, j] = xy_px[ok, k]
    return out


def read_keypoints_csv(path: Path) -> tuple[np.ndarray, float]:
    """Joints (T, 13, 2) and fps from a `sportlens pose` keypoints.csv (frame, time_s, keypoint, x_px, y_px,
    visibility ...)."""
    import pandas as pd

    try:
        table = pd.read_csv(path)
        wide_x = table.pivot_table(index="frame", columns="keypoint", values="x_px", dropna=False)
        wide_y = table.pivot_table(index="frame", columns="keypoint", values="y_px", dropna=False)
        times = table.groupby("frame")["time_s"].first()
    except (KeyError, ValueError, pd.errors.ParserError) as exc:
        raise DataFormatError(f"not a sportlens keypoints.csv ({exc})", path, "give the file written by "
                              "`sportlens pose`") from None
    missing = [FROM_BLAZEPOSE[j] for j in JOINTS if FROM_BLAZEPOSE[j] not in wide_x.columns]
    if missing:
        raise DataFormatError(f"keypoints missing: {', '.join(missing)}", path)
    xy = np.stack([np.stack([wide_x[FROM_BLAZEPOSE[j]].to_numpy(float), wide_y[FROM_BLAZEPOSE[j]].to_numpy(float)],
                            axis=-1) for j in JOINTS], axis=1)
    dt = np.diff(times.to_numpy(float))
    fps = float(1 / np.median(dt)) if dt.size and np.median(dt) > 0 else 30.0
    return xy, fps


def fill_gaps(xy: np.ndarray) -> np.ndarray:
    """Missing joints filled along time (linear inside, nearest at the ends); a joint never seen stays NaN."""
    out = xy.copy()
    t = np.arange(len(xy))
    for j in range(xy.shape[1]):
        for c in range(2):
            v = out[:, j, c]
            ok = np.isfinite(v)
            if ok.any() and not ok.all():
                v[~ok] = np.interp(t[~ok], t[ok], v[ok])
    return out


def normalise(xy: np.ndarray) -> np.ndarray:
    """Centre on the median mid-hip and scale by the median torso length (see the module docstring);
    joints never seen become 0 (the centre)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN joints (a clip without a torso) are handled below
        return _normalise(fill_gaps(xy))


def _normalise(xy: np.ndarray) -> np.ndarray:
    hips = (xy[:, JOINTS.index("left_hip")] + xy[:, JOINTS.index("right_hip")]) / 2
    shoulders = (xy[:, JOINTS.index("left_shoulder")] + xy[:, JOINTS.index("right_shoulder")]) / 2
    centre = np.nanmedian(hips, axis=0) if np.isfinite(hips).any() else np.nanmedian(xy.reshape(-1, 2), axis=0)
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    scale = np.nanmedian(torso) if np.isfinite(torso).any() else np.nan
    if not np.isfinite(scale) or scale < 1e-6:
        spread = np.nanstd(xy.reshape(-1, 2), axis=0)
        scale = float(np.nanmax(spread)) if np.isfinite(spread).any() and np.nanmax(spread) > 1e-6 else 1.0
    if not np.isfinite(centre).all():
        centre = np.zeros(2)
    out = (xy - centre) / scale
    return np.nan_to_num(out, nan=0.0)


def resample(xy: np.ndarray, frames: int, start: float = 0.0, stop: float = 1.0) -> np.ndarray:
    """The stretch [start, stop) of a (T, J, 2) sequence (fractions of its length) resampled to `frames`."""
    n = len(xy)
    if n == 1:
        return np.repeat(xy, frames, axis=0)
    src = np.linspace(start * (n - 1), stop * (n - 1), frames)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (src - lo)[:, None, None]
    return xy[lo] * (1 - w) + xy[hi] * w


def mirror(xy: np.ndarray) -> np.ndarray:
    """Left/right mirror image of normalised joints (..., T, 13, 2): x negated, left and right swapped."""
    out = xy[..., MIRROR, :].copy()
    out[..., 0] *= -1
    return out


def features(xy: np.ndarray, duration_s: float | np.ndarray = 2.0) -> np.ndarray:
    """Model input (..., N_FEATURES, T) from normalised, resampled joints (..., T, 13, 2): joint positions,
    bone vectors, the step-to-step velocity of both, and one constant channel log(duration in s) that keeps
    the clip's speed, which resampling to a fixed number of steps removes. duration_s: scalar or (...,)."""
    a = np.array([JOINTS.index(f) for f, _ in BONES])
    b = np.array([JOINTS.index(t) for _, t in BONES])
    bones = xy[..., b, :] - xy[..., a, :]
    parts = []
    for values in (xy, bones):
        velocity = np.diff(values, axis=-3, prepend=values[..., :1, :, :])
        parts.append(np.concatenate([values, velocity], axis=-1))  # (..., T, n, 4)
    both = np.concatenate(parts, axis=-2)
    t, n = both.shape[-3], both.shape[-2]
    flat = np.swapaxes(both.reshape(*both.shape[:-3], t, n * 4), -1, -2)
    duration = np.log(np.maximum(np.asarray(duration_s, float), 1e-3))
    dur = np.broadcast_to(np.asarray(duration)[..., None, None], (*flat.shape[:-2], 1, t))
    return np.concatenate([flat, dur], axis=-2).astype(np.float32)
