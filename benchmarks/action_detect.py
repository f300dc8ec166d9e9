"""Stroke detection in a long video built from the tennis stroke clips (`sportlens action detect`).

The held-out scene groups (one or two per class, so every class keeps other groups for training; see
../shared/data/video/tennis-strokes/README.md) give the long video: their clips joined in a fixed shuffled
order, each preceded by a still stretch (its first frame held for --still seconds). The joins are the ground
truth. The skeleton model is trained on the clips of the other groups only (BlazePose skeletons, cached), then
`run_detect` runs the whole pipeline on the long video (BlazePose on it, windows, segments) and scores it:
mAP at temporal IoU 0.5 and mean IoU. The same model's accuracy on the held-out clips as whole clips is printed
beside it (the classification part of the task alone).

    .venv/bin/python benchmarks/action_detect.py [--epochs 60] [--still 1.5] [--cache /tmp/tennis.npz] [--record]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from action import tennis_clips  # noqa: E402
from bench_record import append_row, machine, shared_path, today  # noqa: E402

SECTION = "Actions: skeleton models (issue 16)"
# held out: each class keeps at least one other group in training
TEST_GROUPS = ("g_usopen_grey_man", "g_blue_shirt_man", "g_purple_court", "g_serve_blue_court_man",
               "g_smash_grey_man")


def build_long_video(clips: list[Path], labels: list[str], still_s: float, target: Path) -> list[list]:
    """Join clips, each after `still_s` of its first frame held; returns the truth rows (video,start,end,label)."""
    from sportlens.video.decode import decode_frames, probe_video
    from sportlens.video.encode import VideoWriter

    info = probe_video(clips[0])
    rows, at = [], 0
    with VideoWriter(target, info.fps, info.width, info.height, crf=20) as out:
        for clip, label in zip(clips, labels, strict=True):
            frames = [f.image for f in decode_frames(clip, size=(info.width - info.width % 2,
                                                                 info.height - info.height % 2))]
            for _ in range(int(round(still_s * info.fps))):
                out.write(frames[0])
                at += 1
            for image in frames:
                out.write(image)
            rows.append([target.name, at, at + len(frames), label])
            at += len(frames)
    return rows


def main() -> None:
    import pandas as pd

    from sportlens.action.detect import Segment, detection_metrics, run_detect
    from sportlens.action.options import DetectOptions, TrainOptions
    from sportlens.action.pipeline import _split, duration, evaluate_clips, fit_clips, load_action_model
    from sportlens.action.skeleton import SkeletonClip

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--still", type=float, default=1.5, help="seconds of still frame before each clip")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache", default="/tmp/tennis.npz", help="an .npz file for the clips' skeletons")
    parser.add_argument("--keep", default=None, help="keep the long video and the detection here")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    root = shared_path("video/tennis-strokes")
    clips, groups = tennis_clips(Path(args.cache) if args.cache else None)
    train = [i for i, g in enumerate(groups) if g not in TEST_GROUPS]
    test = [i for i, g in enumerate(groups) if g in TEST_GROUPS]
    rng = np.random.default_rng(0)
    test = [test[k] for k in rng.permutation(len(test))]
    print(f"training on {len(train)} clips of {len({groups[i] for i in train})} groups, long video from "
          f"{len(test)} clips of {len(TEST_GROUPS)} held-out groups")
    options = TrainOptions(model="skeleton-tcn", epochs=args.epochs, seed=0, threads=args.threads, batch_size=16)
    marked = [SkeletonClip(clips[i].xy, clips[i].label, clips[i].source, None, clips[i].fps) for i in train]
    tr, va, _ = _split(marked, options.val_fraction, options.seed)
    classes = sorted({c.label for c in marked})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        clip_s = float(np.median([duration(c) for c in marked]))
        fit_clips(marked, tr, va, classes, options, work / "run", card_extra={"clip_s": round(clip_s, 3)})
        train_min = (time.perf_counter() - t0) / 60
        loaded = load_action_model(work / "run")
        whole = evaluate_clips(loaded.module, [clips[i] for i in test], classes, options.frames)
        print(f"trained in {train_min:.1f} min; whole held-out clips: accuracy {whole['accuracy']:.3f}")

        sources = [root / "/".join(Path(clips[i].source).parts[-2:]) for i in test]
        video = work / "long.mp4"
        truth = build_long_video(sources, [clips[i].label for i in test], args.still, video)
        with open(work / "truth.csv", "w", newline="") as f:
            csv.writer(f).writerows([["video", "start", "end", "label"], *truth])
        t0 = time.perf_counter()
        options = DetectOptions(model=str(work / "run"), truth=str(work / "truth.csv"), video=bool(args.keep))
        summary = run_detect(video, work / "detect", options)
        detect_s = time.perf_counter() - t0
        table = pd.read_csv(work / "detect" / "segments.csv")
        segments = [Segment(int(r.start_frame), int(r.end_frame), str(r.label), float(r.score))
                    for r in table.itertuples()]
    m = summary.metrics
    d = m["detection"]
    seconds = m["frames"] / m["fps"]
    print(f"long video {seconds:.0f} s ({m['frames']} frames), {d['truth_segments']} strokes; detected "
          f"{d['predicted_segments']} segments in {detect_s:.0f} s (pose included)")
    print(f"mAP@0.5 {d['map']:.3f}, mean IoU {d['mean_iou']:.3f}; AP per class "
          + ", ".join(f"{c} {v:.2f}" for c, v in d["ap"].items()))
    # localisation alone: every segment relabelled alike
    found = [Segment(s.start_frame, s.end_frame, "stroke", s.score) for s in segments]
    agnostic = detection_metrics(found, [Segment(s, e, "stroke") for _, s, e, _ in truth])
    print(f"class-agnostic (where, not which): mAP@0.5 {agnostic['map']:.3f}, mean IoU {agnostic['mean_iou']:.3f}")
    if args.record:
        append_row(SECTION, "| date | machine | long video | strokes (held-out groups) | trained on | epochs | "
                   "whole-clip accuracy | segments found | mAP@0.5 | mean IoU | class-agnostic mAP@0.5 / mean IoU | "
                   "detect s (pose included) |",
                   f"| {today()} | {machine()} | {seconds:.0f} s: held-out clips joined, {args.still:g} s still "
                   f"before each | {d['truth_segments']} ({len(TEST_GROUPS)} groups) | {len(train)} clips of the "
                   f"other groups | {args.epochs} | {whole['accuracy']:.3f} | {d['predicted_segments']} | "
                   f"{d['map']:.3f} | {d['mean_iou']:.3f} | {agnostic['map']:.3f} / {agnostic['mean_iou']:.3f} | "
                   f"{detect_s:.0f} |")


if __name__ == "__main__":
    main()
