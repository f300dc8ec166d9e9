"""Several athletes (`sportlens pose --people`): id switches on generated clips of people crossing, and
frames/s with 1, 2 and 4 people (generated clips of the shipped astronaut photo), plus the single-athlete
path on the same 1-person clip and the number of ids on the real one-person clip720.mp4.

    .venv/bin/python benchmarks/people.py [--no-record]

Id switches count as in the MOT benchmarks: per generated person, each time the output id matched to them
changes between two frames where they are matched (a person is matched to the output nose within 60 px
of their photo's nose position); an output id matched to two generated persons over the clip also counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SPORTLENS_NO_PROGRESS", "1")

from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.pose.options import PoseOptions  # noqa: E402
from sportlens.pose.pipeline import run_pose  # noqa: E402
from sportlens.samples import people_clip  # noqa: E402

SECTION = "Several athletes, detection and segmentation (issue 19)"
NOSE_DX = (223 - 256) / 512  # BlazePose's nose on the astronaut photo, from the photo centre, in photo widths
SIZE = 200


def load() -> float:
    return os.getloadavg()[0]


def id_switches(keypoints: pd.DataFrame, centres: np.ndarray) -> dict:
    """Matches of output noses to generated persons, and the id switches (see the module docstring)."""
    nose = keypoints[keypoints["keypoint"] == "nose"].dropna(subset=["x_px"])
    truth = centres[..., 0] + NOSE_DX * SIZE  # (frames, persons) nose x
    truth_y = centres[..., 1] + (131 - 256) / 512 * SIZE  # nose y (BlazePose: 131 px of 512 from the top)
    assigned: dict[int, list[tuple[int, int]]] = {}
    owners: dict[int, set[int]] = {}
    matched = 0
    for row in nose.itertuples():
        d = np.hypot(truth[row.frame] - row.x_px, truth_y[row.frame] - row.y_px)
        person = int(np.argmin(d))
        if d[person] < 60:
            matched += 1
            assigned.setdefault(person, []).append((row.frame, row.person_id))
            owners.setdefault(row.person_id, set()).add(person)
    switches = 0
    for rows in assigned.values():
        ids = [pid for _, pid in sorted(rows)]
        switches += sum(a != b for a, b in zip(ids, ids[1:], strict=False))
    shared = sum(len(v) - 1 for v in owners.values())
    return {"switches": switches + shared, "matched": matched, "ids": int(nose["person_id"].nunique())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    rows_ids, rows_speed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n_people, occlusion in ((2, 15), (2, 30), (4, 30)):
            clip = people_clip(tmp / f"cross{n_people}.mp4", n_people, seconds=4.0, fps=30.0, crossing=True)
            out = tmp / f"cross{n_people}-{occlusion}"
            s = run_pose(clip.path, out, PoseOptions(people="all", annotated_video=False,
                                                     max_occlusion_frames=occlusion))
            result = id_switches(pd.read_csv(out / "keypoints.csv"), clip.centres_px)
            frames = len(clip.centres_px)
            rows_ids.append((f"generated, {n_people} crossing, --max-occlusion {occlusion}", frames, n_people,
                             s["people"], result))
            print(f"crossing {n_people} occlusion {occlusion}: {result}, people {s['people']}, per-frame "
                  f"{np.bincount(s['people_per_frame']).tolist()}", flush=True)
        real = shared_path("video/clip720.mp4")
        s = run_pose(real, tmp / "real", PoseOptions(people="all", annotated_video=False))
        rows_ids.append(("clip720.mp4 (one real athlete)", s["frames"], 1, s["people"],
                         {"switches": None, "matched": None}))
        print(f"clip720: {s['people']} ids, max in frame {s['max_people_in_frame']}", flush=True)

        for n_people in (1, 2, 4):
            clip = people_clip(tmp / f"sway{n_people}.mp4", n_people, seconds=4.0, fps=30.0, crossing=False,
                               size=280, width=640, height=640)
            before = load()
            opts = PoseOptions(people="all", annotated_video=False, plot=False)
            s = run_pose(clip.path, tmp / f"sway{n_people}", opts)
            single = None
            if n_people == 1:
                single = run_pose(clip.path, tmp / "single", PoseOptions(annotated_video=False, plot=False,
                                                                           workers=1))["pose_fps"]
            per_frame = s["people_per_frame"] if "people_per_frame" in s.metrics else [0]
            rows_speed.append((n_people, clip, before, s.metrics.get("pose_fps"), s.metrics.get("fps"),
                               s["people"], float(np.mean(per_frame)), single))
            print(f"{n_people} people: pose {s['pose_fps']} fps, e2e {s['fps']} fps, found {s['people']} ids, "
                  f"single path {single}", flush=True)
    if args.no_record:
        return
    where = machine()
    header = ("| date | machine | clip | frames | people in it | ids found | id switches | noses matched |")
    for name, frames, truth, found, r in rows_ids:
        matched = "—" if r["matched"] is None else f"{r['matched']}"
        switches = "— (one athlete)" if r["switches"] is None else str(r["switches"])
        append_row(SECTION, header, f"| {today()} | {where} | {name} | {frames} | {truth} | {found} | {switches} | "
                                    f"{matched} |")
    header = ("| date | machine | load avg before | people in the clip (generated, 640x640 grid) | "
              "ids found | mean people found per frame | pose frames/s (--people all) | "
              "end-to-end frames/s (--no-video) | single-athlete path pose frames/s (1 worker) | ratio to 1 person |")
    base = rows_speed[0][3]
    for n_people, _clip, before, pose_fps, e2e, found, mean_found, single in rows_speed:
        append_row(SECTION, header, f"| {today()} | {where} | {before:.1f} | {n_people} | {found} | {mean_found:.2f} | "
                                    f"{pose_fps} | {e2e} | {single if single is not None else '—'} | "
                                    f"{pose_fps / base:.2f} |")


if __name__ == "__main__":
    main()
