"""Find images to look at again: likely mislabelled (high loss under the trained model) and near-duplicates
(perceptual hash); write a CSV and an HTML page where the user marks keep / relabel / drop, and apply those
decisions to a new manifest (`clean`). The user's image files are never changed."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

import imagehash
import numpy as np
import pandas as pd
import torch
from PIL import Image

from sportlens.classify.data import ImageSet, scan_images, skipped_rows
from sportlens.classify.evaluate import decode_and_predict, predict_set
from sportlens.classify.inference import load_classifier
from sportlens.classify.options import CleanOptions, ReviewOptions
from sportlens.errors import DataFormatError
from sportlens.events import Progress, ensure_progress
from sportlens.io.atomic import write_csv, write_text
from sportlens.io.output_dir import output_run
from sportlens.summary import Summary, plain

DECISIONS = ("keep", "relabel", "drop")
REVIEW_COLUMNS = [
    "rank", "path", "class", "predicted", "p_class", "p_predicted", "loss", "duplicate_of", "hash_distance",
    "suggestion", "decision", "new_class",
]


def perceptual_hashes(pixels: torch.Tensor) -> np.ndarray:
    """64-bit pHash of each cached image (N, 3, S, S uint8) as uint64 (N,)."""
    out = np.zeros(len(pixels), dtype=np.uint64)
    for i, image in enumerate(pixels.permute(0, 2, 3, 1).numpy()):
        bits = imagehash.phash(Image.fromarray(image)).hash.flatten()
        out[i] = np.packbits(bits.astype(np.uint8)).view(">u8")[0]
    return out


def _popcount64(values: np.ndarray) -> np.ndarray:
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
    return table[values.view(np.uint8).reshape(*values.shape, 8)].sum(axis=-1)


def near_duplicates(hashes: np.ndarray, max_distance: int = 6) -> list[tuple[int, int, int]]:
    """Pairs (i, j, distance) with i < j whose pHash Hamming distance is at most `max_distance`."""
    pairs = []
    for i in range(len(hashes) - 1):
        distances = _popcount64(np.bitwise_xor(hashes[i + 1 :], hashes[i]))
        for offset in np.flatnonzero(distances <= max_distance):
            pairs.append((i, i + 1 + int(offset), int(distances[offset])))
    return pairs


def run_review(
    run: str | Path, data: str | Path, out_dir: str | Path | None = None, options: ReviewOptions = ReviewOptions(),
    progress: Progress | None = None,
) -> Summary:
    """Rank DATA's images by loss under RUN's model and find near-duplicates; write review.csv and
    review.html into `out_dir` (default RUN/review). Returns the summary."""
    progress = ensure_progress(progress, "classify review")
    loaded = load_classifier(run)
    out_dir = Path(out_dir) if out_dir is not None else loaded.run_dir / "review"
    image_set = scan_images(data)
    summary = Summary(command="classify review", inputs=[str(run), str(data)], options=plain(options))
    with output_run(out_dir, summary, data):
        labels, probs = decode_and_predict(loaded, image_set, summary, progress, "review")
        # average with the mirrored image: a single view's loss is noisier than the label's real fit
        flipped = ImageSet(image_set.source, image_set.items, image_set.classes, [], image_set.pixels.flip(-1))
        probs = (probs + predict_set(loaded, flipped)[1]) / 2
        n = len(labels)
        p_class = probs[np.arange(n), labels]
        loss = -np.log(np.clip(p_class, 1e-12, 1.0))
        pred = probs.argmax(1)
        hashes = perceptual_hashes(image_set.pixels)
        pairs = near_duplicates(hashes, options.max_distance)
        frame = _review_table(image_set, loaded.classes, labels, probs, loss, pairs)
        write_csv(out_dir / "review.csv", frame)
        page = _review_html(frame, image_set, pairs, loaded.classes, options.html_rows, loaded.card["model"],
                            options.max_distance)
        write_text(out_dir / "review.html", page)
        summary.metrics.update({
            "run": str(loaded.run_dir),
            "model": loaded.card["model"],
            "data": str(image_set.source),
            "n_images": n,
            "n_predicted_other_class": int(np.sum(pred != labels)),
            "n_duplicate_pairs": len(pairs),
            "top_suspects": frame.head(10)[["path", "class", "predicted", "loss"]].to_dict("records"),
            "duplicates": [
                {"a": str(image_set.items[i].path), "b": str(image_set.items[j].path), "distance": d}
                for i, j, d in pairs
            ],
            "skipped": skipped_rows(image_set),
        })
    return summary


def _review_table(
    image_set: ImageSet, classes: list[str], labels: np.ndarray, probs: np.ndarray, loss: np.ndarray,
    pairs: list[tuple[int, int, int]],
) -> pd.DataFrame:
    """review.csv: one row per image, highest loss first, every decision `keep`."""
    pred = probs.argmax(1)
    p_class = probs[np.arange(len(labels)), labels]
    duplicate_of: dict[int, tuple[int, int]] = {}
    for i, j, distance in pairs:
        if j not in duplicate_of or distance < duplicate_of[j][1]:
            duplicate_of[j] = (i, distance)
    rows = []
    for rank, i in enumerate(np.argsort(-loss, kind="stable"), start=1):
        dup = duplicate_of.get(int(i))
        hints = []
        if pred[i] != labels[i] and probs[i, pred[i]] >= 0.5:
            hints.append(f"relabel as {classes[pred[i]]}?")
        if dup is not None:
            hints.append("drop (duplicate)?")
        rows.append({
            "rank": rank,
            "path": str(image_set.items[i].path),
            "class": classes[labels[i]],
            "predicted": classes[pred[i]],
            "p_class": round(float(p_class[i]), 5),
            "p_predicted": round(float(probs[i, pred[i]]), 5),
            "loss": round(float(loss[i]), 5),
            "duplicate_of": "" if dup is None else str(image_set.items[dup[0]].path),
            "hash_distance": "" if dup is None else dup[1],
            "suggestion": "; ".join(hints),
            "decision": "keep",
            "new_class": "",
        })
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def _thumbnail(pixels: torch.Tensor, side: int = 112) -> str:
    image = Image.fromarray(pixels.permute(1, 2, 0).numpy()).resize((side, side))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sportlens review</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; }}
img {{ width: 112px; height: 112px; object-fit: cover; border-radius: 4px; }}
.bad {{ color: #b00; font-weight: 600; }}
.path {{ font-size: 80%; color: #666; max-width: 26em; word-break: break-all; }}
button {{ font-size: 110%; padding: .4em 1em; }}
</style></head><body>
<h1>Review: {n_rows} images, most likely mislabelled first; {n_pairs} near-duplicate pairs</h1>
<p>Model <b>{model}</b> on <code>{data}</code>. Rows are ranked by loss (how little probability the model gives
the image's own class). Mark each image <i>keep</i>, <i>relabel</i> (choose the new class) or <i>drop</i>, then press
<b>Download decisions</b> and run <code>sportlens classify clean DATA review-decisions.csv -o NEW</code>. Your image
files are never changed. You can also edit <code>review.csv</code> directly (columns <code>decision</code>,
<code>new_class</code>).</p>
<p><button onclick="download()">Download decisions (CSV)</button></p>
<h2>Likely mislabelled</h2>
<table><tr><th>#</th><th>image</th><th>class</th><th>model says</th><th>loss</th><th>decision</th></tr>
{rows}
</table>
<h2>Near-duplicates (pHash distance &le; {max_distance})</h2>
<table><tr><th>image</th><th>duplicate of</th><th>distance</th><th>decision</th></tr>
{dup_rows}
</table>
<script>
const classes = {classes_json};
const allRows = {all_json};
function download() {{
  const header = ["path", "class", "decision", "new_class"];
  const lines = [header.join(",")];
  for (const row of allRows) {{
    const sel = document.getElementById("d" + row.rank);
    const cls = document.getElementById("c" + row.rank);
    const decision = sel ? sel.value : row.decision;
    const newClass = cls && decision === "relabel" ? cls.value : "";
    const quote = v => '"' + String(v).replace(/"/g, '""') + '"';
    lines.push([row.path, row["class"], decision, newClass].map(quote).join(","));
  }}
  const blob = new Blob([lines.join("\\n") + "\\n"], {{type: "text/csv"}});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob); a.download = "review-decisions.csv"; a.click();
}}
</script></body></html>
"""


