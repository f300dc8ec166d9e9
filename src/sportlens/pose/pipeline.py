"""The pose pipeline: video -> BlazePose keypoints -> cleaned keypoints -> joint angles -> standard files."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.errors import UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.keypoint_json import coco_keypoints_document, write_coco, write_openpose_folder
from sportlens.io.opensim import write_mot, write_trc
from sportlens.io.output_dir import output_run
from sportlens.pose.angles import compute_angles, select_angles
from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced
from sportlens.pose.keypoints import BLAZEPOSE_33, COCO_17, COCO_17_SKELETON, OPENPOSE_BODY_25, VIRTUAL_POINTS
from sportlens.pose.options import PoseOptions
from sportlens.pose.sequence import PoseSequence
from sportlens.signals import gaussian_with_gaps, interpolate_gaps, lowpass_with_gaps
from sportlens.summary import Summary, plain
from sportlens.video.decode import (
    Frame,
    VideoInfo,
    decode_frames,
    frame_numbers,
    image_sequence_files,
    prefetch,
    probe_video,
)


@dataclass
class RawPoseRun:
    """What the estimation pass produced, before cleaning."""

    sequence: PoseSequence
    info: VideoInfo
    frames_decoded: int
    skipped: list[dict]
    seconds: float


def segment_bounds(n_frames: int | None, workers: int, min_segment: int) -> list[tuple[int, int | None]]:
    """Split frames [0, n) into up to `workers` contiguous segments of at least min_segment frames;
    one open segment when the length is unknown or too short to split."""
    if not n_frames or workers <= 1 or n_frames < 2 * min_segment:
        return [(0, None)]
    k = min(workers, n_frames // min_segment)
    edges = [round(i * n_frames / k) for i in range(k + 1)]
    return [(edges[i], edges[i + 1] if i + 1 < k else None) for i in range(k)]


def estimate_sequence(info: VideoInfo, options: PoseOptions = PoseOptions(), progress: Progress | None = None,
                      start: int = 0, stop: int | None = None) -> RawPoseRun:
    """Decode frames [start, stop) of a probed video or image sequence and run BlazePose (tracking mode) on
    each; frames without a person are NaN. Indices and times are the source's own.

    With options.workers > 1 a long range is cut into that many contiguous segments, each tracked by its
    own BlazePose in its own thread (MediaPipe releases the GIL), so both cores of a laptop work; each
    segment starts tracking afresh, as a video does at its first frame. Ctrl-C (progress cancelled) stops
    every segment at its next frame."""
    progress = ensure_progress(progress, "pose")
    skipped: list[dict] = []
    found: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    times: dict[int, float] = {}
    end = stop if stop is not None else info.n_frames
    length = None if end is None else max(end - start, 0)
    segments = [(start + a, None if b is None else start + b)
                for a, b in segment_bounds(length, options.workers, options.min_segment_frames)]
    if stop is not None:
        segments[-1] = (segments[-1][0], stop)

    def track(seg_start: int, seg_stop: int | None, step) -> None:
        frames = decode_frames(info.path, max_side=options.pose_max_side, fps=options.fps, start=seg_start,
                               stop=seg_stop, info=info,
                               on_skip=lambda i, why: skipped.append({"frame": i, "reason": why}))
        with BlazePoseEstimator(options.model, static_image=False) as estimator:
            for frame in prefetch(frames):
                times[frame.index] = frame.time_s
                estimate = estimator(frame.image, info.width, info.height)
                if estimate is not None:
                    found[frame.index] = (estimate.xy_px, estimate.visibility, estimate.world_m)
                step.advance()

    t0 = time.perf_counter()
    with native_stderr_silenced(), progress.step("pose", total=length, unit="frames") as step:
        if len(segments) == 1:
            track(*segments[0], step)
        else:
            with ThreadPoolExecutor(max_workers=len(segments)) as pool:
                jobs = [pool.submit(track, a, b, step) for a, b in segments]
                try:
                    for job in jobs:
                        job.result()
                except BaseException:
                    progress.cancel()  # Ctrl-C or a failed segment: the other trackers stop at their next frame
                    raise
    return _raw_run(info, found, times, start, skipped, time.perf_counter() - t0)


def _raw_run(info: VideoInfo, found: dict, times: dict[int, float], start: int, skipped: list[dict],
             seconds: float) -> RawPoseRun:
    """The estimates of frames start.. as one PoseSequence (NaN where no person was found)."""
    last = (max(times) + 1) if times else start
    frames = np.arange(start, max(last, start))
    k = len(BLAZEPOSE_33)
    n = len(frames)
    xy, vis, world = np.full((n, k, 2), np.nan), np.full((n, k), np.nan), np.full((n, k, 3), np.nan)
    for i, (pt, v, w) in found.items():
        xy[i - start], vis[i - start], world[i - start] = pt, v, w
    time_s = np.array([times.get(i, i / info.fps) for i in frames])
    seq = PoseSequence(BLAZEPOSE_33, frames, time_s, xy, vis, world, info.width, info.height, info.fps)
    skipped.sort(key=lambda item: item["frame"])
    return RawPoseRun(seq, info, len(times), skipped, seconds)


def estimate_frames(frames: Iterable[Frame], info: VideoInfo, options: PoseOptions = PoseOptions(),
                    progress: Progress | None = None, start: int = 0, total: int | None = None,
                    skipped: list[dict] | None = None) -> RawPoseRun:
    """BlazePose (tracking mode, one tracker) on frames decoded by someone else, e.g. one decode pass shared
    with other tasks (`sportlens analyze`). Frames may be shrunk (to options.pose_max_side); keypoints are in
    the pixels of `info`. start: the first frame's index; skipped: what the decoder skipped (listed as is)."""
    progress = ensure_progress(progress, "pose")
    found: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    times: dict[int, float] = {}
    t0 = time.perf_counter()
    with native_stderr_silenced(), progress.step("pose", total=total, unit="frames") as step, \
            BlazePoseEstimator(options.model, static_image=False) as estimator:
        for frame in frames:
            times[frame.index] = frame.time_s
            estimate = estimator(frame.image, info.width, info.height)
            if estimate is not None:
                found[frame.index] = (estimate.xy_px, estimate.visibility, estimate.world_m)
            step.advance()
    return _raw_run(info, found, times, start, list(skipped or []), time.perf_counter() - t0)


