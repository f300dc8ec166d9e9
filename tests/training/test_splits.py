from collections import Counter

import pytest

from sportlens.training.splits import grouped_split, kfold_assign, stratified_split


def test_stratified_split_counts_per_class_are_exact():
    labels = ["a"] * 10 + ["b"] * 20 + ["c"] * 3
    splits = stratified_split(labels, seed=0)
    counts = Counter(zip(labels, splits, strict=True))
    # per class: val = round(n * .15), test = round(n * .15), train = the rest (Python rounds half to even)
    assert (counts["a", "train"], counts["a", "val"], counts["a", "test"]) == (6, 2, 2)
    assert (counts["b", "train"], counts["b", "val"], counts["b", "test"]) == (14, 3, 3)
    # 3 images: every split still gets one
    assert (counts["c", "train"], counts["c", "val"], counts["c", "test"]) == (1, 1, 1)


def test_stratified_split_is_seeded():
    labels = [str(i % 4) for i in range(200)]
    assert stratified_split(labels, seed=3) == stratified_split(labels, seed=3)
    assert stratified_split(labels, seed=3) != stratified_split(labels, seed=4)


def test_stratified_split_rejects_fractions_not_summing_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        stratified_split(["a", "b"], {"train": 0.5, "test": 0.2})


def test_grouped_split_keeps_groups_together_and_near_fractions():
    groups = [f"video{i // 10}" for i in range(400)]  # 40 videos of 10 clips
    splits = grouped_split(groups, seed=1)
    by_group = {}
    for group, split in zip(groups, splits, strict=True):
        by_group.setdefault(group, set()).add(split)
    assert all(len(s) == 1 for s in by_group.values())
    counts = Counter(splits)
    assert counts["train"] + counts["val"] + counts["test"] == 400
    assert abs(counts["train"] - 280) <= 10 and abs(counts["val"] - 60) <= 10 and abs(counts["test"] - 60) <= 10


def test_kfold_assign_balances_each_class():
    labels = ["a"] * 23 + ["b"] * 10
    folds = kfold_assign(labels, k=5, seed=0)
    for label in "ab":
        per_fold = Counter(f for f, lab in zip(folds, labels, strict=True) if lab == label)
        assert sorted(per_fold) == [0, 1, 2, 3, 4]
        assert max(per_fold.values()) - min(per_fold.values()) <= 1
    assert Counter(folds).total() == 33
