"""IMU benchmarks on the shared sets (../shared/data/imu): repetitions, jumps, strokes, classification.

    .venv/bin/python benchmarks/imu.py [--only spar,tennis,barbell,cmj,running] [--nested] [--record]

Prints every figure; with --record appends dated rows to the `## IMU and physics` section of BENCHMARKS.md.
scikit-learn runs with n_jobs=1 (the machine is shared). Splits are always by person where people are known
(leave-one-group-out), by time block where they are not (tennis: one session, no person ids).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_record import append_row, machine, shared_path, today  # noqa: E402
from sportlens.constants import STANDARD_GRAVITY  # noqa: E402
from sportlens.imu.classify import cross_validate, nested_cross_validate, window_set  # noqa: E402
from sportlens.imu.events import count_reps, detect_jumps, detect_steps, detect_strokes  # noqa: E402
from sportlens.imu.readers import load_dataset  # noqa: E402
from sportlens.imu.recording import ImuRecording  # noqa: E402

SECTION = "IMU and physics"


def _cv_line(name: str, cv: dict) -> str:
    folds = ", ".join(f"{'+'.join(f['test_groups'])[:12]} {f['accuracy']:.2f}" for f in cv["folds"][:12])
    return (
        f"{name}: window accuracy {cv['accuracy']:.3f} (balanced {cv['balanced_accuracy']:.3f}), per-recording "
        f"majority {cv['recording_accuracy']:.3f}; {cv['n_windows']} windows, {cv['n_groups']} groups, {cv['split']}"
        f"\n    folds: {folds}"
    )


NESTED_WINDOWS_S = (4.0, 6.0, 8.0)
NESTED_RECIPES = ("forest", "extra-trees", "logistic")


def bench_spar(recipe: str, nested: bool = False) -> list[tuple[str, str]]:
    items = load_dataset("spar", shared_path("imu/spar"))
    t0 = time.perf_counter()
    errors = np.array([count_reps(x.recording).count - 20 for x in items])
    rep_s = time.perf_counter() - t0
    mae = float(np.mean(np.abs(errors)))
    by_ex = {
        ex: float(np.mean(np.abs(errors[[x.label == ex for x in items]]))) for ex in sorted({x.label for x in items})
    }
    print(
        f"SPAR reps: MAE {mae:.3f} reps over {len(items)} recordings (protocol 20 each); "
        f"exact {np.mean(errors == 0):.2f}, within 1 {np.mean(np.abs(errors) <= 1):.2f}, "
        f"worst {errors.min():+d}/{errors.max():+d}; {rep_s:.1f} s"
    )
    print("    MAE by exercise: " + ", ".join(f"{k} {v:.2f}" for k, v in by_ex.items()))
    rows = [
        (
            "SPAR rep count (112 recordings x 20 reps, protocol value; shortest period 0.8 s, double-lag check)",
            f"MAE {mae:.2f} reps; exact {np.mean(errors == 0):.0%}, within +-1 {np.mean(np.abs(errors) <= 1):.0%}; "
            f"worst {errors.min():+d}/{errors.max():+d}; by exercise "
            + ", ".join(f"{k} {v:.2f}" for k, v in by_ex.items()),
        )
    ]
    # the variants: the earlier raw-axis figure, then the motion features with the left wrist mirrored by the
    # watch geometry (sportlens.imu.mirror), both fixed before looking at any test subject (6 s windows, forest)
    variants = (("raw axes, basic features", "basic", False), ("left wrist mirrored, motion features", "motion", True))
    for name, features, mirror in variants:
        t0 = time.perf_counter()
        ws = window_set(items, 6.0, 3.0, feature_set=features, mirror_left=mirror)
        cv = cross_validate(ws, recipe)
        print(_cv_line(f"SPAR exercise ({name}, {recipe}, 6 s windows)", cv) + f"; {time.perf_counter() - t0:.1f} s")
        print("    classes", cv["classes"], "confusion", cv["confusion"])
        rows.append(
            (
                f"SPAR exercise, 7 classes, leave-one-subject-out (8 subjects), {name}",
                f"window acc {cv['accuracy']:.3f} (balanced {cv['balanced_accuracy']:.3f}), per-recording "
                f"{cv['recording_accuracy']:.3f}; {cv['n_windows']} windows of 6 s, {recipe}",
            )
        )
    if nested:
        t0 = time.perf_counter()
        sets = {w: window_set(items, w, w / 2, feature_set="motion", mirror_left=True) for w in NESTED_WINDOWS_S}
        res = nested_cross_validate(sets, list(NESTED_RECIPES))
        choices = ", ".join(f"S{f['test_group']} {f['window_s']:g} s {f['recipe']}" for f in res["folds"])
        print(
            f"SPAR exercise, nested LOSO (window {NESTED_WINDOWS_S} s x {NESTED_RECIPES} chosen on the 7 training "
            f"subjects): window accuracy {res['accuracy']:.3f}, per-recording {res['recording_accuracy']:.3f}; "
            f"{time.perf_counter() - t0:.0f} s\n    choices: {choices}\n    folds: "
            + ", ".join(f"S{f['test_group']} {f['accuracy']:.2f}" for f in res["folds"])
        )
        rows.append(
            (
                "SPAR exercise, nested leave-one-subject-out: window length (4/6/8 s) and recipe (forest/extra-trees/"
                "logistic) chosen by LOSO on the 7 training subjects, motion features, left mirrored",
                f"window acc {res['accuracy']:.3f} (pooled over the chosen windows), per-recording "
                f"{res['recording_accuracy']:.3f}; choices {choices}",
            )
        )
    return rows


def bench_tennis(recipe: str) -> list[tuple[str, str]]:
    root = shared_path("imu/tennis-wrist")
    items = load_dataset("tennis", root)
    import pandas as pd

    approx = pd.read_csv(root / "recordings.csv").set_index("recording_id")["approx_n_swings"]
    counts = {x.label: len(detect_strokes(x.recording)) for x in items}
    print(
        "tennis strokes detected (|w| peaks >= 5 rad/s, >= 1 s apart) vs the source's acc-peak estimate: "
        + ", ".join(f"{x.label} {counts[x.label]}/{approx[x.recording_id]}" for x in items)
    )
    t0 = time.perf_counter()
    ws = window_set(items, 1.5, 0.5, block_s=20.0)
    cv = cross_validate(ws, recipe, n_splits=5)
    print(
        _cv_line(f"tennis stroke windows ({recipe}, 1.5 s windows, 20 s blocks)", cv)
        + f"; {time.perf_counter() - t0:.1f} s"
    )
    return [
        (
            "Tennis wrist, forehand/backhand/serve/idle windows, 20 s time blocks, stratified group 5-fold",
            f"window acc {cv['accuracy']:.3f} (balanced {cv['balanced_accuracy']:.3f}); {cv['n_windows']} windows of "
            f"1.5 s in {cv['n_groups']} blocks, {recipe}",
        ),
        (
            "Tennis strokes detected vs source estimate (not ground truth)",
            ", ".join(f"{x.label} {counts[x.label]}/{approx[x.recording_id]}" for x in items),
        ),
    ]


def bench_barbell(recipe: str) -> list[tuple[str, str]]:
    items = load_dataset("barbell", shared_path("imu/barbell"))
    groups = sorted({x.group for x in items})
    print(f"barbell: {len(items)} recordings after de-duplication, participants {groups}")
    t0 = time.perf_counter()
    ws = window_set(items, 4.0, 2.0)
    cv = cross_validate(ws, recipe)
    print(_cv_line(f"barbell exercise ({recipe}, 4 s windows)", cv) + f"; {time.perf_counter() - t0:.1f} s")
    print("    classes", cv["classes"], "confusion", cv["confusion"])
    lifts = [x for x in items if x.meta["protocol_reps"]]
    no_rest = [x for x in items if x.label != "rest"]
    cv_lifts = cross_validate(window_set(no_rest, 4.0, 2.0), recipe)
    print(_cv_line("barbell exercise without rest (only A has rest)", cv_lifts))
    print("    classes", cv_lifts["classes"], "confusion", cv_lifts["confusion"])
    errors = np.array([count_reps(x.recording).count - x.meta["protocol_reps"] for x in lifts])
    mae = float(np.mean(np.abs(errors)))
    print(f"barbell reps: MAE {mae:.2f} over {len(lifts)} sets (protocol 5 heavy / 10 medium)")
    print(f"    errors (counted - protocol): {sorted(errors.tolist())}")
    return [
        (
            f"Barbell exercise (6 classes incl. rest), leave-one-participant-out ({', '.join(groups)}), de-duplicated",
            f"window acc {cv['accuracy']:.3f} (balanced {cv['balanced_accuracy']:.3f}), per-recording "
            f"{cv['recording_accuracy']:.3f}; {len(items)} recordings, {cv['n_windows']} windows of 4 s, {recipe}; "
            + "folds "
            + ", ".join(f"{f['test_groups'][0]} {f['accuracy']:.2f}" for f in cv["folds"]),
        ),
        (
            "Barbell exercise, 5 lifts (rest left out: only A has rest), leave-one-participant-out",
            f"window acc {cv_lifts['accuracy']:.3f} (balanced {cv_lifts['balanced_accuracy']:.3f}), per-recording "
            f"{cv_lifts['recording_accuracy']:.3f}; {len(no_rest)} recordings; folds "
            + ", ".join(f"{f['test_groups'][0]} {f['accuracy']:.2f}" for f in cv_lifts["folds"]),
        ),
        (
            "Barbell rep count vs protocol (5 heavy / 10 medium)",
            f"MAE {mae:.2f} reps over {len(lifts)} sets; exact {np.mean(errors == 0):.0%}, within +-1 "
            f"{np.mean(np.abs(errors) <= 1):.0%}",
        ),
    ]


def _heights(j) -> str:
    def m(x):
        return "n/a" if x is None else f"{x:.3f} m"

    return (f"flight {j.flight_time_s:.3f} s -> {m(j.height_flight_m)}; take-off velocity "
            f"{'n/a' if j.takeoff_velocity_mps is None else f'{j.takeoff_velocity_mps:.2f} m/s'} -> "
            f"{m(j.height_velocity_m)}; landing velocity "
            f"{'n/a' if j.landing_velocity_mps is None else f'{j.landing_velocity_mps:.2f} m/s'} -> "
            f"{m(j.height_landing_m)}")


def bench_cmj() -> list[tuple[str, str]]:
    (jump,) = load_dataset("cmj", shared_path("imu/cmj"))
    meta = jump.meta
    ref_flight, ref_velocity = meta["jump_height_fp_flight_time_derived_m"], meta["jump_height_fp_takeoff_velocity_m"]
    # the detector on the force plate's own acceleration (gravity added back: what a body-fixed IMU would read)
    fp = meta["forceplate_acc_vert_mps2"]
    t = jump.recording.time_s
    fp_rec = ImuRecording(t, np.column_stack([np.zeros_like(fp), np.zeros_like(fp), fp + STANDARD_GRAVITY]))
    (fp_jump,) = detect_jumps(fp_rec)
    rows = []
    print(
        f"CMJ reference: force plate flight-time height {ref_flight:.3f} m, "
        f"take-off-velocity height {ref_velocity:.3f} m; phone take-off-velocity height (source notebook) "
        f"{meta['jump_height_phone_takeoff_velocity_m']:.3f} m"
    )
    print(f"  detector on force-plate acc: {_heights(fp_jump)}; problems {list(fp_jump.problems)}")
    rows.append(
        (
            "CMJ: detector on the force-plate acceleration (1 jump)",
            f"{_heights(fp_jump)} (refs: flight time {ref_flight:.3f}, take-off velocity {ref_velocity:.3f}); "
            f"{'plausible' if fp_jump.plausible else 'flagged'}",
        )
    )
    for mode in ("free-fall", "1g"):
        found = detect_jumps(jump.recording, takeoff=mode)
        j = found[0]
        headline = "none" if j.height_m is None else f"{j.height_m:.3f} m ({j.height_method})"
        checks = "no warning" if j.plausible else "warnings: " + "; ".join(p.split(":")[0] for p in j.problems)
        print(
            f"  phone at chest, take-off '{mode}': {len(found)} jump(s); take-off sample {j.takeoff_s * 128:.0f}, "
            f"landing {j.landing_s * 128:.0f}; {_heights(j)}; height {headline} "
            f"(error {'n/a' if j.height_m is None else f'{j.height_m - ref_flight:+.3f}'}); {checks}"
        )
        rows.append(
            (
                f"CMJ: phone at chest, take-off '{mode}' (1 jump), landing-velocity height and plausibility checks",
                f"height {headline}, error vs force-plate flight time "
                f"{'n/a' if j.height_m is None else f'{j.height_m - ref_flight:+.3f} m'}; {_heights(j)}; {checks}",
            )
        )
    rows.append(("CMJ form classification", "not measurable: the shared set holds one jump of one person"))
    return rows


def bench_running(recipe: str) -> list[tuple[str, str]]:
    import pandas as pd

    root = shared_path("imu/running")
    items = load_dataset("running", root)
    period = pd.read_csv(root / "recordings.csv").set_index("recording_id")["dominant_period_samples"]
    # no cadence labels: compare with two steps per arm swing, the swing period being the source's estimate
    cadence = np.array([detect_steps(x.recording).cadence_spm for x in items])
    swing = np.array([2 * 60 * 100.0 / period[x.recording_id] for x in items])
    rel = np.abs(cadence / swing - 1)
    misses = ", ".join(
        f"{x.recording_id} {c:.0f} vs {w:.0f}"
        for x, c, w, r in zip(items, cadence, swing, rel, strict=True)
        if r >= 0.05
    )
    cadence_line = (
        f"{np.min(cadence):.0f}-{np.max(cadence):.0f} steps/min; median abs. diff {np.median(rel):.1%}, within 5 % "
        f"for {np.sum(rel < 0.05)}/{len(items)}; outside: {misses}"
    )
    print(f"running cadence vs 2 x arm-swing rate: {cadence_line}")
    t0 = time.perf_counter()
    ws = window_set(items, 4.0, 2.0, use_gyro=False)
    cv = cross_validate(ws, recipe)
    print(
        _cv_line(f"running foot strike ({recipe}, 4 s windows, acc only)", cv) + f"; {time.perf_counter() - t0:.1f} s"
    )
    return [
        ("Running cadence vs 2 x the source's arm-swing rate (no cadence labels; 100 Hz assumed)", cadence_line),
        (
            "Running foot strike (forefoot/rearfoot), leave-one-person-out (12 persons), wrist acc only",
            f"window acc {cv['accuracy']:.3f} (balanced {cv['balanced_accuracy']:.3f}), per-recording "
            f"{cv['recording_accuracy']:.3f}; {cv['n_windows']} windows of 4 s at an assumed 100 Hz, {recipe}",
        ),
    ]


BENCHES = {
    "spar": bench_spar,
    "tennis": bench_tennis,
    "barbell": bench_barbell,
    "cmj": bench_cmj,
    "running": bench_running,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated: " + ", ".join(BENCHES))
    parser.add_argument("--recipe", default="forest", help="classifier recipe (forest, extra-trees, logistic)")
    parser.add_argument("--nested", action="store_true", help="SPAR: also the nested selection (minutes)")
    parser.add_argument("--record", action="store_true", help="append the rows to BENCHMARKS.md")
    args = parser.parse_args()
    rows = []
    for name in args.only.split(","):
        t0 = time.perf_counter()
        bench = BENCHES[name]
        if name == "cmj":
            rows += bench()
        elif name == "spar":
            rows += bench(args.recipe, args.nested)
        else:
            rows += bench(args.recipe)
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]\n", flush=True)
    if args.record:
        header = "| date | machine | measurement | result |"
        for what, result in rows:
            append_row(SECTION, header, f"| {today()} | {machine()} | {what} | {result} |")
        print(f"recorded {len(rows)} rows in BENCHMARKS.md")


if __name__ == "__main__":
    main()
