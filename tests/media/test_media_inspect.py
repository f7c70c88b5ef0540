"""Intake: every rejection has its code and never another exception."""

import random

import pytest
from PIL import Image

from server.media import MediaError, inspect_file, limits
from tests.fixtures import images
from tests.fixtures.images import encoded, photographic


def rejected(path) -> MediaError:
    with pytest.raises(MediaError) as info:
        inspect_file(str(path))
    return info.value


def test_camera_jpeg_is_accepted_with_upright_size(tmp_path):
    path = tmp_path / "photo.jpg"
    images.oriented_jpeg(path, images.marked((400, 300)), 6)
    found = inspect_file(str(path))
    assert (found.kind, found.format, found.width, found.height) == ("photo", "jpeg", 400, 300)  # stored 300x400, shown upright
    assert found.duration_s is None


def test_png_named_jpg_is_accepted_as_png(tmp_path):
    path = tmp_path / "photo.jpg"
    photographic((64, 48)).save(path, "PNG")
    assert inspect_file(str(path)).format == "png"


def test_zero_byte_file_is_invalid(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert rejected(path).code == "invalid_media"


def test_text_named_jpg_is_unsupported(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("these are not the pixels you are looking for\n" * 20)
    assert rejected(path).code == "unsupported_media"


def test_random_bytes_are_unsupported(tmp_path):
    path = tmp_path / "noise.jpg"
    path.write_bytes(random.Random(7).randbytes(5000))
    assert rejected(path).code == "unsupported_media"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_truncated_photo_is_invalid(tmp_path, fmt):
    path = tmp_path / "cut"
    images.truncated(encoded(photographic((640, 480)), fmt), path, 0.5)
    error = rejected(path)
    assert error.code == "invalid_media"
    assert "damaged" in error.message


def test_magic_bytes_followed_by_garbage_are_invalid(tmp_path):
    path = tmp_path / "fake.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + random.Random(3).randbytes(3000))
    assert rejected(path).code == "invalid_media"


def test_jpeg_with_corrupt_scan_is_invalid(tmp_path):
    path = tmp_path / "corrupt.jpg"
    images.jpeg_with_corrupt_scan(path)
    assert rejected(path).code == "invalid_media"


def test_png_bomb_declaring_100000_squared_is_too_large(tmp_path):
    path = tmp_path / "bomb.png"
    images.png_header_only(path, 100_000, 100_000)
    error = rejected(path)
    assert error.code == "too_large"
    assert "megapixels" in error.message


def test_png_just_over_our_pixel_limit_is_too_large(tmp_path):
    # Below Pillow's own bomb threshold: only our limit catches it.
    path = tmp_path / "big.png"
    images.png_header_only(path, 10_000, limits.MAX_PIXELS // 10_000 + 1)
    assert rejected(path).code == "too_large"


def test_gif_with_huge_logical_screen_is_too_large(tmp_path):
    path = tmp_path / "screen.gif"
    images.gif_with_huge_screen(path)
    assert rejected(path).code == "too_large"


def test_jpeg_header_claiming_huge_size_is_too_large(tmp_path):
    path = tmp_path / "huge.jpg"
    images.jpeg_with_huge_header(path)
    assert rejected(path).code == "too_large"


def test_photo_over_20_mb_is_too_large(tmp_path):
    path = tmp_path / "big.jpg"
    data = encoded(photographic((64, 48)), "JPEG")
    path.write_bytes(data + b"\x00" * (limits.MAX_PHOTO_BYTES + 1 - len(data)))
    assert rejected(path).code == "too_large"


def test_errors_survive_pickling_for_the_process_pool():
    import pickle

    error = pickle.loads(pickle.dumps(MediaError("too_large", "big")))
    assert (error.code, error.message) == ("too_large", "big")
