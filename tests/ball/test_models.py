"""The heatmap networks: every registered one runs forward with the right shapes and survives save / load; the
Gaussian targets, the loss and the heatmap decoding agree on known points; bad models are one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sportlens.ball.heatmap import decode_heatmaps, focal_bce, gaussian_targets
from sportlens.ball.models import BALL_MODELS, HEATMAP_NETS, NET_SPECS, build_network, load_heatmap_model
from sportlens.ball.options import MODEL_NAMES, NETWORK_NAMES
from sportlens.errors import ModelError
from sportlens.training.checkpoint import new_card, save_checkpoint


def test_the_light_name_lists_match_the_registries():
    assert sorted(MODEL_NAMES) == BALL_MODELS.names()
    assert sorted(NETWORK_NAMES) == HEATMAP_NETS.names() == sorted(NET_SPECS)
    assert len(HEATMAP_NETS.names()) >= 2


@pytest.mark.parametrize("name", HEATMAP_NETS.names())
def test_forward_shape_and_save_load(name, tmp_path):
    spec = NET_SPECS[name]
    assert 3 <= spec.frames <= 9
    torch.manual_seed(0)
    net = HEATMAP_NETS.build(name).eval()
    x = torch.rand(2, spec.in_channels, 64, 128)  # fully convolutional: any size the strides divide
    with torch.no_grad():
        y = net(x)
    assert y.shape == (2, spec.frames, 64, 128)
    path = save_checkpoint(tmp_path / "best.pt", net.state_dict(), new_card("ball", network=spec.to_dict()))
    loaded = load_heatmap_model(tmp_path)  # a run folder resolves to its best.pt
    assert loaded.spec == spec and loaded.path == path
    with torch.no_grad():
        assert torch.allclose(loaded.net(x), y, atol=1e-5)


def test_gaussian_target_decodes_back_to_the_point():
    heat = gaussian_targets(np.array([[100.3, 40.7], [np.nan, np.nan]]), 72, 128)
    assert heat.shape == (2, 72, 128) and heat[1].max() == 0 and heat[0].max() > 0.95
    points, confidence = decode_heatmaps(heat, (1280, 720), threshold=0.5)
    assert np.allclose(points[0], [1003.0, 407.0], atol=2.0)  # 10x the heatmap's pixels
    assert np.isnan(points[1]).all() and confidence[1] == 0.0 and confidence[0] > 0.95


def test_decoding_below_the_threshold_is_no_ball():
    heat = 0.4 * gaussian_targets(np.array([[20.0, 20.0]]), 32, 32)
    points, confidence = decode_heatmaps(heat, (32, 32), threshold=0.5)
    assert np.isnan(points).all() and confidence[0] == 0.0


def test_the_loss_prefers_the_ball_over_an_empty_prediction():
    target = torch.from_numpy(gaussian_targets(np.array([[30.0, 20.0]]), 40, 64))[None]
    good = torch.logit(target.clamp(0.01, 0.99))
    empty = torch.full_like(target, -6.0)
    assert focal_bce(good, target) < 0.2 * focal_bce(empty, target)


def test_unknown_model_and_missing_weights_are_one_line_errors(tmp_path, run_cli):
    video = tmp_path / "v.mp4"
    run_cli("ball", "track", video, "-o", tmp_path / "o", "--model", "nonsense").assert_user_error(
        "unknown ball model 'nonsense'", "tracknet-small")
    from sportlens.ball.models import shipped_weights

    if not shipped_weights("tracknet").is_file():
        with pytest.raises(ModelError, match="no weights are shipped for 'tracknet'"):
            load_heatmap_model("tracknet")


def test_a_checkpoint_of_another_task_is_refused(tmp_path, run_cli):
    from sportlens.ball.synthetic import ClipSpec, write_rally_clip

    video = write_rally_clip(tmp_path / "data", "00001", ClipSpec(seconds=0.5)).with_suffix(".mp4")
    foreign = save_checkpoint(tmp_path / "other.pt", {}, new_card("classify"))
    run_cli("ball", "track", video, "-o", tmp_path / "o", "--model", foreign).assert_user_error(
        "model is for task 'classify', not 'ball'", "other.pt")
    assert not (tmp_path / "o").exists()
    spec = NET_SPECS["tracknet-small"]
    wrong = build_network(NET_SPECS["tracknet"]).state_dict()
    save_checkpoint(tmp_path / "wrong.pt", wrong, new_card("ball", network=spec.to_dict()))
    run_cli("ball", "eval", tmp_path / "data", "--model", tmp_path / "wrong.pt").assert_user_error(
        "do not fit the 'tracknet-small' network")


def test_every_network_is_in_the_docs_table():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ball.md").read_text(encoding="utf-8")
    for spec in NET_SPECS.values():
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{spec.name}` |"))
        assert f"| {spec.frames} |" in row and f"{spec.width}x{spec.height}" in row
        assert ", ".join(map(str, spec.widths)) in row and f"| {spec.stem_stride} |" in row


@pytest.mark.parametrize("name", HEATMAP_NETS.names())
def test_shipped_weights_are_small_and_carry_a_complete_card(name):
    from sportlens.ball.models import shipped_weights

    path = shipped_weights(name)
    if not path.is_file():
        pytest.skip(f"no weights shipped for {name}")
    assert path.stat().st_size <= 10 * 2**20
    loaded = load_heatmap_model(name)
    card = loaded.card
    assert loaded.spec == NET_SPECS[name] and card["task"] == "ball"
    for key in ("data", "split", "metrics", "speed", "command", "versions", "threshold", "training"):
        assert card.get(key), key
    assert not set(card["split"]["train"]["groups"]) & set(card["split"]["test"]["groups"])
