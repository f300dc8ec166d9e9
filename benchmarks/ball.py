"""Ball tracking benchmark on the shared badminton rallies (../shared/data/ball/badminton).

    .venv/bin/python benchmarks/ball.py [--model classic] [--limit N] [--record]

The classic baseline has no training, so every rally is test data; results are reported per match (the match
grouping of the data's README) and pooled. Speed: end to end (decode + tracking + post-processing of one
1280x720 rally) next to decode-only frames/s of the same video in the same run. With --record, dated rows go
to the `## Ball tracking (issue 15)` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.ball.formats import find_labelled_clips  # noqa: E402
from sportlens.ball.metrics import evaluate  # noqa: E402
from sportlens.ball.options import EvalOptions  # noqa: E402
from sportlens.ball.pipeline import evaluate_clips, track_source  # noqa: E402
from sportlens.ball.postprocess import PostSettings  # noqa: E402
from sportlens.video.decode import decode_frames, probe_video  # noqa: E402

SECTION = "Ball tracking (issue 15)"


def matches(readme: Path) -> dict[str, str]:
    """rally -> match letter, from the per-rally table of the data's README."""
    out = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\d{5})\s*\|\s*\d+\s*\|\s*\d+\s*\|\s*([A-Z])\s*\|", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def speed(video: Path, model: str, repeats: int = 3) -> tuple[float, float]:
    """(decode-only frames/s, end-to-end frames/s) on one video, best of `repeats` each, interleaved in the same
    run. Decode-only is the plain reader (with an idle consumer the prefetch thread only adds GIL hand-overs);
    end to end decodes through the prefetch thread, which overlaps decoding with tracking."""
    info = probe_video(video)
    decode, e2e = 0.0, 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = sum(1 for _ in decode_frames(video, info=info))
        decode = max(decode, n / (time.perf_counter() - t0))
        track, _, _, seconds = track_source(info, model, PostSettings())
        e2e = max(e2e, len(track) / seconds)
    return decode, e2e


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="classic")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rallies (a quick look)")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    root = shared_path("ball/badminton")
    match_of = matches(root.parent / "README.md")
    clips = find_labelled_clips(root)[: args.limit]
    options = EvalOptions(model=args.model)
    by_clip = {}
    t0 = time.perf_counter()
    metrics, rows, warnings = evaluate_clips(clips, options, on_clip=lambda c, p: by_clip.__setitem__(c.name, p))
    wall = time.perf_counter() - t0
    for w in warnings:
        print("warning:", w)
    groups = defaultdict(list)
    for clip in clips:
        groups[match_of.get(clip.name, "?")].append((clip.track, by_clip[clip.name]))
    print(f"{args.model}: {len(clips)} rallies, {metrics['frames']} frames, {wall:.1f} s")
    print("match  rallies frames sibatracc    f1  prec recall   acc  rmse_px")
    for match in sorted(groups):
        m = evaluate(groups[match])
        print(f"{match:>5} {m['clips']:>8} {m['frames']:>6} {m['sibatracc']:9.3f} {m['f1']:5.3f} {m['precision']:5.3f}"
              f" {m['recall']:6.3f} {m['accuracy']:5.3f} {m['rmse_px']:8.1f}")
    print(f"  all {metrics['clips']:>8} {metrics['frames']:>6} {metrics['sibatracc']:9.3f} {metrics['f1']:5.3f} "
          f"{metrics['precision']:5.3f} {metrics['recall']:6.3f} {metrics['accuracy']:5.3f} {metrics['rmse_px']:8.1f}")
    print(f"  tp {metrics['tp']} fp {metrics['fp']} (far {metrics['fp_far']}, no ball {metrics['fp_no_ball']}) "
          f"fn {metrics['fn']} tn {metrics['tn']}; tolerance {metrics['tolerance_px']:g} px at 512x288 = "
          f"{metrics['tolerance_px_source']:g} px at 1280x720")
    f1_by_match = [evaluate(groups[g])["f1"] for g in sorted(groups)]
    video = root / "00004.mp4"  # the longest rally (668 frames)
    decode_fps, e2e_fps = speed(video, args.model)
    print(f"speed on {video.name} (1280x720): decode only {decode_fps:.0f} frames/s, end to end {e2e_fps:.0f} frames/s")
    if args.record:
        header = ("| date | model | rallies (matches) | frames | SiBaTrAcc | F1 | precision | recall | accuracy | "
                  "RMSE px | F1 per match min-max | decode-only fps | end-to-end fps | machine |")
        row = (f"| {today()} | {args.model} | {len(clips)} ({len(groups)}) | {metrics['frames']} | "
               f"{metrics['sibatracc']:.3f} | {metrics['f1']:.3f} | {metrics['precision']:.3f} | "
               f"{metrics['recall']:.3f} | {metrics['accuracy']:.3f} | {metrics['rmse_px']:.1f} | "
               f"{min(f1_by_match):.2f}-{max(f1_by_match):.2f} | {decode_fps:.0f} | {e2e_fps:.0f} | {machine()} |")
        append_row(SECTION, header, row)


if __name__ == "__main__":
    main()
