"""Seeded, reproducible data splits: stratified by label, grouped (whole groups stay together), k-fold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

DEFAULT_FRACTIONS: Mapping[str, float] = {"train": 0.70, "val": 0.15, "test": 0.15}


def _split_counts(n: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Per-split counts for n items: every split but the first gets round(n * fraction), at least 1 when n allows."""
    names = list(fractions)
    counts = {name: 0 for name in names}
    rest = n
    for name in names[1:]:
        want = int(round(n * fractions[name]))
        if fractions[name] > 0 and want == 0 and n >= len(names):
            want = 1
        want = min(want, max(rest - 1, 0))
        counts[name] = want
        rest -= want
    counts[names[0]] = rest
    return counts


def stratified_split(
    labels: Sequence[str], fractions: Mapping[str, float] = DEFAULT_FRACTIONS, seed: int = 0
) -> list[str]:
    """Assign each item a split name so that every label is spread over the splits in the given fractions.

    Per label, the items (in input order) are shuffled with `seed` and cut into consecutive runs; the
    first split named in `fractions` takes the remainder of the rounding. Returns one split name per item.
    """
    if not fractions or abs(sum(fractions.values()) - 1.0) > 1e-6:
        raise ValueError(f"split fractions must sum to 1, got {dict(fractions)}")
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    out = [""] * len(labels)
    rng = np.random.default_rng(seed)
    for label in sorted(by_label):
        indices = by_label[label]
        order = rng.permutation(len(indices))
        counts = _split_counts(len(indices), fractions)
        start = 0
        for name in list(fractions)[1:] + [next(iter(fractions))]:
            for k in order[start : start + counts[name]]:
                out[indices[k]] = name
            start += counts[name]
    return out


def grouped_split(
    groups: Sequence[str], fractions: Mapping[str, float] = DEFAULT_FRACTIONS, seed: int = 0
) -> list[str]:
    """Assign splits so that all items of one group (a video, an athlete, a session) land in the same split.

    Groups are shuffled with `seed` and handed out in order until each split holds about its fraction of
    the items. Returns one split name per item.
    """
    if not fractions or abs(sum(fractions.values()) - 1.0) > 1e-6:
        raise ValueError(f"split fractions must sum to 1, got {dict(fractions)}")
    sizes: dict[str, int] = defaultdict(int)
    for group in groups:
        sizes[group] += 1
    names = sorted(sizes)
    rng = np.random.default_rng(seed)
    order = [names[i] for i in rng.permutation(len(names))]
    targets = {name: fraction * len(groups) for name, fraction in fractions.items()}
    split_names = list(fractions)
    filled = {name: 0 for name in split_names}
    assigned: dict[str, str] = {}
    current = 0
    for group in order:
        # move on once the current split is full, but keep the last split as the catch-all
        while current < len(split_names) - 1 and filled[split_names[current]] + sizes[group] / 2 > targets[
            split_names[current]
        ]:
            current += 1
        assigned[group] = split_names[current]
        filled[split_names[current]] += sizes[group]
    return [assigned[group] for group in groups]


def kfold_assign(labels: Sequence[str], k: int = 5, seed: int = 0) -> list[int]:
    """Stratified k-fold: per label, shuffle with `seed` and deal the items round-robin to folds 0..k-1."""
    if k < 2:
        raise ValueError("k-fold needs k >= 2")
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    out = [0] * len(labels)
    rng = np.random.default_rng(seed)
    offset = 0
    for label in sorted(by_label):
        indices = by_label[label]
        for position, k_index in enumerate(rng.permutation(len(indices))):
            # the offset rotates the starting fold so small classes do not all pile into fold 0
            out[indices[k_index]] = (position + offset) % k
        offset += len(indices)
    return out
