"""Optical flow + ROI preprocessing on generated frames with known motion."""

import cv2
import numpy as np
import pytest

from sportlens.events import EventLog, Progress
from sportlens.video.flow import (
    FlowClip,
    FlowSettings,
    Q,
    cache_file,
    clip_flow,
    flip_flow,
    flow_of_frames,
    flows_for_videos,
    load_flow,
    normalise_flow,
    roi_centres,
    save_flow,
)


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Smooth random texture, uint8 gray (blurred noise: trackable at every pixel)."""
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 255, (h, w)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(noise, (0, 0), 2.0) * 3 - 255, 0, 255).astype(np.uint8)


def shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT)


def square_frames(n: int = 24, h: int = 180, w: int = 320, speed: float = 6.0, side: int = 40):
    """A textured square moving right over a static textured background; its centre per frame."""
    back, patch = texture(h, w, 1), texture(side, side, 2)
    frames, centres = [], []
    for k in range(n):
        x0, y0 = 20 + speed * k, 70 + 2.0 * k
        img = back.copy()
        img[int(y0):int(y0) + side, int(x0):int(x0) + side] = patch
        frames.append(img)
        centres.append((int(x0) + (side - 1) / 2, int(y0) + (side - 1) / 2))
    return np.stack(frames), np.array(centres)


@pytest.mark.parametrize("method", ["dis", "farneback"])
def test_flow_recovers_a_known_translation_within_half_a_pixel(method):
    img = texture(180, 320)
    flow = flow_of_frames([img, shifted(img, 2.3, -1.6)], FlowSettings(method=method))
    assert flow.shape == (1, 180, 320, 2) and flow.dtype == np.float32
    inner = flow[0, 20:-20, 20:-20]
    err = np.linalg.norm(inner - np.array([2.3, -1.6]), axis=-1)
    assert np.median(err) < 0.5 and np.mean(err) < 0.5, (np.median(err), np.mean(err))


def test_flip_negates_horizontal_flow_exactly_and_mirrors_the_field():
    rng = np.random.default_rng(0)
    flow = rng.normal(0, 3, (3, 6, 8, 2)).astype(np.float32)
    f = flip_flow(flow)
    np.testing.assert_array_equal(f[:, :, ::-1, 0], -flow[..., 0])
    np.testing.assert_array_equal(f[:, :, ::-1, 1], flow[..., 1])
    np.testing.assert_array_equal(flip_flow(f), flow)
    codes, scale = normalise_flow(flow)
    clip = FlowClip(codes, scale, 30.0, np.array([[1.0, 2.0]] * 3, np.float32))
    mirrored = clip.flipped()
    np.testing.assert_array_equal(mirrored.codes[:, :, ::-1, 0], -codes[..., 0])  # int8: exact
    np.testing.assert_array_equal(mirrored.pixels()[:, :, ::-1, 0], -clip.pixels()[..., 0])
    np.testing.assert_array_equal(mirrored.roi[:, 0], np.full(3, 8 - 1 - 1.0))
    assert codes.min() >= -Q  # never -128, whose negation would overflow


def test_flip_of_the_flow_matches_the_flow_of_flipped_frames():
    frames, _ = square_frames(4)  # square at x 20..59, y 70..109 in frame 0, moving (+6, +2) per frame
    medium = FlowSettings(preset="medium")  # 'fast' works at 1/4 size and under-estimates a small object's motion
    flow = flip_flow(flow_of_frames(frames, medium))
    flow_of_flipped = flow_of_frames(frames[:, :, ::-1].copy(), medium)
    inside = (0, slice(78, 102), slice(319 - 52, 319 - 28))  # the square's interior in the flipped frame
    np.testing.assert_allclose(np.median(flow[inside], axis=(0, 1)), [-6.0, 2.0], atol=0.5)
    np.testing.assert_allclose(np.median(flow_of_flipped[inside], axis=(0, 1)), [-6.0, 2.0], atol=0.5)


def test_normalisation_by_mean_plus_three_sd_of_the_per_pair_maxima():
    flow = np.zeros((4, 2, 2, 2), np.float32)
    flow[:, 0, 0, 0] = [1.0, 2.0, 3.0, 10.0]  # per-pair maxima (|component|)
    flow[3, 1, 1, 1] = -4.0
    codes, scale = normalise_flow(flow)
    maxima = np.array([1.0, 2.0, 3.0, 10.0])
    assert scale == pytest.approx(maxima.mean() + 3 * maxima.std())  # 4 + 3 * 3.5355 = 14.61
    assert codes.dtype == np.int8
    assert codes[0, 0, 0, 0] == round(1.0 / scale * Q) and codes[3, 1, 1, 1] == round(-4.0 / scale * Q)
    many = np.zeros((21, 2, 2, 2), np.float32)
    many[:20, 0, 0, 0] = 1.0
    many[20, 0, 0, 0] = -100.0  # one outlier pair: mean + 3 sd of the maxima = 5.714 + 3 * 21.08 = 68.96
    codes, scale = normalise_flow(many)
    assert scale == pytest.approx(68.963, abs=1e-3)
    assert codes[20, 0, 0, 0] == -Q and codes[0, 0, 0, 0] == round(Q / scale)  # the outlier is clipped at -1
    still, scale = normalise_flow(np.zeros((3, 4, 4, 2), np.float32))
    assert scale == 1.0 and not still.any()


def test_roi_follows_a_moving_square():
    frames, centres = square_frames(24)
    flow = flow_of_frames(frames)
    roi = roi_centres(flow, fps=30.0, cutoff_hz=0.0)
    # pair k moves the square from centre k to k+1; the flow sits on the square's old and new place
    expected = (centres[:-1] + centres[1:]) / 2
    err = np.linalg.norm(roi - expected, axis=1)
    assert err.max() < 6.0, err
    smooth = roi_centres(flow, fps=30.0, cutoff_hz=3.0)
    assert np.abs(np.diff(smooth[:, 0]) - 6.0).max() < 1.0  # the smoothed track moves 6 px per pair


def test_roi_where_nothing_moves_is_filled_and_a_still_clip_gets_the_centre():
    frames, centres = square_frames(10)
    frames = np.concatenate([frames[:5], np.repeat(frames[4:5], 3, axis=0), frames[5:]])
    flow = flow_of_frames(frames)
    roi = roi_centres(flow, fps=30.0, cutoff_hz=0.0)
    assert np.isfinite(roi).all()
    assert roi[4, 0] == pytest.approx(roi[3, 0]) or roi[3, 0] < roi[4, 0] < roi[7, 0]
    still = roi_centres(np.zeros((3, 10, 20, 2), np.float32), fps=30.0)
    np.testing.assert_array_equal(still, np.tile([9.5, 4.5], (3, 1)))


def write_video(path, frames, fps=30.0):
    from sportlens.video.encode import VideoWriter

    with VideoWriter(path, fps, frames.shape[2], frames.shape[1], crf=12) as out:
        for f in frames:
            out.write(np.repeat(f[..., None], 3, axis=2))
    return path


def test_clip_flow_from_a_video_is_cached_by_file_and_settings(tmp_path):
    frames, centres = square_frames(16, h=180, w=320)
    video = write_video(tmp_path / "square.mp4", frames)
    cache = tmp_path / "cache"
    settings = FlowSettings(preset="medium")
    clip = clip_flow(video, settings, cache)
    assert clip.codes.shape == (15, 180, 320, 2) and clip.codes.dtype == np.int8
    assert clip.fps == pytest.approx(30.0) and clip.size == (320, 180)
    assert np.median(clip.pixels()[..., 0][np.abs(clip.pixels()[..., 0]) > 3]) == pytest.approx(6.0, abs=0.5)
    assert np.abs(clip.roi[:, 0] - (centres[:-1, 0] + centres[1:, 0]) / 2).max() < 6.0
    files = list(cache.glob("*.npz"))
    assert files == [cache_file(video, settings, cache)]
    stamp = files[0].stat().st_mtime_ns
    again = clip_flow(video, settings, cache)
    assert files[0].stat().st_mtime_ns == stamp  # read back, not recomputed
    np.testing.assert_array_equal(again.codes, clip.codes)
    assert again.scale == clip.scale and again.settings == clip.settings
    clip_flow(video, FlowSettings(), cache)
    assert len(list(cache.glob("*.npz"))) == 2  # other settings, other file
    assert cache_file(video, FlowSettings(max_side=160), cache) != files[0]


def test_save_and_load_round_trip(tmp_path):
    codes, scale = normalise_flow(np.random.default_rng(0).normal(0, 2, (2, 4, 6, 2)).astype(np.float32))
    clip = FlowClip(codes, scale, 25.0, np.zeros((2, 2), np.float32), "x.mp4", FlowSettings(preset="medium"))
    back = load_flow(save_flow(clip, tmp_path / "f.npz"))
    np.testing.assert_array_equal(back.codes, codes)
    assert (back.scale, back.fps, back.source, back.settings) == (scale, 25.0, "x.mp4", clip.settings)


def test_many_videos_in_parallel_keep_their_order_and_report_progress(tmp_path):
    right, _ = square_frames(8)
    left = right[::-1].copy()
    videos = [write_video(tmp_path / "right.mp4", right), write_video(tmp_path / "left.mp4", left)]
    log = EventLog()
    clips = flows_for_videos(videos, FlowSettings(), tmp_path / "cache", workers=2, progress=Progress("t", log))
    moving = [c.pixels()[..., 0][np.abs(c.pixels()[..., 0]) > 3] for c in clips]
    assert np.median(moving[0]) > 3 and np.median(moving[1]) < -3
    ends = [e for e in log.events if e.step == "flow" and e.kind == "end"]
    assert len(ends) == 1 and ends[0].done == 2 and ends[0].total == 2


def test_settings_are_checked():
    from sportlens.options import OptionError

    with pytest.raises(OptionError, match="method"):
        FlowSettings(method="lucas")
    with pytest.raises(OptionError, match="max-side"):
        FlowSettings(max_side=8)
