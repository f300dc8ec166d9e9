"""Options of `sportlens batch`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sportlens.options import OptionError, check_range


@dataclass(frozen=True)
class BatchOptions:
    workers: int = 1  # analyses at the same time (local processes, or Ray CPUs of a local Ray instance)
    ray: str | None = None  # None: local pool; "local": start a Ray instance here; else a Ray address
    tasks: tuple[str, ...] = ()  # passed to analyze --tasks (empty: every task that applies)
    config: str | None = None  # an analyze TOML file, passed to each analysis
    no_video: bool = False  # analyze --no-video
    redo: bool = False  # analyse every input again instead of skipping the finished ones

    def __post_init__(self) -> None:
        check_range("workers", self.workers, 1, 256)
        if self.config is not None and not Path(self.config).is_file():
            raise OptionError(f"--config: no such file: {self.config}", hint="give an analyze TOML file")
        if self.tasks:
            from sportlens.report.options import analyze_options

            analyze_options({"tasks": list(self.tasks)})  # the same check (and message) as analyze --tasks
