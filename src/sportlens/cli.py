"""The one `sportlens` command line: each task adds its sub-app or command here."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from sportlens import __version__
from sportlens.errors import UserError
from sportlens.events import Cancelled


def _plain_metavars() -> None:
    """Help in the spelling people type: flags without a value placeholder (typer 0.29 shows `--json <bool>`,
    which users read as `--json true`), choices as [a|b|c], other values as PATH/FLOAT/INTEGER/TEXT, and
    arguments as NAME in the usage line (typer shows `{name}`)."""
    from typer.core import TyperArgument, TyperOption

    def display_type(self, ctx):
        if getattr(self, "is_flag", False):
            return None
        desc = self.type_descriptor
        if desc.is_choice and desc.choices:
            return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices) + "]"
        if desc.is_path:
            return "PATH"
        bare = self.bare_type()
        return {"int": "INTEGER", "float": "NUMBER", "str": "TEXT"}.get(bare, bare.upper())

    def option_display(self, ctx):
        return self.metavar if self.metavar is not None else display_type(self, ctx)

    def argument_display(self, ctx):
        return None  # the argument's own name says it; no type tag

    def usage_name(self):
        name = (self.metavar or self.name or "").upper()
        if not self.required:
            name = f"[{name}]"
        return name + ("..." if self.nargs != 1 and not name.endswith("...") else "")

    TyperOption.display_type = display_type
    TyperOption.display_type_rich = option_display
    TyperArgument.display_type_rich = argument_display
    TyperArgument._usage_display_name = usage_name
    TyperArgument._rich_display_name = lambda self: (self.metavar or self.name or "").upper()


_plain_metavars()

app = typer.Typer(
    name="sportlens",
    help="Markerless sport analytics: joint angles, repetitions and form, ball tracks, actions and pose labels "
         "from video, photos and wearable sensors; `sportlens analyze INPUT -o OUT` runs everything that applies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: real metavars (FILE, [a|b|c]) rather than <bool> placeholders
)
stderr = Console(stderr=True)
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        print(f"sportlens {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Markerless sport analytics."""
    _state["debug"] = debug


# (task module, CLI name, kind): a "group" module exposes `app`, a "command" module exposes `command`.
TASKS = [
    ("sportlens.pose.cli", "pose", "command"),
    ("sportlens.movement.cli", "reps", "command"),
    ("sportlens.movement.compare_cli", "compare", "command"),
    ("sportlens.classify.cli", "classify", "group"),
    ("sportlens.imu.cli", "imu", "group"),
    ("sportlens.ball.cli", "ball", "group"),
    ("sportlens.action.cli", "action", "group"),
    ("sportlens.posecls.cli", "posecls", "group"),
    ("sportlens.report.cli", "analyze", "command"),
    ("sportlens.service.cli", "serve", "command"),
    ("sportlens.batch.cli", "batch", "command"),
    ("sportlens.lifecycle.cli", "models", "group"),
    ("sportlens.lifecycle.retrain_cli", "retrain", "command"),
    ("sportlens.detect.cli", "detect", "group"),
    ("sportlens.segment.cli", "segment", "command"),
    ("sportlens.sim.cli", "sim", "group"),
    ("sportlens.calib.cli", "calibrate", "group"),
    ("sportlens.pose3d.cli", "pose3d", "command"),
]
_registered = False


def _register_tasks() -> None:
    global _registered
    if _registered:
        return
    import importlib
    import importlib.util

    for module_name, name, kind in TASKS:
        if importlib.util.find_spec(module_name) is None:  # task not built in this checkout yet
            continue
        module = importlib.import_module(module_name)
        if kind == "group":
            app.add_typer(module.app, name=name)
        else:
            app.command(name, help=module.HELP)(module.command)
    _registered = True


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning UserError into one line on stderr and exit code 2."""
    from sportlens.summary import set_argv

    _register_tasks()
    args = list(argv if argv is not None else sys.argv[1:])
    set_argv(args)
    debug = "--debug" in args
    try:
        code = app(args=args, prog_name="sportlens", standalone_mode=False)
        if code == 130:  # typer turns Ctrl-C into a return value of 130
            raise KeyboardInterrupt
    except UserError as exc:
        if debug:
            raise
        stderr.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:  # `sportlens ... | head`: the reader left; stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (typer.Abort, KeyboardInterrupt, Cancelled):
        stderr.print("[red]interrupted[/]: stopped; an output folder being written is left without summary.json "
                     "(marked incomplete): rerun the command to redo it, or add --resume where it has one",
                     highlight=False, soft_wrap=True)
        return 130
    except typer.TyperException as exc:  # usage errors (a bad choice, a missing option, an unknown command)
        ctx = getattr(exc, "ctx", None)
        if getattr(exc, "exit_code", 1) == 2 and hasattr(exc, "format_message"):
            where = f"`{ctx.command_path} --help`" if ctx is not None else "`sportlens --help`"
            stderr.print(f"[bold red]error:[/] {exc.format_message()} — see {where}", highlight=False, soft_wrap=True)
            return 2
        exc.show()
        return exc.exit_code
    except Exception as exc:
        if debug:
            raise
        stderr.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc} — rerun with --debug and report it",
            highlight=False,
            soft_wrap=True,
        )
        return 1
    return 0


def run() -> None:
    sys.exit(main())
