"""Photo editing, checked by pixels."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from app.editing import (FILTERS, MAX_UPLOAD_SIDE, EditSpec, apply_edits, apply_filter, crop_to_ratio, fit_within,
                         open_photo, preview_copy, preview_jpeg, render_for_upload, rotate)
from tests.fixtures.images import photographic

LEFT_RED_RIGHT_BLUE = ((220, 30, 30), (30, 40, 210))


def halves(size=(400, 200)) -> Image.Image:
    img = Image.new("RGB", size, LEFT_RED_RIGHT_BLUE[1])
    img.paste(LEFT_RED_RIGHT_BLUE[0], (0, 0, size[0] // 2, size[1]))
    return img


def test_at_least_eight_named_filters_besides_normal():
    assert len([name for name in FILTERS if name != "normal"]) >= 8
    assert {"clarendon", "juno", "lark"} <= set(FILTERS)


@pytest.mark.parametrize("name", [n for n in FILTERS if n != "normal"])
def test_every_filter_changes_pixels_and_strength_zero_changes_none(name):
    img = photographic((120, 90))
    assert apply_filter(img, name, 0.0).tobytes() == img.tobytes()
    assert apply_filter(img, name, 1.0).tobytes() != img.tobytes()


def test_strength_scales_the_effect():
    img = photographic((120, 90))

    def distance(strength):
        return sum(ImageStat.Stat(ImageChops.difference(img, apply_filter(img, "clarendon", strength))).mean)

    assert 0 < distance(0.3) < distance(0.7) < distance(1.0)


def test_moon_is_black_and_white():
    out = apply_filter(photographic((60, 40)), "moon", 1.0)
    r, g, b = out.split()
    assert r.tobytes() == g.tobytes() == b.tobytes()


def test_clarendon_adds_contrast_and_juno_warms():
    img = photographic((160, 120))
    assert ImageStat.Stat(apply_filter(img, "clarendon").convert("L")).stddev[0] > ImageStat.Stat(img.convert("L")).stddev[0]
    warm = ImageStat.Stat(apply_filter(img, "juno")).mean
    base = ImageStat.Stat(img).mean
    assert warm[0] - warm[2] > base[0] - base[2]


def test_slumber_darkens_corners_more_than_the_centre():
    grey = Image.new("RGB", (200, 200), (128, 128, 128))
    out = apply_filter(grey, "slumber")
    assert sum(out.getpixel((2, 2))) < sum(out.getpixel((100, 100)))


@pytest.mark.parametrize("crop, ratio", [("1:1", 1.0), ("4:5", 0.8), ("1.91:1", 1.91)])
def test_crops_have_the_chosen_ratio(crop, ratio):
    for size in ((400, 200), (200, 400), (1000, 1000)):
        out = crop_to_ratio(halves(size), crop)
        assert abs(out.width / out.height - ratio) < 0.01
        assert out.width == size[0] or out.height == size[1]  # the largest window that fits


def test_crop_focus_picks_which_part_stays():
    left = crop_to_ratio(halves(), "1:1", focus=(0.0, 0.5))
    right = crop_to_ratio(halves(), "1:1", focus=(1.0, 0.5))
    assert left.getpixel((100, 100)) == LEFT_RED_RIGHT_BLUE[0]
    assert right.getpixel((100, 100)) == LEFT_RED_RIGHT_BLUE[1]


def test_rotate_clockwise_moves_the_left_half_to_the_top():
    out = rotate(halves(), 1)
    assert out.size == (200, 400)
    assert out.getpixel((100, 50)) == LEFT_RED_RIGHT_BLUE[0]
    assert out.getpixel((100, 350)) == LEFT_RED_RIGHT_BLUE[1]


def test_exif_orientation_is_applied(tmp_path):
    path = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    halves().save(path, "JPEG", exif=exif.tobytes(), quality=95)
    upright = open_photo(path)
    assert upright.size == (200, 400)
    r, g, b = upright.getpixel((100, 50))
    assert r > 150 and b < 100  # red on top, as a viewer shows it


def test_upload_is_resized_metadata_free_jpeg(tmp_path):
    path = tmp_path / "big.jpg"
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    photographic((3600, 2700)).save(path, "JPEG", exif=exif.tobytes())
    out = render_for_upload(path, EditSpec(crop="4:5", filter="lark", strength=0.5), tmp_path / "out.jpg")
    with Image.open(out) as result:
        assert max(result.size) == MAX_UPLOAD_SIDE
        assert abs(result.width / result.height - 0.8) < 0.01
        assert not result.getexif()


def test_small_photos_are_never_upscaled():
    assert fit_within(halves((300, 100)), MAX_UPLOAD_SIDE).size == (300, 100)


def test_preview_matches_full_size_look(tmp_path):
    path = tmp_path / "p.jpg"
    photographic((2400, 1600)).save(path, "JPEG", quality=92)
    spec = EditSpec(crop="1:1", filter="juno", strength=0.8)
    small = Image.open(io.BytesIO(preview_jpeg(preview_copy(path), spec)))
    full = apply_edits(open_photo(path), spec).resize(small.size)
    assert small.width == small.height <= 720
    small_mean, full_mean = ImageStat.Stat(small).mean, ImageStat.Stat(full).mean
    assert all(abs(a - b) < 6 for a, b in zip(small_mean, full_mean))


def test_unknown_filter_or_crop_is_refused():
    with pytest.raises(ValueError):
        EditSpec(filter="sepia-ish")
    with pytest.raises(ValueError):
        EditSpec(crop="16:9")
