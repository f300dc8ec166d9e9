"""Training data: the match table, the split by match, and augmentations that move the label with the image."""

from __future__ import annotations

import numpy as np

from sportlens.ball.dataset import Augment, read_group_table, split_by_group, training_sample
from sportlens.ball.models import NET_SPECS
from sportlens.ball.track import BallTrack

README = """# data

| rally | frames | visible | match | venue |
|---|---|---|---|---|
| 00002 | 176 | 114 | A | Tokyo |
| 00004 | 668 | 628 | B | Osaka |

Some text.

| other | table |
|---|---|
| x | y |
"""


def test_group_table_is_read_from_the_readme(tmp_path):
    (tmp_path / "README.md").write_text(README)
    assert read_group_table(tmp_path / "README.md") == {"00002": "A", "00004": "B"}


class _Clip:
    def __init__(self, name: str, n: int):
        self.name = name
        self.track = BallTrack.empty(n, 64, 36, 30.0)


def test_split_keeps_every_match_on_one_side():
    clips = [_Clip(f"{k:05d}", 50 + k) for k in range(12)]
    groups = {c.name: "ABCDEF"[k % 6] for k, c in enumerate(clips)}
    splits = split_by_group(clips, groups, seed=3)
    sides: dict[str, set] = {}
    for c in clips:
        sides.setdefault(groups[c.name], set()).add(splits[c.name])
    assert all(len(s) == 1 for s in sides.values())
    assert {"train", "val", "test"} == set(splits.values())
    two = split_by_group(clips[:2], {"00000": "A", "00001": "B"})
    assert sorted(two.values()) == ["train", "val"]


def _frames_with_a_dot(points: np.ndarray, h: int = 288, w: int = 512) -> np.ndarray:
    frames = np.zeros((len(points), h, w, 3), np.uint8)
    for k, (x, y) in enumerate(points):
        frames[k, int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2] = 255
    return frames


def test_crops_keep_the_ball_and_move_the_label_with_the_image():
    spec = NET_SPECS["tracknet-small"]
    points = np.array([[100.5, 50.5], [110.5, 60.5], [120.5, 70.5]])
    frames = _frames_with_a_dot(points)
    rng = np.random.default_rng(0)
    aug = Augment(brightness=0, contrast=0, saturation=0, ball_in_crop=1.0)
    for _ in range(20):
        images, pts = training_sample(frames, None, points, spec, aug, rng)
        assert images.shape == (3, *aug.crop, 3)
        assert np.isfinite(pts).any()  # the crop was placed around a labelled ball
        for k in np.flatnonzero(np.isfinite(pts[:, 0])):
            x, y = pts[k]
            if 2 <= x < aug.crop[1] - 2 and 2 <= y < aug.crop[0] - 2:  # flips included: the dot is under its label
                assert images[k, int(y), int(x)].max() > 100
