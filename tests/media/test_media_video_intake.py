import pytest

from server.media import MediaError, inspect_file, limits
from tests.fixtures.videos import make_video


def test_short_video_is_accepted(tmp_path):
    path = tmp_path / "clip.mp4"
    make_video(path, 2)
    found = inspect_file(str(path))
    assert (found.kind, found.format, found.width, found.height) == ("video", "mp4", 320, 240)
    assert found.duration_s == pytest.approx(2.0, abs=0.2)


def test_rotated_video_reports_display_size(tmp_path):
    path = tmp_path / "portrait.mp4"
    make_video(path, 1, rotation=90)
    found = inspect_file(str(path))
    assert (found.width, found.height) == (240, 320)


def test_video_over_60_seconds_is_too_large(tmp_path):
    path = tmp_path / "long.mp4"
    make_video(path, limits.MAX_VIDEO_SECONDS + 1, size=(32, 32), fps=2, audio=False)
    with pytest.raises(MediaError) as info:
        inspect_file(str(path))
    assert info.value.code == "too_large"
    assert "60 s" in info.value.message


def test_audio_only_file_is_invalid(tmp_path):
    path = tmp_path / "song.mp4"
    make_video(path, 1, video=False)
    with pytest.raises(MediaError) as info:
        inspect_file(str(path))
    assert info.value.code == "invalid_media"
    assert "no video" in info.value.message


def test_truncated_video_is_invalid(tmp_path):
    source = tmp_path / "clip.mp4"
    make_video(source, 2)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(MediaError) as info:
        inspect_file(str(cut))
    assert info.value.code == "invalid_media"
