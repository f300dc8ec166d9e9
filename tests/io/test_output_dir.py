import pytest

from sportlens.errors import UserError
from sportlens.io.output_dir import INCOMPLETE, output_run, prepare_output_dir
from sportlens.summary import Summary, read_summary


def test_new_empty_and_earlier_output_folders_are_accepted(tmp_path):
    assert prepare_output_dir(tmp_path / "new" / "run").is_dir()
    (tmp_path / "empty").mkdir()
    prepare_output_dir(tmp_path / "empty")
    assert (tmp_path / "empty" / INCOMPLETE).is_file()  # marked incomplete until summary.json is written


def test_a_rerun_removes_what_the_earlier_run_wrote_and_nothing_else(tmp_path):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "summary.json").write_text('{"outputs": ["angles.csv", "openpose/", "../outside.txt"]}')
    (earlier / "angles.csv").write_text("old")
    (earlier / "openpose").mkdir()
    (earlier / "openpose" / "x.json").write_text("{}")
    (tmp_path / "outside.txt").write_text("mine")
    prepare_output_dir(earlier)
    assert sorted(p.name for p in earlier.iterdir()) == [INCOMPLETE]
    assert (tmp_path / "outside.txt").read_text() == "mine"  # never outside the folder


def test_resume_keeps_the_earlier_files(tmp_path):
    earlier = tmp_path / "run"
    earlier.mkdir()
    (earlier / INCOMPLETE).write_text("")
    (earlier / "last.pt").write_text("state")
    prepare_output_dir(earlier, clean=False)
    assert (earlier / "last.pt").read_text() == "state"
    prepare_output_dir(earlier)  # a fresh run into an interrupted folder starts clean
    assert not (earlier / "last.pt").exists()


def test_output_run_writes_the_summary_or_leaves_the_folder_marked(tmp_path):
    summary = Summary("test", options={"x": 1})
    with output_run(tmp_path / "ok", summary) as out:
        (out / "result.csv").write_text("a\n")
    assert read_summary(tmp_path / "ok").outputs == ["result.csv"]
    assert not (tmp_path / "ok" / INCOMPLETE).exists()
    with pytest.raises(KeyboardInterrupt), output_run(tmp_path / "cut", Summary("test")) as out:
        (out / "half.csv").write_text("a\n")
        raise KeyboardInterrupt
    assert (tmp_path / "cut" / INCOMPLETE).is_file() and not (tmp_path / "cut" / "summary.json").exists()
    with pytest.raises(KeyboardInterrupt), output_run(tmp_path / "early", Summary("test")):
        raise KeyboardInterrupt
    assert not (tmp_path / "early").exists()  # nothing written: no folder left behind


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
