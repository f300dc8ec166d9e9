"""Angle accuracy on a known motion: full-body photos turned by a known angle over time.

Each yoga8 'mountain' (standing) photo becomes a 2 s, 30 fps clip in memory, swaying +-20 deg about the
image centre (a sinusoid, one period). BlazePose runs in tracking mode as on a video and the trunk-lean
angle is computed with sportlens' definition. Turning the image by a degrees turns the trunk by exactly
a degrees, so the measured change of trunk lean should equal the applied rotation: we report per photo
the gain (slope of measured vs applied; 1 = exact) and the RMSE of (measured - first) - (applied - first).

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
from sportlens.video.decode import _read_image  # noqa: E402

SECTION = "Pose (issue 2)"
TRUNK = next(d for d in ANGLES if d.name == "trunk_lean")


def sway(image: np.ndarray, frames: int = 60, amplitude_deg: float = 20.0) -> tuple[list, np.ndarray]:
    import cv2

    h, w = image.shape[:2]
    rotation = amplitude_deg * np.sin(2 * np.pi * np.arange(frames) / frames)
    out = []
    for a in rotation:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), -float(a), 1.0)  # positive = clockwise on screen
        out.append(cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT101))
    return out, rotation


def trunk_lean(estimator: BlazePoseEstimator, frames: list) -> np.ndarray:
    lean = np.full(len(frames), np.nan)
    idx = BLAZEPOSE_33.index
    for i, frame in enumerate(frames):
        r = estimator(frame)
        if r is None:
            continue
        pts = {"mid_hip": (r.xy_px[[idx("left_hip")]] + r.xy_px[[idx("right_hip")]]) / 2,
               "mid_shoulder": (r.xy_px[[idx("left_shoulder")]] + r.xy_px[[idx("right_shoulder")]]) / 2}
        lean[i] = compute_angle(TRUNK, pts)[0]
    return lean


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    photos = sorted(shared_path("images/yoga8/mountain").glob("*.jpg"))[: args.limit]
    gains, rmses, skipped = [], [], 0
    with native_stderr_silenced():
        for path in photos:
            image = _read_image(path)
            scale = 384 / max(image.shape[:2])
            image = cv2.resize(image, (int(image.shape[1] * scale) // 2 * 2, int(image.shape[0] * scale) // 2 * 2))
            frames, rotation = sway(image)
            with BlazePoseEstimator() as estimator:
                lean = trunk_lean(estimator, frames)
            ok = np.isfinite(lean)
            if ok.sum() < len(lean) * 0.9 or not ok[0]:
                skipped += 1  # the person is not found in most frames: no angle to judge
                continue
            gains.append(float(np.polyfit(rotation[ok], lean[ok], 1)[0]))
            err = (lean[ok] - lean[0]) - (rotation[ok] - rotation[0])
            rmses.append(float(np.sqrt(np.mean(err**2))))
    g, e = np.array(gains), np.array(rmses)
    iqr = f"{np.percentile(g, 25):.3f}-{np.percentile(g, 75):.3f}"
    print(f"{len(g)} photos judged, {skipped} skipped (person found in < 90% of frames)")
    print(f"gain median {np.median(g):.3f} (IQR {iqr}); "
          f"RMSE median {np.median(e):.2f} deg, 90th percentile {np.percentile(e, 90):.2f} deg")
    if not args.no_record:
        append_row(SECTION, "| date | machine | known-rotation test | photos judged / skipped | gain median (IQR) |"
                   " RMSE median / p90 (deg) |",
                   f"| {today()} | {machine()} | yoga8 mountain photos swaying +-20 deg, tracking mode, trunk_lean | "
                   f"{len(g)} / {skipped} | {np.median(g):.3f} ({iqr}) | "
                   f"{np.median(e):.2f} / {np.percentile(e, 90):.2f} |")


if __name__ == "__main__":
    main()
