"""Image folders and manifests: find the labelled images, decode them once into a uint8 cache, assign splits.

Accepted inputs (DATA is a folder or a CSV file):
- `DATA/CLASS/*.jpg` (no split: a seeded stratified split is made),
- `DATA/{train,valid|val,test}/CLASS/*.jpg` (the folders are the split),
- a manifest CSV with columns `path,class` and optionally `split` (train/val/test) or `fold` (integer);
  paths are relative to the CSV's folder or absolute (`classify clean` writes such manifests).

A class is a class folder (even an empty one) or a class named in the manifest (even if none of its files
exists): training needs at least `--min-per-class` usable images in every class, so an empty class folder
and a class with too few images stop the run with the same error, naming them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image, UnidentifiedImageError

from sportlens.classify.options import MIN_IMAGES_PER_CLASS
from sportlens.constants import IMAGE_SUFFIXES
from sportlens.errors import DataFormatError, InputFileError
from sportlens.events import Progress, ensure_progress
from sportlens.training.splits import stratified_split

SPLIT_FOLDERS = {"train": "train", "valid": "val", "val": "val", "validation": "val", "test": "test"}
VAL_FRACTION_OF_TRAIN = 0.15


@dataclass(frozen=True)
class ImageItem:
    """One labelled image: where it is, its class, and the split or fold the data gives it (None if not)."""

    path: Path
    label: str
    split: str | None = None
    fold: int | None = None


@dataclass
class ImageSet:
    """Labelled images found in a folder or manifest, decoded into `pixels` (N, 3, S, S) uint8."""

    source: Path
    items: list[ImageItem]
    classes: list[str]
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    pixels: torch.Tensor | None = None

    @property
    def labels(self) -> np.ndarray:
        index = {name: i for i, name in enumerate(self.classes)}
        return np.array([index[item.label] for item in self.items], dtype=np.int64)

    def class_counts(self) -> dict[str, int]:
        counts = Counter(item.label for item in self.items)
        return {name: counts.get(name, 0) for name in self.classes}

    def subset(self, indices: Sequence[int]) -> ImageSet:
        """The items at `indices` (same classes), without pixels and skipped files."""
        return ImageSet(self.source, [self.items[i] for i in indices], list(self.classes))


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def scan_images(source: str | Path) -> ImageSet:
    """List the labelled images of a folder or manifest; files that are not images go to `skipped`."""
    source = Path(source)
    if not source.exists():
        raise InputFileError("data not found", source, "give a folder of CLASS/ sub-folders or a manifest CSV")
    if source.is_file():
        if source.suffix.lower() != ".csv":
            raise InputFileError("data must be a folder or a .csv manifest", source)
        items, skipped, named = _read_manifest(source)
    else:
        items, skipped, named = _scan_folder(source)
    if not items:
        raise InputFileError(
            "no images found", source, "expected CLASS/*.jpg sub-folders (optionally under train/ valid/ test/)"
        )
    classes = sorted(named | {item.label for item in items})
    return ImageSet(source=source, items=items, classes=classes, skipped=skipped)


def _scan_folder(root: Path) -> tuple[list[ImageItem], list[tuple[Path, str]], set[str]]:
    subdirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    split_dirs = [p for p in subdirs if p.name.lower() in SPLIT_FOLDERS]
    items: list[ImageItem] = []
    skipped: list[tuple[Path, str]] = []
    named: set[str] = set()
    if split_dirs:
        for split_dir in split_dirs:
            split = SPLIT_FOLDERS[split_dir.name.lower()]
            for class_dir in sorted(p for p in split_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
                named.add(class_dir.name)
                _collect(class_dir, class_dir.name, split, items, skipped)
    else:
        for class_dir in subdirs:
            named.add(class_dir.name)
            _collect(class_dir, class_dir.name, None, items, skipped)
    return items, skipped, named


def _collect(
    class_dir: Path, label: str, split: str | None, items: list[ImageItem], skipped: list[tuple[Path, str]]
) -> None:
    for path in sorted(p for p in class_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if is_image_file(path):
            items.append(ImageItem(path, label, split))
        else:
            skipped.append((path, f"not an image file ({path.suffix or 'no extension'})"))


def _read_manifest(csv_path: Path) -> tuple[list[ImageItem], list[tuple[Path, str]], set[str]]:
    try:
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    except Exception as exc:  # parser errors, encoding errors: all mean the CSV is not usable
        raise DataFormatError(f"cannot read manifest ({type(exc).__name__})", csv_path) from None
    missing = {"path", "class"} - set(frame.columns)
    if missing:
        raise DataFormatError(
            f"manifest lacks column(s) {', '.join(sorted(missing))}", csv_path, "columns: path,class[,split|fold]"
        )
    items: list[ImageItem] = []
    skipped: list[tuple[Path, str]] = []
    named: set[str] = set()
    for row_number, row in enumerate(frame.to_dict("records"), start=2):
        path = Path(row["path"])
        path = path if path.is_absolute() else csv_path.parent / path
        label = row["class"].strip()
        if not label:
            raise DataFormatError(f"row {row_number} has an empty class", csv_path)
        named.add(label)
        split = (row.get("split") or "").strip().lower() or None
        if split is not None:
            if split not in SPLIT_FOLDERS:
                raise DataFormatError(
                    f"row {row_number} has split {split!r}", csv_path, "use train, val (or valid) or test"
                )
            split = SPLIT_FOLDERS[split]
        fold_text = (row.get("fold") or "").strip()
        try:
            fold = int(fold_text) if fold_text else None
        except ValueError:
            raise DataFormatError(f"row {row_number} has fold {fold_text!r}", csv_path, "folds are integers") from None
        if not path.is_file():
            skipped.append((path, "file not found"))
        elif not is_image_file(path):
            skipped.append((path, f"not an image file ({path.suffix or 'no extension'})"))
        else:
            items.append(ImageItem(path, label, split, fold))
    return items, skipped, named


def decode_image(path: Path, size: int) -> np.ndarray:
    """Read an image as RGB and resize it (whole image, aspect not kept) to (size, size); uint8 (H, W, 3).

    For the training cache: JPEGs are decoded at a reduced scale when much larger (fast). Inference uses the
    one-step preprocessing of `classify.inference.load_image` instead."""
    with Image.open(path) as image:
        image.draft("RGB", (size, size))  # JPEG: decode at a reduced scale when the file is much larger
        rgb = image.convert("RGB")
        # squash instead of crop: a centre crop would cut off the ends of wide poses (triangle, half moon)
        rgb = rgb.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
        return np.asarray(rgb, dtype=np.uint8)


def decode_all(
    image_set: ImageSet, size: int, decode: Callable[[Path, int], np.ndarray] = decode_image,
    progress: Progress | None = None, step: str = "decode",
) -> ImageSet:
    """Decode every image once into `image_set.pixels` with `decode(path, size)` (uint8 H, W, 3); unreadable
    ones move from `items` to `skipped`. Reports a progress step in images."""
    progress = ensure_progress(progress, "decode")
    arrays, kept = [], []
    with progress.step(step, total=len(image_set.items), unit="images") as counter:
        for item in image_set.items:
            try:
                arrays.append(decode(item.path, size))
                kept.append(item)
            except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
                why = "not a readable image" if isinstance(exc, UnidentifiedImageError) else f"cannot decode ({exc})"
                image_set.skipped.append((item.path, why))
            counter.advance()
    image_set.items = kept
    if arrays:
        image_set.pixels = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    else:
        image_set.pixels = torch.zeros((0, 3, size, size), dtype=torch.uint8)
    return image_set


def check_class_sizes(image_set: ImageSet, minimum: int = MIN_IMAGES_PER_CLASS) -> None:
    """Raise DataFormatError naming every class with fewer than `minimum` images (an empty class folder is a
    class with 0): called on the files found, before decoding, and again on the decoded images."""
    small = [(name, n) for name, n in image_set.class_counts().items() if n < minimum]
    if small:
        listed = ", ".join(f"{name!r} has {n}" for name, n in small)
        raise DataFormatError(
            f"too few images per class: {listed} (need at least {minimum})",
            image_set.source,
            "add images to the class or remove its folder",
        )
    if len(image_set.classes) < 2:
        raise DataFormatError("need at least 2 classes", image_set.source, "add a second CLASS/ folder")


def assign_splits(image_set: ImageSet, seed: int = 0, fold: int | None = None) -> tuple[list[str], str]:
    """Split name per item, and how it was made ("folders/manifest", "stratified", "fold K").

    With `fold`, that fold is the test set and the other folds train; otherwise the data's own split is
    used when every item has one. A missing validation set is carved from train (stratified, seeded).
    """
    items = image_set.items
    if fold is not None:
        if any(item.fold is None for item in items):
            raise DataFormatError("--fold needs a manifest with a fold column for every row", image_set.source)
        folds = sorted({item.fold for item in items})
        if fold not in folds:
            raise DataFormatError(f"fold {fold} not in the manifest (folds: {folds})", image_set.source)
        splits = ["test" if item.fold == fold else "train" for item in items]
        method = f"fold {fold} of {len(folds)} as test"
    elif all(item.split is not None for item in items):
        splits = [str(item.split) for item in items]
        method = "given by the data"
    else:
        return stratified_split([item.label for item in items], seed=seed), f"stratified 70/15/15, seed {seed}"
    if "val" not in splits:
        train_index = [i for i, s in enumerate(splits) if s == "train"]
        carved = stratified_split(
            [items[i].label for i in train_index],
            {"train": 1 - VAL_FRACTION_OF_TRAIN, "val": VAL_FRACTION_OF_TRAIN},
            seed=seed,
        )
        for i, split in zip(train_index, carved, strict=True):
            splits[i] = split
        method += f"; val carved from train ({VAL_FRACTION_OF_TRAIN:.0%}, seed {seed})"
    return splits, method


def split_indices(splits: Sequence[str], name: str) -> np.ndarray:
    return np.array([i for i, s in enumerate(splits) if s == name], dtype=np.int64)


def skipped_warning(image_set: ImageSet, limit: int = 5) -> str | None:
    """One line naming the files left out (the first `limit`), or None when none were."""
    if not image_set.skipped:
        return None
    named = ", ".join(f"{path} ({reason})" for path, reason in image_set.skipped[:limit])
    more = len(image_set.skipped) - limit
    return (f"skipped {len(image_set.skipped)} file(s) that are not readable images: {named}"
            + (f" and {more} more" if more > 0 else "") + " (all listed in summary.json)")


def skipped_rows(image_set: ImageSet) -> list[dict[str, str]]:
    return [{"path": str(path), "reason": reason} for path, reason in image_set.skipped]