def _review_html(
    frame: pd.DataFrame, image_set: ImageSet, pairs, classes: list[str], html_rows: int, model: str, max_distance: int
) -> str:
    import json

    index = {str(item.path): i for i, item in enumerate(image_set.items)}
    rows = []
    for row in frame.head(html_rows).to_dict("records"):
        i = index[row["path"]]
        # everything starts as keep, as in review.csv: nothing is dropped unless the user says so
        decision = "".join(f'<option{" selected" if d == "keep" else ""}>{d}</option>' for d in DECISIONS)
        class_options = "".join(
            f'<option{" selected" if c == row["predicted"] else ""}>{html.escape(c)}</option>' for c in classes
        )
        wrong = ' class="bad"' if row["predicted"] != row["class"] else ""
        rows.append(
            f"<tr><td>{row['rank']}</td><td><img src='{_thumbnail(image_set.pixels[i])}' alt=''>"
            f"<div class='path'>{html.escape(row['path'])}</div></td><td>{html.escape(row['class'])}</td>"
            f"<td{wrong}>{html.escape(row['predicted'])} ({row['p_predicted']:.2f})</td><td>{row['loss']:.2f}</td>"
            f"<td><select id='d{row['rank']}'>{decision}</select> as <select id='c{row['rank']}'>{class_options}"
            f"</select><div>{html.escape(row['suggestion'])}</div></td></tr>"
        )
    shown = set(frame.head(html_rows)["rank"])
    rank_of = dict(zip(frame["path"], frame["rank"], strict=True))
    dup_rows = []
    for i, j, distance in pairs[:html_rows]:
        cells = "".join(
            f"<td><img src='{_thumbnail(image_set.pixels[k])}' alt=''>"
            f"<div class='path'>{html.escape(str(image_set.items[k].path))}</div></td>"
            for k in (j, i)
        )
        rank = rank_of[str(image_set.items[j].path)]
        if rank in shown:  # one control per image: it is already in the table above
            control = f"see row {rank} above"
        else:
            shown.add(rank)
            control = f"<select id='d{rank}'>" + "".join(
                f'<option{" selected" if d == "keep" else ""}>{d}</option>' for d in DECISIONS
            ) + "</select>"
        dup_rows.append(f"<tr>{cells}<td>{distance}</td><td>{control}</td></tr>")
    # rows beyond the page keep the CSV's decision (keep) when the page's decisions are downloaded
    all_rows = frame[["rank", "path", "class", "decision"]].to_dict("records")
    return _PAGE.format(
        n_rows=min(html_rows, len(frame)), n_pairs=len(pairs), model=html.escape(model),
        data=html.escape(str(image_set.source)), rows="\n".join(rows), dup_rows="\n".join(dup_rows),
        max_distance=max_distance, classes_json=json.dumps(classes),
        all_json=json.dumps(all_rows).replace("</", "<\\/"),
    )


