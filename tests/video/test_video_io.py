import numpy as np
import pytest

from sportlens.errors import VideoError
from sportlens.video.decode import decode_frames, probe_video
from sportlens.video.encode import VideoWriter


def _write_clip(path, n=24, fps=12.0, w=96, h=64):
    """Frames whose grey level encodes their index (index * 10)."""
    with VideoWriter(path, fps, w, h, crf=10) as writer:
        for i in range(n):
            writer.write(np.full((h, w, 3), i * 10, dtype=np.uint8))
    return path


def test_round_trip_index_time_and_content(tmp_path):
    path = _write_clip(tmp_path / "c.mp4")
    info = probe_video(path)
    assert (info.kind, info.width, info.height, info.fps, info.n_frames) == ("video", 96, 64, 12.0, 24)
    frames = list(decode_frames(path))
    assert [f.index for f in frames] == list(range(24))
    assert frames[6].time_s == pytest.approx(0.5)
    means = [float(f.image.mean()) for f in frames]
    np.testing.assert_allclose(means, np.arange(24) * 10, atol=3)
    assert frames[0].image.shape == (64, 96, 3) and frames[0].image.dtype == np.uint8


def test_resize_on_decode(tmp_path):
    path = _write_clip(tmp_path / "c.mp4", n=3)
    assert next(decode_frames(path, size=(48, 32))).image.shape == (32, 48, 3)
    assert next(decode_frames(path, max_side=48)).image.shape == (32, 48, 3)


def test_writer_leaves_no_file_when_interrupted(tmp_path):
    target = tmp_path / "v.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(target, 10, 32, 32) as writer:
            writer.write(np.zeros((32, 32, 3), np.uint8))
            raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_image_sequence_skips_corrupt_frame_and_reports_it(tmp_path):
    import cv2

    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(5):
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), np.full((20, 30, 3), i * 40, np.uint8))
    (folder / "0002.jpg").write_bytes(b"not a jpeg")
    skipped = []
    frames = list(decode_frames(folder, fps=25, on_skip=lambda i, why: skipped.append((i, why))))
    assert [f.index for f in frames] == [0, 1, 3, 4]
    assert frames[3].time_s == pytest.approx(4 / 25)
    assert skipped == [(2, "0002.jpg: not a readable image")]
    assert probe_video(folder).n_frames == 5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.mp4", b"", "input file is empty"),
        ("text.mp4", b"this is not a video at all " * 40, "not a readable video"),
        ("photo.jpg", b"broken", "not a readable image"),
    ],
)
def test_bad_files_give_one_clear_error_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(VideoError) as err:
        list(decode_frames(path))
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(VideoError, match="input not found"):
        probe_video(tmp_path / "nope.mp4")
    with pytest.raises(VideoError, match="folder has no images"):
        probe_video(tmp_path)


def test_truncated_video_decodes_what_is_there_and_reports_the_rest(tmp_path):
    path = _write_clip(tmp_path / "c.mp4", n=60)
    assert path.read_bytes()[:64].find(b"moov") > 0  # faststart: the index is at the front
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.8)])  # the index survives, the last frames do not
    skipped = []
    frames = list(decode_frames(cut, on_skip=lambda i, why: skipped.append((i, why))))
    assert 0 < len(frames) < 60
    assert [f.index for f in frames] == list(range(len(frames)))
    assert [i for i, _ in skipped] == list(range(len(frames), 60))
    assert skipped[0][1] == "stream ended early (file truncated or corrupt)"


def test_video_cut_before_its_index_is_a_clear_error(tmp_path):
    path = _write_clip(tmp_path / "c.mp4", n=10)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[:20])
    with pytest.raises(VideoError, match="not a readable video") as err:
        list(decode_frames(cut))
    assert str(cut) in str(err.value)


