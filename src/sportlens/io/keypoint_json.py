"""Keypoint JSON formats other tools read: COCO keypoints (one file) and OpenPose (one file per frame)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from sportlens.errors import UserError
from sportlens.io.atomic import write_json


def coco_keypoints_document(frames, names: tuple[str, ...], skeleton, xy: np.ndarray, visibility: np.ndarray,
                            width: int, height: int, time_s: np.ndarray, visible_threshold: float = 0.5,
                            source: str = "") -> dict:
    """A COCO keypoint document, one image entry per frame and one annotation per frame with a person.

    xy: (N, K, 2) pixels, NaN where missing; visibility (N, K). COCO flag v: 2 visible, 1 found but
    below the visibility threshold, 0 missing (x = y = 0)."""
    images, annotations = [], []
    for i, frame in enumerate(frames):
        images.append({"id": int(frame) + 1, "file_name": f"{source}#frame={int(frame)}", "frame": int(frame),
                       "time_s": round(float(time_s[i]), 6), "width": int(width), "height": int(height)})
        if np.all(np.isnan(xy[i])):
            continue
        flat, count = [], 0
        for k in range(len(names)):
            x, y = xy[i, k]
            if np.isnan(x) or np.isnan(y):
                flat += [0.0, 0.0, 0]
                continue
            v = 2 if visibility[i, k] >= visible_threshold else 1
            count += 1
            flat += [round(float(x), 2), round(float(y), 2), v]
        found = xy[i][~np.isnan(xy[i, :, 0])]
        x0, y0 = found.min(axis=0)
        x1, y1 = found.max(axis=0)
        annotations.append({
            "id": len(annotations) + 1, "image_id": int(frame) + 1, "category_id": 1, "iscrowd": 0,
            "keypoints": flat, "num_keypoints": count,
            # frames filled by interpolation have no detector score: 0
            "score": round(float(np.nanmean(visibility[i])), 4) if np.isfinite(visibility[i]).any() else 0.0,
            "bbox": [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2), round(float(y1 - y0), 2)],
            "area": round(float((x1 - x0) * (y1 - y0)), 2),
        })
    return {
        "info": {"description": "sportlens pose keypoints", "source": source},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "person", "supercategory": "person", "keypoints": list(names),
                        "skeleton": [[a + 1, b + 1] for a, b in skeleton]}],
    }


def write_openpose_folder(target_dir: str | Path, stem: str, frames, xy: np.ndarray, confidence: np.ndarray) -> Path:
    """Write OpenPose-style JSON files `<stem>_<frame:012d>_keypoints.json` into target_dir.

    xy: (N, 25, 2) in BODY_25 order with NaN for missing points (written as 0, 0, 0). The folder is
    built under a temporary name and renamed when complete."""
    target_dir = Path(target_dir)
    tmp_dir = target_dir.with_name(f".tmp-{os.getpid()}-{target_dir.name}")
    if tmp_dir.exists():
        shutil.rmtree(tmp_dir)
    tmp_dir.mkdir(parents=True)
    try:
        for i, frame in enumerate(frames):
            people = []
            if not np.all(np.isnan(xy[i])):
                flat = []
                for k in range(xy.shape[1]):
                    x, y = xy[i, k]
                    c = confidence[i, k]
                    if np.isnan(x) or np.isnan(c):
                        flat += [0.0, 0.0, 0.0]
                    else:
                        flat += [round(float(x), 2), round(float(y), 2), round(float(c), 4)]
                people.append({"person_id": [-1], "pose_keypoints_2d": flat, "face_keypoints_2d": [],
                               "hand_left_keypoints_2d": [], "hand_right_keypoints_2d": []})
            doc = {"version": 1.3, "people": people}
            (tmp_dir / f"{stem}_{int(frame):012d}_keypoints.json").write_text(json.dumps(doc), encoding="utf-8")
        if target_dir.exists():
            foreign = [p.name for p in target_dir.iterdir() if not p.name.endswith("_keypoints.json")]
            if foreign:
                raise UserError("output folder holds files sportlens did not write", target_dir,
                                "choose another -o folder; nothing was changed")
            shutil.rmtree(target_dir)  # our own earlier output, replaced as a whole
        os.replace(tmp_dir, target_dir)
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir)
    return target_dir


def write_coco(target: str | Path, document: dict) -> Path:
    return write_json(target, document, indent=None)
