"""`sportlens pose --people all|N`: every person per frame with a stable person_id.

Per frame, MediaPipe's PoseLandmarker finds up to N people; the tracker (pose/tracking.py) gives each a
person id on box IoU and keypoint distance; each person's keypoints are then cleaned like one athlete's
(gap fill, zero-lag filter) over the frames from their first to their last appearance, and their angles
computed. The files are the single-athlete ones with one block of rows per person, plus one JSON per
person, people per frame (summary.json and people.png) and an annotated video with one colour per person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import save_figure, write_csv, write_json
from sportlens.io.output_dir import output_run
from sportlens.pose.angles import compute_angles, select_angles
from sportlens.pose.estimate import native_stderr_silenced
from sportlens.pose.keypoints import BLAZEPOSE_33, SKELETON_EDGES
from sportlens.pose.options import PoseOptions
from sportlens.pose.sequence import PoseSequence
from sportlens.pose.tracking import PersonTracker, TrackerSettings, keypoint_box
from sportlens.summary import Summary, plain
from sportlens.video.decode import VideoInfo, decode_frames, prefetch
from sportlens.video.draw import id_colour

MIN_PERSON_FRAMES = 3  # an id seen in fewer frames is a flicker of the detector, not a person: dropped

@dataclass
class PeopleRun:
    """What the estimation pass found: per person id, frame -> (xy (K, 2), visibility (K,), world (K, 3)),
    the frames and their times, frames skipped by the decoder, and the seconds spent."""

    tracks: dict[int, dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]]
    frames: np.ndarray
    time_s: np.ndarray
    skipped: list[dict]
    seconds: float


def estimate_people(info: VideoInfo, options: PoseOptions, progress: Progress | None = None, start: int = 0,
                    stop: int | None = None) -> PeopleRun:
    """Decode frames [start, stop), find up to options.max_people people in each and give them person ids.
    One pass in one thread: ids need the frames in order."""
    from sportlens.pose.landmarker import MultiPoseEstimator

    progress = ensure_progress(progress, "pose")
    skipped: list[dict] = []
    tracks: dict[int, dict] = {}
    times: dict[int, float] = {}
    tracker = PersonTracker(TrackerSettings(max_missed=options.max_occlusion_frames))
    end = stop if stop is not None else info.n_frames
    total = None if end is None else max(end - start, 0)
    frames = decode_frames(info.path, max_side=options.pose_max_side, fps=options.fps, start=start, stop=stop,
                           info=info, on_skip=lambda i, why: skipped.append({"frame": i, "reason": why}))
    t0 = time.perf_counter()
    with native_stderr_silenced(), progress.step("pose", total=total, unit="frames") as step, \
            MultiPoseEstimator(options.max_people) as estimator:
        for frame in prefetch(frames):
            times[frame.index] = frame.time_s
            people = estimator(frame.image, round(frame.index * 1000 / info.fps), info.width, info.height)
            if people:
                boxes = [_person_box(p.xy_px) for p in people]
                ids = tracker.update(frame.index, np.array(boxes), np.stack([p.xy_px for p in people]))
                for person_id, p in zip(ids, people, strict=True):
                    tracks.setdefault(person_id, {})[frame.index] = (p.xy_px, p.visibility, p.world_m)
            else:
                tracker.update(frame.index, np.zeros((0, 4)))
            step.advance()
    seconds = time.perf_counter() - t0
    order = np.array(sorted(times), dtype=int)
    skipped.sort(key=lambda item: item["frame"])
    return PeopleRun(tracks, order, np.array([times[i] for i in order]), skipped, seconds)


def _person_box(xy: np.ndarray) -> np.ndarray:
    """The box around all 33 landmarks, hidden ones included (the model places those where it guesses they
    are): while a person walks behind another, the box of the visible part shrinks towards the side still
    in view and its centre runs ahead of the person, which spoils the velocity that carries the id through
    the occlusion; the full-body box keeps moving with them (on the 30 fps crossing clip: one id instead
    of two)."""
    return keypoint_box(xy)


def person_sequence(found: dict[int, tuple], frames: np.ndarray, time_s: np.ndarray, info: VideoInfo) -> PoseSequence:
    """One person's raw keypoints from their first to their last frame (NaN where not seen)."""
    first, last = min(found), max(found)
    keep = (frames >= first) & (frames <= last)
    span, span_t = frames[keep], time_s[keep]
    k = len(BLAZEPOSE_33)
    xy, vis, world = (np.full((len(span), k, 2), np.nan), np.full((len(span), k), np.nan),
                      np.full((len(span), k, 3), np.nan))
    row = {int(f): i for i, f in enumerate(span)}
    for f, (pt, v, w) in found.items():
        xy[row[f]], vis[row[f]], world[row[f]] = pt, v, w
    return PoseSequence(BLAZEPOSE_33, span, span_t, xy, vis, world, info.width, info.height, info.fps)


