"""Figures of the calibration commands: board-corner coverage per camera, camera positions, the plane's grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sportlens.io.atomic import save_figure


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def coverage_figure(target: Path, results) -> Path:
    """One panel per camera: the image frame, every used view's corners (a colour per view) and the rejected
    views' corners in grey; the title gives RMS, views used and grid coverage."""
    from sportlens.calib.intrinsics import coverage

    plt = _pyplot()
    n = len(results)
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 4.2), squeeze=False)
    for ax, res in zip(axes[0], results, strict=True):
        w, h = res.camera.size
        ax.add_patch(plt.Rectangle((0, 0), w, h, fill=False, color="black", lw=1))
        cmap = plt.get_cmap("viridis")
        used = res.used
        for i, view in enumerate(used):
            pts = view.detection.image_px
            ax.plot(pts[:, 0], pts[:, 1], ".", ms=2.5, color=cmap(i / max(len(used) - 1, 1)))
        for view in res.views:
            if view.rejected and view.detection is not None:
                pts = view.detection.image_px
                ax.plot(pts[:, 0], pts[:, 1], "x", ms=3, color="0.6")
        corners = np.concatenate([v.detection.image_px for v in used]) if used else np.zeros((0, 2))
        ax.set_xlim(-0.02 * w, 1.02 * w)
        ax.set_ylim(1.02 * h, -0.02 * h)
        ax.set_aspect("equal")
        ax.set_title(f"{res.camera.name}: RMS {res.rms_px:.3f} px\n{len(used)}/{len(res.views)} views, "
                     f"coverage {100 * coverage(corners, res.camera.size):.0f} %", fontsize=9)
        ax.set_xlabel("x (px)")
        ax.set_ylabel("y (px)")
    fig.suptitle("Board corners per camera (grey x: rejected views)", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, target)


def cameras_figure(target: Path, cameras, points_m: np.ndarray | None = None) -> Path:
    """The cameras' centres and viewing directions in the world frame (m), with the known points."""
    plt = _pyplot()
    fig = plt.figure(figsize=(6, 5))
    ax = fig.add_subplot(projection="3d")
    centres = np.array([c.centre_m for c in cameras])
    for cam, centre in zip(cameras, centres, strict=True):
        look = cam.rotation_matrix[2]  # the optical axis in world coordinates
        scale = 0.25 * max(np.ptp(centres, axis=0).max(), 1.0)
        ax.quiver(*centre, *(look * scale), color="tab:red")
        ax.text(*centre, cam.name, fontsize=8)
    ax.scatter(*centres.T, color="tab:red", s=20)
    if points_m is not None and len(points_m):
        ax.scatter(*np.asarray(points_m).T, color="tab:blue", s=8)
    ax.scatter([0], [0], [0], color="black", marker="+", s=60)
    everything = np.vstack([centres, np.zeros((1, 3))] + ([np.asarray(points_m)] if points_m is not None else []))
    ax.set_box_aspect(np.maximum(np.ptp(everything, axis=0), 1e-3))  # metres look like metres on every axis
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_zlabel("z (m)")
    ax.set_title("Camera positions (red: optical axis; +: world origin)", fontsize=9)
    return save_figure(fig, target)


def plane_figure(target: Path, h_px_to_m: np.ndarray, image_px: np.ndarray, plane_m: np.ndarray, grid_m: float,
                 image: np.ndarray | None = None) -> Path:
    """The metre grid of the plane drawn in image pixels, the given points and where the homography puts them."""
    from sportlens.camera import apply_homography

    plt = _pyplot()
    inv = np.linalg.inv(h_px_to_m)
    fig, ax = plt.subplots(figsize=(7, 5))
    if image is not None:
        ax.imshow(image)
    lo, hi = plane_m.min(axis=0), plane_m.max(axis=0)
    pad = grid_m
    xs = np.arange(np.floor((lo[0] - pad) / grid_m) * grid_m, hi[0] + pad + 1e-9, grid_m)
    ys = np.arange(np.floor((lo[1] - pad) / grid_m) * grid_m, hi[1] + pad + 1e-9, grid_m)
    for x in xs:
        line = apply_homography(inv, np.column_stack([np.full(50, x), np.linspace(ys[0], ys[-1], 50)]))
        ax.plot(line[:, 0], line[:, 1], color="tab:green", lw=0.6)
    for y in ys:
        line = apply_homography(inv, np.column_stack([np.linspace(xs[0], xs[-1], 50), np.full(50, y)]))
        ax.plot(line[:, 0], line[:, 1], color="tab:green", lw=0.6)
    back = apply_homography(inv, plane_m)
    ax.plot(image_px[:, 0], image_px[:, 1], "o", mfc="none", color="tab:red", label="given (px)")
    ax.plot(back[:, 0], back[:, 1], "+", color="black", label="plane point through the homography")
    if image is None:  # the points' neighbourhood (grid lines past the horizon run off to infinity)
        lo_px, hi_px = image_px.min(axis=0), image_px.max(axis=0)
        pad_px = 0.25 * max(float((hi_px - lo_px).max()), 1.0)
        ax.set_xlim(lo_px[0] - pad_px, hi_px[0] + pad_px)
        ax.set_ylim(hi_px[1] + pad_px, lo_px[1] - pad_px)
    else:
        ax.set_xlim(0, image.shape[1])
        ax.set_ylim(image.shape[0], 0)
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"Plane grid every {grid_m:g} m in image pixels", fontsize=9)
    return save_figure(fig, target)
