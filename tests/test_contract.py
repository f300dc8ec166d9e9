"""The task contract, checked on every registered command: help, a missing input, --json, the -o rule.

Each command needs one row in CALLS (how to run it on generated data); a new command without a row fails
`test_every_command_has_a_row`, so nobody adds a command outside the contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sportlens.summary import SCHEMA, Summary

G = 9.80665


def registered_commands() -> list[str]:
    """Every leaf command of the CLI, e.g. 'pose', 'imu reps', 'classify train'."""
    import typer

    from sportlens.cli import _register_tasks, app

    _register_tasks()
    out = []

    def walk(command, prefix):
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*prefix, name])
        else:
            out.append(" ".join(prefix))

    walk(typer.main.get_command(app), [])
    return sorted(out)


# ---- generated inputs ------------------------------------------------------------------------------


def _imu_csv(path: Path) -> Path:
    """A wrist recording: 12 s still, 8 slow repetitions, still again (acc m/s^2, gyro rad/s, 50 Hz)."""
    rate = 50.0
    rng = np.random.default_rng(0)
    tt = np.arange(int(8 * 2.5 * rate)) / rate
    s = np.concatenate([np.zeros(100), 0.5 * (1 - np.cos(2 * np.pi * tt / 2.5)), np.zeros(100)])
    acc = np.column_stack([3 * s, 0.5 * s, G + s]) + rng.normal(0, 0.1, (s.size, 3))
    gyro = np.column_stack([np.gradient(s) * rate, 0.2 * s, 0 * s]) + rng.normal(0, 0.02, (s.size, 3))
    table = {"t_s": np.arange(s.size) / rate}
    for k, a in enumerate("xyz"):
        table[f"acc_{a}_ms2"] = acc[:, k]
        table[f"gyr_{a}_rads"] = gyro[:, k]
    pd.DataFrame(table).to_csv(path, index=False)
    return path


@dataclass
class Inputs:
    """Shared generated inputs and the runs later commands need (a trained classifier, an IMU model)."""

    root: Path
    clip: Path
    imu: Path
    imu_labelled: Path
    images: Path
    classify_run: Path | None = None
    ball: Path | None = None  # a labelled generated rally: 00001.mp4 + 00001.csv (the rally layout)
    ball_train: Path | None = None  # two short generated rallies (two groups: one trains, one validates)
    imu_model: Path | None = None
    penn: Path | None = None  # generated skeleton clips in Penn Action's layout
    action_run: Path | None = None
    pose_photos: Path | None = None  # the astronaut upright and lying (CLASS/ sub-folders of photos)
    posecls_run: Path | None = None
    registry: str | None = None  # an MLflow registry holding classify_run as production version 1
    images_new: Path | None = None  # more images of the same classes (retrain's new data)
    images_hold: Path | None = None  # held-out images (retrain)
    sim_run: Path | None = None  # a sim train run (a few PPO steps on the half-pipe)
    detect_data: Path | None = None  # a generated COCO folder (coloured rectangles)
    detect_run: Path | None = None  # a detect train run (one SSDlite epoch on detect_data)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, one_torch_thread, labelled_imu_csv, two_class_images) -> Inputs:
    from sportlens.cli import main
    from sportlens.samples import rotating_clip

    root = tmp_path_factory.mktemp("contract")
    made = Inputs(root, rotating_clip(root / "sway.mp4", seconds=1.0, fps=15.0, size=160).path,
                  _imu_csv(root / "reps.csv"), labelled_imu_csv(root / "labelled.csv", n_people=3),
                  two_class_images(root / "images"))
    from sportlens.ball.synthetic import ClipSpec, write_rally_clip

    made.ball = write_rally_clip(root / "ball", "00001", ClipSpec(seconds=1.0)).parent
    for k in (1, 2):
        made.ball_train = write_rally_clip(root / "ball-train", f"0000{k}", ClipSpec(seconds=0.4, seed=k)).parent
    made.classify_run = root / "classify-run"
    assert main(["classify", "train", str(made.images), "-o", str(made.classify_run), "--model", "notebook-cnn",
                 "--epochs", "1", "--amp", "off"]) == 0
    from sportlens.action.synthetic import write_penn

    made.penn = write_penn(root / "penn", n_per_class=6)
    made.action_run = root / "action-run"
    assert main(["action", "train", str(made.penn), "-o", str(made.action_run), "--epochs", "1",
                 "--model", "skeleton-tcn-small", "--batch-size", "4"]) == 0
    from sportlens.posecls.synthetic import write_pose_photos

    made.pose_photos = write_pose_photos(root / "pose-photos")
    made.posecls_run = root / "posecls-run"
    assert main(["posecls", "train", str(made.pose_photos), "-o", str(made.posecls_run), "--n-trees", "20"]) == 0
    made.registry = f"sqlite:///{root / 'registry' / 'mlflow.db'}"
    assert main(["models", "register", str(made.classify_run), "--promote", "--registry", made.registry]) == 0
    made.images_new = two_class_images(root / "images-new")
    made.images_hold = two_class_images(root / "images-hold")
    made.imu_model = root / "imu-model"
    assert main(["imu", "train", str(made.imu_labelled), "--group-col", "person", "--recipe", "logistic",
                 "-o", str(made.imu_model)]) == 0
    made.sim_run = root / "sim-run"
    assert main(["sim", "train", "sportlens/HalfPipe-v0", "-o", str(made.sim_run), "--steps", "64", "--n-envs", "1",
                 "--eval-episodes", "1"]) == 0
    from sportlens.detect.synthetic import write_rectangles_coco

    made.detect_data = write_rectangles_coco(root / "detect-data", n_images=6, size=96)
    made.detect_run = root / "detect-run"
    assert main(["detect", "train", str(made.detect_data), "-o", str(made.detect_run), "--model", "ssdlite",
                 "--epochs", "1", "--image-size", "96"]) == 0
    return made


def _replay_trc(i: Inputs) -> Path:
    """A pose3d.trc of the replay humanoid itself (10 frames; made on first use)."""
    path = i.root / "replay" / "pose3d.trc"
    if not path.exists():
        from sportlens.sim.humanoid import write_demo_trc

        write_demo_trc(path, n_frames=10)
    return path


def _calib(i: Inputs) -> Path:
    """Board views of a known camera, its calibration and four plane points (made on first use)."""
    folder = i.root / "calib"
    if not (folder / "plane.csv").exists():
        from sportlens.calib.boards import Board
        from sportlens.calib.synthetic import write_board_images
        from sportlens.camera import Camera
        from sportlens.io.calibration import write_calibration

        cam = Camera("cam_01", (480, 360), [[400.0, 0, 240], [0, 400.0, 180], [0, 0, 1]])
        write_board_images(folder / "views", Board("checkerboard", 9, 6, 0.025), cam, n=5)
        write_calibration(folder / "calib.toml", [cam])
        pd.DataFrame({"x_px": [10, 400, 380, 30], "y_px": [20, 25, 300, 310], "x_m": [0, 6.1, 6.1, 0],
                      "y_m": [0, 0, 13.4, 13.4]}).to_csv(folder / "plane.csv", index=False)
    return folder


def _cameras(i: Inputs) -> list[Path]:
    """Two calibrated cameras' OpenPose JSON folders of a generated moving body, then their calib.toml."""
    folder = i.root / "pose3d"
    if not (folder / "calib.toml").exists():
        from sportlens.io.calibration import write_calibration
        from sportlens.pose3d.synthetic import moving_body, observe, ring_cameras, write_openpose_folder

        cams = ring_cameras(2)
        for cam, seen in zip(cams, observe(cams, moving_body(20), noise_px=0.5), strict=True):
            write_openpose_folder(folder / cam.name, [[frame] for frame in seen])
        write_calibration(folder / "calib.toml", cams)
    return [folder / "cam_01", folder / "cam_02", folder / "calib.toml"]


