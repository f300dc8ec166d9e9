"""Generated inputs shared by the report tests: the astronaut sway clip analysed once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sway_clip(tmp_path_factory):
    """4 s of the astronaut photo swaying ±20° with a 2 s period (two repetitions of a known motion)."""
    from sportlens.samples import rotating_clip

    return rotating_clip(tmp_path_factory.mktemp("clip") / "sway.mp4", seconds=4.0, size=256)


@pytest.fixture(scope="session")
def analyzed(sway_clip, tmp_path_factory):
    """`analyze` on the sway clip with the defaults (sport auto, no action model): (out folder, summary)."""
    from sportlens.report.options import AnalyzeOptions, analyze_options
    from sportlens.report.pipeline import run_analyze

    out = tmp_path_factory.mktemp("analyze") / "out"
    options = analyze_options({"reps": {"annotated_video": False}})
    assert isinstance(options, AnalyzeOptions)
    return out, run_analyze(sway_clip.path, out, options)