def run_clean(
    data: str | Path, decisions_csv: str | Path, out_dir: str | Path, options: CleanOptions = CleanOptions(),
    progress: Progress | None = None,
) -> Summary:
    """Apply keep/relabel/drop decisions (a review.csv or the page's download) to DATA; write OUT/manifest.csv
    (path,class[,split][,fold]; paths relative to OUT). Never touches the image files."""
    progress = ensure_progress(progress, "classify clean")
    out_dir = Path(out_dir)
    decisions_csv = Path(decisions_csv)
    image_set = scan_images(data)
    by_path = _read_decisions(decisions_csv, {str(item.path) for item in image_set.items})
    summary = Summary(command="classify clean", inputs=[str(data), str(decisions_csv)], options=plain(options))
    with output_run(out_dir, summary, data, decisions_csv):
        rows, counts = [], {"keep": 0, "relabel": 0, "drop": 0}
        for item in image_set.items:
            decision, new_class = by_path.get(str(item.path), ("keep", ""))
            counts[decision] += 1
            if decision == "drop":
                continue
            rows.append({
                "path": os.path.relpath(item.path.resolve(), out_dir.resolve()),
                "class": new_class if decision == "relabel" else item.label,
                "split": item.split or "",
                "fold": "" if item.fold is None else item.fold,
            })
        manifest = pd.DataFrame(rows, columns=["path", "class", "split", "fold"])
        if (manifest["fold"] == "").all():
            manifest = manifest.drop(columns="fold")
        if (manifest["split"] == "").all():
            manifest = manifest.drop(columns="split")
        write_csv(out_dir / "manifest.csv", manifest)
        if manifest.empty:
            summary.warn("every image was dropped: manifest.csv has no rows")
        summary.metrics.update({
            "data": str(image_set.source),
            "decisions": str(decisions_csv),
            "n_images": len(image_set.items),
            "kept": counts["keep"],
            "relabelled": counts["relabel"],
            "dropped": counts["drop"],
            "n_manifest_rows": len(manifest),
            "new_classes": sorted(set(manifest["class"]) - set(image_set.classes)),
            "manifest": str(out_dir / "manifest.csv"),
        })
    return summary


def _read_decisions(decisions_csv: Path, known: set[str]) -> dict[str, tuple[str, str]]:
    """path -> (decision, new_class) from a decisions CSV; DataFormatError naming the row for a bad one."""
    if not decisions_csv.is_file():
        raise DataFormatError("decisions file not found", decisions_csv, "give the review.csv written by review")
    try:
        frame = pd.read_csv(decisions_csv, dtype=str, keep_default_na=False)
    except Exception as exc:  # any parse failure means the file is not a decisions CSV
        raise DataFormatError(f"cannot read decisions ({type(exc).__name__})", decisions_csv) from None
    missing = {"path", "decision"} - set(frame.columns)
    if missing:
        raise DataFormatError(f"decisions lack column(s) {', '.join(sorted(missing))}", decisions_csv,
                              "columns: path,decision[,new_class]")
    by_path: dict[str, tuple[str, str]] = {}
    for row_number, row in enumerate(frame.to_dict("records"), start=2):
        decision = (row["decision"] or "keep").strip().lower()
        new_class = (row.get("new_class") or "").strip()
        if decision not in DECISIONS:
            raise DataFormatError(f"row {row_number}: decision {decision!r}", decisions_csv,
                                  f"use one of: {', '.join(DECISIONS)}")
        if decision == "relabel" and not new_class:
            raise DataFormatError(f"row {row_number}: relabel without new_class", decisions_csv,
                                  "fill in the new class")
        if row["path"] not in known:
            raise DataFormatError(f"row {row_number}: {row['path']} is not an image of the data", decisions_csv,
                                  "review and clean must be given the same DATA")
        by_path[row["path"]] = (decision, new_class)
    return by_path
