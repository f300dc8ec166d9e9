import pytest

from sportlens.errors import UserError
from sportlens.io.output_dir import prepare_output_dir


def test_new_empty_and_earlier_output_folders_are_accepted(tmp_path):
    assert prepare_output_dir(tmp_path / "new" / "run").is_dir()
    (tmp_path / "empty").mkdir()
    prepare_output_dir(tmp_path / "empty")
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "summary.json").write_text("{}")
    (earlier / "angles.csv").write_text("old")
    prepare_output_dir(earlier)
    assert (earlier / "angles.csv").read_text() == "old"  # checking never changes anything


@pytest.mark.parametrize(
    ("layout", "message"),
    [("file", "output path is a file"), ("input", "output folder holds the input"),
     ("foreign", "output folder is not empty and was not written by sportlens")],
)
def test_risky_output_folders_are_refused(tmp_path, layout, message):
    target = tmp_path / "out"
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"video")
    if layout == "file":
        target.write_text("mine")
    elif layout == "input":
        target.mkdir()
        source = target / "frames"
        source.mkdir()
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match=message):
        prepare_output_dir(target, source)
