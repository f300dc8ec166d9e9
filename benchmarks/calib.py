"""Intrinsic calibration against a known camera: focal length error (%), principal point error (px) and RMS
reprojection error (px) of `sportlens calibrate intrinsics`' fit.

    .venv/bin/python benchmarks/calib.py [--record]

Two kinds of input, each from the same camera (1280x720 px, fx = fy = 1000 px, centre (640, 360)):
* points: board corners projected by cv2.projectPoints (with lens distortion k1 -0.12, k2 0.05) plus Gaussian
  noise on every corner coordinate; tests the fit alone;
* rendered: board images drawn by the camera (warped at 3x and averaged down, no lens distortion) with Gaussian
  grey-level noise, then found by the detector (checkerboard or ChArUco); tests detection and fit together.
Target (issue 19): focal length within 0.5 %, RMS < 0.3 px.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_record import append_row, machine, today

SIZE = (1280, 720)
K = np.array([[1000.0, 0, 640.0], [0, 1000.0, 360.0], [0, 0, 1]])


def camera(distortions=(0.0, 0.0, 0.0, 0.0)):
    from sportlens.camera import Camera

    return Camera("cam_01", SIZE, K, distortions)


def from_points(n_views: int, noise_px: float, seed: int) -> dict:
    """Fit to projected corners + noise (lens distortion k1 -0.12, k2 0.05)."""
    from sportlens.calib.boards import Board, Detection
    from sportlens.calib.intrinsics import View, calibrate_views
    from sportlens.calib.synthetic import board_poses

    board = Board("checkerboard", 9, 6, 0.025)
    cam = camera((-0.12, 0.05, 0.0, 0.0))
    rng = np.random.default_rng(seed)
    views = []
    for i, (rvec, tvec) in enumerate(board_poses(board, cam, n_views, seed)):
        posed = cam.replace(rotation=rvec, translation=tvec)
        px = posed.project(board.object_points()) + rng.normal(0, noise_px, (board.n_corners, 2))
        views.append(View(f"view {i}", Detection(px, board.object_points())))
    t0 = time.perf_counter()
    result = calibrate_views("cam_01", SIZE, views)
    return _scores(result, time.perf_counter() - t0, len(views))


def from_images(kind: str, n_views: int, grey_noise: float, seed: int) -> dict:
    """Render board images, then detect and fit as `calibrate intrinsics` does."""
    from sportlens.calib.boards import Board
    from sportlens.calib.intrinsics import calibrate_views, detect_views, source_images
    from sportlens.calib.synthetic import write_board_images

    board = Board("checkerboard", 9, 6, 0.025) if kind == "checkerboard" else Board("charuco", 7, 5, 0.03)
    with tempfile.TemporaryDirectory() as tmp:
        write_board_images(tmp, board, camera(), n_views, grey_noise, seed)
        t0 = time.perf_counter()
        _, images = source_images(Path(tmp), 100)
        views, size = detect_views(board, images)
        result = calibrate_views("cam_01", size, views)
        seconds = time.perf_counter() - t0
    return _scores(result, seconds, len(views))


def _scores(result, seconds: float, n_views: int) -> dict:
    k = result.camera.matrix
    return {"focal_error_pct": 100 * max(abs(k[0, 0] - K[0, 0]) / K[0, 0], abs(k[1, 1] - K[1, 1]) / K[1, 1]),
            "centre_error_px": float(np.hypot(k[0, 2] - K[0, 2], k[1, 2] - K[1, 2])), "rms_px": result.rms_px,
            "views_used": len(result.used), "views": n_views, "seconds": seconds,
            "k1": float(result.camera.distortions[0]), "k2": float(result.camera.distortions[1])}


CASES = [
    ("points, noise 0.1 px", lambda s: from_points(15, 0.1, s)),
    ("points, noise 0.3 px", lambda s: from_points(15, 0.3, s)),
    ("points, noise 1.0 px", lambda s: from_points(15, 1.0, s)),
    ("rendered checkerboard 9x6, grey noise 2", lambda s: from_images("checkerboard", 15, 2.0, s)),
    ("rendered checkerboard 9x6, grey noise 8", lambda s: from_images("checkerboard", 15, 8.0, s)),
    ("rendered ChArUco 7x5, grey noise 2", lambda s: from_images("charuco", 15, 2.0, s)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="Repeats with different poses and noise [3]")
    parser.add_argument("--record", action="store_true", help="Append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    header = ("| date | input (15 views, seeds) | worst focal error | mean centre error (px) | mean RMS (px) | "
              "worst RMS (px) | k1, k2 found (true -0.12, 0.05 for points; 0, 0 rendered) | s per camera | machine |")
    for name, run in CASES:
        results = [run(seed) for seed in range(args.seeds)]
        worst_f = max(r["focal_error_pct"] for r in results)
        centre = np.mean([r["centre_error_px"] for r in results])
        rms = [r["rms_px"] for r in results]
        k1, k2 = np.mean([r["k1"] for r in results]), np.mean([r["k2"] for r in results])
        secs = np.mean([r["seconds"] for r in results])
        print(f"{name}: worst focal error {worst_f:.3f} %, centre error {centre:.2f} px, RMS mean {np.mean(rms):.3f} "
              f"worst {max(rms):.3f} px, k1 {k1:.4f} k2 {k2:.4f}, {secs:.2f} s")
        if args.record:
            append_row("Calibration and multi-camera 3D (issue 19)", header,
                       f"| {today()} | {name} ({args.seeds}) | {worst_f:.3f} % | {centre:.2f} | {np.mean(rms):.3f} | "
                       f"{max(rms):.3f} | {k1:.3f}, {k2:.3f} | {secs:.2f} | {machine()}, load "
                       f"{os.getloadavg()[0]:.1f} |")


if __name__ == "__main__":
    main()
