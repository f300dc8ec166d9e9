"""Uploads are recognised by their first bytes, never by the name the client sent."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sportlens.service.sniff import UnsupportedUpload, sniff


def _image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "suffix"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp"), ("BMP", ".bmp")])
def test_images_by_their_magic_bytes(fmt, suffix):
    found = sniff(_image_bytes(fmt))
    assert (found.kind, found.suffix) == ("image", suffix)


def test_a_real_mp4_and_the_video_containers(tmp_path):
    from sportlens.samples import rotating_clip

    clip = rotating_clip(tmp_path / "c.mp4", seconds=0.5, size=64)
    assert sniff(clip.path.read_bytes()[:4096]).suffix == ".mp4"
    assert sniff(b"\x00\x00\x00\x14ftypqt  \x00\x00").suffix == ".mov"
    assert sniff(b"\x1a\x45\xdf\xa3\x01\x00\x00\x00").kind == "video"
    assert sniff(b"RIFF\x00\x00\x00\x00AVI LIST").suffix == ".avi"


def test_csv_text_is_an_imu_recording():
    text = "t_s,acc_x_ms2,acc_y_ms2,acc_z_ms2\n0.0,0.1,0.2,9.8\n0.02,0.1,0.2,9.8\n"
    assert sniff(text.encode()).kind == "imu"
    assert sniff(text.replace(",", ";").encode()).kind == "imu"


@pytest.mark.parametrize("head", [
    b"",  # empty
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows program
    b"%PDF-1.7\n",  # a PDF
    b"just one line of text without separators\n",
    b"a,b,c\n1,2\n3,4,5,6\n",  # ragged: not a table
    bytes(range(256)) * 4,  # binary noise
    b"\x00\x00\x00\x18ftypheic\x00\x00",  # an HEIC photo: told to convert it
])
def test_anything_else_is_refused_with_a_reason(head):
    with pytest.raises(UnsupportedUpload) as error:
        sniff(head)
    assert str(error.value)
