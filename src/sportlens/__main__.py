"""`python -m sportlens ...`: the same command line as `sportlens ...`."""

from sportlens.cli import run

run()
