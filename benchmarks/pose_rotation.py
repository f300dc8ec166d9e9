"""Angle accuracy on a known motion: full-body photos turned by a known angle over time.

Each yoga8 'mountain' (standing) photo becomes a 2 s, 30 fps clip in memory, swaying +-20 deg about the
image centre (a sinusoid, one period). BlazePose runs in tracking mode as on a video and the trunk-lean
angle is computed with sportlens' definition. Turning the image by a degrees turns the trunk by exactly
a degrees, so the measured change of trunk lean should equal the applied rotation: we report per photo
the gain (slope of measured vs applied; 1 = exact) and the RMSE of (measured - first) - (applied - first).
The same holds for the shoulder line (shoulder_tilt). Three views: the photo as it is (front), the photo
mirrored left-right (a real image BlazePose has not seen), and a simulated back view (the front view's
left/right labels swapped, which is what BlazePose reports for an athlete filmed from behind: the right
shoulder then sits on the image's right). Before the tilt angles were folded into [-90, 90), the back
view read about -180 deg; now it must read near 0 and follow the rotation like the front view.

    .venv/bin/python benchmarks/pose_rotation.py [--limit N] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.pose.angles import ANGLES, compute_angle  # noqa: E402
from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced  # noqa: E402
from sportlens.pose.keypoints import BLAZEPOSE_33  # noqa: E402
from sportlens.video.decode import read_image  # noqa: E402

SECTION = "Pose (issue 2)"
TRUNK = next(d for d in ANGLES if d.name == "trunk_lean")
TILT = next(d for d in ANGLES if d.name == "shoulder_tilt")


def sway(image: np.ndarray, frames: int = 60, amplitude_deg: float = 20.0) -> tuple[list, np.ndarray]:
    import cv2

    h, w = image.shape[:2]
    rotation = amplitude_deg * np.sin(2 * np.pi * np.arange(frames) / frames)
    out = []
    for a in rotation:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), -float(a), 1.0)  # positive = clockwise on screen
        out.append(cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT101))
    return out, rotation


def measured(estimator: BlazePoseEstimator, frames: list, swap_sides: bool = False) -> dict[str, np.ndarray]:
    """trunk_lean and shoulder_tilt per frame with sportlens' definitions; swap_sides relabels left as right,
    which is what BlazePose reports for an athlete filmed from behind."""
    out = {name: np.full(len(frames), np.nan) for name in ("trunk_lean", "shoulder_tilt")}
    idx = BLAZEPOSE_33.index
    for i, frame in enumerate(frames):
        r = estimator(frame)
        if r is None:
            continue
        xy = r.xy_px
        if swap_sides:
            order = [idx(n.replace("left", "#").replace("right", "left").replace("#", "right")) for n in BLAZEPOSE_33]
            xy = xy[order]
        pts = {name: xy[[idx(name)]] for name in ("left_hip", "right_hip", "left_shoulder", "right_shoulder")}
        pts["mid_hip"] = (pts["left_hip"] + pts["right_hip"]) / 2
        pts["mid_shoulder"] = (pts["left_shoulder"] + pts["right_shoulder"]) / 2
        out["trunk_lean"][i] = compute_angle(TRUNK, pts)[0]
        out["shoulder_tilt"][i] = compute_angle(TILT, pts)[0]
    return out


def judge(values: np.ndarray, rotation: np.ndarray) -> tuple[float, float] | None:
    """(gain, RMSE of the change) of a measured angle against the applied rotation; None when too few frames."""
    ok = np.isfinite(values)
    if ok.sum() < len(values) * 0.9 or not ok[0]:
        return None
    gain = float(np.polyfit(rotation[ok], values[ok], 1)[0])
    err = (values[ok] - values[0]) - (rotation[ok] - rotation[0])
    return gain, float(np.sqrt(np.mean(err**2)))


VIEWS = ("front", "mirrored", "back")


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    photos = sorted(shared_path("images/yoga8/mountain").glob("*.jpg"))[: args.limit]
    results = {(v, a): [] for v in VIEWS for a in ("trunk_lean", "shoulder_tilt")}
    beyond_90 = {v: [0, 0] for v in VIEWS}
    skipped = 0
    with native_stderr_silenced():
        for path in photos:
            image = read_image(path)
            scale = 384 / max(image.shape[:2])
            image = cv2.resize(image, (int(image.shape[1] * scale) // 2 * 2, int(image.shape[0] * scale) // 2 * 2))
            views = {}
            for view in VIEWS:
                source = np.ascontiguousarray(image[:, ::-1]) if view == "mirrored" else image
                frames, rotation = sway(source)
                with BlazePoseEstimator() as estimator:
                    views[view] = measured(estimator, frames, swap_sides=view == "back")
            judged = {(v, a): judge(views[v][a], rotation) for v in VIEWS for a in ("trunk_lean", "shoulder_tilt")}
            if any(j is None for j in judged.values()):
                skipped += 1  # the person is not found in most frames: no angle to judge
                continue
            for key, value in judged.items():
                results[key].append(value)
            for v in VIEWS:
                tilt = views[v]["shoulder_tilt"]
                beyond_90[v][0] += int(np.sum(np.abs(tilt[np.isfinite(tilt)]) > 90))
                beyond_90[v][1] += int(np.isfinite(tilt).sum())
    n = len(results[("front", "trunk_lean")])
    print(f"{n} photos judged, {skipped} skipped (person found in < 90% of frames in some view)")
    cells = {}
    for (view, angle), values in results.items():
        g, e = np.array([v[0] for v in values]), np.array([v[1] for v in values])
        iqr = f"{np.percentile(g, 25):.3f}-{np.percentile(g, 75):.3f}"
        cells[(view, angle)] = (f"{np.median(g):.3f} ({iqr})", f"{np.median(e):.2f} / {np.percentile(e, 90):.2f}")
        print(f"{view:9s} {angle:14s} gain median {np.median(g):.3f} (IQR {iqr}); RMSE median {np.median(e):.2f} "
              f"deg, p90 {np.percentile(e, 90):.2f} deg")
    for v in VIEWS:
        print(f"{v}: |shoulder_tilt| > 90 deg in {beyond_90[v][0]} of {beyond_90[v][1]} frames")
    if not args.no_record:
        header = ("| date | machine | known-rotation test | view | photos judged / skipped | angle | "
                  "gain median (IQR) | RMSE median / p90 (deg) | frames with abs(shoulder_tilt) > 90 |")
        for view in VIEWS:
            for angle in ("trunk_lean", "shoulder_tilt"):
                gain, rmse = cells[(view, angle)]
                append_row(SECTION, header,
                           f"| {today()} | {machine()} | yoga8 mountain photos swaying +-20 deg, tracking mode | "
                           f"{view} | {n} / {skipped} | {angle} | {gain} | {rmse} | "
                           f"{beyond_90[view][0]} of {beyond_90[view][1]} |")


if __name__ == "__main__":
    main()
