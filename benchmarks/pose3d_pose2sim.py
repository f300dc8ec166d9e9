"""Pose2Sim's own person association + triangulation on its demo trial, for `benchmarks/pose3d.py` to compare.

Runs only in a separate environment with Pose2Sim installed (never the project's .venv), e.g.
    python3 -m venv /tmp/p2s && /tmp/p2s/bin/pip install --no-deps pose2sim==0.7.2 && /tmp/p2s/bin/pip install \
        anytree c3d filterpy lxml matplotlib numpy opencv-python-headless pandas Pillow scipy statsmodels \
        toml tqdm PyQt5
    QT_QPA_PLATFORM=offscreen /tmp/p2s/bin/python benchmarks/pose3d_pose2sim.py DEMO_COPY TRIAL
DEMO_COPY is a writable copy of ../shared/data/peers/pose2sim/S00_Demo_Session (Pose2Sim writes into it).
Prints one JSON line: Pose2Sim's mean reprojection error over every triangulated point (its own error table, not
its rounded log), the share of points it triangulated (before its interpolation) and its timings.
The demo's Config.toml (February 2024) keeps [personAssociation] flat; 0.7.2 reads nested tables: the same values
are moved into 0.7.2's layout, nothing else is changed.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    import numpy as np
    import toml
    from Pose2Sim import Pose2Sim
    from Pose2Sim import triangulation as p2s_triangulation

    demo, trial = sys.argv[1], sys.argv[2]
    os.chdir(demo)
    config = toml.load("Config.toml")
    config["project"]["project_dir"] = trial
    config["project"].setdefault("multi_person", False)
    pa = config["personAssociation"]
    config["personAssociation"] = {
        "likelihood_threshold_association": pa["likelihood_threshold_association"],
        "single_person": {"reproj_error_threshold_association": pa["reproj_error_threshold_association"],
                          "tracked_keypoint": pa["tracked_keypoint"]},
        "multi_person": {"reconstruction_error_threshold": 0.1, "min_affinity": 0.2}}
    config["filtering"]["display_figures"] = False
    captured = {}
    recap = p2s_triangulation.recap_triangulate

    def spy(config, error, nb_cams_excluded, *args, **kwargs):
        captured["error"], captured["excluded"] = error, nb_cams_excluded
        return recap(config, error, nb_cams_excluded, *args, **kwargs)

    p2s_triangulation.recap_triangulate = spy
    t0 = time.perf_counter()
    Pose2Sim.personAssociation(config)
    t1 = time.perf_counter()
    Pose2Sim.triangulation(config)
    t2 = time.perf_counter()
    table = captured["error"][0]
    error = table.drop(columns=["mean"], errors="ignore").to_numpy(dtype=float)  # frames x keypoints, NaN: none
    print("P2S_RESULT " + json.dumps({
        "version": __import__("importlib.metadata").metadata.version("pose2sim"),
        "frames": int(error.shape[0]), "keypoints": int(error.shape[1]),
        "reprojection_px_mean": float(np.nanmean(error)),
        "triangulated_share": float(np.isfinite(error).mean()),
        "cameras_excluded_mean": float(np.nanmean(
            captured["excluded"][0].drop(columns=["mean"], errors="ignore").to_numpy(dtype=float))),
        "association_s": t1 - t0, "triangulation_s": t2 - t1}))


if __name__ == "__main__":
    main()
