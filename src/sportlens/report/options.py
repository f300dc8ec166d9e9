"""Options of `sportlens analyze`: its own settings plus every task's options dataclass, one TOML table each.

A configuration file sets any of them:

    tasks = ["pose", "reps"]      # top level: analyze's own settings
    sport = "auto"
    [pose]                        # PoseOptions, as `sportlens pose --config` reads them
    cutoff_hz = 4.0
    [reps]                        # RepsOptions
    exercise = "squat"
    [ball]                        # ball TrackOptions
    [action]                      # action PredictOptions
    [imu.reps]                    # the IMU commands' options: [imu.reps], [imu.jumps], [imu.strokes], [imu.steps]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sportlens.action.options import PredictOptions
from sportlens.ball.options import TrackOptions
from sportlens.imu.options import JumpsOptions, StepsOptions, StrokesOptions
from sportlens.imu.options import RepsOptions as ImuRepsOptions
from sportlens.movement.options import RepsOptions
from sportlens.options import OptionError, check_literals, check_range, options_from_mapping, read_toml
from sportlens.pose.options import PoseOptions

Sport = Literal["auto", "none", "badminton", "tennis", "table-tennis", "squash", "volleyball", "football",
                "basketball", "cricket", "baseball", "fitness", "running"]
# sports played without a ball: the ball tracker is not run for them
BALL_FREE_SPORTS = ("none", "fitness", "running")
VIDEO_TASKS = ("pose", "reps", "ball", "action")
IMU_TASKS = ("reps", "jumps", "strokes", "steps")
TASKS = ("pose", "reps", "ball", "action", "jumps", "strokes", "steps")
IMU_TABLES = {"reps": ImuRepsOptions, "jumps": JumpsOptions, "strokes": StrokesOptions, "steps": StepsOptions}
TASK_TABLES = {"pose": PoseOptions, "reps": RepsOptions, "ball": TrackOptions, "action": PredictOptions}


@dataclass(frozen=True)
class AnalyzeOptions:
    """Settings of one `analyze` run; the per-task tables are the tasks' own options (all in summary.json)."""

    tasks: tuple[str, ...] = ()  # tasks to run (empty: every task that applies to the input)
    sport: Sport = "auto"  # a ball sport runs the ball tracker; none/fitness/running skip it; auto tries it
    action_model: str | None = None  # an `sportlens action train` run folder or best.pt (action needs one)
    queue_frames: int = 8  # frames each consumer of the shared decode pass may hold (bounded memory)
    report: bool = True  # write report.html
    pose: PoseOptions = field(default_factory=PoseOptions)
    reps: RepsOptions = field(default_factory=RepsOptions)
    ball: TrackOptions = field(default_factory=TrackOptions)
    action: PredictOptions = field(default_factory=PredictOptions)
    imu: dict[str, Any] = field(default_factory=lambda: {name: cls() for name, cls in IMU_TABLES.items()})

    def __post_init__(self) -> None:
        check_literals(self)
        unknown = [t for t in self.tasks if t not in TASKS]
        if unknown:
            raise OptionError(f"--tasks: unknown {', '.join(unknown)}; choose from {', '.join(TASKS)}")
        check_range("queue_frames", self.queue_frames, 1, 256)
        if self.action_model is not None and not Path(self.action_model).exists():
            raise OptionError(f"--action-model: no such run folder or file: {self.action_model}",
                              hint="give the -o folder of `sportlens action train` or its best.pt")
        if "action" in self.tasks and self.action_model is None:
            from sportlens.lifecycle.registry import production_run

            if production_run("action") is None:
                raise OptionError("--tasks action needs --action-model RUN (a `sportlens action train` folder) or "
                                  "a production action model in the registry (sportlens models promote)")

    def wants(self, task: str) -> bool:
        """Whether `task` was asked for (every task is, when --tasks is not given)."""
        return not self.tasks or task in self.tasks

    @property
    def ball_sport(self) -> bool:
        return self.sport not in BALL_FREE_SPORTS


def analyze_options(values: dict[str, Any], source: str | Path = "the command line") -> AnalyzeOptions:
    """AnalyzeOptions from a mapping shaped like the TOML file: top-level keys plus one table per task."""
    values = dict(values)
    tables: dict[str, Any] = {}
    for name, cls in TASK_TABLES.items():
        table = values.pop(name, {})
        if not isinstance(table, dict):
            raise OptionError(f"[{name}] in {source} must be a table of options")
        tables[name] = options_from_mapping(cls, table, f"[{name}] of {source}")
    imu = values.pop("imu", {})
    if not isinstance(imu, dict) or any(k not in IMU_TABLES for k in imu):
        raise OptionError(f"[imu] in {source} holds tables [imu.reps], [imu.jumps], [imu.strokes], [imu.steps]")
    tables["imu"] = {name: options_from_mapping(cls, imu.get(name, {}), f"[imu.{name}] of {source}")
                     for name, cls in IMU_TABLES.items()}
    own = {f.name for f in dataclasses.fields(AnalyzeOptions)} - set(tables)
    unknown = [k for k in values if k.replace("-", "_") not in own]
    if unknown:
        raise OptionError(f"unknown option {unknown[0]!r} in {source}",
                          hint=f"known: {', '.join(sorted(own))} and tables [{'], ['.join(TASK_TABLES)}], [imu.*]")
    top = {k.replace("-", "_"): tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return AnalyzeOptions(**top, **tables)


def load_config(path: str | Path | None, flags: dict[str, Any]) -> AnalyzeOptions:
    """The TOML file (when given) with the command-line flags on top; flags set to None are left out."""
    values: dict[str, Any] = read_toml(path) if path is not None else {}
    for key, value in flags.items():
        if value is None:
            continue
        if "." in key:  # a task's option, e.g. "ball.model"
            table, name = key.split(".", 1)
            values.setdefault(table, {})[name] = value
        else:
            values[key] = value
    return analyze_options(values, path or "the command line")