def _mjpeg_mkv(path, n=40, drop=()):
    """An intra-only clip (every frame decodes alone); packets listed in `drop` are left out."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        packets = []
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (i * 6) % 256, np.uint8), format="rgb24")
            packets += stream.encode(frame)
        packets += stream.encode()
        for k, packet in enumerate(packets):
            if k not in drop:
                container.mux(packet)
    return path


def test_frame_missing_mid_video_is_reported_and_skipped(tmp_path):
    path = _mjpeg_mkv(tmp_path / "dropped.mkv", drop={20})
    skipped = []
    frames = list(decode_frames(path, on_skip=lambda i, why: skipped.append((i, why))))
    assert [f.index for f in frames] == [i for i in range(40) if i != 20]
    assert skipped == [(20, "frame missing from the stream (corrupt or dropped)")]


def test_corrupt_bytes_mid_video_are_not_fatal_and_lost_frames_are_reported(tmp_path):
    data = bytearray(_mjpeg_mkv(tmp_path / "c.mkv").read_bytes())
    middle = len(data) // 2
    data[middle: middle + 400] = bytes(400)  # the demuxer loses sync here
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(bytes(data))
    skipped = []
    frames = list(decode_frames(bad, on_skip=lambda i, why: skipped.append(i)))
    decoded = [f.index for f in frames]
    assert decoded[0] == 0 and len(decoded) >= 15
    assert sorted(set(decoded) | set(skipped)) == list(range(40))  # every frame decoded or reported


def test_prefetch_yields_the_same_frames_and_raises_decoder_errors(tmp_path):
    from sportlens.video.decode import prefetch

    path = _write_clip(tmp_path / "c.mp4", n=30)
    direct = [(f.index, float(f.image.mean())) for f in decode_frames(path)]
    ahead = [(f.index, float(f.image.mean())) for f in prefetch(decode_frames(path), depth=2)]
    assert ahead == direct
    with pytest.raises(VideoError, match="input not found"):
        list(prefetch(decode_frames(tmp_path / "missing.mp4")))
    partial = prefetch(decode_frames(path), depth=2)
    assert next(partial).index == 0
    partial.close()  # stopping early must not hang the decoding thread


@pytest.mark.parametrize(("rotation", "white_rows", "white_cols"), [(-90, slice(0, 8), slice(None)),
                                                                     (90, slice(-8, None), slice(None)),
                                                                     (180, slice(None), slice(-8, None))])
def test_phone_rotation_is_applied_on_decode(tmp_path, rotation, white_rows, white_cols):
    import av

    path = tmp_path / "phone.mp4"
    image = np.zeros((32, 64, 3), np.uint8)
    image[:, :8] = 255  # white bar on the stored frame's left edge
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        stream.set_display_rotation(rotation)
        for _ in range(3):
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe_video(path)
    assert info.rotation_deg == rotation % 360
    frame = next(decode_frames(path))
    expected_shape = (32, 64, 3) if rotation == 180 else (64, 32, 3)
    assert frame.image.shape == expected_shape
    assert (info.height, info.width) == expected_shape[:2]
    assert frame.image[white_rows, white_cols].mean() > 200  # the bar ends up where a viewer sees it
    assert next(decode_frames(path, max_side=32)).image.shape[:2] == (expected_shape[0] // 2, expected_shape[1] // 2)


@pytest.mark.parametrize("kind", ["mp4", "folder"])
def test_frame_ranges(tmp_path, kind):
    import cv2

    if kind == "mp4":
        path = _write_clip(tmp_path / "c.mp4", n=48)  # libx264 key frames are far apart: the seek decodes forward
    else:
        path = tmp_path / "frames"
        path.mkdir()
        for i in range(48):
            cv2.imwrite(str(path / f"{i:04d}.png"), np.full((16, 16, 3), i * 10 % 256, np.uint8))
    middle = list(decode_frames(path, start=30, stop=35, fps=12))
    assert [f.index for f in middle] == [30, 31, 32, 33, 34]
    assert middle[0].time_s == pytest.approx(2.5)
    # the same grey levels as _write_clip (index * 10, wrapping at 256): the right frames, not just the right labels
    np.testing.assert_allclose([f.image.mean() for f in middle], np.arange(30, 35) * 10 % 256, atol=3)
    skipped = []
    tail = list(decode_frames(path, start=40, fps=12, on_skip=lambda i, why: skipped.append(i)))
    assert [f.index for f in tail] == list(range(40, 48)) and skipped == []


@pytest.mark.parametrize(("suffix", "codec"), [(".mov", "libx264"), (".avi", "mpeg4"), (".mkv", "libx264")])
def test_reads_mov_avi_mkv(tmp_path, suffix, codec):
    import av

    path = tmp_path / f"clip{suffix}"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 48, 32, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((32, 48, 3), 20 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe_video(path)
    assert (info.kind, info.width, info.height, info.fps) == ("video", 48, 32, 25.0)
    frames = list(decode_frames(path))
    assert [f.index for f in frames] == list(range(10))
    np.testing.assert_allclose([f.image.mean() for f in frames], np.arange(10) * 20, atol=4)
