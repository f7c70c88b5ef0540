"""Crop like people expect: the frame, the zoom and where the photo was dragged decide the box that is kept,
and the preview's small copy keeps the same part of the photo as the full-size upload."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from app.editing import (ZOOM_MAX, EditSpec, apply_edits, crop_box, filter_samples, open_photo, pan_focus,
                         preview_and_thumb, preview_copy, render_for_upload)
from tests.fixtures.images import photographic


@pytest.mark.parametrize("size, crop, box", [
    ((1200, 900), "1:1", (150, 0, 1050, 900)),         # a landscape photo in a square: the middle
    ((1200, 900), "4:5", (240, 0, 960, 900)),          # 720 x 900
    ((1200, 900), "1.91:1", (0, 136, 1200, 764)),      # 1200 x 628: cut top and bottom
    ((1200, 900), "original", (0, 0, 1200, 900)),
    ((900, 1200), "1:1", (0, 150, 900, 1050)),
])
def test_the_frame_at_zoom_1_is_the_largest_window_in_the_middle(size, crop, box):
    assert crop_box(size, crop) == box


def test_zoom_2_keeps_half_the_width_and_height_around_the_same_centre():
    assert crop_box((1200, 900), "1:1", zoom=2.0) == (375, 225, 825, 675)
    assert crop_box((1200, 900), "original", zoom=2.0) == (300, 225, 900, 675)


def test_focus_slides_the_window_from_edge_to_edge():
    assert crop_box((1200, 900), "1:1", zoom=2.0, focus=(0.0, 0.0)) == (0, 0, 450, 450)
    assert crop_box((1200, 900), "1:1", zoom=2.0, focus=(1.0, 1.0)) == (750, 450, 1200, 900)
    assert crop_box((1200, 900), "1:1", zoom=2.0, focus=(0.25, 0.5)) == (188, 225, 638, 675)


def test_out_of_range_zoom_and_focus_are_held_at_the_limits():
    assert crop_box((1200, 900), "1:1", zoom=99, focus=(2.0, -1.0)) == crop_box((1200, 900), "1:1", ZOOM_MAX, (1.0, 0.0))
    with pytest.raises(ValueError):
        EditSpec(zoom=0.5)


def test_dragging_the_photo_right_shows_more_of_its_left():
    # Square frame at zoom 2 on 1200 x 900: a 450 px window with 750 px of room across, 450 down.
    # Dragging a third of the frame's width to the right moves the window 150 px left: 150/750 of the room.
    focus = pan_focus((1200, 900), "1:1", 2.0, (0.5, 0.5), (1 / 3, 0.0))
    assert focus == pytest.approx((0.5 - 150 / 750, 0.5))
    assert crop_box((1200, 900), "1:1", 2.0, focus) == (225, 225, 675, 675)
    # Dragging up by the whole frame's height: the window goes down 450 px, against the bottom edge.
    assert pan_focus((1200, 900), "1:1", 2.0, (0.5, 0.5), (0.0, -1.0)) == pytest.approx((0.5, 1.0))


def test_an_axis_with_no_room_does_not_move():
    # A landscape photo in a landscape frame of its own ratio at zoom 1 fills it: nothing to pan.
    assert pan_focus((1200, 900), "original", 1.0, (0.5, 0.5), (0.4, 0.4)) == (0.5, 0.5)
    # In a square frame it can move across but not down.
    assert pan_focus((1200, 900), "1:1", 1.0, (0.5, 0.5), (0.1, 0.4)) == pytest.approx((0.5 - 90 / 300, 0.5))


def test_the_upload_keeps_the_part_of_the_photo_the_preview_shows(tmp_path):
    path = tmp_path / "p.jpg"
    photographic((2400, 1600), seed=3).save(path, "JPEG", quality=92)
    spec = EditSpec(crop="4:5", zoom=2.5, focus=(0.8, 0.3), quarter_turns=1)
    preview, thumb = preview_and_thumb(preview_copy(path), spec)
    shown = Image.open(io.BytesIO(preview)).convert("RGB")
    uploaded = Image.open(render_for_upload(path, spec, tmp_path / "out.jpg")).convert("RGB")
    assert abs(shown.width / shown.height - 0.8) < 0.02 and abs(uploaded.width / uploaded.height - 0.8) < 0.01
    # Same pixels, not only the same ratio: a window off by even a tenth of its width differs a lot more.
    difference = ImageStat.Stat(ImageChops.difference(shown, uploaded.resize(shown.size))).mean
    assert max(difference) < 8
    shifted = apply_edits(open_photo(path), EditSpec(crop="4:5", zoom=2.5, focus=(0.7, 0.3), quarter_turns=1))
    assert max(ImageStat.Stat(ImageChops.difference(shown, shifted.resize(shown.size))).mean) > 2 * max(difference)
    assert max(Image.open(io.BytesIO(thumb)).size) <= 128


def test_filter_samples_show_each_filter_on_the_photo(tmp_path):
    samples = filter_samples(photographic((800, 600)))
    images = {name: Image.open(io.BytesIO(jpeg)).convert("RGB") for name, jpeg in samples.items()}
    assert {image.size for image in images.values()} == {(112, 112)}
    assert ImageStat.Stat(images["moon"]).mean[0] == pytest.approx(ImageStat.Stat(images["moon"]).mean[2], abs=2)
    assert len({bytes(image.tobytes()) for image in images.values()}) == len(images)
