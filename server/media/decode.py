"""Open a photo once and turn it into 8-bit sRGB RGB/RGBA pixels.

Everything that depends on the source format lives here: the decoder whitelist,
the decompression-bomb check, JPEG DCT scaling, EXIF orientation, ICC conversion and
the zoo of Pillow modes (CMYK, 16-bit, palette with transparency, grey with alpha).
"""

import io
import struct
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageCms, UnidentifiedImageError

from .errors import INVALID_MEDIA, TOO_LARGE, MediaError
from .limits import MAX_PIXELS

# The one piece of global state: teach Pillow to read HEIC/HEIF (iPhone photos).
pillow_heif.register_heif_opener()

# Pillow plugin per sniffed format. Image.open only ever tries the one plugin the
# magic bytes named, so a crafted file can never reach an unexpected decoder.
PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "avif": "AVIF",
    "heic": "HEIF",
    "ppm": "PPM",  # poster frames handed over by ffmpeg, never user uploads
}

EXIF_ORIENTATION_TAG = 0x0112
# EXIF orientation -> the transposition that makes the picture upright.
_UPRIGHT = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
_SWAPS_AXES = {5, 6, 7, 8}

# Errors Pillow and its plugins raise on malformed input. pillow-heif (HEIC, AVIF) raises RuntimeError
# for a damaged file, and fuzzed files have also drawn ArithmeticError (OverflowError), AssertionError,
# AttributeError and LookupError from Pillow's pure-Python plugins: all are the file's fault.
DECODE_ERRORS = (
    UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, LookupError, TypeError,
    ArithmeticError, RuntimeError, AssertionError, AttributeError, struct.error,
)


def open_photo(path: str, fmt: str) -> Image.Image:
    """Open lazily (header only) and refuse pixel counts above MAX_PIXELS before decoding."""
    try:
        with warnings.catch_warnings():
            # Our own limit is stricter; turn Pillow's bomb warning into its error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path, formats=[PILLOW_FORMATS[fmt]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(TOO_LARGE, f"the picture has too many pixels (limit {MAX_PIXELS // 1_000_000} megapixels)")
    except DECODE_ERRORS as e:
        raise MediaError(INVALID_MEDIA, f"the {fmt.upper()} file is damaged or not a picture ({short_reason(e)})")
    check_pixel_count(img.size)
    return img


def check_pixel_count(size: tuple[int, int]) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise MediaError(INVALID_MEDIA, "the picture has no pixels")
    if width * height > MAX_PIXELS:
        raise MediaError(
            TOO_LARGE,
            f"the picture is {width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels",
        )


def exif_orientation(img: Image.Image) -> int:
    """The EXIF orientation (1..8), or 1 when absent or unreadable.

    pillow-heif already applies HEIF's own rotation and reports 1, so HEIC is not
    rotated twice.
    """
    try:
        value = img.getexif().get(EXIF_ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block must not cost the user their photo
        return 1
    return value if value in range(1, 9) else 1


def upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    width, height = size
    return (height, width) if orientation in _SWAPS_AXES else (width, height)


def apply_orientation(img: Image.Image, orientation: int) -> Image.Image:
    for step in _UPRIGHT.get(orientation, ()):
        img = img.transpose(step)
    return img


def request_scaled_decode(img: Image.Image, at_least: tuple[int, int]) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale if the result still covers `at_least`.

    DCT scaling skips most of the decoding work for big camera JPEGs; other formats
    ignore the request.
    """
    if img.format == "JPEG" and (img.width > at_least[0] * 2 or img.height > at_least[1] * 2):
        img.draft(None, at_least)


@dataclass
class DecodedPixels:
    image: Image.Image  # "RGB" or "RGBA", not yet oriented, possibly in a non-sRGB space
    icc_profile: bytes | None  # set when the pixels still need converting to sRGB


def decode_pixels(img: Image.Image) -> DecodedPixels:
    """Decode and bring any Pillow mode to 8-bit RGB or RGBA.

    ICC conversion of RGB pictures is left to the caller (it is cheaper on the
    downscaled image); CMYK is converted here because resizing needs RGB.
    """
    img.load()
    icc = img.info.get("icc_profile") or None
    mode = img.mode
    if mode == "CMYK":
        img = _cmyk_to_srgb(img, icc)
        icc = None
    elif mode.startswith("I;16") or mode == "I":
        # 16-bit grey: scale 0..65535 down to 0..255 (convert("L") would clip instead).
        img = img.convert("I").point(lambda v: v * (1 / 257)).convert("L").convert("RGB")
        icc = None
    elif mode in ("P", "PA"):
        has_transparency = mode == "PA" or "transparency" in img.info
        img = img.convert("RGBA" if has_transparency else "RGB")
    elif mode in ("LA", "La", "RGBa"):
        img = img.convert("RGBA")
    elif mode in ("1", "L"):
        img = img.convert("RGB")
        icc = None  # a grey ICC profile cannot be applied to RGB; grey gamma ~ sRGB
    elif mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    # Forget every metadata field now, so no encoder can pick one up later.
    img.info = {}
    if icc is not None and _is_srgb(icc):
        icc = None
    return DecodedPixels(img, icc)


def convert_to_srgb(img: Image.Image, icc_profile: bytes) -> Image.Image:
    """Convert pixels from an embedded ICC profile to sRGB; leave them if the profile is bad."""
    try:
        source = ImageCms.ImageCmsProfile(_bytes_io(icc_profile))
        transform = ImageCms.buildTransform(
            source, ImageCms.createProfile("sRGB"), img.mode, img.mode,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
        )
        converted = ImageCms.applyTransform(img, transform)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken profile is a cosmetic problem; showing the picture matters more.
        return img
    converted.info = {}
    return converted


def _cmyk_to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(_bytes_io(icc))
            converted = ImageCms.profileToProfile(
                img, source, ImageCms.createProfile("sRGB"), outputMode="RGB",
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return img.convert("RGB")


def _is_srgb(icc: bytes) -> bool:
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(_bytes_io(icc)))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return True  # unreadable: treat as sRGB rather than fail the photo
    return "srgb" in description.lower().replace(" ", "")


def _bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def short_reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."
