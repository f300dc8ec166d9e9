"""Actions found in a long video: a trained skeleton model slides over the video's pose sequence, the window
scores are averaged per frame, and runs of one label become segments (`start_frame, end_frame, label, score`).

A frame is background (no action) when the athlete is still (the mean speed of the normalised joints, in
torso lengths per second, smoothed over `activity_s`, is below `min_activity`) or when no class reaches
`min_score`. Runs of one label separated by at most `max_gap_s` are joined, runs shorter than `min_length_s`
dropped. Frames are 0-based; a segment's `end_frame` is exclusive.

Detection is scored as in temporal action localisation: average precision per class at temporal IoU 0.5
(predictions by descending score, each ground-truth segment matched at most once; all-points interpolation),
averaged over the classes of the ground truth (mAP@0.5); and the mean over ground-truth segments of the best
IoU with a predicted segment of the same label (mean IoU; 0 for a missed segment).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sportlens.action.options import DetectOptions
from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress, ensure_progress
from sportlens.summary import Summary, plain

BACKGROUND = "background"


@dataclass(frozen=True)
class Segment:
    """One labelled stretch of a video: frames [start_frame, end_frame), its label and score (0..1)."""

    start_frame: int
    end_frame: int
    label: str
    score: float = 1.0

    def __post_init__(self) -> None:
        if self.end_frame <= self.start_frame:
            raise ValueError(f"segment ends ({self.end_frame}) at or before its start ({self.start_frame})")


# ---- windows and aggregation (pure) ------------------------------------------------------------------


def window_starts(n_frames: int, window: int, stride: int) -> np.ndarray:
    """First frames of windows of `window` frames every `stride` frames, the last one ending at n_frames."""
    if n_frames < window:
        raise ValueError("fewer frames than one window")
    starts = list(range(0, n_frames - window + 1, stride))
    if starts[-1] != n_frames - window:
        starts.append(n_frames - window)
    return np.array(starts)


def frame_scores(window_probs: np.ndarray, starts: np.ndarray, window: int, n_frames: int) -> np.ndarray:
    """(T, C) per-frame scores: the mean of the probabilities of the windows covering each frame."""
    total = np.zeros((n_frames, window_probs.shape[1]))
    count = np.zeros(n_frames)
    for s, p in zip(starts, window_probs, strict=True):
        total[s:s + window] += p
        count[s:s + window] += 1
    return total / np.maximum(count, 1)[:, None]


def segments_from_scores(scores: np.ndarray, classes: list[str], active: np.ndarray | None = None,
                         min_score: float = 0.5, min_frames: int = 1, max_gap_frames: int = 0) -> list[Segment]:
    """Segments from per-frame class scores (T, C): each active frame takes its best class when that reaches
    min_score (else background); runs of one label with gaps of at most max_gap_frames are joined, runs
    shorter than min_frames dropped. A segment's score is the mean score of its label over its frames."""
    n = len(scores)
    best = scores.argmax(axis=1) if n else np.zeros(0, int)
    label = np.where(scores[np.arange(n), best] >= min_score, best, -1) if n else best
    if active is not None:
        label = np.where(active, label, -1)
    runs: list[list[int]] = []  # [start, end, class]
    k = 0
    while k < n:
        j = k
        while j < n and label[j] == label[k]:
            j += 1
        if label[k] >= 0:
            if runs and runs[-1][2] == label[k] and k - runs[-1][1] <= max_gap_frames:
                runs[-1][1] = j
            else:
                runs.append([k, j, int(label[k])])
        k = j
    return [Segment(s, e, classes[c], round(float(scores[s:e, c].mean()), 4))
            for s, e, c in runs if e - s >= min_frames]


