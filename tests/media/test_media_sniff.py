import pytest
from PIL import Image

from server.media import sniff
from server.media.sniff import sniff_file
from tests.fixtures.images import encoded, photographic

PICTURE = photographic((64, 48))


@pytest.mark.parametrize(
    "fmt, params, expected",
    [
        ("JPEG", {}, ("photo", "jpeg", "image/jpeg")),
        ("PNG", {}, ("photo", "png", "image/png")),
        ("GIF", {}, ("photo", "gif", "image/gif")),
        ("WEBP", {}, ("photo", "webp", "image/webp")),
        ("AVIF", {}, ("photo", "avif", "image/avif")),
        ("HEIF", {}, ("photo", "heic", "image/heic")),
    ],
)
def test_photo_formats_are_recognised_by_their_bytes(fmt, params, expected):
    import pillow_heif

    pillow_heif.register_heif_opener()
    found = sniff(encoded(PICTURE, fmt, **params)[:64])
    assert (found.kind, found.format, found.content_type) == expected


@pytest.mark.parametrize(
    "head, fmt",
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "mp4"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "mov"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", "webm"),
    ],
)
def test_video_containers_are_recognised(head, fmt):
    found = sniff(head)
    assert found.kind == "video" and found.format == fmt


def test_avif_announced_only_as_compatible_brand_is_avif():
    head = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf"
    assert sniff(head).format == "avif"


def test_heif_generic_brand_is_heic():
    head = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic"
    assert sniff(head).format == "heic"


@pytest.mark.parametrize(
    "head",
    [b"", b"hello, this is text", b"%PDF-1.7\n", b"PK\x03\x04zip", b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A "],
)
def test_unknown_bytes_are_not_sniffed(head):
    assert sniff(head) is None


def test_png_named_jpg_sniffs_as_png(tmp_path):
    path = tmp_path / "holiday.jpg"
    PICTURE.save(path, "PNG")
    assert sniff_file(str(path)).format == "png"
