"""The docs tables are checked against the tables in code (units, data sets)."""

from pathlib import Path

from sportlens.imu.readers import DATASETS, TIME_COLUMNS, UNIT_FACTORS

DOC = Path(__file__).resolve().parents[2] / "docs" / "imu.md"


def test_every_unit_suffix_time_column_and_data_set_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for stream, units in UNIT_FACTORS.items():
        for unit in units:
            assert f"`{unit}`" in text, f"{stream} unit {unit} missing from docs/imu.md"
    for column in TIME_COLUMNS:
        assert f"`{column}`" in text
    for name, spec in DATASETS.items():
        assert f"| `{name}` | `{spec.folder}/` |" in text


def test_every_cli_command_is_documented():
    from sportlens.imu.cli import app

    text = DOC.read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"`sportlens imu {name} " in text, name


def test_jump_plausibility_thresholds_are_the_documented_ones():
    from sportlens.imu.events import MAX_HEIGHT_RATIO, PLAUSIBLE_HEIGHT_M

    text = DOC.read_text(encoding="utf-8")
    lo, hi = PLAUSIBLE_HEIGHT_M
    assert f"every height estimate within {lo:g}–{hi:g} m (`PLAUSIBLE_HEIGHT_M`)" in text
    assert f"within {MAX_HEIGHT_RATIO:g}× (`MAX_HEIGHT_RATIO`)" in text


def test_every_option_choice_is_documented():
    from sportlens.imu.options import AccUnit, FeatureSet, GyroUnit, Recipe, Takeoff

    text = DOC.read_text(encoding="utf-8")
    for enum in (Takeoff, Recipe, FeatureSet, AccUnit, GyroUnit):
        assert "|".join(m.value for m in enum) in text, enum.__name__