def activity(xy_norm: np.ndarray, fps: float, smooth_s: float) -> np.ndarray:
    """(T,) mean speed of the joints (normalised units, i.e. torso lengths, per second), averaged over a
    centred window of smooth_s seconds."""
    if len(xy_norm) < 2:
        return np.zeros(len(xy_norm))
    speed = np.linalg.norm(np.diff(xy_norm, axis=0), axis=-1).mean(axis=1) * fps
    speed = np.concatenate([speed[:1], speed])  # frame 0 moves as frame 1 does
    width = max(1, int(round(smooth_s * fps)))
    kernel = np.ones(width) / width
    padded = np.pad(speed, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


# ---- detection metrics (pure) ------------------------------------------------------------------------


def temporal_iou(a: Segment, b: Segment) -> float:
    inter = max(0, min(a.end_frame, b.end_frame) - max(a.start_frame, b.start_frame))
    union = (a.end_frame - a.start_frame) + (b.end_frame - b.start_frame) - inter
    return inter / union if union else 0.0


def average_precision(pred: list[Segment], truth: list[Segment], iou: float = 0.5) -> float:
    """AP of one class's predictions against its ground truth: by descending score, a prediction is a true
    positive when its best-overlapping unmatched truth segment has IoU >= iou; all-points interpolation."""
    if not truth:
        return 0.0
    order = sorted(pred, key=lambda s: -s.score)
    used = [False] * len(truth)
    tp = np.zeros(len(order))
    for k, p in enumerate(order):
        overlaps = [temporal_iou(p, t) if not used[i] else -1.0 for i, t in enumerate(truth)]
        if overlaps:
            i = int(np.argmax(overlaps))
            if overlaps[i] >= iou:
                used[i], tp[k] = True, 1
    if not len(order):
        return 0.0
    cum = np.cumsum(tp)
    recall = cum / len(truth)
    precision = cum / np.arange(1, len(order) + 1)
    # precision envelope (monotone from the right), then the area under it over the recall steps
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(steps * envelope))


def detection_metrics(pred: list[Segment], truth: list[Segment], iou: float = 0.5) -> dict[str, Any]:
    """mAP at temporal IoU `iou` over the ground truth's classes, AP per class, and mean IoU (see the module
    docstring)."""
    classes = sorted({t.label for t in truth})
    ap = {c: average_precision([p for p in pred if p.label == c], [t for t in truth if t.label == c], iou)
          for c in classes}
    best = [max((temporal_iou(t, p) for p in pred if p.label == t.label), default=0.0) for t in truth]
    return {"map": float(np.mean(list(ap.values()))) if ap else 0.0, "ap": ap, "iou_threshold": iou,
            "mean_iou": float(np.mean(best)) if best else 0.0, "truth_segments": len(truth),
            "predicted_segments": len(pred)}


# ---- files -------------------------------------------------------------------------------------------


