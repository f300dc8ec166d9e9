"""A photo or a folder of independent photos: BlazePose in static mode on each at its own size, no tracking
and no filtering across photos, file names in every output, one annotated image per photo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sportlens.events import Progress
from sportlens.io.atomic import atomic_path, write_csv
from sportlens.io.keypoint_json import coco_keypoints_document, write_coco
from sportlens.io.output_dir import output_run
from sportlens.pose.angles import compute_angles, select_angles
from sportlens.pose.estimate import BlazePoseEstimator, native_stderr_silenced
from sportlens.pose.keypoints import BLAZEPOSE_33, COCO_17, COCO_17_SKELETON
from sportlens.pose.options import PoseOptions
from sportlens.pose.sequence import PoseSequence
from sportlens.summary import Summary, plain
from sportlens.video.decode import VideoInfo, read_image

MIN_PHOTO_SIDE = 32


def _one_photo_sequence(name_index: int, rgb: np.ndarray, estimate) -> PoseSequence:
    k = len(BLAZEPOSE_33)
    xy, vis, world = np.full((1, k, 2), np.nan), np.full((1, k), np.nan), np.full((1, k, 3), np.nan)
    if estimate is not None:
        xy[0], vis[0], world[0] = estimate.xy_px, estimate.visibility, estimate.world_m
    h, w = rgb.shape[:2]
    return PoseSequence(BLAZEPOSE_33, np.array([name_index]), np.array([0.0]), xy, vis, world, w, h, 1.0)


def save_image(image: np.ndarray, target: Path) -> Path:
    """Write an RGB image as JPEG atomically."""
    import cv2

    with atomic_path(target) as tmp:
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            raise OSError(f"could not encode {target.name}")
        tmp.write_bytes(data.tobytes())
    return target


def run_photos(info: VideoInfo, files: list[Path], out_dir: Path, options: PoseOptions, progress: Progress) -> Summary:
    """Pose on each photo independently; writes keypoints.csv, angles.csv, angles_3d.csv (a `file` column),
    keypoints_coco.json and annotated.jpg (one photo) or annotated/<name>.jpg (a folder)."""
    from sportlens.pose.pipeline import _mediapipe_version, angle_stats
    from sportlens.pose.render import draw_pose

    source = info.path
    single = info.kind == "image"
    summary = Summary("pose", inputs=[str(source)], options=plain(options))
    definitions = select_angles(options.angles)
    joint_defs = tuple(d for d in definitions if d.kind == "joint")
    names = [d.name for d in definitions]
    keypoint_rows, angle_rows, angle3d_rows, coco_images, coco_annotations = [], [], [], [], []
    skipped, found = [], 0
    with output_run(out_dir, summary, source), native_stderr_silenced(), \
            BlazePoseEstimator(options.model, static_image=True) as estimator, \
            progress.step("pose", total=len(files), unit="photos") as step:
        for index, file in enumerate(files):
            try:
                rgb = read_image(file)
            except ValueError:
                skipped.append({"file": file.name, "reason": "not a readable image"})
                step.advance()
                continue
            if min(rgb.shape[:2]) < MIN_PHOTO_SIDE:
                skipped.append({"file": file.name, "reason": f"too small ({rgb.shape[1]}x{rgb.shape[0]} px)"})
                step.advance()
                continue
            small = _shrink(rgb, options.pose_max_side)
            estimate = estimator(small, rgb.shape[1], rgb.shape[0])
            seq = _one_photo_sequence(index, rgb, estimate)
            found += estimate is not None
            angles = compute_angles(seq, definitions)
            angles_3d = compute_angles(seq, joint_defs, space="world")
            angle_rows.append({"file": file.name, "person_id": 0, **{n: angles[n].iloc[0] for n in names}})
            angle3d_rows.append({"file": file.name, "person_id": 0,
                                 **{d.name: angles_3d[d.name].iloc[0] for d in joint_defs}})
            for k, name in enumerate(seq.names):
                keypoint_rows.append({"file": file.name, "person_id": 0, "keypoint": name,
                                      "x_px": seq.xy_px[0, k, 0], "y_px": seq.xy_px[0, k, 1],
                                      "visibility": seq.visibility[0, k], "x_m": seq.world_m[0, k, 0],
                                      "y_m": seq.world_m[0, k, 1], "z_m": seq.world_m[0, k, 2]})
            doc = coco_keypoints_document([index], COCO_17, COCO_17_SKELETON, _coco_points(seq),
                                          _coco_visibility(seq), seq.width, seq.height, np.zeros(1),
                                          options.min_visibility, file.name)
            image_entry = doc["images"][0] | {"file_name": file.name}
            coco_images.append(image_entry)
            for ann in doc["annotations"]:
                coco_annotations.append(ann | {"id": len(coco_annotations) + 1})
            annotated = rgb.copy()
            draw_pose(annotated, seq, 0, names, angles[names].to_numpy(float)[0])
            target = out_dir / "annotated.jpg" if single else out_dir / "annotated" / f"{file.stem}.jpg"
            save_image(annotated, target)
            step.advance()
        summary.metrics.update({
            "input_kind": "image" if single else "photos",
            "model": f"blazepose-{options.model} static (mediapipe {_mediapipe_version()})",
            "frames": len(files), "frames_with_person": int(found), "images": len(files),
            "images_with_person": int(found), "skipped_images": skipped,
        })
        if skipped:
            summary.warn(f"{len(skipped)} image(s) skipped (first: {skipped[0]['file']}, {skipped[0]['reason']})")
        if found == 0:
            summary.warn(f"no person found in any of the {len(files)} image(s): no keypoint or angle files were "
                         "written")
            for leftover in (out_dir / "annotated", out_dir / "annotated.jpg"):
                _remove(leftover)
            return summary
        if found < len(files) - len(skipped):
            summary.warn(f"no person found in {len(files) - len(skipped) - found} of {len(files)} image(s)")
        angles_table = pd.DataFrame(angle_rows)
        write_csv(out_dir / "keypoints.csv", pd.DataFrame(keypoint_rows).round(5))
        if names:
            write_csv(out_dir / "angles.csv", angles_table.round(3))
        if joint_defs:
            write_csv(out_dir / "angles_3d.csv", pd.DataFrame(angle3d_rows).round(3))
        if "coco" in options.formats:
            write_coco(out_dir / "keypoints_coco.json", {
                "info": {"description": "sportlens pose keypoints (independent photos)", "source": str(source)},
                "images": coco_images, "annotations": coco_annotations,
                "categories": doc["categories"]})
        summary.metrics["angles"] = angle_stats(angles_table)
        summary.metrics["per_image"] = [
            {"file": row["file"], **{n: _num(row[n]) for n in names}} for row in angle_rows]
    return summary


def _num(value) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 2)


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _shrink(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    if max_side is None or max(h, w) <= max_side:
        return rgb
    scale = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _coco_points(seq: PoseSequence) -> np.ndarray:
    return np.stack([seq.point(name) for name in COCO_17], axis=1)


def _coco_visibility(seq: PoseSequence) -> np.ndarray:
    return np.stack([seq.visibility[:, seq.index(name)] for name in COCO_17], axis=1)
