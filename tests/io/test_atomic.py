import json
import math

import pytest

from sportlens.io.atomic import atomic_path, write_json


def test_atomic_path_renames_on_success(tmp_path):
    target = tmp_path / "out" / "a.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("hello")
        assert not target.exists()
    assert target.read_text() == "hello"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "a.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_keeps_existing_target_on_error(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("new")
            raise RuntimeError
    assert target.read_text() == "old"


def test_write_json_nan_becomes_null(tmp_path):
    path = write_json(tmp_path / "s.json", {"a": math.nan, "b": [1.5, float("inf")]})
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, None]}


def test_json_text_is_strict_json():
    from pathlib import Path

    import numpy as np

    from sportlens.io.atomic import json_text

    text = json_text({"a": np.float64("nan"), "b": np.int64(3), "c": Path("x/y"), "d": [np.float32(1.5)]})
    assert json.loads(text) == {"a": None, "b": 3, "c": "x/y", "d": [1.5]}
    assert "NaN" not in text


def test_save_figure_writes_a_png_atomically(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sportlens.io.atomic import save_figure

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "p.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]
