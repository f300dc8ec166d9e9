"""docs/physics.md's segment table is checked against SEGMENT_MODELS."""

from pathlib import Path

from sportlens.physics import SEGMENT_MODELS

DOC = Path(__file__).resolve().parents[2] / "docs" / "physics.md"


def test_segment_table_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    for name, spec in SEGMENT_MODELS.items():
        formula = spec.formula.replace("^2", "²")
        assert f"| `{name}` | {spec.description} | {spec.axis} | {formula} |" in text, name
