"""What an uploaded file is, from its first bytes (never from the name the client sent).

Returns the kind `analyze` understands and the suffix the server stores it under, so the stored name is ours
(`input.mp4`), whatever the upload was called.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sniffed:
    kind: str  # video | image | imu
    suffix: str  # with the dot
    what: str  # for messages


class UnsupportedUpload(ValueError):
    """The upload is none of the formats sportlens analyses."""


SUPPORTED = "a video (MP4/MOV, MKV/WebM, AVI), an image (JPEG, PNG, WebP, BMP) or an IMU recording (CSV text)"


def sniff(head: bytes) -> Sniffed:
    """Classify a file by its first bytes (at least 4 KiB of it, or all of a smaller file)."""
    if not head:
        raise UnsupportedUpload("the file is empty")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", ".jpg", "JPEG image")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", ".png", "PNG image")
    if head.startswith(b"BM") and len(head) > 14:
        return Sniffed("image", ".bmp", "BMP image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", ".webp", "WebP image")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("video", ".avi", "AVI video")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith((b"avif", b"heic", b"mif1")):
            raise UnsupportedUpload(f"the file is an HEIF/AVIF image ({brand.decode('ascii', 'replace')}), "
                                    "which sportlens does not read: convert it to JPEG or PNG")
        return Sniffed("video", ".mov" if brand == b"qt  " else ".mp4", "MP4/QuickTime video")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", ".mkv", "Matroska/WebM video")
    if _is_csv(head):
        return Sniffed("imu", ".csv", "CSV text")
    raise UnsupportedUpload("the file is not a format sportlens analyses")


def _is_csv(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # the head may end inside a multi-byte character
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    lines = [line for line in text.splitlines() if line.strip()][:5]
    if len(lines) < 2:
        return False
    for sep in (",", ";", "\t"):
        counts = [line.count(sep) for line in lines[:-1] or lines]
        if counts[0] >= 2 and all(c == counts[0] for c in counts):
            return True
    return False