def read_segments(path: str | Path, fps: float, n_frames: int, classes: list[str], video: str | None = None,
                  unit: str = "frames") -> list[Segment]:
    """Ground-truth segments from a CSV `video,start,end,label` (frames with end exclusive, or seconds with
    unit='seconds'; a `sportlens action detect` segments.csv is read by its start_frame/end_frame columns).
    Rows of other videos (by file name) are skipped. Errors name the row: a label not in `classes`, a segment
    past the video's end, an end before its start."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputFileError("segments file not found", path, "give a CSV with video,start,end,label")
    try:
        table = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataFormatError(f"not a readable CSV ({exc})", path) from None
    if {"start_frame", "end_frame"} <= set(table.columns):
        table = table.rename(columns={"start_frame": "start", "end_frame": "end"})
        unit = "frames"
    missing = [c for c in ("start", "end", "label") if c not in table.columns]
    if missing:
        raise DataFormatError(f"column(s) missing: {', '.join(missing)}", path, "expected video,start,end,label")
    if video is not None and "video" in table.columns:
        names = table["video"].astype(str).map(lambda v: Path(v).name)
        table = table[names == Path(video).name]
        if table.empty:
            raise DataFormatError(f"no segment of video {Path(video).name!r}", path,
                                  "check the file's video column")
    out = []
    for row, (start, end, label) in zip(table.index, table[["start", "end", "label"]].itertuples(index=False),
                                        strict=True):
        line = row + 2  # the header is line 1
        label = str(label)
        if label not in classes:
            raise DataFormatError(f"line {line}: label {label!r} is not one of the model's classes "
                                  f"({', '.join(classes)})", path, "fix the label or use a model trained on it")
        s, e = (float(start) * fps, float(end) * fps) if unit == "seconds" else (float(start), float(end))
        s, e = int(round(s)), int(round(e))
        if e > n_frames:
            raise DataFormatError(f"line {line}: segment ends at frame {e}, past the video's end ({n_frames} "
                                  f"frames, {n_frames / fps:.2f} s)", path,
                                  "check the segments belong to this video and their unit (--unit)")
        if s < 0 or e <= s:
            raise DataFormatError(f"line {line}: segment {start}-{end} is empty or negative", path)
        out.append(Segment(s, e, label))
    return out


def segments_table(segments: list[Segment], fps: float):
    import pandas as pd

    return pd.DataFrame({"start_frame": [s.start_frame for s in segments], "end_frame": [s.end_frame for s in segments],
                         "start_s": [round(s.start_frame / fps, 3) for s in segments],
                         "end_s": [round(s.end_frame / fps, 3) for s in segments],
                         "label": [s.label for s in segments], "score": [s.score for s in segments]},
                        columns=["start_frame", "end_frame", "start_s", "end_s", "label", "score"])


def plot_timeline(scores: np.ndarray, classes: list[str], act: np.ndarray, min_activity: float, fps: float,
                  segments: list[Segment], truth: list[Segment] | None, target: Path) -> None:
    """Per-class scores over time, the activity, the detected segments (and the ground truth)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    t = np.arange(len(scores)) / fps
    colours = {c: plt.get_cmap("tab10")(k % 10) for k, c in enumerate(classes)}
    rows = 3 if truth is not None else 2
    fig, axes = plt.subplots(rows, 1, figsize=(12, 1.6 + 1.3 * rows), sharex=True,
                             gridspec_kw={"height_ratios": [3] + [1] * (rows - 1)})
    ax = axes[0]
    for k, c in enumerate(classes):
        ax.plot(t, scores[:, k], color=colours[c], lw=1.2, label=c)
    ax.set_ylabel("score")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper right", ncol=min(len(classes), 7), fontsize=7)
    twin = ax.twinx()
    twin.plot(t, act, color="0.6", lw=0.8, ls=":")
    twin.axhline(min_activity, color="0.6", lw=0.6)
    twin.set_ylabel("activity (torso/s)", color="0.5")
    for ax, segs, name in ((axes[1], segments, "detected"), *(((axes[2], truth, "truth"),) if truth else ())):
        for s in segs:
            ax.axvspan(s.start_frame / fps, s.end_frame / fps, color=colours.get(s.label, "0.5"), alpha=0.8)
            if s.end_frame - s.start_frame > 0.03 * len(scores):  # a narrow one's name would cover its neighbours
                ax.text((s.start_frame + s.end_frame) / 2 / fps, 0.5, s.label, ha="center", va="center", fontsize=7)
        ax.set_yticks([])
        ax.set_ylabel(name)
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(0, len(scores) / fps)
    fig.tight_layout()
    save_figure(fig, target)


def write_annotated_video(info, segments: list[Segment], target: Path, progress: Progress,
                          max_side: int = 960) -> None:
    """The video with the current label and score in the top-left corner (and 'background' between)."""
    from sportlens.video.decode import decode_frames, prefetch
    from sportlens.video.draw import draw_label
    from sportlens.video.encode import VideoWriter

    label_at: dict[int, tuple[str, float]] = {}
    for s in segments:
        for f in range(s.start_frame, s.end_frame):
            label_at[f] = (s.label, s.score)
    writer = None
    with progress.step("video", total=info.n_frames, unit="frames") as step:
        for frame in prefetch(decode_frames(info.path, max_side=max_side, info=info)):
            if writer is None:
                writer = VideoWriter(target, info.fps, frame.image.shape[1], frame.image.shape[0]).__enter__()
            image = frame.image.copy()
            label, score = label_at.get(frame.index, (BACKGROUND, 0.0))
            text = f"{label} {score:.2f}" if label != BACKGROUND else "no action"
            draw_label(image, text, (8, 8), (255, 235, 59) if label != BACKGROUND else (200, 200, 200),
                       scale=max(0.5, image.shape[0] / 700))
            draw_label(image, f"{frame.time_s:6.2f} s", (8, image.shape[0] - 30), scale=max(0.4, image.shape[0] / 900))
            try:
                writer.write(image)
            except BaseException as exc:
                writer.__exit__(type(exc), exc, exc.__traceback__)
                raise
            step.advance()
    if writer is not None:
        writer.__exit__(None, None, None)


