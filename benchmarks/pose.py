"""Pose benchmark: end-to-end frames/s vs decode-only frames/s on a 720p clip, and the share of frames or
images with a person found on yoga8 and the workout videos.

    .venv/bin/python benchmarks/pose.py [--skip-yoga] [--skip-workouts] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.pose.estimate import BlazePoseEstimator  # noqa: E402
from sportlens.pose.options import PoseOptions  # noqa: E402
from sportlens.pose.pipeline import estimate_sequence, run_pose  # noqa: E402
from sportlens.video.decode import decode_frames, probe_video  # noqa: E402

SECTION = "Pose (issue 2)"


def decode_only_fps(path: Path) -> float:
    t0 = time.perf_counter()
    n = sum(1 for _ in decode_frames(path))
    return n / (time.perf_counter() - t0)


def speed(clip: Path) -> dict:
    """Decode-only, end-to-end and no-video frames/s, interleaved so machine noise hits all of them."""
    decode, e2e, novideo, pose_only = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(2):
            decode.append(decode_only_fps(clip))
            s = run_pose(clip, Path(tmp) / f"full{rep}", PoseOptions())
            e2e.append(s["fps"])
            pose_only.append(s["pose_fps"])
            s = run_pose(clip, Path(tmp) / f"nov{rep}", PoseOptions(annotated_video=False))
            novideo.append(s["fps"])
    best = {"decode": max(decode), "e2e": max(e2e), "novideo": max(novideo), "pose": max(pose_only)}
    best["ratio"] = best["e2e"] / best["decode"]
    return best


def yoga_share(folder: Path) -> tuple[int, int, dict]:
    from sportlens.video.decode import IMAGE_SUFFIXES, read_image

    found = total = 0
    per_class: dict[str, list[int]] = {}
    with BlazePoseEstimator(static_image=True) as estimator:
        for cls in sorted(p for p in folder.iterdir() if p.is_dir()):
            for img_path in sorted(cls.iterdir()):
                if img_path.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                hit = estimator(read_image(img_path)) is not None
                found += hit
                total += 1
                per_class.setdefault(cls.name, [0, 0])
                per_class[cls.name][0] += hit
                per_class[cls.name][1] += 1
    return found, total, per_class


def workout_share(folder: Path) -> tuple[int, int, int, list]:
    frames = with_person = clips = 0
    worst = []
    for clip in sorted(folder.glob("*.mp4")):
        run = estimate_sequence(probe_video(clip), PoseOptions())
        n, k = len(run.sequence), int(run.sequence.detected.sum())
        frames += n
        with_person += k
        clips += 1
        worst.append((k / max(n, 1), clip.name))
    return frames, with_person, clips, sorted(worst)[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-yoga", action="store_true")
    parser.add_argument("--skip-workouts", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append to BENCHMARKS.md")
    args = parser.parse_args()
    clip = shared_path("video/clip720.mp4")
    s = speed(clip)
    print(f"clip720 (1280x720, 420 frames): decode-only {s['decode']:.1f} fps, end to end {s['e2e']:.1f} fps "
          f"(ratio {s['ratio']:.3f}), without annotated video {s['novideo']:.1f} fps, decode+pose {s['pose']:.1f} fps")
    if not args.no_record:
        append_row(SECTION, "| date | machine | clip | decode-only fps | end-to-end fps | e2e / decode | no-video fps |"
                   " decode+pose fps |",
                   f"| {today()} | {machine()} | clip720.mp4 1280x720, 420 frames | {s['decode']:.1f} | "
                   f"{s['e2e']:.1f} | {s['ratio']:.3f} | {s['novideo']:.1f} | {s['pose']:.1f} |")
    if not args.skip_yoga:
        found, total, per_class = yoga_share(shared_path("images/yoga8"))
        detail = ", ".join(f"{c} {a}/{b}" for c, (a, b) in per_class.items())
        print(f"yoga8: person found in {found}/{total} images ({found / total:.1%}); {detail}")
        if not args.no_record:
            append_row(SECTION, "| date | set | items | with a person | share | detail |",
                       f"| {today()} | yoga8 images (single-image mode) | {total} | {found} | {found / total:.1%} | "
                       f"{detail} |")
    if not args.skip_workouts:
        frames, with_person, clips, worst = workout_share(shared_path("video/workout-reps-calimiro"))
        detail = "lowest: " + ", ".join(f"{name} {share:.0%}" for share, name in worst)
        print(f"workouts: person found in {with_person}/{frames} frames of {clips} clips "
              f"({with_person / frames:.1%}); {detail}")
        if not args.no_record:
            append_row(SECTION, "| date | set | items | with a person | share | detail |",
                       f"| {today()} | workout-reps-calimiro frames (tracking mode), {clips} clips | {frames} | "
                       f"{with_person} | {with_person / frames:.1%} | {detail} |")


if __name__ == "__main__":
    main()
