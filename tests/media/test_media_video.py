"""render_video: renditions, rotation, metadata, poster."""

import pytest
from PIL import Image

from server.media import ProcessingFailed, render_video
from server.media.ffmpeg import probe
from tests.fixtures.videos import make_video


@pytest.fixture(scope="module")
def rotated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("video")
    source = tmp / "portrait.mp4"
    # A sideways 1280x720 stream that phones tag "rotate 90": shown as 720x1280.
    make_video(source, 2, size=(1280, 720), rotation=90)
    return render_video(str(source), str(tmp / "out"))


def test_renditions_are_upright_and_named_by_short_side(rotated):
    assert (rotated.width, rotated.height) == (720, 1280)
    assert rotated.duration_s == pytest.approx(2.0, abs=0.2)
    assert rotated.stream_sizes == {"360": (360, 640), "720": (720, 1280)}
    for name, path in rotated.streams.items():
        info = probe(path, 20)
        assert info.rotation == 0  # applied to the pixels, not left as side data
        assert (info.coded_width, info.coded_height) == rotated.stream_sizes[name]
        assert info.codec == "h264" and info.has_audio


def test_streams_are_faststart_and_without_metadata(rotated):
    for path in rotated.streams.values():
        data = open(path, "rb").read()
        assert data.index(b"moov") < data.index(b"mdat")  # playable before fully loaded
        assert b"SECRET-TITLE" not in data and b"+48.8584" not in data
        assert b"Lavf" not in data


def test_poster_has_photo_variants_and_placeholder(rotated):
    assert set(rotated.poster) == {"640", "320", "thumb"}
    assert rotated.poster_sizes["640"] == (640, 1138)
    with Image.open(rotated.poster["thumb"]["jpeg"]) as thumb:
        assert thumb.size == (150, 150)
    assert rotated.poster["320"]["webp"].endswith(".webp")
    assert len(rotated.placeholder) == 4 + 2 * 3 * 4


def test_small_video_is_not_upscaled(tmp_path):
    source = tmp_path / "tiny.mp4"
    make_video(source, 1, size=(160, 120), audio=False)
    result = render_video(str(source), str(tmp_path / "out"))
    assert result.stream_sizes == {"360": (160, 120)}
    assert not probe(result.streams["360"], 20).has_audio


def test_broken_video_fails_processing(tmp_path):
    source = tmp_path / "broken.mp4"
    source.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomiso2" + b"\x00" * 500)
    with pytest.raises(ProcessingFailed):
        render_video(str(source), str(tmp_path / "out"))