def smooth(values: np.ndarray, options: PoseOptions, fps: float) -> np.ndarray:
    """The chosen zero-lag smoothing of a (N, ...) series with gaps: Butterworth or Gaussian, per gap-free run."""
    if options.filter == "butterworth":
        return lowpass_with_gaps(values, options.cutoff_hz, fps, options.filter_order)
    if options.filter == "gaussian":
        return gaussian_with_gaps(values, options.gaussian_sigma_s * fps)
    return values


def clean_sequence(seq: PoseSequence, options: PoseOptions) -> PoseSequence:
    """Drop low-visibility keypoints, interpolate short gaps, then smooth (zero lag)."""
    weak = ~(seq.visibility >= options.min_visibility)
    xy = np.where(weak[..., None], np.nan, seq.xy_px)
    world = np.where(weak[..., None], np.nan, seq.world_m)
    xy = interpolate_gaps(xy, options.max_gap_frames)
    world = interpolate_gaps(world, options.max_gap_frames)
    if len(seq) > 1:
        xy, world = smooth(xy, options, seq.video_fps), smooth(world, options, seq.video_fps)
    return seq.replace(xy_px=xy, world_m=world)


def keypoints_table(raw: PoseSequence, clean: PoseSequence) -> pd.DataFrame:
    """Long table: one row per frame and keypoint with pixel and world coordinates (cleaned) and visibility (raw)."""
    n, k = len(clean), len(clean.names)
    return pd.DataFrame({
        "frame": np.repeat(clean.frame, k),
        "time_s": np.repeat(np.round(clean.time_s, 6), k),
        "person_id": 0,
        "keypoint": np.tile(np.array(clean.names), n),
        "x_px": clean.xy_px[..., 0].ravel().round(3),
        "y_px": clean.xy_px[..., 1].ravel().round(3),
        "visibility": raw.visibility.ravel().round(4),
        "x_m": clean.world_m[..., 0].ravel().round(5),
        "y_m": clean.world_m[..., 1].ravel().round(5),
        "z_m": clean.world_m[..., 2].ravel().round(5),
    })


def _to_keypoint_set(seq: PoseSequence, names, raw_visibility: np.ndarray):
    """Points and confidences in another keypoint set's order; a virtual point (midpoint) gets the lower
    confidence of its two parts, a name of None (no BlazePose equivalent) gets NaN."""
    n = len(seq)

    def confidence(name):
        if name is None:
            return np.full(n, np.nan)
        if name in seq.names:
            return raw_visibility[:, seq.index(name)]
        a, b = VIRTUAL_POINTS[name]
        return np.fmin(raw_visibility[:, seq.index(a)], raw_visibility[:, seq.index(b)])

    xy = np.stack([seq.point(name) if name else np.full((n, 2), np.nan) for name in names], axis=1)
    conf = np.stack([confidence(name) for name in names], axis=1)
    return xy, conf


