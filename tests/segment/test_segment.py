"""sportlens segment on a generated clip: the astronaut photo walking across a grey background."""

import json

import numpy as np
import pandas as pd
import pytest

from sportlens.options import OptionError
from sportlens.samples import people_clip
from sportlens.segment.options import SegmentOptions
from sportlens.segment.pipeline import silhouette_row


def test_silhouette_row_exact():
    mask = np.zeros((10, 20), bool)
    mask[2:4, 5:9] = True  # 2 x 4 pixels, centre (6.5, 2.5)
    assert silhouette_row(mask) == (8, 6.5, 2.5)
    area, x, y = silhouette_row(np.zeros((3, 3), bool))
    assert area == 0 and np.isnan(x) and np.isnan(y)


def test_bad_threshold():
    with pytest.raises(OptionError, match="--threshold must be above 0 and below 1"):
        SegmentOptions(threshold=1.0)


def test_segment_follows_the_athlete(tmp_path, run_cli):
    clip = people_clip(tmp_path / "walk.mp4", 1, seconds=1.5, fps=10.0)  # 15 frames, 200 px photo, 400 px walk
    out = tmp_path / "out"
    result = run_cli("segment", clip.path, "-o", out, "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert summary == json.loads((out / "summary.json").read_text())
    assert summary["outputs"] == ["cutout.mp4", "mask.mp4", "silhouette.csv", "silhouette.png"]
    m = summary["metrics"]
    assert m["frames"] == 15 and m["frames_with_athlete"] == 15
    table = pd.read_csv(out / "silhouette.csv")
    assert list(table.columns) == ["frame", "time_s", "area_px", "area_share", "centroid_x_px", "centroid_y_px"]
    # the person fills much of the 200 x 200 photo (about 40 000 px of the 640 x 360 frame: 17 %)
    assert table["area_share"].between(0.08, 0.18).all()
    # the centroid walks with the photo: a steady offset from its centre (within a few pixels)
    offset = table["centroid_x_px"].to_numpy() - clip.centres_px[:, 0, 0]
    assert np.ptp(offset) < 12 and abs(np.median(offset)) < 30
    assert np.all(np.abs(table["centroid_y_px"] - clip.centres_px[:, 0, 1]) < 40)

    from sportlens.video.decode import decode_frames

    masks = [f.image for f in decode_frames(out / "mask.mp4")]
    assert len(masks) == 15
    white = (masks[0][..., 0] > 127).sum()
    assert white == pytest.approx(table["area_px"][0], rel=0.05)  # the mask video is the mask of the CSV
