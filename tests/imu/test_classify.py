import numpy as np
import pytest

from sportlens.errors import ModelError
from sportlens.imu.classify import (
    RECIPES,
    cross_validate,
    fit,
    load_model,
    make_card,
    predict_recording,
    save_model,
    window_set,
)
from sportlens.imu.features import feature_names, make_windows, window_features
from sportlens.imu.readers import LabelledRecording
from sportlens.imu.recording import ImuRecording

G = 9.80665


def _activity(kind: str, seed: int, rate=50.0, seconds=20.0) -> ImuRecording:
    """'swing': 0.5 Hz large wrist rotation; 'shake': 3 Hz small vibration; per-person amplitude jitter."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    amp = rng.uniform(0.8, 1.2)
    if kind == "swing":
        s = amp * np.sin(2 * np.pi * 0.5 * t)
        acc = np.column_stack([4 * s, np.zeros_like(t), G + np.zeros_like(t)])
        gyro = np.column_stack([2 * s, np.zeros_like(t), np.zeros_like(t)])
    else:
        s = amp * np.sin(2 * np.pi * 3.0 * t)
        acc = np.column_stack([np.zeros_like(t), 2 * s, G + np.zeros_like(t)])
        gyro = np.column_stack([np.zeros_like(t), 0.5 * s, np.zeros_like(t)])
    acc = acc + rng.normal(0, 0.3, acc.shape)
    gyro = gyro + rng.normal(0, 0.05, gyro.shape)
    return ImuRecording(t, acc, gyro, name=f"{kind}{seed}")


def _people(n=4):
    return [
        LabelledRecording(_activity(kind, 10 * p + i), kind, f"p{p}", f"p{p}-{kind}")
        for p in range(n)
        for i, kind in enumerate(("swing", "shake"))
    ]


def test_features_of_a_known_window():
    rate = 50.0
    t = np.arange(100) / rate
    window = np.column_stack([np.sin(2 * np.pi * 2.0 * t), np.zeros_like(t), np.ones_like(t), np.ones_like(t)])
    f = dict(zip(feature_names(False), window_features(window, rate, False), strict=True))
    assert f["acc_x_mean"] == pytest.approx(0.0, abs=1e-12)
    assert f["acc_x_std"] == pytest.approx(np.sqrt(0.5), rel=1e-3)
    assert f["acc_x_dominant_hz"] == pytest.approx(2.0)
    assert f["acc_x_band_2_4hz"] == pytest.approx(1.0, abs=1e-6)
    assert f["acc_z_std"] == 0.0 and f["corr_acc_x_acc_z"] == 0.0


def test_windows_never_cross_a_gap():
    t = np.concatenate([np.arange(0, 5, 0.02), np.arange(10, 13, 0.02)])
    rec = ImuRecording(t, np.tile([0, 0, G], (t.size, 1)))
    w = make_windows([rec], window_s=2.0, hop_s=1.0)
    assert list(np.round(w.start_s, 6)) == [0, 1, 2, 3, 10, 11]


def test_grouped_cross_validation_separates_two_activities():
    ws = window_set(_people(), window_s=4.0, hop_s=2.0)
    calls = []
    cv = cross_validate(ws, "forest", on_fold=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert cv["split"] == "leave-one-group-out"
    assert cv["n_groups"] == 4
    assert [sorted(f["test_groups"]) for f in cv["folds"]] == [["p0"], ["p1"], ["p2"], ["p3"]]
    assert cv["accuracy"] >= 0.95
    assert np.sum(cv["confusion"]) == len(ws.y)


def test_time_blocks_drop_windows_on_block_edges():
    data = [LabelledRecording(_activity("swing", 1, seconds=40.0), "swing", "s", "r1")]
    ws = window_set(data, window_s=4.0, hop_s=2.0, block_s=10.0)
    # windows starting at 0,2,4,6 fit block 0; 8 crosses; 10..16 block 1; 18 crosses; ...
    assert list(ws.start_s[:5]) == pytest.approx([0, 2, 4, 6, 10])
    assert sorted(set(ws.groups)) == ["r1#0", "r1#1", "r1#2", "r1#3"]


def test_model_round_trip_and_card_checks(tmp_path):
    ws = window_set(_people(2), window_s=4.0, hop_s=2.0)
    model = fit(ws, "logistic")
    card = make_card(recipe="logistic", window_s=4.0, hop_s=2.0, rate_hz=50.0, use_gyro=True)
    path = save_model(tmp_path / "m.joblib", model, card)
    loaded, card2 = load_model(path)
    assert card2["task"] == "imu" and card2["format"] == "sportlens-checkpoint"
    result = predict_recording(loaded, card2, _activity("shake", 99))
    assert result["label"] == "shake"
    assert result["counts"]["shake"] >= 8

    bad = dict(card, feature_version=999)
    save_model(tmp_path / "old.joblib", model, bad)
    with pytest.raises(ModelError, match="retrain"):
        load_model(tmp_path / "old.joblib")
    newer = dict(card, versions=dict(card["versions"], **{"scikit-learn": "0.1.0"}))
    save_model(tmp_path / "sk.joblib", model, newer)
    with pytest.raises(ModelError, match=r"model made with scikit-learn 0.1.0, this is .*: .*sk.joblib — retrain"):
        load_model(tmp_path / "sk.joblib")
    (tmp_path / "junk.joblib").write_text("not a model")
    with pytest.raises(ModelError, match="cannot read model"):
        load_model(tmp_path / "junk.joblib")
    with pytest.raises(ModelError, match="model file not found"):
        load_model(tmp_path / "missing.joblib")
    # one card module for every model file: a torch task's card is refused by name
    from sportlens.models.card import new_card, save_joblib_model

    save_joblib_model(tmp_path / "other.joblib", model, new_card("classify"))
    with pytest.raises(ModelError, match="model is for task 'classify', not 'imu'"):
        load_model(tmp_path / "other.joblib")


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(ModelError, match="extra-trees, forest, logistic"):
        RECIPES.build("svm")
