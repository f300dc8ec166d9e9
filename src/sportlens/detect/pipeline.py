"""`sportlens detect VIDEO|IMAGE -o OUT`: boxes of people and sport gear per frame, as COCO JSON, a CSV and a
drawn video (or image)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.detect.options import SPORT_CLASSES, DetectOptions
from sportlens.errors import UserError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import atomic_path, write_csv, write_json
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain
from sportlens.video.decode import decode_frames, prefetch, probe_video

BATCH = 4  # frames per detector call


def kept_labels(classes: list[str], wanted: tuple[str, ...]) -> set[int] | None:
    """Labels to keep: wanted names (empty: people and sport gear that the model knows, else all of its
    classes; ("all",): every class); an unknown name is an error listing the model's classes."""
    if wanted == ("all",):
        return None
    names = wanted or tuple(c for c in SPORT_CLASSES if c in classes)
    if not names:  # a model trained on other classes (e.g. board, athlete): all of them
        return None
    unknown = [n for n in names if n not in classes]
    if unknown:
        known = ", ".join(c for c in classes[1:] if c != "N/A")
        raise UserError(f"--classes: the model has no class {', '.join(map(repr, unknown))}",
                        hint=f"choose from: {known}, or all")
    return {classes.index(n) for n in names}


def run_detect(source: str | Path, out_dir: str | Path, options: DetectOptions = DetectOptions(),
               progress: Progress | None = None) -> Summary:
    """Detect in every (options.every-th) frame of a video or in an image; writes detections.json (COCO
    results), detections.csv, annotated.mp4 / annotated.png and summary.json."""
    from sportlens.detect.models import detect_batch, load_detector

    progress = ensure_progress(progress, "detect")
    source, out_dir = Path(source), Path(out_dir)
    info = probe_video(source)
    detector = load_detector(options.model, options.weights, options.image_size)
    keep = kept_labels(detector.classes, options.classes)
    summary = Summary("detect run", inputs=[str(source)], options=plain(options))
    with output_run(out_dir, summary, source):
        t0 = time.perf_counter()
        frames_meta, detections, drawn = [], [], []
        video = options.annotated_video and info.kind != "image"
        with contextlib.ExitStack() as stack:
            writer = None
            if video:
                from sportlens.video.encode import VideoWriter

                writer = stack.enter_context(VideoWriter(out_dir / "annotated.mp4", info.fps / options.every,
                                                         info.width, info.height))
            total = info.n_frames if info.n_frames is None else -(-info.n_frames // options.every)
            step = stack.enter_context(progress.step("detect", total=total, unit="frames"))
            batch = []

            def flush() -> None:
                found = detect_batch(detector, [f.image for f in batch], options.min_score, keep)
                for frame, det in zip(batch, found, strict=True):
                    name = source.name if info.kind == "image" else f"{source.name}#frame={frame.index}"
                    frames_meta.append({"id": len(frames_meta) + 1, "file_name": name, "frame": frame.index,
                                        "time_s": round(frame.time_s, 6), "width": info.width,
                                        "height": info.height})
                    detections.append(det)
                    if options.annotated_video:
                        image = draw_detections(frame.image, det, detector.classes)
                        if writer is not None:
                            writer.write(image)
                        elif not drawn:
                            drawn.append(image)
                    step.advance()
                batch.clear()

            frames = (f for f in decode_frames(source, info=info) if f.index % options.every == 0)
            for frame in prefetch(frames):
                batch.append(frame)
                if len(batch) == BATCH:
                    flush()
            if batch:
                flush()
        if drawn:
            _save_image(out_dir / "annotated.png", drawn[0])
        seconds = time.perf_counter() - t0
        from sportlens.detect.coco import detections_document

        document = detections_document(frames_meta, detections, detector.classes, source.name)
        write_json(out_dir / "detections.json", document, indent=None)
        table = detections_table(frames_meta, detections, detector.classes)
        write_csv(out_dir / "detections.csv", table)
        counts = table["class"].value_counts().to_dict() if len(table) else {}
        summary.metrics.update({
            "input_kind": info.kind, "model": detector.name, "weights": detector.source,
            "classes_kept": "all" if keep is None else sorted(detector.classes[k] for k in keep),
            "frames": len(frames_meta), "detections": len(table), "per_class": counts,
            "frames_with_detection": int(table["frame"].nunique()) if len(table) else 0,
            "fps": round(len(frames_meta) / seconds, 2) if seconds > 0 else None,
        })
        summary.timings["detect_s"] = round(seconds, 3)
        if not len(table):
            summary.warn(f"nothing found above score {options.min_score:g} in {len(frames_meta)} frame(s) "
                         "(try a lower --min-score or other --classes)")
    return summary


def detections_table(frames: list[dict], detections: list[dict], classes: list[str]) -> pd.DataFrame:
    """One row per detection: frame, time_s, class, score, x0_px, y0_px, x1_px, y1_px."""
    rows = []
    for meta, det in zip(frames, detections, strict=True):
        for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True):
            rows.append({"frame": meta["frame"], "time_s": meta["time_s"], "class": classes[int(label)],
                         "score": round(float(score), 4), **{k: round(float(v), 2) for k, v in
                                                              zip(("x0_px", "y0_px", "x1_px", "y1_px"), box,
                                                                  strict=True)}})
    columns = ["frame", "time_s", "class", "score", "x0_px", "y0_px", "x1_px", "y1_px"]
    return pd.DataFrame(rows, columns=columns)


def draw_detections(image: np.ndarray, det: dict, classes: list[str]) -> np.ndarray:
    """Boxes with class name and score, one colour per class, drawn in place."""
    import cv2

    from sportlens.video.draw import draw_label, id_colour

    t = max(2, round(min(image.shape[:2]) / 240))
    for box, score, label in zip(det["boxes"], det["scores"], det["labels"], strict=True):
        colour = id_colour(int(label))
        x0, y0, x1, y1 = (int(v) for v in box)
        cv2.rectangle(image, (x0, y0), (x1, y1), colour, t, cv2.LINE_AA)
        draw_label(image, f"{classes[int(label)]} {score:.2f}", (x0, max(y0 - 22, 0)), colour)
    return image


def _save_image(target: Path, image: np.ndarray) -> None:
    from PIL import Image

    with atomic_path(target, suffix=".png") as tmp:
        Image.fromarray(image).save(tmp, format="PNG")
