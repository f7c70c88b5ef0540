"""Intake validation: the cheap checks done before the server answers 201.

A file that passes can still fail later (ProcessingFailed), but everything a user can
be told immediately is caught here: empty, unknown type, too big, bomb, undecodable,
too long, no picture.
"""

import os
from dataclasses import dataclass

from . import decode
from .errors import INVALID_MEDIA, TOO_LARGE, UNSUPPORTED_MEDIA, MediaError, ProcessingFailed
from .ffmpeg import measure_duration, probe
from .limits import (
    MAX_PHOTO_BYTES,
    MAX_PIXELS,
    MAX_VIDEO_BYTES,
    MAX_VIDEO_FRAME_PIXELS,
    MAX_VIDEO_SECONDS,
    PROBE_TIMEOUT_SECONDS,
    VIDEO_DURATION_SLACK_SECONDS,
)
from .sniff import PHOTO, Sniffed, sniff_file

# A scaled JPEG decode still entropy-decodes every scan (so truncation and broken scans
# are found) while skipping most of the pixel work.
_VERIFY_JPEG_SIZE = (256, 256)


@dataclass
class Inspection:
    kind: str  # "photo" | "video"
    format: str  # sniffed format, e.g. "jpeg", "heic", "mp4"
    content_type: str
    width: int  # as displayed: after EXIF orientation / video rotation
    height: int
    duration_s: float | None  # videos only


def inspect_file(path: str, sniffed: Sniffed | None = None) -> Inspection:
    """Validate the upload at `path`; raise MediaError with a code and a clear message.

    `sniffed` is what the caller got from sniff() on the first bytes; None sniffs here.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise MediaError(INVALID_MEDIA, "the file is empty")
    if sniffed is None:
        sniffed = sniff_file(path)
    if sniffed is None:
        raise MediaError(
            UNSUPPORTED_MEDIA,
            "this is not a supported photo (JPEG, PNG, HEIC, WebP, AVIF, GIF) or video (MP4, MOV, WebM)",
        )
    if sniffed.kind == PHOTO:
        return _inspect_photo(path, size, sniffed)
    return _inspect_video(path, size, sniffed)


def _inspect_photo(path: str, size: int, sniffed: Sniffed) -> Inspection:
    if size > MAX_PHOTO_BYTES:
        raise MediaError(TOO_LARGE, f"photos are limited to {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    try:
        with decode.open_photo(path, sniffed.format) as img:
            orientation = decode.exif_orientation(img)
            width, height = decode.upright_size(img.size, orientation)
            decode.request_scaled_decode(img, _VERIFY_JPEG_SIZE)
            img.load()
    except MediaError:
        raise
    except MemoryError:
        raise MediaError(TOO_LARGE, f"the picture is too large to decode (limit {MAX_PIXELS // 1_000_000} megapixels)") from None
    except decode.DECODE_ERRORS as e:
        raise MediaError(
            INVALID_MEDIA, f"the {sniffed.format.upper()} file is damaged and cannot be decoded ({decode.short_reason(e)})"
        ) from None
    return Inspection(sniffed.kind, sniffed.format, sniffed.content_type, width, height, None)


def _inspect_video(path: str, size: int, sniffed: Sniffed) -> Inspection:
    if size > MAX_VIDEO_BYTES:
        raise MediaError(TOO_LARGE, f"videos are limited to {MAX_VIDEO_BYTES // (1024 * 1024)} MB")
    try:
        info = probe(path, PROBE_TIMEOUT_SECONDS)
    except ProcessingFailed as e:
        raise MediaError(INVALID_MEDIA, f"the video could not be read ({e.reason})") from None
    if not info.has_video:
        raise MediaError(INVALID_MEDIA, "the file has no video stream")
    if not info.decodable:
        raise MediaError(INVALID_MEDIA, f"the video is damaged and cannot be decoded ({info.error_tail[:120]})")
    if info.coded_width * info.coded_height > MAX_VIDEO_FRAME_PIXELS:
        raise MediaError(TOO_LARGE, f"the video is {info.coded_width}x{info.coded_height}; the limit is 8K (7680x4320)")
    duration = info.duration_s
    if duration is None:
        duration = measure_duration(path, PROBE_TIMEOUT_SECONDS)
    if duration is None:
        raise MediaError(INVALID_MEDIA, "the video does not state its duration")
    # Too long is a limit, like bytes and pixels, so it shares their code: too_large.
    if duration > MAX_VIDEO_SECONDS + VIDEO_DURATION_SLACK_SECONDS:
        raise MediaError(
            TOO_LARGE, f"the video is {duration:.1f} s long; the limit is {MAX_VIDEO_SECONDS} s"
        )
    width, height = info.display_size
    return Inspection(sniffed.kind, sniffed.format, sniffed.content_type, width, height, duration)
