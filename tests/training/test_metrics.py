import numpy as np
import pytest

from sportlens.training.metrics import classification_metrics


def test_a_missing_prediction_is_a_mistake_not_a_second_count_of_the_last_class():
    # three classes; the last image got no prediction (-1)
    m = classification_metrics(np.array([0, 1, 2, 2]), np.array([0, 1, 2, -1]), ["a", "b", "c"])
    assert m["accuracy"] == 0.75
    # per-class F1: a 1, b 1, c 2/3 (precision 1, recall 1/2): macro over the three classes
    assert m["macro_f1"] == pytest.approx((1 + 1 + 2 / 3) / 3)