def run_people(plan, out_dir: Path, options: PoseOptions, progress: Progress | None = None) -> Summary:
    """The --people run of a probed video or frame sequence (a `PosePlan`): files, plot, video, summary."""
    from sportlens.pose.pipeline import _mediapipe_version, angle_stats, clean_sequence

    progress = ensure_progress(progress, "pose")
    source = plan.info.path
    t0 = time.perf_counter()
    summary = Summary("pose", inputs=[str(source)], options=plain(options))
    definitions = select_angles(options.angles)
    with output_run(out_dir, summary, source):
        run = estimate_people(plan.info, options, progress, plan.start, plan.stop)
        n = len(run.frames)
        kept = sorted((pid for pid, found in run.tracks.items() if len(found) >= min(MIN_PERSON_FRAMES, n)),
                      key=lambda pid: (min(run.tracks[pid]), pid))
        dropped = len(run.tracks) - len(kept)
        renumber = {old: new for new, old in enumerate(kept)}  # ids 0, 1 ... in order of first appearance
        per_frame = np.zeros(n, dtype=int)
        index = {int(f): i for i, f in enumerate(run.frames)}
        for pid in kept:
            for f in run.tracks[pid]:
                per_frame[index[f]] += 1
        summary.metrics.update({
            "input_kind": "video" if plan.mode == "video" else "sequence",
            "model": f"poselandmarker-full x{options.max_people} (mediapipe {_mediapipe_version()})",
            "frames": n, "frames_decoded": n, "frames_with_person": int((per_frame > 0).sum()),
            "first_frame": plan.start, "skipped_frames": run.skipped,
            "video_fps": round(plan.info.fps, 4), "width": plan.info.width, "height": plan.info.height,
            "people": len(kept), "max_people_in_frame": int(per_frame.max()) if n else 0,
            "people_per_frame": per_frame.tolist(),
        })
        if run.skipped:
            first = run.skipped[0]
            summary.warn(f"{len(run.skipped)} frame(s) could not be decoded and were skipped (first: frame "
                         f"{first['frame']}, {first['reason']}); all are listed in summary.json")
        if dropped:
            summary.warn(f"{dropped} short detection(s) (seen in fewer than {MIN_PERSON_FRAMES} frames) were "
                         "left out as detector flicker")
        if not kept:
            summary.warn(f"no person found in any of the {n} frames: no keypoint or angle files were written "
                         "(are the athletes in view and lit? try a larger --pose-max-side)")
            summary.timings["pose_s"] = round(run.seconds, 3)
            return summary
        if options.max_people is not None and int(per_frame.max()) >= options.max_people:
            summary.warn(f"{options.max_people} people were found in some frames, the most looked for: there may "
                         "be more (raise --people)")
        people = []
        for pid in kept:
            raw = person_sequence(run.tracks[pid], run.frames, run.time_s, plan.info)
            clean = clean_sequence(raw, options)
            angles = compute_angles(clean, definitions)
            angles["time_s"] = angles["time_s"].round(6)
            angles.insert(2, "person_id", renumber[pid])
            people.append((renumber[pid], raw, clean, angles))
        _write_people_files(out_dir, people, options)
        summary.metrics["persons"] = [
            {"person_id": person_id, "first_frame": int(clean.frame[0]), "last_frame": int(clean.frame[-1]),
             "frames_seen": int(raw.detected.sum()), "angles": angle_stats(angles)}
            for person_id, raw, clean, angles in people]
        if options.plot:
            plot_people(run.frames, run.time_s, per_frame, people, out_dir / "people.png", source.name)
        if options.annotated_video:
            render_people_video(plan.info, run.frames, people, out_dir / "annotated.mp4", progress)
        seconds = time.perf_counter() - t0
        summary.metrics.update({
            "fps": round(n / seconds, 2) if seconds > 0 else None,
            "pose_fps": round(n / run.seconds, 2) if run.seconds > 0 else None,
        })
        summary.timings.update({"pose_s": round(run.seconds, 3), "total_s": round(seconds, 3)})
    return summary