def angle_stats(angles: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    """min / max / mean (degrees) and the number of frames with a value, per angle column."""
    stats = {}
    for name in [c for c in angles.columns if c not in ("frame", "time_s", "person_id", "file")]:
        col = angles[name].to_numpy(dtype=float)
        valid = col[np.isfinite(col)]
        stats[name] = {
            "min": round(float(valid.min()), 2) if valid.size else None,
            "max": round(float(valid.max()), 2) if valid.size else None,
            "mean": round(float(valid.mean()), 2) if valid.size else None,
            "frames": int(valid.size),
        }
    return stats


def run_pose(inputs: str | Path | Sequence[str | Path], out_dir: str | Path, options: PoseOptions = PoseOptions(),
             progress: Progress | None = None) -> Summary:
    """Pose, angles and standard files for a video, a folder (photos or a frame sequence) or an image; with
    several inputs, each gets its own sub-folder of out_dir. Returns the summary (also out_dir/summary.json)."""
    progress = ensure_progress(progress, "pose")
    paths = [Path(inputs)] if isinstance(inputs, (str, Path)) else [Path(p) for p in inputs]
    if not paths:
        raise UserError("no input given", hint="give a video, an image folder or an image")
    out_dir = Path(out_dir)
    if len(paths) == 1:
        return _run_one(paths[0], out_dir, options, progress)
    plans = [_plan(p, options) for p in paths]  # every input is checked before anything is written
    names = _unique_names(paths)
    summary = Summary("pose", inputs=[str(p) for p in paths], options=plain(options))
    runs = []
    with output_run(out_dir, summary, *paths):
        for plan, name in zip(plans, names, strict=True):
            progress.message(f"{plan.info.path} → {out_dir / name}")
            sub = _run_planned(plan, out_dir / name, options, progress)
            runs.append({"input": str(plan.info.path), "folder": name, "kind": sub.metrics["input_kind"],
                         "frames": sub.metrics["frames"], "frames_with_person": sub.metrics["frames_with_person"],
                         "warnings": sub.warnings})
            for warning in sub.warnings:
                summary.warn(f"{name}: {warning}")
        summary.metrics.update({"inputs": len(paths), "runs": runs})
    return summary


def _unique_names(paths: list[Path]) -> list[str]:
    names, seen = [], {}
    for p in paths:
        stem = p.stem or p.name
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return names


@dataclass(frozen=True)
class PosePlan:
    """What one input is and how it will be analysed: 'video', 'sequence' (numbered frames) or 'photos'."""

    info: VideoInfo
    mode: str
    files: tuple[Path, ...] = ()
    start: int = 0
    stop: int | None = None


MIN_IMAGE_SIDE = 32


def _plan(source: Path, options: PoseOptions) -> PosePlan:
    """Probe the input once and decide how to read it; raises UserError for what cannot work."""
    info = probe_video(source, options.fps)
    if info.kind == "image":
        _check_size(info.width, info.height, source)
        _check_people(options, source)
        return PosePlan(info, "photos", (source,))
    if info.kind == "images":
        files = tuple(image_sequence_files(source))
        numbered = frame_numbers(list(files)) is not None and len(files) > 1
        mode = options.folder_mode
        if mode == "auto":
            # photos unless the user says it is a sequence: numbered names alone do not make a video
            # (IMG_0001.jpg, IMG_0002.jpg ... from a phone, tree_000.jpg ... in a data set)
            mode = "sequence" if numbered and options.fps is not None else "photos"
        if mode == "photos":
            _check_people(options, source)
            return PosePlan(info, "photos", files)
        if not numbered and len(files) > 1:
            raise UserError("folder is not a numbered frame sequence", source,
                            "name frames 0000.jpg, 0001.jpg ... or use --folder-mode photos")
    _check_size(info.width, info.height, source)
    start = 0 if options.start_s is None else int(round(options.start_s * info.fps))
    stop = None if options.end_s is None else int(round(options.end_s * info.fps))
    if info.n_frames is not None and start >= info.n_frames:
        raise UserError(f"--start {options.start_s:g} s is past the end of the input ({info.n_frames} frames)",
                        source, "choose an earlier --start")
    if info.n_frames is not None and stop is not None:
        stop = min(stop, info.n_frames)
    if options.filter == "butterworth" and not options.cutoff_hz < info.fps / 2:
        raise UserError(
            f"filter cut-off {options.cutoff_hz:g} Hz must be above 0 and below half the frame rate "
            f"({info.fps / 2:g} Hz)", source, "choose a lower --cutoff or use --filter none",
        )
    return PosePlan(info, "video" if info.kind == "video" else "sequence", start=start, stop=stop)


def _check_people(options: PoseOptions, source: Path) -> None:
    if options.people is not None:
        raise UserError("--people follows people through a video or a frame sequence, not photos", source,
                        "give a video (or a numbered frame folder with --fps), or leave out --people")


def _check_size(width: int, height: int, source: Path) -> None:
    if min(width, height) < MIN_IMAGE_SIDE:
        raise UserError(f"frames are too small for pose estimation ({width}x{height} px)", source,
                        f"give images or video at least {MIN_IMAGE_SIDE} px on each side")


def plan_pose(source: str | Path, options: PoseOptions = PoseOptions()) -> PosePlan:
    """Probe one input and check it against the options (what run_pose does before writing anything)."""
    return _plan(Path(source), options)


def run_pose_estimated(plan: PosePlan, run: RawPoseRun, out_dir: str | Path, options: PoseOptions = PoseOptions(),
                       progress: Progress | None = None) -> Summary:
    """The rest of run_pose (cleaning, angles, files, annotated video, summary) for a video or frame sequence
    whose estimation pass was already done (estimate_frames in a shared decode pass)."""
    return _run_sequence(plan, Path(out_dir), options, ensure_progress(progress, "pose"), estimated=run)


def _run_one(source: Path, out_dir: Path, options: PoseOptions, progress: Progress) -> Summary:
    return _run_planned(_plan(source, options), out_dir, options, progress)


def _run_planned(plan: PosePlan, out_dir: Path, options: PoseOptions, progress: Progress) -> Summary:
    if options.people is not None:
        from sportlens.pose.people import run_people

        return run_people(plan, out_dir, options, progress)
    if plan.mode == "photos":
        from sportlens.pose.photos import run_photos

        return run_photos(plan.info, list(plan.files), out_dir, options, progress)
    return _run_sequence(plan, out_dir, options, progress)


def _run_sequence(plan: PosePlan, out_dir: Path, options: PoseOptions, progress: Progress,
                  estimated: RawPoseRun | None = None) -> Summary:
    from sportlens.pose.kinematics import fixed_origin_markers, kinematics_table, metres_per_pixel
    from sportlens.pose.render import plot_angles, render_annotated_video

    source = plan.info.path
    t0 = time.perf_counter()
    summary = Summary("pose", inputs=[str(source)], options=plain(options))
    definitions = select_angles(options.angles)
    with output_run(out_dir, summary, source):
        run = estimated or estimate_sequence(plan.info, options, progress, plan.start, plan.stop)
        raw = run.sequence
        found = int(raw.detected.sum())
        summary.metrics.update({
            "input_kind": "video" if plan.mode == "video" else "sequence",
            "model": f"blazepose-{options.model} (mediapipe {_mediapipe_version()})",
            "frames": len(raw), "frames_decoded": run.frames_decoded, "frames_with_person": found,
            "first_frame": plan.start, "skipped_frames": run.skipped,
            "video_fps": round(raw.video_fps, 4), "width": raw.width, "height": raw.height,
        })
        if run.skipped:
            first = run.skipped[0]
            summary.warn(f"{len(run.skipped)} frame(s) could not be decoded and were skipped (first: frame "
                         f"{first['frame']}, {first['reason']}); all are listed in summary.json")
        if found == 0:
            summary.warn(f"no person found in any of the {len(raw)} frames: no keypoint or angle files were "
                         "written (is the athlete in view and lit? try a larger --pose-max-side)")
            summary.timings["pose_s"] = round(run.seconds, 3)
            return summary
        if found < 0.5 * len(raw):
            summary.warn(f"a person was found in only {found} of {len(raw)} frames")
        clean = clean_sequence(raw, options)
        angles = compute_angles(clean, definitions)
        angles["time_s"] = angles["time_s"].round(6)
        angles.insert(2, "person_id", 0)
        # joint angles from BlazePose's 3D world landmarks: independent of the camera's viewpoint (a knee filmed
        # from the front), at the price of the model's depth guess
        joint_defs = tuple(d for d in definitions if d.kind == "joint")
        angles_3d = compute_angles(clean, joint_defs, space="world")
        angles_3d["time_s"] = angles["time_s"]
        angles_3d.insert(2, "person_id", 0)
        scale, scale_source = metres_per_pixel(clean, options.person_height_m)
        if options.person_height_m is not None and scale is None:
            summary.warn("the athlete is never fully visible (heels to ears): metres and speeds were not computed")
        with ThreadPoolExecutor(max_workers=1) as pool:
            # the annotated video (decode, draw, encode: C code that releases the GIL) renders while the files
            # are written
            video = None
            if options.annotated_video:
                # (copy_context: inside analyze's collect_overlays the thread registers the video instead)
                video = pool.submit(contextvars.copy_context().run, render_annotated_video, plan.info, clean,
                                    angles, out_dir / "annotated.mp4", definitions, progress)
            try:
                _write_files(source, out_dir, raw, clean, angles, options,
                             fixed_origin_markers(clean, scale))
                if joint_defs:
                    write_csv(out_dir / "angles_3d.csv", angles_3d.round({d.name: 3 for d in joint_defs}))
                if options.person_height_m is not None and scale is not None:
                    kin = kinematics_table(clean, scale, scale_source)
                    write_csv(out_dir / "kinematics.csv", kin.table)
                    com = kin.table["com_speed_mps"].to_numpy(float)
                    summary.metrics["kinematics"] = {
                        "metres_per_px": round(scale, 6), "scale_from": scale_source,
                        "com_speed_max_mps": _round(np.nanmax(com)) if np.isfinite(com).any() else None,
                        "speed_max_mps": {c.removesuffix("_speed_mps"): _round(np.nanmax(kin.table[c]))
                                          for c in kin.table.columns if c.endswith("_speed_mps")
                                          and kin.table[c].notna().any()},
                    }
                if options.plot and definitions:
                    plot_angles(angles, out_dir / "angles.png", title=source.name)
                if video is not None:
                    video.result()
            except BaseException:
                progress.cancel()
                raise
        seconds = time.perf_counter() - t0
        summary.metrics.update({
            "fps": round(len(raw) / seconds, 2) if seconds > 0 else None,
            "pose_fps": round(run.frames_decoded / run.seconds, 2) if run.seconds > 0 else None,
            "angles": angle_stats(angles),
            "angles_3d": angle_stats(angles_3d),
            "metres_per_px": None if scale is None else round(scale, 6),
            "scale_from": scale_source,
        })
        summary.timings.update({"pose_s": round(run.seconds, 3), "total_s": round(seconds, 3)})
    return summary


def _round(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _write_files(source: Path, out_dir: Path, raw: PoseSequence, clean: PoseSequence, angles: pd.DataFrame,
                 options: PoseOptions, markers: dict[str, np.ndarray]) -> list[Path]:
    """keypoints.csv, angles.csv/.mot, pose3d.trc, COCO and OpenPose JSON; returns the paths written."""
    outputs = []
    if "csv" in options.formats:
        outputs.append(write_csv(out_dir / "keypoints.csv", keypoints_table(raw, clean)))
    value_columns = [c for c in angles.columns if c not in ("frame", "time_s", "person_id")]
    if value_columns:
        outputs.append(write_csv(out_dir / "angles.csv", angles.round({c: 3 for c in value_columns})))
        if "mot" in options.formats:
            outputs.append(write_mot(out_dir / "angles.mot", angles.drop(columns=["frame", "person_id"])))
    if "trc" in options.formats:
        # Y up, metres, a fixed origin; names as Pose2Sim's BlazePose marker set for its OpenSim model
        outputs.append(write_trc(out_dir / "pose3d.trc", clean.time_s, markers, clean.video_fps))
    if "coco" in options.formats:
        xy, conf = _to_keypoint_set(clean, COCO_17, raw.visibility)
        doc = coco_keypoints_document(clean.frame, COCO_17, COCO_17_SKELETON, xy, conf, clean.width,
                                      clean.height, clean.time_s, options.min_visibility, source.name)
        outputs.append(write_coco(out_dir / "keypoints_coco.json", doc))
    if "openpose" in options.formats:
        xy, conf = _to_keypoint_set(clean, OPENPOSE_BODY_25, raw.visibility)
        outputs.append(write_openpose_folder(out_dir / "openpose", source.stem, clean.frame, xy, conf))
    return outputs


def _mediapipe_version() -> str:
    import mediapipe

    return mediapipe.__version__
