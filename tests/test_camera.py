import numpy as np
import pytest

from sportlens.camera import COURT_SIZES_M, apply_homography, court_corners_m, court_homography, to_metres


def test_a_tennis_court_seen_in_perspective_maps_back_to_metres():
    court = court_corners_m(*COURT_SIZES_M["tennis"])
    image = np.array([[420.0, 180.0], [860.0, 180.0], [1180.0, 660.0], [100.0, 660.0]])  # a trapezoid
    h = court_homography(image, court)
    assert apply_homography(h, image) == pytest.approx(court, abs=1e-9)
    # the image centre of the far and near baselines' midpoints maps to the centre line, x = width / 2
    mids = apply_homography(h, np.array([[640.0, 180.0], [640.0, 660.0]]))
    assert mids[:, 0] == pytest.approx([10.97 / 2, 10.97 / 2], abs=1e-9)


def test_apply_homography_keeps_nan_rows_and_to_metres_needs_one_scale():
    h = np.diag([0.01, 0.02, 1.0])
    out = apply_homography(h, np.array([[100.0, 50.0], [np.nan, np.nan]]))
    assert out[0] == pytest.approx([1.0, 1.0]) and np.isnan(out[1]).all()
    with pytest.raises(ValueError, match="exactly one"):
        to_metres([1.0], [1.0])