def _write_people_files(out_dir: Path, people: list, options: PoseOptions) -> None:
    """keypoints.csv and angles.csv with a block of rows per person (sorted by frame, then person), and
    people/person_<id>.json."""
    from sportlens.pose.pipeline import angle_stats, keypoints_table

    if "csv" in options.formats:
        tables = []
        for person_id, raw, clean, _ in people:
            table = keypoints_table(raw, clean)
            table["person_id"] = person_id
            tables.append(table)
        keypoints = pd.concat(tables, ignore_index=True).sort_values(["frame", "person_id"], kind="stable")
        write_csv(out_dir / "keypoints.csv", keypoints)
    angles = pd.concat([a for *_, a in people], ignore_index=True).sort_values(["frame", "person_id"],
                                                                               kind="stable")
    value_columns = [c for c in angles.columns if c not in ("frame", "time_s", "person_id")]
    if value_columns:
        write_csv(out_dir / "angles.csv", angles.round({c: 3 for c in value_columns}))
    for person_id, raw, clean, person_angles in people:
        write_json(out_dir / "people" / f"person_{person_id}.json", {
            "person_id": person_id, "keypoints": list(clean.names),
            "first_frame": int(clean.frame[0]), "last_frame": int(clean.frame[-1]),
            "frames_seen": int(raw.detected.sum()),
            "frame": clean.frame.tolist(), "time_s": np.round(clean.time_s, 6).tolist(),
            "seen": raw.detected.tolist(),
            "xy_px": np.round(clean.xy_px, 2).tolist(),  # (frames, keypoints, 2), cleaned; null where missing
            "visibility": np.round(raw.visibility, 4).tolist(),  # (frames, keypoints), raw; null where not seen
            "angles_deg": {c: np.round(person_angles[c].to_numpy(float), 3).tolist()
                           for c in person_angles.columns if c not in ("frame", "time_s", "person_id")},
            "angle_stats": angle_stats(person_angles),
        }, indent=None)


def render_people_video(info: VideoInfo, frames: np.ndarray, people: list, target: Path,
                        progress: Progress | None = None) -> Path:
    """The analysed frames at full size with each person's cleaned skeleton in their colour and their id."""
    from sportlens.video.draw import draw_label, draw_skeleton
    from sportlens.video.encode import VideoWriter

    progress = ensure_progress(progress, "pose")
    first = int(frames[0])
    rows = [(pid, clean, {int(f): i for i, f in enumerate(clean.frame)}) for pid, _, clean, _ in people]
    with VideoWriter(target, info.fps, info.width, info.height) as writer, \
            progress.step("video", total=len(frames), unit="frames") as step:
        for frame in prefetch(decode_frames(info.path, info=info, start=first,
                                            stop=int(frames[-1]) + 1)):
            image = frame.image
            for pid, clean, row in rows:
                i = row.get(frame.index)
                if i is None or np.all(np.isnan(clean.xy_px[i])):
                    continue
                xy = clean.xy_px[i]
                colour = id_colour(pid)
                draw_skeleton(image, {name: xy[k] for k, name in enumerate(clean.names)}, SKELETON_EDGES,
                              colour=colour)
                found = xy[np.isfinite(xy).all(axis=1)]
                x0, y0 = found.min(axis=0)
                draw_label(image, f"id {pid}", (x0, max(y0 - 24, 0)), colour)
            writer.write(image)
            step.advance()
    return target


def plot_people(frames: np.ndarray, time_s: np.ndarray, per_frame: np.ndarray, people: list, target: Path,
                title: str = "") -> Path:
    """People per frame over time, and when each person id is in view (one colour per id)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 2.2 + 0.35 * len(people) + 1.6), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1 + 0.25 * len(people)]})
    top.step(time_s, per_frame, where="mid", color="black", lw=1.4)
    top.set_ylabel("people")
    top.set_ylim(-0.2, max(int(per_frame.max()), 1) + 0.5)
    top.yaxis.get_major_locator().set_params(integer=True)
    top.set_title("People per frame", fontsize=10, loc="left")
    top.grid(alpha=0.3)
    for pid, raw, _, _ in people:
        seen = raw.detected
        colour = np.array(id_colour(pid)) / 255
        bottom.scatter(raw.time_s[seen], np.full(int(seen.sum()), pid), s=6, color=colour, marker="s")
    bottom.set_yticks([pid for pid, *_ in people])
    bottom.set_yticklabels([f"id {pid}" for pid, *_ in people])
    bottom.set_ylim(len(people) - 0.5, -0.5)
    bottom.set_title("When each person is seen", fontsize=10, loc="left")
    bottom.set_xlabel("time (s)")
    bottom.grid(alpha=0.3, axis="x")
    if title:
        fig.suptitle(f"People — {title}", fontsize=11)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.88, bottom=0.12, hspace=0.4)
    return save_figure(fig, target, dpi=80)
