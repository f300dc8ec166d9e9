"""`sportlens segment VIDEO -o OUT`: the athlete's mask per frame (MediaPipe selfie segmentation), a mask
video, a cut-out video, the silhouette's area and centroid per frame (CSV) and their plot."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import save_figure, write_csv
from sportlens.io.output_dir import output_run
from sportlens.segment.options import SegmentOptions
from sportlens.summary import Summary, plain
from sportlens.video.decode import decode_frames, prefetch, probe_video

MODEL_SELECTION = {"general": 0, "landscape": 1}
BACKGROUND = 40  # grey level behind the cut-out athlete


def silhouette_row(mask: np.ndarray) -> tuple[int, float, float]:
    """Area (pixels) and centroid (x, y px; NaN when empty) of a boolean (H, W) mask."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return 0, float("nan"), float("nan")
    return int(len(xs)), float(xs.mean()), float(ys.mean())


def run_segment(source: str | Path, out_dir: str | Path, options: SegmentOptions = SegmentOptions(),
                progress: Progress | None = None) -> Summary:
    """Segment the athlete in every frame of a video or image sequence; returns the summary."""
    import cv2
    import mediapipe as mp

    from sportlens.pose.estimate import native_stderr_silenced
    from sportlens.video.encode import VideoWriter

    progress = ensure_progress(progress, "segment")
    source, out_dir = Path(source), Path(out_dir)
    info = probe_video(source)
    summary = Summary("segment", inputs=[str(source)], options=plain(options))
    with output_run(out_dir, summary, source):
        t0 = time.perf_counter()
        rows = []
        with contextlib.ExitStack() as stack:
            stack.enter_context(native_stderr_silenced())
            model = stack.enter_context(mp.solutions.selfie_segmentation.SelfieSegmentation(
                model_selection=MODEL_SELECTION[options.model]))
            mask_writer = cut_writer = None
            if options.mask_video:
                mask_writer = stack.enter_context(VideoWriter(out_dir / "mask.mp4", info.fps, info.width, info.height))
            if options.cutout_video:
                cut_writer = stack.enter_context(VideoWriter(out_dir / "cutout.mp4", info.fps, info.width,
                                                             info.height))
            step = stack.enter_context(progress.step("segment", total=info.n_frames, unit="frames"))
            for frame in prefetch(decode_frames(source, info=info)):
                image = frame.image
                small = image
                if options.max_side and max(image.shape[:2]) > options.max_side:
                    scale = options.max_side / max(image.shape[:2])
                    small = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                                       interpolation=cv2.INTER_AREA)
                prob = model.process(np.ascontiguousarray(small)).segmentation_mask
                if prob.shape[:2] != image.shape[:2]:
                    prob = cv2.resize(prob, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
                mask = prob >= options.threshold
                area, cx, cy = silhouette_row(mask)
                rows.append({"frame": frame.index, "time_s": round(frame.time_s, 6), "area_px": area,
                             "area_share": round(area / mask.size, 5), "centroid_x_px": round(cx, 2),
                             "centroid_y_px": round(cy, 2)})
                if mask_writer is not None:
                    mask_writer.write(np.repeat((mask * 255).astype(np.uint8)[..., None], 3, axis=2))
                if cut_writer is not None:
                    cut_writer.write(np.where(mask[..., None], image, np.uint8(BACKGROUND)))
                step.advance()
        table = pd.DataFrame(rows, columns=["frame", "time_s", "area_px", "area_share", "centroid_x_px",
                                            "centroid_y_px"])
        seen = table["area_share"] >= options.min_area_share
        table.loc[~seen, ["centroid_x_px", "centroid_y_px"]] = np.nan
        write_csv(out_dir / "silhouette.csv", table)
        if options.plot and len(table):
            plot_silhouette(table, out_dir / "silhouette.png", source.name, info.width, info.height)
        seconds = time.perf_counter() - t0
        summary.metrics.update({
            "input_kind": info.kind, "model": f"selfie-segmentation-{options.model} (mediapipe {mp.__version__})",
            "frames": len(table), "frames_with_athlete": int(seen.sum()),
            "area_share_mean": round(float(table.loc[seen, "area_share"].mean()), 4) if seen.any() else None,
            "width": info.width, "height": info.height,
            "fps": round(len(table) / seconds, 2) if seconds > 0 else None,
        })
        summary.timings["total_s"] = round(seconds, 3)
        if not seen.any():
            summary.warn(f"no athlete found in any of the {len(table)} frames (mask below "
                         f"{options.min_area_share:g} of the frame; try a lower --threshold)")
    return summary


def plot_silhouette(table: pd.DataFrame, target: Path, title: str, width: int, height: int) -> Path:
    """Silhouette area share and centroid (px) over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
    t = table["time_s"]
    top.plot(t, 100 * table["area_share"], color="tab:green", lw=1.4)
    top.set_ylabel("% of frame")
    top.set_title("Silhouette area", fontsize=10, loc="left")
    top.grid(alpha=0.3)
    bottom.plot(t, table["centroid_x_px"], color="tab:blue", lw=1.4, label="x")
    bottom.plot(t, table["centroid_y_px"], color="tab:red", lw=1.4, label="y (down)")
    bottom.set_ylim(0, max(width, height))
    bottom.set_ylabel("px")
    bottom.set_xlabel("time (s)")
    bottom.set_title("Silhouette centroid", fontsize=10, loc="left")
    bottom.legend(loc="upper right", fontsize=8)
    bottom.grid(alpha=0.3)
    fig.suptitle(f"Segmentation — {title}", fontsize=11)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1, hspace=0.35)
    return save_figure(fig, target, dpi=80)