# ---- the task ----------------------------------------------------------------------------------------


def run_detect(video: str | Path, out_dir: str | Path, options: DetectOptions,
               progress: Progress | None = None) -> Summary:
    """Actions of a trained skeleton model found in a long video: segments.csv, scores.csv, timeline.png,
    the annotated video and summary.json; with options.truth, mAP@0.5 and mean IoU in the metrics."""
    from sportlens.action.data import read_clip
    from sportlens.action.pipeline import ClipBatch, load_action_model, logits_with_mirror, softmax
    from sportlens.action.skeleton import normalise, resample
    from sportlens.io.atomic import write_csv
    from sportlens.io.output_dir import output_run
    from sportlens.video.decode import probe_video

    progress = ensure_progress(progress, "action detect")
    video = Path(video)
    info = probe_video(video)
    loaded = load_action_model(options.model)
    classes = loaded.classes
    window_s = options.window_s or float(loaded.card.get("clip_s") or 2.0)
    fps = info.fps
    window = max(2, int(round(window_s * fps)))
    stride = max(1, int(round(options.stride_s * fps)))
    n_known = info.n_frames
    if n_known is not None and n_known < window:
        raise InputFileError(f"video is {n_known / fps:.2f} s long, shorter than the model's window "
                             f"({window_s:.2f} s)", video, "give a longer video or a shorter --window")
    clip = read_clip(Path(options.pose) if options.pose else video, progress=progress)
    n = len(clip.xy)
    if n < window:
        raise InputFileError(f"video has {n} frames with a pose sequence, fewer than the model's window "
                             f"({window} frames, {window_s:.2f} s)", video, "give a longer video or a shorter --window")
    truth = None
    if options.truth:
        truth = read_segments(options.truth, fps, n, classes, video.name, options.unit)

    summary = Summary("action detect", inputs=[str(video)], options=plain(options))
    t0 = time.perf_counter()
    with output_run(out_dir, summary, video, *([options.truth] if options.truth else [])):
        out_dir = Path(out_dir)
        xy = normalise(clip.xy)
        starts = window_starts(n, window, stride)
        frames = int(loaded.card["frames"])
        probs = []
        with progress.step("windows", total=len(starts), unit="windows") as step:
            for s in range(0, len(starts), 64):
                chunk = starts[s:s + 64]
                batch = ClipBatch(np.stack([resample(normalise(clip.xy[a:a + window]), frames) for a in chunk]),
                                  np.full(len(chunk), window / fps))
                probs.append(softmax(logits_with_mirror(loaded.module, batch)))
                step.advance(len(chunk))
        scores = frame_scores(np.concatenate(probs), starts, window, n)
        act = activity(xy, fps, options.activity_s)
        active = act >= options.min_activity
        segments = segments_from_scores(scores, classes, active, options.min_score,
                                        max(1, int(round(options.min_length_s * fps))),
                                        int(round(options.max_gap_s * fps)))
        if segments:
            write_csv(out_dir / "segments.csv", segments_table(segments, fps))
        else:
            summary.warn("no action found (the athlete is still or no class reaches --min-score)")
        import pandas as pd

        table = pd.DataFrame(np.round(scores, 4), columns=classes)
        table.insert(0, "time_s", np.round(np.arange(n) / fps, 3))
        table.insert(0, "frame", np.arange(n))
        table["activity"] = np.round(act, 4)
        write_csv(out_dir / "scores.csv", table)
        plot_timeline(scores, classes, act, options.min_activity, fps, segments, truth, out_dir / "timeline.png")
        if options.video:
            write_annotated_video(info, segments, out_dir / "annotated.mp4", progress)
        counts = {c: sum(s.label == c for s in segments) for c in classes}
        summary.metrics.update({"model": loaded.card["model"], "classes": classes, "frames": n, "fps": fps,
                                "window_s": round(window / fps, 3), "windows": len(starts),
                                "segments": len(segments), "per_class": counts})
        if truth is not None:
            summary.metrics["detection"] = detection_metrics(segments, truth, 0.5)
        summary.timings["detect_s"] = round(time.perf_counter() - t0, 2)
    return summary
