"""`run_pose3d`: 2D keypoints of several calibrated cameras -> 3D keypoints in metres (TRC, CSV), reprojection
error per keypoint and frame, a 3D plot."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.camera import Camera
from sportlens.errors import DataFormatError, UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.calibration import read_calibration
from sportlens.io.opensim import write_trc
from sportlens.io.output_dir import output_run
from sportlens.pose3d.association import choose_person
from sportlens.pose3d.options import Pose3dOptions
from sportlens.pose3d.readers import CameraKeypoints, read_camera_keypoints
from sportlens.pose3d.sync import reprojection_offsets, shared_range, sync_offsets
from sportlens.pose3d.triangulate import triangulate
from sportlens.signals import interpolate_gaps, lowpass_with_gaps
from sportlens.summary import Summary, plain


def _number(text: str) -> int | None:
    digits = re.findall(r"\d+", text)
    return int(digits[-1]) if digits else None


def match_cameras(folders: list[Path], cameras: list[Camera], names: Sequence[str], calib: Path) -> list[Camera]:
    """The calibration camera of each folder: as named (names), else by the same name, else by the number in
    both names (cam01_json <-> cam_01), else by order when the counts agree."""
    by_name = {c.name: c for c in cameras}
    if names:
        if len(names) != len(folders):
            raise UserError(f"--cameras names {len(names)} camera(s) for {len(folders)} folder(s)",
                            hint="give one calibration camera per folder, in order")
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise DataFormatError(f"calibration has no camera {unknown[0]!r}", calib,
                                  f"its cameras are {', '.join(by_name)}")
        return [by_name[n] for n in names]
    if all(f.name in by_name for f in folders):
        return [by_name[f.name] for f in folders]
    numbers = {}
    for cam in cameras:
        numbers.setdefault(_number(cam.name), []).append(cam)
    matched = []
    for folder in folders:
        found = numbers.get(_number(folder.name), []) if _number(folder.name) is not None else []
        matched.append(found[0] if len(found) == 1 else None)
    if all(m is not None for m in matched) and len({m.name for m in matched}) == len(matched):
        return matched
    if len(folders) == len(cameras):
        return list(cameras)
    missing = next(f for f, m in zip(folders, matched, strict=True) if m is None)
    raise DataFormatError(f"calibration has no camera for folder {missing.name!r} ({len(cameras)} camera(s): "
                          f"{', '.join(by_name)}; {len(folders)} folder(s))", calib,
                          "name folders after the cameras (cam01 <-> cam_01) or give --cameras")


def _frame_rate(tracks: list[CameraKeypoints], options: Pose3dOptions) -> float:
    if options.fps is not None:
        return options.fps
    rates = [t.fps for t in tracks if t.fps]
    if not rates:
        raise UserError("the 2D keypoints carry no frame rate (OpenPose JSON has none)",
                        hint="give --fps (the cameras' frame rate)")
    return float(np.median(rates))


def run_pose3d(folders: Sequence[str | Path], calib: str | Path, out_dir: str | Path,
               options: Pose3dOptions = Pose3dOptions(), progress: Progress | None = None) -> Summary:
    """Triangulate the athlete's 2D keypoints seen by two or more calibrated cameras (one folder per camera:
    a `sportlens pose` output or OpenPose JSON files) -> points3d.csv, markers.trc, reprojection.csv, pose3d.png."""
    progress = ensure_progress(progress, "pose3d")
    folders = [Path(f) for f in folders]
    calib = Path(calib)
    tracks = [read_camera_keypoints(f, options.keypoint_set) for f in folders]
    cameras_all = read_calibration(calib)
    if len(folders) < 2:
        raise UserError("triangulation needs two or more camera folders", hint="give one folder per camera")
    cameras = match_cameras(folders, cameras_all, options.cameras, calib)
    names = tracks[0].names
    for t in tracks[1:]:
        if t.names != names:
            raise DataFormatError(f"keypoints differ from those of {folders[0].name} ({len(t.names)} vs {len(names)})",
                                  t.folder, "give every camera's keypoints from the same 2D pose model")
    fps = _frame_rate(tracks, options)
    selected = list(range(len(names)))
    if options.keypoints:
        unknown = [k for k in options.keypoints if k not in names]
        if unknown:
            raise UserError(f"--keypoints: unknown {', '.join(unknown)}", hint=f"choose from {', '.join(names)}")
        selected = [names.index(k) for k in options.keypoints]
    summary = Summary("pose3d", inputs=[str(calib), *map(str, folders)], options=plain(options))

    # sync and the frames every camera covers
    if options.sync == "speed":
        if options.sync_keypoint not in names:
            raise UserError(f"--sync-keypoint {options.sync_keypoint!r} is not one of these keypoints",
                            hint=f"choose from {', '.join(names)}")
        offsets, scores = sync_offsets(tracks, names.index(options.sync_keypoint), options.max_offset_frames,
                                       options.min_confidence)
        summary.metrics["sync_correlation"] = [round(s, 3) for s in scores]
    elif options.sync == "reprojection":
        with progress.step("sync", total=None, unit="cameras"):
            offsets, errors = reprojection_offsets(cameras, tracks, options.max_offset_frames,
                                                   options.min_confidence, options.max_error_px)
        summary.metrics["sync_error_px"] = [round(e, 3) for e in errors]
    elif options.offsets:
        if len(options.offsets) != len(tracks):
            raise UserError(f"--offsets gives {len(options.offsets)} value(s) for {len(tracks)} camera(s)",
                            hint="one offset (frames) per camera folder, the first usually 0")
        offsets = list(options.offsets)
    else:
        offsets = [0] * len(tracks)
    lengths = [len(t) for t in tracks]
    start, stop = shared_range(lengths, offsets)
    if stop - start < 2:
        raise UserError(f"the cameras share {max(stop - start, 0)} frame(s) after the offsets {offsets}",
                        hint="check --offsets (or --sync) and that the folders are of the same take")
    if len(set(lengths)) > 1 or any(offsets):
        summary.warn(f"cameras hold {', '.join(map(str, lengths))} frames (offsets {offsets}); kept the "
                     f"{stop - start} frames all of them cover")

    # the athlete per camera and frame, then triangulation
    n, c, k = stop - start, len(cameras), len(selected)
    observed = np.full((n, k, c, 3), np.nan)
    chosen = np.full((n, c), -1)
    t0 = time.perf_counter()
    centre = None
    with progress.step("associate", total=n, unit="frames") as step:
        for i, t in enumerate(range(start, stop)):
            people = [tr.people[t - off][:, selected] if len(tr.people[t - off]) else np.zeros((0, k, 3))
                      for tr, off in zip(tracks, offsets, strict=True)]
            observed[i], chosen[i], found = choose_person(
                cameras, people, options.min_confidence, options.association_error_px, options.min_cameras,
                options.max_people, centre)
            centre = found if found is not None else centre
            step.advance()
    associate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with progress.step("triangulate", total=n, unit="frames") as step:
        result = triangulate(cameras, observed[..., :2], np.nan_to_num(observed[..., 2]), options.min_confidence,
                             options.max_error_px, options.min_cameras, options.undistort)
        step.advance(n)
    triangulate_s = time.perf_counter() - t0
    raw = result.points_m
    points = interpolate_gaps(raw, options.max_gap_frames)
    if options.filter == "butterworth" and n > 1:
        points = lowpass_with_gaps(points, options.cutoff_hz, fps, options.filter_order)

    ref = tracks[0]
    frame = ref.frames[start - offsets[0]: stop - offsets[0]]
    time_s = (frame - frame[0]) / fps
    point_names = [names[j] for j in selected]
    with output_run(out_dir, summary, calib, *folders) as out:
        triangulated = np.isfinite(raw).all(axis=-1)
        have = np.isfinite(points).all(axis=-1)
        write_csv(out / "points3d.csv", pd.DataFrame({
            "frame": np.repeat(frame, k), "time_s": np.repeat(time_s.round(6), k),
            "keypoint": np.tile(point_names, n),
            "x_m": points[..., 0].ravel().round(5), "y_m": points[..., 1].ravel().round(5),
            "z_m": points[..., 2].ravel().round(5), "triangulated": triangulated.ravel(),
            "filled": (have & ~triangulated).ravel()}))
        excluded = [";".join(cameras[j].name for j in range(c) if not row[j]) for row in result.used.reshape(-1, c)]
        write_csv(out / "reprojection.csv", pd.DataFrame({
            "frame": np.repeat(frame, k), "keypoint": np.tile(point_names, n),
            "error_px": result.error_px.ravel().round(3), "cameras": result.used.sum(axis=-1).ravel(),
            "excluded": excluded}))
        trc = points if options.up_axis == "y" else points[..., [1, 2, 0]]  # Z-up world -> OpenSim's Y-up
        write_trc(out / "markers.trc", time_s, {name: trc[:, j] for j, name in enumerate(point_names)}, fps)
        if options.plot:
            from sportlens.pose3d.plots import pose3d_figure

            pose3d_figure(out / "pose3d.png", points, point_names, result.error_px, options.up_axis)
        if options.animation:
            from sportlens.pose3d.plots import pose3d_animation

            with progress.step("animation", total=None, unit="frames"):
                pose3d_animation(out / "skeleton3d.mp4", points, point_names, fps, options.up_axis)
        errors = result.error_px[np.isfinite(result.error_px)]
        per_keypoint = {name: (round(float(np.nanmean(result.error_px[:, j])), 3)
                               if np.isfinite(result.error_px[:, j]).any() else None)
                        for j, name in enumerate(point_names)}
        seen = (np.nan_to_num(observed[..., 2]) >= options.min_confidence)
        summary.metrics.update({
            "frames": n, "keypoints": k, "cameras": [cam.name for cam in cameras], "fps": fps,
            "offsets": offsets,
            "triangulated_share": round(float(triangulated.mean()), 4),
            "filled_share": round(float((have & ~triangulated).mean()), 4),
            "reprojection_px_mean": round(float(errors.mean()), 3) if errors.size else None,
            "reprojection_px_median": round(float(np.median(errors)), 3) if errors.size else None,
            "reprojection_px_per_keypoint": per_keypoint,
            "camera_used_share": {cam.name: round(float(result.used[..., j].sum() / max(seen[..., j].sum(), 1)), 4)
                                  for j, cam in enumerate(cameras)},
            "frames_with_person": int((chosen >= 0).sum(axis=1).__ge__(options.min_cameras).sum()),
            "triangulation_fps": round(n / max(associate_s + triangulate_s, 1e-9), 1),
        })
        summary.timings.update({"associate_s": round(associate_s, 3), "triangulate_s": round(triangulate_s, 3)})
        if not triangulated.any():
            summary.warn("no keypoint could be triangulated: check the calibration matches these cameras "
                         "(--cameras) and --max-error-px")
        for j, cam in enumerate(cameras):
            if not (chosen[:, j] >= 0).any():
                summary.warn(f"camera {cam.name} ({folders[j].name}) never saw the athlete; triangulated from the "
                             "others")
    return summary
