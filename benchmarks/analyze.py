"""`sportlens analyze` on clip720.mp4 as a whole process, next to the task commands it replaces run one after
the other (`sportlens pose` + `sportlens reps` + `sportlens ball track`, each decoding the video itself; analyze's
default `--sport auto` runs the ball tracker too) and decode-only, measured back to back in the same run. Frames
per second of the 420-frame clip; best of --reps repetitions. Then report.html is opened in headless Chromium:
the time until its load event and until its script has drawn the plots (`document.body.dataset.ready`).

    .venv/bin/python benchmarks/analyze.py [--reps 2] [--record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_record import append_row, machine, shared_path, timed_process, today  # noqa: E402

SECTION = "Analyze and the report (issue 17)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    clip = shared_path("video/clip720.mp4")
    exe = Path(sys.executable)
    cli = str(exe.with_name("sportlens"))
    decode = "from sportlens.video.decode import decode_frames; import sys; sum(1 for _ in decode_frames(sys.argv[1]))"
    frames = 420
    load = os.getloadavg()[0]
    best = {"decode": 0.0, "separate": 0.0, "analyze": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):
            best["decode"] = max(best["decode"], frames / timed_process([str(exe), "-c", decode, str(clip)]))
            separate = (timed_process([cli, "pose", str(clip), "-o", f"{tmp}/pose{rep}"])
                        + timed_process([cli, "reps", str(clip), "-o", f"{tmp}/reps{rep}"])
                        + timed_process([cli, "ball", "track", str(clip), "-o", f"{tmp}/ball{rep}"]))
            best["separate"] = max(best["separate"], frames / separate)
            analyze = timed_process([cli, "analyze", str(clip), "-o", f"{tmp}/an{rep}"])
            best["analyze"] = max(best["analyze"], frames / analyze)
        report = Path(tmp) / "an0" / "report.html"
        size_kb = report.stat().st_size / 1024 if report.exists() else float("nan")
        load_s, ready_s = report_load(report)
    print(f"decode-only {best['decode']:.1f} fps; pose + reps + ball track as three commands "
          f"{best['separate']:.1f} fps; "
          f"analyze {best['analyze']:.1f} fps (ratio to the two commands {best['analyze'] / best['separate']:.2f}, "
          f"to decode-only {best['analyze'] / best['decode']:.3f}); report.html {size_kb:.0f} kB, load "
          f"{load_s:.2f} s, ready {ready_s:.2f} s in headless Chromium")
    if args.record:
        append_row(SECTION, "| date | machine | load avg before | clip | decode-only fps | pose + reps + ball (three "
                   "commands) fps | analyze fps | analyze / three commands | report.html kB | report load / ready s "
                   "(headless Chromium) |",
                   f"| {today()} | {machine()} | {load:.1f} | clip720.mp4 1280x720, 420 frames | "
                   f"{best['decode']:.1f} | {best['separate']:.1f} | {best['analyze']:.1f} | "
                   f"{best['analyze'] / best['separate']:.2f} | {size_kb:.0f} | {load_s:.2f} / {ready_s:.2f} |")


def report_load(report: Path) -> tuple[float, float]:
    """Seconds to the load event and to the script's ready mark, opened from disk in headless Chromium."""
    import time

    from sportlens.report.browser import Browser, find_chromium

    if find_chromium() is None or not report.exists():
        return float("nan"), float("nan")
    with Browser(width=1400, height=1800) as browser:
        t0 = time.perf_counter()
        load_s = browser.open(report.as_uri())
        browser.wait_for("document.body.dataset.ready === '1'", timeout=30)
        return load_s, time.perf_counter() - t0

if __name__ == "__main__":
    main()
