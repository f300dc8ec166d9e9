"""Ball tracking benchmark on the shared badminton rallies (../shared/data/ball/badminton).

    .venv/bin/python benchmarks/ball.py [--model classic] [--limit N] [--record]
    .venv/bin/python benchmarks/ball.py --held-out [--model NAME|RUN] [--record]
    .venv/bin/python benchmarks/ball.py --no-ball [--record]

The classic baseline has no training, so every rally is test data; results are reported per match (the match
grouping of the data's README) and pooled. --held-out evaluates each shipped network (or the one --model names)
on the matches of its card's test split (never trained on, not used to pick the epoch or threshold), next to the
classic baseline on exactly those rallies. Speed: end to end (decode + tracking + post-processing of one
1280x720 rally) next to decode-only frames/s of the same video in the same run. With --record, dated rows go
to the `## Ball tracking (issue 15)` section of BENCHMARKS.md.

--no-ball: false detections on a video without a ball (the astronaut photo swaying +-20 degrees, 10 s, 300
frames at 384x384, made from the shipped sample): frames with a "ball" before post-processing, after it without
the plausibility gate, and with it, for classic and each shipped network.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.ball.dataset import read_group_table  # noqa: E402
from sportlens.ball.formats import find_labelled_clips  # noqa: E402
from sportlens.ball.metrics import evaluate  # noqa: E402
from sportlens.ball.options import EvalOptions  # noqa: E402
from sportlens.ball.pipeline import evaluate_clips, track_source  # noqa: E402
from sportlens.ball.postprocess import PostSettings  # noqa: E402
from sportlens.video.decode import decode_frames, probe_video  # noqa: E402

SECTION = "Ball tracking (issue 15)"


def matches(readme: Path) -> dict[str, str]:
    """rally -> match letter, from the per-rally table of the data's README."""
    return read_group_table(readme)


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


HELD_OUT_HEADER = ("| date | model | held-out matches (rallies) | frames | SiBaTrAcc | F1 | precision | recall | "
                   "accuracy | RMSE px | decode-only fps | end-to-end fps | machine |")


def _line(name: str, m: dict) -> str:
    return (f"{name:>14} {m['clips']:>3} {m['frames']:>6} {m['sibatracc']:9.3f} {m['f1']:5.3f} {m['precision']:5.3f}"
            f" {m['recall']:6.3f} {m['accuracy']:5.3f} {m['rmse_px']:8.1f}")


def held_out(models: list[str], root: Path, record: bool) -> None:
    """Each network on its card's test matches, the classic baseline on the same rallies, and both speeds."""
    from sportlens.ball.models import load_heatmap_model

    match_of = matches(root.parent / "README.md")
    clips = find_labelled_clips(root)
    video = root / "00004.mp4"  # the longest rally (668 frames), 1280x720
    for model in models:
        card = load_heatmap_model(model).card
        groups = card["split"]["test"]["groups"]
        chosen = [c for c in clips if match_of.get(c.name) in groups]
        print(f"{model}: test matches {', '.join(groups)} ({len(chosen)} rallies); trained on "
              f"{', '.join(card['split']['train']['groups'])}, epoch and threshold picked on "
              f"{', '.join(card['split']['val']['groups'])}")
        print("         model rallies frames sibatracc    f1  prec recall   acc  rmse_px")
        for name in (model, "classic"):
            metrics, _, _ = evaluate_clips(chosen, EvalOptions(model=name))
            print(_line(name, metrics))
            decode_fps, e2e_fps = speed(video, name)
            print(f"{'':>14} speed on {video.name}: decode only {decode_fps:.0f} frames/s, end to end {e2e_fps:.0f}")
            if record:
                label = name if name == "classic" else Path(model).name
                row = (f"| {today()} | {label} | {', '.join(groups)} ({len(chosen)}) | {metrics['frames']} | "
                       f"{metrics['sibatracc']:.3f} | {metrics['f1']:.3f} | {metrics['precision']:.3f} | "
                       f"{metrics['recall']:.3f} | {metrics['accuracy']:.3f} | {metrics['rmse_px']:.1f} | "
                       f"{decode_fps:.0f} | {e2e_fps:.0f} | {machine()} |")
                append_row(SECTION, HELD_OUT_HEADER, row)


NO_BALL_HEADER = ("| date | model | no-ball clip | frames | detected (raw) | after post-processing, no gate | "
                  "after the plausibility gate | machine |")


def no_ball(record: bool) -> None:
    """Frames reported with a ball on a clip without one, before and after the plausibility gate."""
    import tempfile

    from sportlens.ball.models import NET_SPECS, shipped_weights
    from sportlens.ball.postprocess import postprocess
    from sportlens.samples import rotating_clip

    with tempfile.TemporaryDirectory() as folder:
        clip = rotating_clip(Path(folder) / "sway.mp4", seconds=10.0)
        info = probe_video(clip.path)
        for model in ["classic", *(n for n in NET_SPECS if shipped_weights(n).is_file())]:
            _, raw, _, _ = track_source(info, model, PostSettings(revisit_s=None))
            ungated = int(postprocess(raw, PostSettings(revisit_s=None)).visible.sum())
            gated = int(postprocess(raw, PostSettings()).visible.sum())
            print(f"{model:>14}: {len(raw)} frames, detected {int(raw.visible.sum())}, after post-processing "
                  f"{ungated} without the gate, {gated} with it")
            if record:
                row = (f"| {today()} | {model} | astronaut sway 384x384, 10 s | {len(raw)} | "
                       f"{int(raw.visible.sum())} | {ungated} | {gated} | {machine()} |")
                append_row(SECTION, NO_BALL_HEADER, row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="classic (default), a network name or a run folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rallies (a quick look)")
    parser.add_argument("--held-out", action="store_true",
                        help="networks on the test matches of their card, next to the classic baseline")
    parser.add_argument("--no-ball", action="store_true", help="false detections on a video without a ball")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    if args.no_ball:
        no_ball(args.record)
        return
    root = shared_path("ball/badminton")
    if args.held_out:
        from sportlens.ball.models import NET_SPECS, shipped_weights

        models = [args.model] if args.model else [n for n in NET_SPECS if shipped_weights(n).is_file()]
        if not models:
            sys.exit("no network weights are shipped: give --model RUN")
        held_out(models, root, args.record)
        return
    args.model = args.model or "classic"

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