@dataclass(frozen=True)
class Call:
    """How to run a command: args(inputs, out) -> argv after the command; writes: it makes the -o folder;
    input_index: which of the args is the input file a missing-input check replaces."""

    args: Callable[[Inputs, Path], list]
    writes: bool = True
    input_index: int | None = 0


CALLS: dict[str, Call] = {
    "pose": Call(lambda i, o: [i.clip, "-o", o, "--no-video"]),
    "reps": Call(lambda i, o: [i.clip, "-o", o, "--no-video"]),
    "compare": Call(lambda i, o: [i.clip, i.clip, "-o", o, "--no-video"]),
    "imu reps": Call(lambda i, o: [i.imu, "-o", o]),
    "imu jumps": Call(lambda i, o: [i.imu, "-o", o]),
    "imu strokes": Call(lambda i, o: [i.imu, "-o", o]),
    "imu steps": Call(lambda i, o: [i.imu, "-o", o]),
    "imu orient": Call(lambda i, o: [i.imu, "-o", o]),
    "imu train": Call(lambda i, o: [i.imu_labelled, "--group-col", "person", "--recipe", "logistic", "-o", o]),
    "imu eval": Call(lambda i, o: [i.imu_model / "model.joblib", i.imu_labelled, "--group-col", "person", "-o", o]),
    "imu predict": Call(lambda i, o: [i.imu_model / "model.joblib", i.imu, "-o", o], input_index=1),
    "action train": Call(lambda i, o: [i.penn, "-o", o, "--epochs", "1", "--model", "skeleton-tcn-small",
                                       "--batch-size", "4"]),
    "action eval": Call(lambda i, o: [i.action_run, i.penn, "-o", o], input_index=1),
    "action predict": Call(lambda i, o: [i.action_run, i.penn / "labels" / "0001.mat", "-o", o], input_index=1),
    "action detect": Call(lambda i, o: [i.clip, "-o", o, "--model", i.action_run, "--window", "0.5", "--no-video"]),
    "posecls train": Call(lambda i, o: [i.pose_photos, "-o", o, "--n-trees", "20"]),
    "posecls eval": Call(lambda i, o: [i.posecls_run, i.pose_photos, "-o", o], input_index=1),
    "posecls predict": Call(lambda i, o: [i.posecls_run, i.pose_photos / "upright", "-o", o], input_index=1),
    "detect run": Call(lambda i, o: [i.clip, "-o", o, "--weights", i.detect_run / "best.pt", "--no-video"]),
    "detect train": Call(lambda i, o: [i.detect_data, "-o", o, "--model", "ssdlite", "--epochs", "1",
                                       "--image-size", "96"]),
    "segment": Call(lambda i, o: [i.clip, "-o", o, "--no-video"]),
    "ball track": Call(lambda i, o: [i.ball / "00001.mp4", "-o", o, "--no-video"]),
    "ball eval": Call(lambda i, o: [i.ball, "-o", o]),
    "ball train": Call(lambda i, o: [i.ball_train, "-o", o, "--epochs", "1", "--steps-per-epoch", "1",
                                     "--batch-size", "2"]),
    "classify models": Call(lambda i, o: [], writes=False, input_index=None),
    "classify train": Call(lambda i, o: [i.images, "-o", o, "--model", "notebook-cnn", "--epochs", "1",
                                         "--amp", "off"]),
    "classify eval": Call(lambda i, o: [i.classify_run, i.images, "-o", o], input_index=1),
    "classify review": Call(lambda i, o: [i.classify_run, i.images, "-o", o], input_index=1),
    "classify predict": Call(lambda i, o: [i.classify_run, i.images / "disc", "-o", o], input_index=1),
    "classify export": Call(lambda i, o: [i.classify_run, "-o", o]),
    "classify clean": Call(lambda i, o: [i.images, i.classify_run / "review" / "review.csv", "-o", o]),
    "analyze": Call(lambda i, o: [i.clip, "-o", o, "--no-video"]),
    "batch": Call(lambda i, o: [i.imu, "-o", o, "--tasks", "reps"]),
    "models list": Call(lambda i, o: ["--registry", i.registry], writes=False, input_index=None),
    "models show": Call(lambda i, o: ["classify", "--registry", i.registry], writes=False, input_index=None),
    "models promote": Call(lambda i, o: ["classify", "1", "--registry", i.registry], writes=False, input_index=None),
    "models register": Call(lambda i, o: [i.classify_run, "--registry", i.registry], writes=False),
    "calibrate intrinsics": Call(lambda i, o: [_calib(i) / "views", "-o", o]),
    "calibrate extrinsics": Call(lambda i, o: [_calib(i) / "calib.toml", _calib(i) / "views" / "view_00.png", "-o", o]),
    "calibrate plane": Call(lambda i, o: [_calib(i) / "plane.csv", "-o", o]),
    "pose3d": Call(lambda i, o: [*_cameras(i)[:2], "--calib", _cameras(i)[2], "-o", o, "--fps", "30"]),
    "retrain": Call(lambda i, o: ["classify", i.images_new, "--holdout", i.images_hold, "-o", o, "--epochs", "1",
                                  "--registry", i.registry], input_index=1),
    "sim train": Call(lambda i, o: ["sportlens/HalfPipe-v0", "-o", o, "--steps", "64", "--n-envs", "1",
                                    "--eval-episodes", "1"]),
    "sim eval": Call(lambda i, o: [i.sim_run, "-o", o, "--episodes", "2"]),
    "sim render": Call(lambda i, o: [i.sim_run, "-o", o, "--max-seconds", "1"]),
    "sim replay": Call(lambda i, o: [_replay_trc(i), "-o", o, "--renderer", "none"]),
}


