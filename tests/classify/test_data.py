from collections import Counter

import pytest
import torch

from sportlens.classify.data import assign_splits, check_class_sizes, decode_all, scan_images, skipped_warning
from sportlens.errors import DataFormatError, InputFileError


def test_scan_class_folders_and_skip_non_images(shapes_dir):
    (shapes_dir / "circle" / "notes.txt").write_text("not an image")
    (shapes_dir / "square" / "broken.jpg").write_bytes(b"\xff\xd8 this is no jpeg")
    image_set = scan_images(shapes_dir)
    assert image_set.classes == ["circle", "square", "triangle"]
    assert len(image_set.items) == 73  # 72 pictures + the broken .jpg (found by name, fails at decoding)
    assert [(p.name, r) for p, r in image_set.skipped] == [("notes.txt", "not an image file (.txt)")]
    decode_all(image_set, 32)
    assert image_set.pixels.shape == (72, 3, 32, 32) and image_set.pixels.dtype == torch.uint8
    assert [(p.name, r) for p, r in image_set.skipped][1] == ("broken.jpg", "not a readable image")
    assert image_set.class_counts() == {"circle": 24, "square": 24, "triangle": 24}


def test_split_folders_give_the_split(tmp_path, make_shapes):
    root = make_shapes(tmp_path / "data", per_class=10, splits=True)
    image_set = scan_images(root)
    splits, method = assign_splits(image_set)
    assert method == "given by the data"
    assert Counter(splits) == {"train": 18, "val": 6, "test": 6}
    assert {item.split for item in image_set.items} == {"train", "val", "test"}  # valid/ became val


def test_manifest_with_folds_and_carved_validation(tmp_path, shapes_dir):
    rows = ["path,class,fold"]
    for k, path in enumerate(sorted(shapes_dir.rglob("*.png"))):
        rows.append(f"{path.relative_to(shapes_dir)},{path.parent.name},{k % 4}")
    (shapes_dir / "folds.csv").write_text("\n".join(rows) + "\n")
    image_set = scan_images(shapes_dir / "folds.csv")
    splits, method = assign_splits(image_set, seed=0, fold=2)
    assert method == "fold 2 of 4 as test; val carved from train (15%, seed 0)"
    counts = Counter(splits)
    assert counts["test"] == 18 and counts["train"] + counts["val"] == 54
    assert counts["val"] == 9  # 3 classes x round(18 * 0.15)
    assert all(s == "test" for item, s in zip(image_set.items, splits, strict=True) if item.fold == 2)


def test_manifest_errors_name_the_problem(tmp_path):
    (tmp_path / "bad.csv").write_text("file,label\na.jpg,x\n")
    with pytest.raises(DataFormatError, match="manifest lacks column"):
        scan_images(tmp_path / "bad.csv")
    (tmp_path / "split.csv").write_text("path,class,split\na.jpg,x,holdout\n")
    with pytest.raises(DataFormatError, match="row 2 has split 'holdout'"):
        scan_images(tmp_path / "split.csv")
    with pytest.raises(InputFileError, match="data not found"):
        scan_images(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="no images found"):
        scan_images(tmp_path / "empty")


def test_class_with_too_few_images_is_named(tmp_path, make_shapes):
    root = make_shapes(tmp_path / "data", per_class=6)
    for path in sorted((root / "square").glob("*.png"))[2:]:
        path.unlink()
    image_set = decode_all(scan_images(root), 16)
    with pytest.raises(DataFormatError, match="'square' has 2 \\(need at least 5\\)"):
        check_class_sizes(image_set)


def test_an_empty_class_folder_is_a_class_with_no_images(tmp_path, make_shapes):
    root = make_shapes(tmp_path / "data", per_class=6)
    (root / "empty").mkdir()
    image_set = scan_images(root)
    assert image_set.classes == ["circle", "empty", "square", "triangle"]
    assert image_set.class_counts()["empty"] == 0
    with pytest.raises(DataFormatError, match="too few images per class: 'empty' has 0 \\(need at least 5\\)"):
        check_class_sizes(image_set)


def test_a_manifest_class_whose_files_are_all_missing_counts_as_empty(tmp_path, shapes_dir):
    rows = ["path,class"] + [f"{p.relative_to(shapes_dir)},{p.parent.name}" for p in sorted(shapes_dir.rglob("*.png"))]
    rows += ["gone/1.png,ghost", "gone/2.png,ghost"]
    (shapes_dir / "m.csv").write_text("\n".join(rows) + "\n")
    image_set = scan_images(shapes_dir / "m.csv")
    assert image_set.class_counts()["ghost"] == 0 and len(image_set.skipped) == 2
    with pytest.raises(DataFormatError, match="'ghost' has 0"):
        check_class_sizes(image_set)


def test_a_class_whose_images_do_not_decode_is_named(tmp_path, make_shapes):
    root = make_shapes(tmp_path / "data", per_class=5)
    for path in (root / "square").glob("*.png"):
        path.write_bytes(b"not a png")
    image_set = scan_images(root)
    check_class_sizes(image_set)  # by file count all is well ...
    decode_all(image_set, 16)
    with pytest.raises(DataFormatError, match="'square' has 0"):  # ... the decoded images say otherwise
        check_class_sizes(image_set)
    warning = skipped_warning(image_set, limit=3)
    assert warning.startswith("skipped 5 file(s) that are not readable images: ")
    assert warning.count("(not a readable image)") == 3 and warning.endswith(" and 2 more (all listed in summary.json)")
    assert skipped_warning(scan_images(root / "circle" / ".." )) is None
