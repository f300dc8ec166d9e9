"""Optical flow + ROI preprocessing speed at the 320-px working size (320x180 for 16:9), in one run:

1. decode-only frames/s (PyAV decode + resize to the working size, gray conversion);
2. flow-only pairs/s (DIS or Farneback on frames already in memory);
3. the whole preprocessing of a clip (decode, flow, normalisation, ROI), one clip at a time;
4. the same over all clips, `--workers` clips at a time, with the compressed cache written (cold cache).

    .venv/bin/python benchmarks/flow.py [--data video/tennis-strokes] [--clips 40] [--workers 2]
                                        [--method dis] [--preset fast] [--record]

The figure the issue sets (>= 300 pairs/s) is step 4; the load average of the machine (other jobs share the
2 cores) is printed and recorded beside it.
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

SECTION = "Actions: skeleton models (issue 16)"


def main() -> None:
    import cv2
    import numpy as np

    from sportlens.constants import VIDEO_SUFFIXES
    from sportlens.video.decode import decode_frames
    from sportlens.video.flow import FlowSettings, compute_clip_flow, flow_of_frames, flows_for_videos

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="video/tennis-strokes", help="under ../shared/data: a clip or a folder")
    parser.add_argument("--clips", type=int, default=40, help="at most this many clips (sorted by path)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", default="dis")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    root = shared_path(args.data)
    videos = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)
    videos = videos[: args.clips]
    settings = FlowSettings(method=args.method, preset=args.preset)
    load_before = os.getloadavg()[0]

    t0 = time.perf_counter()
    grays = []
    for v in videos:
        grays.append([cv2.cvtColor(f.image, cv2.COLOR_RGB2GRAY) for f in decode_frames(v, max_side=settings.max_side)])
    decode_s = time.perf_counter() - t0
    frames = sum(len(g) for g in grays)
    size = grays[0][0].shape[::-1]

    t0 = time.perf_counter()
    for g in grays:
        flow_of_frames(g, settings)
    flow_s = time.perf_counter() - t0
    pairs = sum(len(g) - 1 for g in grays)
    del grays

    t0 = time.perf_counter()
    for v in videos:
        compute_clip_flow(v, settings)
    serial_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        clips = flows_for_videos(videos, settings, cache, workers=args.workers)
        parallel_s = time.perf_counter() - t0
        cache_mb = sum(p.stat().st_size for p in Path(cache).glob("*.npz")) / 1e6
    load_after = os.getloadavg()[0]
    raw_mb = sum(c.codes.size * 4 for c in clips) / 1e6  # the same flow as float32
    rates = {"decode": frames / decode_s, "flow": pairs / flow_s, "serial": pairs / serial_s,
             "parallel": pairs / parallel_s}
    print(f"{len(videos)} clips, {frames} frames, {pairs} pairs at {size[0]}x{size[1]}, {args.method} {args.preset}")
    print(f"decode only: {rates['decode']:.0f} frames/s")
    print(f"flow only: {rates['flow']:.0f} pairs/s")
    print(f"whole preprocessing, one clip at a time: {rates['serial']:.0f} pairs/s")
    print(f"whole preprocessing, {args.workers} clips at a time, cache written: {rates['parallel']:.0f} pairs/s "
          f"(cache {cache_mb:.1f} MB vs {raw_mb:.0f} MB as float32)")
    print(f"load average (1 min) before {load_before:.2f}, after {load_after:.2f}")
    if args.record:
        append_row(SECTION, "| date | machine | clips (frames) | size | flow | decode only frames/s | flow only "
                   "pairs/s | preprocessing 1 clip at a time pairs/s | preprocessing N clips at a time pairs/s "
                   "| cache MB (float32 MB) | load before/after |",
                   f"| {today()} | {machine()} | {args.data}: {len(videos)} ({frames}) | {size[0]}x{size[1]} | "
                   f"{args.method} {args.preset} | {rates['decode']:.0f} | {rates['flow']:.0f} | {rates['serial']:.0f} "
                   f"| {rates['parallel']:.0f} (N={args.workers}) | {cache_mb:.1f} ({raw_mb:.0f}) | "
                   f"{load_before:.2f}/{load_after:.2f} |")
    _ = np  # numpy is imported for the flow module's sake


if __name__ == "__main__":
    main()
