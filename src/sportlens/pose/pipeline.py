"""The pose pipeline: video -> BlazePose keypoints -> cleaned keypoints -> joint angles -> standard files."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.errors import UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv
from sportlens.io.keypoint_json import coco_keypoints_document, write_coco, write_openpose_folder
from sportlens.io.opensim import write_mot, write_trc
from sportlens.io.output_dir import output_run
from sportlens.pose.angles import ANGLES, JOINT_ANGLES, compute_angles
from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced
from sportlens.pose.keypoints import BLAZEPOSE_33, COCO_17, COCO_17_SKELETON, OPENPOSE_BODY_25, VIRTUAL_POINTS
from sportlens.pose.sequence import PoseSequence
from sportlens.signals import interpolate_gaps, lowpass_with_gaps
from sportlens.summary import Summary, plain
from sportlens.video.decode import VideoInfo, decode_frames, prefetch, probe_video


@dataclass(frozen=True)
class PoseOptions:
    """Settings of one pose run (all recorded in summary.json)."""

    model: str = "full"
    min_visibility: float = 0.5  # keypoints below this are treated as missing before interpolation
    max_gap_frames: int = 10  # interior gaps up to this many frames are interpolated, longer stay empty
    cutoff_hz: float | None = 6.0  # Butterworth low-pass cut-off; None switches filtering off
    filter_order: int = 4
    pose_max_side: int | None = 640  # frames are shrunk to this for BlazePose (it works at 256 px inside)
    fps: float | None = None  # frame rate of an image folder (videos carry their own)
    workers: int = 2  # segments of a video tracked in parallel threads (1 = one tracker, frame by frame)
    min_segment_frames: int = 150  # a video is split only into segments at least this long (5 s at 30 fps)
    annotated_video: bool = True
    plot: bool = True
    formats: tuple[str, ...] = field(default=("csv", "coco", "openpose", "trc", "mot"))


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


def estimate_sequence(source: str | Path, options: PoseOptions = PoseOptions(),
                      progress: Progress | None = None) -> RawPoseRun:
    """Decode a video/folder/image and run BlazePose on every frame; frames without a person are NaN.

    With options.workers > 1 a long video is cut into that many contiguous segments, each tracked by its
    own BlazePose in its own thread (MediaPipe releases the GIL), so both cores of a laptop work; each
    segment starts tracking afresh, as a video does at its first frame."""
    from concurrent.futures import ThreadPoolExecutor

    info = probe_video(source, options.fps)
    skipped: list[dict] = []
    found: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    times: dict[int, float] = {}
    static = info.kind == "image"
    segments = segment_bounds(info.n_frames, 1 if static else options.workers, options.min_segment_frames)

    progress = ensure_progress(progress, "pose")

    def track(start: int, stop: int | None, step) -> None:
        frames = decode_frames(source, max_side=options.pose_max_side, fps=options.fps, start=start, stop=stop,
                               on_skip=lambda i, why: skipped.append({"frame": i, "reason": why}))
        with BlazePoseEstimator(options.model, static_image=static) as estimator:
            for frame in prefetch(frames):
                times[frame.index] = frame.time_s
                estimate = estimator(frame.image, info.width, info.height)
                if estimate is not None:
                    found[frame.index] = (estimate.xy_px, estimate.visibility, estimate.world_m)
                step.advance()

    t0 = time.perf_counter()
    with native_stderr_silenced(), progress.step("pose", total=info.n_frames, unit="frames") as step:
        if len(segments) == 1:
            track(*segments[0], step)
        else:
            with ThreadPoolExecutor(max_workers=len(segments)) as pool:
                jobs = [pool.submit(track, start, stop, step) for start, stop in segments]
                try:
                    for job in jobs:
                        job.result()
                except BaseException:
                    progress.cancel()  # Ctrl-C or a failed segment: the other trackers stop at their next frame
                    raise
    seconds = time.perf_counter() - t0
    n = (max(times) + 1) if times else 0
    k = len(BLAZEPOSE_33)
    xy = np.full((n, k, 2), np.nan)
    vis = np.full((n, k), np.nan)
    world = np.full((n, k, 3), np.nan)
    for i, (p, v, w) in found.items():
        xy[i], vis[i], world[i] = p, v, w
    time_s = np.array([times.get(i, i / info.fps) for i in range(n)])
    seq = PoseSequence(BLAZEPOSE_33, np.arange(n), time_s, xy, vis, world, info.width, info.height, info.fps)
    skipped.sort(key=lambda item: item["frame"])
    return RawPoseRun(seq, info, len(times), skipped, seconds)


def clean_sequence(seq: PoseSequence, options: PoseOptions) -> PoseSequence:
    """Drop low-visibility keypoints, interpolate short gaps, then low-pass filter (zero lag)."""
    weak = ~(seq.visibility >= options.min_visibility)
    xy = np.where(weak[..., None], np.nan, seq.xy_px)
    world = np.where(weak[..., None], np.nan, seq.world_m)
    xy = interpolate_gaps(xy, options.max_gap_frames)
    world = interpolate_gaps(world, options.max_gap_frames)
    if options.cutoff_hz is not None and len(seq) > 1:
        xy = lowpass_with_gaps(xy, options.cutoff_hz, seq.video_fps, options.filter_order)
        world = lowpass_with_gaps(world, options.cutoff_hz, seq.video_fps, options.filter_order)
    return seq.replace(xy_px=xy, world_m=world)


def keypoints_table(raw: PoseSequence, clean: PoseSequence) -> pd.DataFrame:
    """Long table: one row per frame and keypoint with pixel and world coordinates (cleaned) and visibility (raw)."""
    n, k = len(clean), len(clean.names)
    return pd.DataFrame({
        "frame": np.repeat(clean.frame, k),
        "time_s": np.repeat(np.round(clean.time_s, 6), k),
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
    for name in angles.columns.drop(["frame", "time_s"]):
        col = angles[name].to_numpy(dtype=float)
        valid = col[np.isfinite(col)]
        stats[name] = {
            "min": round(float(valid.min()), 2) if valid.size else None,
            "max": round(float(valid.max()), 2) if valid.size else None,
            "mean": round(float(valid.mean()), 2) if valid.size else None,
            "frames": int(valid.size),
        }
    return stats


def run_pose(source: str | Path, out_dir: str | Path, options: PoseOptions = PoseOptions(),
             progress: Progress | None = None) -> Summary:
    """Run the whole pipeline and write every output file into out_dir; returns the summary (also written
    to out_dir/summary.json)."""
    from sportlens.pose.render import plot_angles, render_annotated_video

    progress = ensure_progress(progress, "pose")
    source, out_dir = Path(source), Path(out_dir)
    t0 = time.perf_counter()
    info = probe_video(source, options.fps)
    if options.cutoff_hz is not None and not 0 < options.cutoff_hz < info.fps / 2:
        raise UserError(
            f"filter cut-off {options.cutoff_hz:g} Hz must be above 0 and below half the frame rate "
            f"({info.fps / 2:g} Hz)", source, "choose a lower --cutoff or use --no-filter",
        )
    summary = Summary("pose", inputs=[str(source)], options=plain(options))
    with output_run(out_dir, summary, source):
        run = estimate_sequence(source, options, progress)
        raw = run.sequence
        clean = clean_sequence(raw, options)
        angles = compute_angles(clean)
        angles["time_s"] = angles["time_s"].round(6)
        # joint angles from BlazePose's 3D world landmarks: independent of the camera's viewpoint (a knee filmed
        # from the front), at the price of the model's depth guess
        angles_3d = compute_angles(clean, JOINT_ANGLES, space="world")
        angles_3d["time_s"] = angles["time_s"]
        with ThreadPoolExecutor(max_workers=1) as pool:
            # the annotated video (decode, draw, encode: C code that releases the GIL) renders while the files
            # are written
            video = None
            if options.annotated_video:
                video = pool.submit(render_annotated_video, source, clean, angles, out_dir / "annotated.mp4",
                                    options.fps, progress)
            try:
                _write_files(source, out_dir, raw, clean, angles, options)
                write_csv(out_dir / "angles_3d.csv", angles_3d.round({d.name: 3 for d in JOINT_ANGLES}))
                if options.plot:
                    plot_angles(angles, out_dir / "angles.png", title=source.name)
                if video is not None:
                    video.result()
            except BaseException:
                progress.cancel()
                raise
        seconds = time.perf_counter() - t0
        summary.metrics.update({
            "input_kind": run.info.kind,
            "model": f"blazepose-{options.model} (mediapipe {_mediapipe_version()})",
            "frames": len(raw),
            "frames_decoded": run.frames_decoded,
            "frames_with_person": int(raw.detected.sum()),
            "skipped_frames": run.skipped,
            "video_fps": round(raw.video_fps, 4),
            "width": raw.width,
            "height": raw.height,
            "fps": round(len(raw) / seconds, 2) if seconds > 0 else None,
            "pose_fps": round(run.frames_decoded / run.seconds, 2) if run.seconds > 0 else None,
            "angles": angle_stats(angles),
            "angles_3d": angle_stats(angles_3d),
        })
        summary.timings.update({"pose_s": round(run.seconds, 3), "total_s": round(seconds, 3)})
    return summary


def _write_files(source: Path, out_dir: Path, raw: PoseSequence, clean: PoseSequence, angles: pd.DataFrame,
                 options: PoseOptions) -> list[Path]:
    """keypoints.csv, angles.csv/.mot, pose3d.trc, COCO and OpenPose JSON; returns the paths written."""
    outputs = []
    if "csv" in options.formats:
        outputs.append(write_csv(out_dir / "keypoints.csv", keypoints_table(raw, clean)))
    outputs.append(write_csv(out_dir / "angles.csv", angles.round({d.name: 3 for d in ANGLES})))
    if "mot" in options.formats:
        outputs.append(write_mot(out_dir / "angles.mot", angles.drop(columns="frame")))
    if "trc" in options.formats:
        # OpenSim expects Y up: BlazePose world has y down and z away from the camera, so flip both
        markers = {name: clean.world_m[:, i] * np.array([1.0, -1.0, -1.0]) for i, name in enumerate(clean.names)}
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