# long-running servers: no input, no output folder, no summary; their own tests start them (tests/service)
SERVERS = {"serve"}


def test_every_command_has_a_row():
    assert registered_commands() == sorted(set(CALLS) | SERVERS)


def _argv(command: str, args: list) -> list[str]:
    return [*command.split(), *(str(a) for a in args)]


@pytest.mark.parametrize("command", sorted(set(CALLS) | SERVERS))
def test_help_is_plain_and_complete(command, run_cli):
    result = run_cli(*command.split(), "--help")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: sportlens {command} ")
    assert "<bool>" not in result.stdout and "{" not in result.stdout.splitlines()[0]
    assert result.stderr == ""


@pytest.mark.parametrize("command", [c for c, call in sorted(CALLS.items()) if call.input_index is not None])
def test_a_missing_input_is_one_line_and_exit_2(command, inputs, tmp_path, run_cli):
    call = CALLS[command]
    args = call.args(inputs, tmp_path / "out")
    args[call.input_index] = tmp_path / "no-such-input.csv"
    result = run_cli(*_argv(command, args))
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "no-such-input.csv" in lines[0]
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", sorted(CALLS))
def test_json_is_one_summary_object_of_the_schema(command, inputs, tmp_path, run_cli):
    if command == "classify clean":  # needs the review of the shared run first
        assert run_cli("classify", "review", inputs.classify_run, inputs.images).code == 0
    call = CALLS[command]
    out = tmp_path / "out"
    result = run_cli(*_argv(command, call.args(inputs, out)), "--json")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)  # exactly one JSON document and nothing else on stdout
    assert result.stdout.count("\n") == 1
    assert document["schema"] == SCHEMA and document["command"] == command
    assert document["argv"][:1 + len(command.split())] == ["sportlens", *command.split()]
    summary = Summary.from_dict(document)
    assert summary.tool["name"] == "sportlens" and "numpy" in summary.versions
    if call.writes:
        assert json.loads((out / "summary.json").read_text()) == document
        assert not (out / ".sportlens-incomplete").exists()
        for name in document["outputs"]:
            assert (out / name.rstrip("/")).exists(), name


@pytest.mark.parametrize("command", [c for c, call in sorted(CALLS.items()) if call.writes])
def test_the_output_rule_never_touches_a_users_folder(command, inputs, tmp_path, run_cli):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    result = run_cli(*_argv(command, CALLS[command].args(inputs, out)))
    assert result.code == 2
    assert "not empty and was not written by sportlens" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"] and (out / "notes.txt").read_text() == "my notes"
