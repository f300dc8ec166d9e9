"""Video action models: every registered one runs forward with the right shapes and survives a save/load;
the augmentation treats RGB, flow and pose alike (a flip negates the horizontal flow exactly and swaps
the joints); the twin network's bilinear fusion and the attention block behave as documented."""

import numpy as np
import pytest
import torch

from sportlens.action.models import MODELS
from sportlens.action.skeleton import JOINTS, MIRROR, N_FEATURES
from sportlens.action.video_data import Augment, augment, frame_indices, to_input
from sportlens.action.video_models import (
    TORCHVISION,
    VIDEO_MODELS,
    ResidualAttention3D,
    n_channels,
    pose_from_plane,
    streams_of,
)
from sportlens.action.video_train import class_weights
from sportlens.training.checkpoint import load_checkpoint, new_card, save_checkpoint


def test_registry_lists_every_video_family_and_keeps_the_skeleton_models():
    names = set(MODELS.names())
    assert {"skeleton-tcn", "skeleton-tcn-small"} <= names
    assert set(VIDEO_MODELS) == {"rgb-3dcnn", "flow-3dcnn", "flow-3dcnn-att", "twin-rgb-flow", "twin-rgb-flow-att",
                                 "twin-pose", "r3d-18", "mc3-18", "r2plus1d-18"}
    assert streams_of("twin-pose") == ("rgb", "flow", "pose") and streams_of("skeleton-tcn") == ()
    assert n_channels(("rgb", "flow", "pose")) == 6


@pytest.mark.parametrize("name", sorted(VIDEO_MODELS))
def test_forward_shape_and_save_load(name, tmp_path):
    torch.manual_seed(0)
    model = MODELS.build(name, n_classes=5, pretrained=False).eval()
    x = torch.randn(2, n_channels(streams_of(name)), 8, 32, 32)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (2, 5) and torch.isfinite(y).all()
    save_checkpoint(tmp_path / "m.pt", model.state_dict(), new_card("action", model=name, kind="video"))
    state, card = load_checkpoint(tmp_path / "m.pt", "action")
    again = MODELS.build(card["model"], n_classes=5, pretrained=False).eval()
    again.load_state_dict(state)
    with torch.no_grad():
        torch.testing.assert_close(again(x), y)


def test_torchvision_models_say_where_their_weights_come_from():
    for name in TORCHVISION:
        note = MODELS.build(name, n_classes=3).weights_note
        assert note.startswith(name) and ("Kinetics-400 weights from" in note or "from scratch" in note)


def test_attention_block_keeps_the_shape_and_is_residual():
    block = ResidualAttention3D(4).eval()
    x = torch.rand(1, 4, 5, 7, 9)
    assert block(x).shape == x.shape
    for p in block.trunk.parameters():  # no trunk output: the block passes x through (after the ReLU)
        torch.nn.init.zeros_(p)
    torch.testing.assert_close(block(x), x)


def test_pose_plane_round_trip():
    feats = np.random.default_rng(0).normal(size=(N_FEATURES, 6)).astype(np.float32)
    plane = np.zeros((6, 16 * 16), np.float32)
    plane[:, :N_FEATURES] = feats.T
    back = pose_from_plane(torch.from_numpy(plane.reshape(1, 1, 6, 16, 16)), N_FEATURES)
    np.testing.assert_array_equal(back[0].numpy(), feats)


def _clip(rng, t=4, s=24):
    rgb = rng.integers(0, 255, (t, s, s, 3)).astype(np.uint8)
    flow = rng.integers(-127, 128, (t, s, s, 2)).astype(np.int8)
    pose = rng.uniform(2, s - 3, (t, len(JOINTS), 2))
    return rgb, flow, pose


def test_flip_negates_horizontal_flow_exactly_and_swaps_joints():
    rgb, flow, pose = _clip(np.random.default_rng(1))
    r0, f0, p0 = augment(rgb, flow, pose, Augment(), 24)
    r1, f1, p1 = augment(rgb, flow, pose, Augment(flip=True), 24)
    np.testing.assert_array_equal(r0, rgb)  # identity at size = stored size
    np.testing.assert_array_equal(f0, flow.astype(np.float32) / 127)
    np.testing.assert_array_equal(r1, r0[:, :, ::-1])
    np.testing.assert_array_equal(f1[..., 0], -f0[:, :, ::-1, 0])  # exact
    np.testing.assert_array_equal(f1[..., 1], f0[:, :, ::-1, 1])
    left, right = JOINTS.index("left_wrist"), JOINTS.index("right_wrist")
    np.testing.assert_allclose(p1[:, left, 0], 23 - p0[:, right, 0])
    np.testing.assert_allclose(p1[:, left, 1], p0[:, right, 1])
    np.testing.assert_allclose(p1[:, MIRROR], p0 * [-1, 1] + [23, 0])


def test_rotation_turns_the_flow_vectors_with_the_image():
    s = 32
    flow = np.zeros((1, s, s, 2), np.int8)
    flow[..., 0] = 64  # everything moves right by 0.5 (normalised)
    rgb = np.zeros((1, s, s, 3), np.uint8)
    _, f, _ = augment(rgb, flow, None, Augment(angle=90.0), s)
    # a 90-degree turn counter-clockwise on screen (y down): rightward motion becomes upward
    centre = f[0, 8:24, 8:24]
    np.testing.assert_allclose(centre[..., 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(centre[..., 1], -64 / 127, atol=1e-6)
    _, fz, _ = augment(rgb, flow, None, Augment(zoom=1.5), s)
    np.testing.assert_allclose(fz[0, 8:24, 8:24, 0], 1.5 * 64 / 127, atol=1e-6)


def test_augmentation_moves_joints_with_the_pixels():
    s = 40
    rgb = np.zeros((1, s, s, 3), np.uint8)
    rgb[0, 10, 30] = 255  # one bright pixel where a joint sits
    pose = np.full((1, len(JOINTS), 2), [30.0, 10.0])
    aug = Augment(angle=30.0, zoom=1.1, shift=(0.05, -0.1))
    out, _, p = augment(rgb, np.zeros((1, s, s, 2), np.int8), pose, aug, s)
    y, x = np.unravel_index(np.argmax(out[0, ..., 0]), (s, s))
    assert abs(p[0, 0, 0] - x) <= 1 and abs(p[0, 0, 1] - y) <= 1


def test_packed_input_and_frame_indices():
    rgb, flow, pose = _clip(np.random.default_rng(2), t=3, s=16)
    x = to_input(rgb, flow.astype(np.float32) / 127, pose, ("rgb", "flow", "pose"), 1.0)
    assert x.shape == (6, 3, 16, 16) and x.dtype == np.float32
    np.testing.assert_array_equal(x[3:5], np.moveaxis(flow.astype(np.float32) / 127, -1, 0))
    assert x[5].reshape(3, -1)[:, N_FEATURES:].max() == 0.0
    np.testing.assert_array_equal(frame_indices(10, 4), [0, 3, 6, 9])
    np.testing.assert_array_equal(frame_indices(10, 3, 0.5, 0.5), [4, 7, 9])


def test_class_weights_are_inverse_frequency():
    w = class_weights(np.array([0, 0, 0, 1]), 3)
    np.testing.assert_allclose(w, [0.5, 1.5, 0.0])
