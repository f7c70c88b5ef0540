"""Encode variants with explicit parameters only and store them under their own hash.

No encoder call ever receives `exif=`, `icc_profile=`, `xmp=`, a comment or an `info`
dict, and decode.py has already emptied every image's `info`, so nothing from the
original (GPS above all) can reach a variant. Outputs carry no ICC profile: untagged
pixels are read as sRGB by every browser, which is what they are.
"""

import hashlib
import io
import os
import tempfile

from PIL import Image

from .limits import (
    AVIF_MAX_THREADS,
    AVIF_QUALITY,
    AVIF_SPEED,
    JPEG_QUALITY,
    WEBP_METHOD,
    WEBP_QUALITY,
)
from .placeholder import flatten_on_white

JPEG = "jpeg"
WEBP = "webp"
AVIF = "avif"
MP4 = "mp4"  # videos (media/video.py)
EXTENSIONS = {JPEG: "jpg", WEBP: "webp", AVIF: "avif", MP4: "mp4"}  # the file name extension of each stored format


def encode_jpeg(img: Image.Image) -> bytes:
    # JPEG has no alpha: composite on white, as a browser shows a transparent PNG.
    rgb = flatten_on_white(img)
    return _save(rgb, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True,
                 subsampling="4:2:0")


def encode_webp(img: Image.Image) -> bytes:
    return _save(img, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)


def encode_avif(img: Image.Image) -> bytes:
    return _save(img, "AVIF", quality=AVIF_QUALITY, speed=AVIF_SPEED,
                 max_threads=AVIF_MAX_THREADS, subsampling="4:2:0")


ENCODERS = {JPEG: encode_jpeg, WEBP: encode_webp, AVIF: encode_avif}


def _save(img: Image.Image, pillow_format: str, **params) -> bytes:
    # One variant is encoded in several formats at once, on several threads, and ``Image.save`` keeps its
    # options on the image object (``encoderinfo``): two formats saving the same object could swap quality
    # and effort settings. Each save gets its own object over the same pixels (no copy).
    img.load()  # the variants are rendered already: this only makes sure the pixels are there
    own = img._new(img.im)
    own.info = {}  # belt and braces: some plugins fall back to im.info for metadata
    buffer = io.BytesIO()
    own.save(buffer, pillow_format, **params)
    return buffer.getvalue()


def store_content_addressed(data: bytes, out_dir: str, extension: str) -> str:
    """Write `data` to `<out_dir>/<sha256>.<extension>` atomically; return the path.

    The same bytes always land at the same name, so a retried job rewrites nothing and
    the caller can upload under an immutable key.
    """
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(out_dir, f"{digest}.{extension}")
    if os.path.exists(path):
        return path
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
