"""What every task's typer command does around its `run_<task>` call: show progress events as rich bars,
print warnings and the result lines on stderr, the summary as one JSON object on stdout with --json, and
turn Ctrl-C into a prompt stop (worker threads are cancelled through the Progress object)."""

from __future__ import annotations

from collections.abc import Callable

from sportlens.events import Progress
from sportlens.summary import Summary

JSON_HELP = "Print summary.json as one JSON object on stdout (messages go to stderr)."
OUT_HELP = "Output folder: new, empty, or an earlier sportlens output (its old files are replaced)."


def run_task(task: str, run: Callable[[Progress], Summary]) -> Summary:
    """Call run(progress) with a rich listener; on Ctrl-C cancel the workers, then let the interruption through."""
    from sportlens.progress import RichListener

    with RichListener() as listener:
        progress = Progress(task, listener)
        try:
            return run(progress)
        except BaseException:
            progress.cancel()  # worker threads stop at their next progress step
            raise


def report(summary: Summary, as_json: bool, lines: list[str] | None = None, out_dir=None) -> None:
    """Warnings and the output folder on stderr; the result lines on stdout (what `| less` shows), or, with
    --json, the summary as the one object on stdout and the result lines on stderr."""
    from rich.markup import escape

    from sportlens.io.atomic import print_json
    from sportlens.progress import stderr_console

    for warning in summary.warnings:  # a file name such as photos[1].jpg must not be read as markup
        stderr_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    for line in lines or []:
        print_result(line, as_json)
    if out_dir is not None:
        stderr_console.print(f"outputs in [bold]{escape(str(out_dir))}[/]", highlight=False, soft_wrap=True)
    if as_json:
        print_json(summary.to_dict())


def print_result(result, as_json: bool = False) -> None:
    """A result people read or pipe (a line of text or a rich table): stdout, so `| less` shows it; stderr
    when stdout carries the --json summary."""
    from rich.console import Console

    Console(stderr=as_json, soft_wrap=True, highlight=False).print(result)


def top_k_lines(predictions: list[dict]) -> list[str]:
    """'input: label 0.912, label 0.051' per prediction row ({"input", "top_k": [{"label", "probability"}]})."""
    return [f"{row['input']}: " + ", ".join(f"{t['label']} {t['probability']:.3f}" for t in row["top_k"])
            for row in predictions]
