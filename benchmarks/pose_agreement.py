"""Agreement of sportlens' BlazePose keypoints and angles with a peer's 2D keypoints on the same videos.

Pose2Sim's demo balancing trial ships 4 synchronised 60 fps camera videos and, for each frame, the 2D
keypoints OpenPose (BODY_25B) found in them. We run `sportlens pose` on each video and compare, frame by
frame: keypoint distance normalised by torso length (PCK@0.1 and @0.2 of the torso), and the difference
of joint angles computed with the same definitions and cleaning from both keypoint sets. Neither set is
ground truth: this measures how far two established detectors agree.

    .venv/bin/python benchmarks/pose_agreement.py [--no-record]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.pose.angles import compute_angles  # noqa: E402
from sportlens.pose.keypoints import BLAZEPOSE_33  # noqa: E402
from sportlens.pose.options import PoseOptions  # noqa: E402
from sportlens.pose.pipeline import clean_sequence, estimate_sequence  # noqa: E402
from sportlens.pose.sequence import PoseSequence  # noqa: E402
from sportlens.video.decode import probe_video  # noqa: E402

SECTION = "Pose (issue 2)"
TRIAL = "peers/pose2sim/S00_Demo_Session/S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial"
# BODY_25B index -> BlazePose name (the first 17 are COCO order)
BODY25B_TO_BLAZE = {
    0: "nose", 1: "left_eye", 2: "right_eye", 3: "left_ear", 4: "right_ear", 5: "left_shoulder",
    6: "right_shoulder", 7: "left_elbow", 8: "right_elbow", 9: "left_wrist", 10: "right_wrist", 11: "left_hip",
    12: "right_hip", 13: "left_knee", 14: "right_knee", 15: "left_ankle", 16: "right_ankle",
    19: "left_foot_index", 21: "left_heel", 22: "right_foot_index", 24: "right_heel",
}
COMPARED = [name for name in BODY25B_TO_BLAZE.values()]
ANGLES = ["left_knee", "right_knee", "left_hip", "right_hip", "left_elbow", "right_elbow", "left_shoulder",
          "right_shoulder", "left_ankle", "right_ankle", "trunk_lean"]


def read_openpose_people(folder: Path) -> list[list[np.ndarray]]:
    """Per frame, the list of people as (25, 3) arrays (x, y, confidence; 0 = missing -> NaN)."""
    def key(p: Path):
        return int(re.findall(r"\d+", p.stem)[-1])

    frames = []
    for path in sorted(folder.glob("*.json"), key=key):
        people = []
        for person in json.loads(path.read_text())["people"]:
            a = np.array(person["pose_keypoints_2d"], dtype=float).reshape(-1, 3)
            a[a[:, 2] == 0] = np.nan
            people.append(a)
        frames.append(people)
    return frames


def peer_sequence(frames: list[list[np.ndarray]], ours: PoseSequence, min_conf: float = 0.3) -> PoseSequence:
    """The peer's keypoints in our layout, choosing in each frame the person nearest to our athlete."""
    n, k = len(ours), len(BLAZEPOSE_33)
    xy = np.full((n, k, 2), np.nan)
    conf = np.full((n, k), np.nan)
    our_centre = ours.point("mid_shoulder")
    for i in range(min(n, len(frames))):
        if not frames[i]:
            continue
        with np.errstate(invalid="ignore"):
            centres = [p[[5, 6], :2].mean(axis=0) for p in frames[i]]  # NaN when a shoulder is missing
        if np.isnan(our_centre[i]).any():
            continue  # no athlete of ours to compare with in this frame
        gaps = [np.linalg.norm(c - our_centre[i]) for c in centres]
        if np.all(np.isnan(gaps)):
            continue
        best = int(np.nanargmin(gaps))
        person = frames[i][best]
        for j, name in BODY25B_TO_BLAZE.items():
            xy[i, BLAZEPOSE_33.index(name)] = person[j, :2]
            conf[i, BLAZEPOSE_33.index(name)] = person[j, 2]
    conf = np.where(conf >= min_conf, 1.0, 0.0) * np.where(np.isnan(conf), np.nan, 1.0)
    return ours.replace(xy_px=xy, visibility=conf, world_m=np.full((n, k, 3), np.nan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    trial = shared_path(TRIAL)
    options = PoseOptions()  # 6 Hz, order 4: the same cleaning Pose2Sim's demo applies
    dists, angle_diffs, frames_both, frames_total = [], {a: [] for a in ANGLES}, 0, 0
    per_cam = []
    for cam in sorted((trial / "videos").glob("cam*.mp4")):
        run = estimate_sequence(probe_video(cam), options)
        ours = clean_sequence(run.sequence, options)
        peer = clean_sequence(peer_sequence(read_openpose_people(trial / "pose" / f"{cam.stem}_json"), ours), options)
        torso = np.linalg.norm(ours.point("mid_shoulder") - ours.point("mid_hip"), axis=1)
        idx = [BLAZEPOSE_33.index(n) for n in COMPARED]
        d = np.linalg.norm(ours.xy_px[:, idx] - peer.xy_px[:, idx], axis=2) / torso[:, None]
        dists.append(d)
        both = np.isfinite(d).any(axis=1)
        frames_both += int(both.sum())
        frames_total += len(ours)
        a_ours, a_peer = compute_angles(ours), compute_angles(peer)
        for a in ANGLES:
            diff = (a_ours[a] - a_peer[a]).abs().to_numpy()
            angle_diffs[a].append(diff[np.isfinite(diff)])
        per_cam.append(f"{cam.stem} {np.nanmedian(d):.3f}")
    d = np.concatenate(dists)
    valid = d[np.isfinite(d)]
    pck10, pck20 = float(np.mean(valid < 0.1)), float(np.mean(valid < 0.2))
    median = float(np.median(valid))
    mad = {a: float(np.median(np.concatenate(v))) for a, v in angle_diffs.items()}
    mean_abs = {a: float(np.mean(np.concatenate(v))) for a, v in angle_diffs.items()}
    print(f"frames compared {frames_both}/{frames_total} (4 cameras x 100 frames, 60 fps)")
    print(f"keypoint distance / torso: median {median:.3f}, PCK@0.1 {pck10:.1%}, PCK@0.2 {pck20:.1%} ({len(valid)} "
          f"keypoint pairs); per camera median: {', '.join(per_cam)}")
    for a in ANGLES:
        print(f"  {a:15s} median |diff| {mad[a]:5.1f} deg, mean {mean_abs[a]:5.1f} deg")
    if not args.no_record:
        angles_text = ", ".join(f"{a} {mad[a]:.1f}/{mean_abs[a]:.1f}" for a in ANGLES)
        append_row(SECTION, "| date | machine | comparison | frames | keypoint median dist / torso | PCK@0.1 |"
                   " PCK@0.2 | angle abs. difference median/mean (deg) |",
                   f"| {today()} | {machine()} | BlazePose vs OpenPose BODY_25B, Pose2Sim balancing trial, 4 cams | "
                   f"{frames_both}/{frames_total} | {median:.3f} | {pck10:.1%} | {pck20:.1%} | {angles_text} |")


if __name__ == "__main__":
    main()
