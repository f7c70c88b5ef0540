"""render_photo: one decode, every variant, no metadata.

Stage "primary" (JPEG + WebP) makes the media ready; stage "avif" runs later at a
lower priority, because AVIF encoding costs several times more than the other two.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from PIL import Image

from . import decode, encode, variants
from .errors import MediaError, ProcessingFailed
from .placeholder import placeholder_for
from .sniff import PHOTO, sniff_file

PRIMARY = "primary"
AVIF_STAGE = "avif"
STAGE_FORMATS = {
    PRIMARY: (encode.JPEG, encode.WEBP),
    AVIF_STAGE: (encode.AVIF,),
}


@dataclass
class PhotoResult:
    width: int  # after EXIF orientation
    height: int
    has_alpha: bool
    placeholder: str  # blurhash
    # variant name ("thumb", "320", ...) -> {format: path of <sha256>.<ext>}
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    # variant name -> (width, height) of that variant
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)


def render_photo(original_path: str, out_dir: str, *, stage: str = PRIMARY) -> PhotoResult:
    """Render every variant of the photo at `original_path` into `out_dir`.

    Raises ProcessingFailed (with a short reason for humans) if the file cannot be
    rendered; files already written stay (they are content-addressed, so harmless).
    """
    if stage not in STAGE_FORMATS:
        raise ValueError(f"unknown stage {stage!r}; expected one of {sorted(STAGE_FORMATS)}")
    sniffed = sniff_file(original_path)
    if sniffed is None or sniffed.kind != PHOTO:
        raise ProcessingFailed("the original is not a photo in a supported format")
    return render_from_file(original_path, sniffed.format, out_dir, STAGE_FORMATS[stage])


def render_from_file(path: str, fmt: str, out_dir: str, formats: tuple[str, ...]) -> PhotoResult:
    """The pipeline for a file whose format is already known (also used for video posters)."""
    os.makedirs(out_dir, exist_ok=True)
    try:
        upright, images = _decode_variants(path, fmt)
    except MediaError as e:
        raise ProcessingFailed(e.message) from None
    except MemoryError:
        raise ProcessingFailed("not enough memory to decode the picture") from None
    except decode.DECODE_ERRORS as e:
        raise ProcessingFailed(f"the picture could not be decoded ({decode.short_reason(e)})") from None

    smallest = min((im for name, im in images.items() if name != variants.THUMB),
                   key=lambda im: im.width)
    result = PhotoResult(
        width=upright[0],
        height=upright[1],
        has_alpha=smallest.mode == "RGBA",
        placeholder=placeholder_for(smallest),
    )
    def encode_one(task: tuple[str, str]) -> tuple[str, str, str]:
        name, fmt_name = task
        try:
            data = encode.ENCODERS[fmt_name](images[name])
        except (OSError, ValueError) as e:
            raise ProcessingFailed(f"{fmt_name} encoding failed ({decode.short_reason(e)})") from None
        return name, fmt_name, encode.store_content_addressed(data, out_dir, encode.EXTENSIONS[fmt_name])

    # Pillow's encoders release the GIL, so one photo's variants are encoded on every core at once: the largest
    # first, so the threads finish together. (Several photos at once still get a process each.)
    tasks = sorted(((name, fmt_name) for name in images for fmt_name in formats),
                   key=lambda task: -images[task[0]].width * images[task[0]].height)
    for name, img in images.items():
        result.sizes[name] = img.size
        result.files[name] = {}
    for name, fmt_name, stored in _encoder_pool().map(encode_one, tasks):
        result.files[name][fmt_name] = stored
    return result


_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _encoder_pool() -> ThreadPoolExecutor:
    """One small thread pool per process (created on first use)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():  # threads do not survive a fork: a child makes its own
            _pool_pid = os.getpid()
            _pool = ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="encode")
        return _pool


def _decode_variants(path: str, fmt: str) -> tuple[tuple[int, int], dict[str, Image.Image]]:
    """Upright size of the original, and every variant image (largest first, then thumb)."""
    with decode.open_photo(path, fmt) as img:
        orientation = decode.exif_orientation(img)
        upright = decode.upright_size(img.size, orientation)
        plan = variants.plan_sizes(upright)
        largest_upright = next(iter(plan.values()))
        # Sizes before orientation, since decoding and the first resize happen unrotated.
        largest_stored = decode.upright_size(largest_upright, orientation)
        decode.request_scaled_decode(img, largest_stored)
        pixels = decode.decode_pixels(img)

    working = pixels.image
    if working.size != largest_stored:
        working = working.resize(largest_stored, variants.RESAMPLE, reducing_gap=variants.REDUCING_GAP)
    if pixels.icc_profile is not None:
        working = decode.convert_to_srgb(working, pixels.icc_profile)
    working = decode.apply_orientation(working, orientation)
    if working.mode == "RGBA" and working.getchannel("A").getextrema() == (255, 255):
        working = working.convert("RGB")  # an opaque alpha channel only costs bytes
    return upright, variants.cascade(working, plan)
