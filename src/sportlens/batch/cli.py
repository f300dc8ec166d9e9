"""`sportlens batch DIR|LIST -o OUT`: thin; flags become BatchOptions, then `run_batch`."""

from __future__ import annotations

from pathlib import Path

import typer

from sportlens.command import OUT_HELP

HELP = ("Analyse many files (a folder, recursively, or a list file with one path per line) with `analyze`, on "
        "local processes or a Ray cluster; a rerun into the same -o folder skips the finished files.")
JSON_HELP = ("Print summary.json as one JSON object on stdout; its `metrics` hold `inputs`, `done`, `failed`, "
             "`skipped_done_before` and `files_per_s`.")


def command(
    source: Path = typer.Argument(..., metavar="DIR|LIST", show_default=False,
                                  help="A folder of videos, images and IMU CSVs, or a .txt list of paths."),
    out: Path = typer.Option(..., "-o", "--out", help=OUT_HELP + " One sub-folder per input, and batch.csv.",
                             show_default=False),
    workers: int = typer.Option(1, "--workers", min=1, max=256, help="Analyses at the same time."),
    ray: str | None = typer.Option(None, "--ray", metavar="ADDRESS", show_default=False,
                                   help="Run on Ray: 'local' starts an instance here, otherwise a cluster address "
                                        "(e.g. ray://head:10001); needs `pip install 'sportlens[ray]'`."),
    tasks: str | None = typer.Option(None, metavar="NAME,NAME", show_default=False,
                                     help="Tasks for analyze (see `sportlens analyze --help`) [all that apply]."),
    config: Path | None = typer.Option(None, "--config", metavar="FILE.toml", show_default=False,
                                       help="An analyze TOML file used for every input."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated videos (faster)."),
    redo: bool = typer.Option(False, "--redo", help="Analyse every input again (default: skip finished ones)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    from sportlens.batch.options import BatchOptions
    from sportlens.batch.pipeline import run_batch
    from sportlens.command import report, run_task

    options = BatchOptions(workers=workers, ray=ray, no_video=no_video, redo=redo,
                           tasks=tuple(t.strip() for t in (tasks or "").split(",") if t.strip()),
                           config=None if config is None else str(config))
    summary = run_task("batch", lambda progress: run_batch(source, out, options, progress))
    m = summary.metrics
    line = f"{m['done']} analysed, {m['failed']} failed, {m['skipped_done_before']} finished before (of {m['inputs']})"
    report(summary, as_json, [line, f"table: {out / 'batch.csv'}"], out)
