from pathlib import Path

from sportlens.classify.recipes import recipe_table_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "classify.md"


def test_docs_recipe_table_is_the_code_table():
    assert recipe_table_markdown() in DOC.read_text()
