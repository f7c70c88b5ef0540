"""Which variant sizes a picture gets, and how they are cut from one decoded image.

Rules (the API exposes "thumb", "320", "640", "1080", "1440"):
- A width variant is produced only if the picture is at least that wide: never upscaled.
  The caller maps a missing key to the largest produced one.
- A picture narrower than 320 px still gets a "320" variant, at its own width, so every
  photo has at least "thumb" and "320".
- "thumb" is always THUMB_SIZE x THUMB_SIZE, centre-cropped; it is the one variant that
  may be enlarged (a tiny source or an extreme panorama), because grid tiles are fixed.
- A side longer than MAX_VARIANT_SIDE (very tall screenshots) is scaled to fit.
"""

from PIL import Image

from .limits import MAX_VARIANT_SIDE, THUMB_SIZE, VARIANT_WIDTHS

THUMB = "thumb"
# Pillow's reduce-then-resample: with a gap of 3 the result is indistinguishable from a
# full Lanczos pass and large reductions cost a fraction of the time.
REDUCING_GAP = 3.0
RESAMPLE = Image.Resampling.LANCZOS


def plan_sizes(upright: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """Variant name -> (width, height), largest first, for a picture of size `upright`."""
    width, height = upright
    widths = [w for w in VARIANT_WIDTHS if w <= width]
    plan = {str(w): _fit(w, height * w / width) for w in reversed(widths)}
    if not plan:
        plan[str(VARIANT_WIDTHS[0])] = _fit(width, height)
    return plan


def _fit(width: float, height: float) -> tuple[int, int]:
    scale = min(1.0, MAX_VARIANT_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def cascade(largest: Image.Image, plan: dict[str, tuple[int, int]]) -> dict[str, Image.Image]:
    """Resize each variant from the next larger one: far fewer pixels than from the source.

    `largest` must already have the size of the first entry of `plan`.
    """
    images: dict[str, Image.Image] = {}
    previous = largest
    for name, size in plan.items():
        if previous.size != size:
            previous = previous.resize(size, RESAMPLE, reducing_gap=REDUCING_GAP)
        images[name] = previous
    images[THUMB] = square_thumb(images)
    return images


def square_thumb(variants: dict[str, Image.Image]) -> Image.Image:
    """Centre square from the smallest variant that still covers THUMB_SIZE."""
    candidates = sorted(variants.values(), key=lambda im: im.width)
    source = next((im for im in candidates if min(im.size) >= THUMB_SIZE), candidates[-1])
    side = min(source.size)
    left = (source.width - side) // 2
    top = (source.height - side) // 2
    return source.resize(
        (THUMB_SIZE, THUMB_SIZE), RESAMPLE, box=(left, top, left + side, top + side),
        reducing_gap=REDUCING_GAP,
    )
