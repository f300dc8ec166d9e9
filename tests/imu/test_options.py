"""The imu options dataclasses: validation in the library (one line naming the flag), choices that match the
tables in code, and choices shown in --help."""

import pytest

from sportlens.imu.classify import RECIPES
from sportlens.imu.features import FEATURE_SETS
from sportlens.imu.mirror import SIDES
from sportlens.imu.options import (
    AccUnit,
    DatasetName,
    FeatureSet,
    GyroUnit,
    JumpsOptions,
    OrientOptions,
    PredictOptions,
    ReadOptions,
    Recipe,
    RepsOptions,
    Side,
    StrokesOptions,
    Takeoff,
    TrainOptions,
)
from sportlens.imu.readers import DATASETS, UNIT_FACTORS
from sportlens.options import OptionError, options_from_mapping
from sportlens.summary import plain


def test_choices_match_the_tables_they_name():
    assert sorted(r.value for r in Recipe) == RECIPES.names()
    assert tuple(f.value for f in FeatureSet) == FEATURE_SETS
    assert [u.value for u in AccUnit] == list(UNIT_FACTORS["acc"])
    assert [u.value for u in GyroUnit] == list(UNIT_FACTORS["gyro"])
    assert [d.value for d in DatasetName] == list(DATASETS)
    assert tuple(s.value for s in Side) == SIDES


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: JumpsOptions(free_fall_g=1.5), "--free-fall-g must be above 0 and below 1, got 1.5"),
        (lambda: JumpsOptions(takeoff="late"), "--takeoff must be one of free-fall, 1g, got 'late'"),
        (lambda: RepsOptions(min_period_s=0), "--min-period-s must be above 0, got 0"),
        (lambda: RepsOptions(min_period_s=3, max_period_s=2), "--max-period-s must be above --min-period-s (3), got 2"),
        (lambda: ReadOptions(rate_hz=0), "--rate-hz must be above 0, got 0"),
        (lambda: ReadOptions(max_gap_s=-1), "--max-gap-s must be at least 0 and at most 10, got -1"),
        (lambda: ReadOptions(acc_unit="furlong"), "--acc-unit must be one of g, ms2, mps2, got 'furlong'"),
        (lambda: StrokesOptions(min_peak_rads=-1), "--min-peak-rads must be above 0, got -1"),
        (lambda: OrientOptions(gain=-0.1), "--gain must be at least 0, got -0.1"),
        (lambda: PredictOptions(side="middle"), "--side must be one of left, right, got 'middle'"),
        (lambda: TrainOptions(recipe="svm"),
         "--recipe must be one of forest, extra-trees, logistic, stroke-invariant, got 'svm'"),
        (lambda: TrainOptions(window_s=0), "--window-s must be above 0, got 0"),
        (lambda: TrainOptions(block_s=2.0), "--block-s must be at least --window-s (4 s), got 2"),
        (lambda: TrainOptions(dataset="golf"), "--dataset must be one of spar, tennis, barbell, running, cmj"),
    ],
)
def test_bad_options_raise_one_line_naming_the_flag(build, message):
    with pytest.raises(OptionError) as info:
        build()
    assert message in info.value.message and "\n" not in info.value.message


def test_strings_become_enum_members_and_plain_values_in_the_summary():
    options = options_from_mapping(JumpsOptions, {"takeoff": "1g", "free-fall-g": 0.25, "acc_unit": "g"})
    assert options.takeoff is Takeoff.ONE_G and options.acc_unit is AccUnit.G
    assert plain(options)["takeoff"] == "1g"
    assert options.read_kwargs() == {"recording": None, "rate_hz": None, "acc_unit": "g", "gyro_unit": None,
                                     "max_gap_s": 0.1}
    assert TrainOptions(features="motion").features is FeatureSet.MOTION


@pytest.mark.parametrize(
    ("command", "choices"),
    [
        ("jumps", ["[free-fall|1g]", "[g|ms2|mps2]", "[dps|degs|rads|rps]"]),
        ("train", ["[forest|extra-trees|logistic|stroke-invariant]", "[basic|motion]",
                   "[spar|tennis|barbell|running|cmj]"]),
        ("predict", ["[left|right]"]),
        ("eval", ["[spar|tennis|barbell|running|cmj]"]),
    ],
)
def test_help_shows_the_choices(run_cli, command, choices):
    result = run_cli("imu", command, "--help")
    assert result.code == 0
    text = " ".join(result.stdout.split())
    for choice in choices:
        assert choice in text, choice
    assert "<str>" not in text


def test_every_writing_command_needs_o(run_cli, tmp_path):
    from sportlens.imu.cli import app

    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        result = run_cli("imu", name, "--help")
        assert "-o, --out" in result.stdout and "[required]" in result.stdout.split("-o, --out")[1][:200], name


def test_imu_cli_imports_no_heavy_library():
    # `sportlens --help` imports every task's cli module: numpy & co. must load only when a command runs
    import subprocess
    import sys

    code = ("import sys, sportlens.imu.cli; "
            "print(' '.join(m for m in ('numpy', 'pandas', 'scipy', 'sklearn', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
