"""The page builder's pieces: placeholder colours from blurhashes, and pictures re-rooted under a link."""

from __future__ import annotations

from PIL import Image

from server.media.placeholder import placeholder_for
from server.services.pages import picture_of, placeholder_color
from server.web.pages import render


def test_a_placeholder_colour_is_the_photos_average_colour():
    assert placeholder_color(placeholder_for(Image.new("RGB", (40, 30), (200, 40, 10)))) == "#c8280a"
    assert placeholder_color(None) == placeholder_color("~~") == "#dbdbdb"  # missing or damaged: neutral grey


def test_a_picture_offers_each_distinct_variant_once_at_its_real_width_under_the_links_root():
    stem = "a" * 64
    big = "b" * 64
    medium = {"status": "ready", "type": "photo", "width": 700, "height": 500, "alt_text": "a lake", "placeholder": None,
              "variants": {"thumb": "/media/" + "c" * 64, "320": "/media/" + stem, "640": "/media/" + big,
                           "1080": "/media/" + big, "1440": "/media/" + big}}

    picture = picture_of(medium, "media/", og_prefix="/s/TOKEN/media/")

    assert picture.sources["jpeg"] == [(f"media/{stem}?format=jpeg", 320), (f"media/{big}?format=jpeg", 640)]
    assert picture.sources["best"] == [(f"media/{stem}", 320), (f"media/{big}", 640)]  # the server picks by Accept
    assert picture.og_image == f"/s/TOKEN/media/{big}?format=jpeg"  # the 1080 (here the photo's own width)
    assert picture_of({**medium, "status": "processing"}, "media/") is None


def test_pages_escape_what_people_wrote():
    html = render("message.html", 404, heading="<b>x</b>", message="a & b").text
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "a &amp; b" in html
