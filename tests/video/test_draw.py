"""The angle panel keeps to a corner of the image, whatever its size."""

import numpy as np

from sportlens.video.draw import draw_value_panel

ROWS = [(f"{side}_{joint}", "123 deg") for joint in ("knee", "hip", "ankle", "elbow", "shoulder")
        for side in ("left", "right")] + [("shoulder_tilt", "-3 deg"), ("hip_tilt", "--"), ("trunk_lean", "4 deg")]


def _painted(image: np.ndarray) -> np.ndarray:
    return np.argwhere(image.any(axis=2))


def test_the_panel_stays_within_40_percent_of_the_width_and_75_percent_of_the_height():
    for h, w in ((720, 1280), (1920, 1080), (384, 384)):
        image = draw_value_panel(np.zeros((h, w, 3), np.uint8), ROWS)
        painted = _painted(image)
        assert painted.size, (h, w)
        assert painted[:, 1].max() <= 0.4 * w + 20 and painted[:, 0].max() <= 0.75 * h + 20, (h, w)


def test_no_panel_on_a_photo_too_small_to_read_it():
    image = draw_value_panel(np.zeros((320, 213, 3), np.uint8), ROWS)
    assert not image.any()
