"""Photo editing before upload, in pure Pillow: orientation, rotate, crop, filters, resize.

Flow 5 of the design: the preview runs on a downscaled copy (fast enough to follow a slider), and
the same ``EditSpec`` is applied to the full-size photo on share, then resized to ``MAX_UPLOAD_SIDE``.
Every filter is a ``FilterRecipe`` folded into one 256-entry table per channel (a single
``Image.point`` pass) plus an optional saturation step and vignette, so a 12-megapixel photo
filters in a fraction of a second.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageEnhance, ImageOps

try:  # iPhone photos arrive as HEIC; the server's pipeline already depends on pillow-heif
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - optional at runtime
    pillow_heif = None

# The server's largest variant is 1440 px wide; 2048 on the long side leaves room for a crop on the
# server and a future larger variant while keeping a typical upload around 1 MB instead of 5–10 MB.
MAX_UPLOAD_SIDE = 2048
# Large enough to judge a filter on a laptop screen, small enough to re-filter on every slider move.
PREVIEW_SIDE = 720
# Visually lossless for photos; the server re-encodes every variant anyway.
UPLOAD_JPEG_QUALITY = 90
PREVIEW_JPEG_QUALITY = 80
# The strip of photos being posted and each filter's sample: small enough to render all of them at once.
THUMB_SIDE = 128
FILTER_SAMPLE_SIDE = 112
# Zooming past 4x leaves a 12-megapixel photo's window at under 1 megapixel: blurry at the largest variant.
ZOOM_MIN, ZOOM_MAX = 1.0, 4.0
# The vignette mask is drawn this small and scaled up: a smooth gradient needs no more detail.
VIGNETTE_MASK_SIDE = 256

CROP_RATIOS: dict[str, float | None] = {
    "original": None,
    "1:1": 1.0,
    "4:5": 4 / 5,
    "1.91:1": 1.91,
}
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".avif", ".gif"}


@dataclass(frozen=True)
class FilterRecipe:
    """A look, as adjustments at full strength; ``strength`` scales each towards no change."""

    label: str
    brightness: float = 1.0
    contrast: float = 1.0
    saturation: float = 1.0
    gain: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per-channel colour balance
    gamma: tuple[float, float, float] = (1.0, 1.0, 1.0)  # > 1 lifts the channel's midtones
    fade: float = 0.0  # raises the black point: the washed-out "film" look
    tint: tuple[int, int, int] = (0, 0, 0)
    tint_amount: float = 0.0
    vignette: float = 0.0  # how dark the corners get


FILTERS: dict[str, FilterRecipe] = {
    "normal": FilterRecipe("Normal"),
    "clarendon": FilterRecipe("Clarendon", contrast=1.25, saturation=1.35, gain=(0.96, 1.0, 1.06), gamma=(1.0, 1.02, 1.08)),
    "gingham": FilterRecipe("Gingham", brightness=1.05, contrast=0.88, saturation=0.85, fade=0.08, gain=(1.0, 1.0, 0.97)),
    "juno": FilterRecipe("Juno", contrast=1.15, saturation=1.35, gain=(1.08, 1.03, 0.92), gamma=(1.05, 1.0, 0.95)),
    "lark": FilterRecipe("Lark", brightness=1.1, contrast=0.94, saturation=1.05, gain=(0.95, 1.03, 1.06), gamma=(0.95, 1.08, 1.08)),
    "moon": FilterRecipe("Moon", brightness=1.08, contrast=1.15, saturation=0.0, fade=0.05),
    "valencia": FilterRecipe("Valencia", brightness=1.08, contrast=1.08, tint=(230, 193, 123), tint_amount=0.1),
    "nashville": FilterRecipe("Nashville", brightness=1.05, contrast=1.2, saturation=1.2, tint=(247, 176, 153),
                              tint_amount=0.16, fade=0.04),
    "reyes": FilterRecipe("Reyes", brightness=1.1, contrast=0.85, saturation=0.75, fade=0.12, tint=(239, 205, 173), tint_amount=0.1),
    "aden": FilterRecipe("Aden", brightness=1.08, contrast=0.9, saturation=0.85, tint=(66, 10, 14), tint_amount=0.06,
                         gamma=(1.05, 1.0, 1.04), fade=0.06),
    "slumber": FilterRecipe("Slumber", brightness=1.05, saturation=0.66, tint=(69, 41, 12), tint_amount=0.12, vignette=0.35),
}


@dataclass(frozen=True)
class EditSpec:
    """Everything the user chose in the create flow; applied identically to preview and full size."""

    crop: str = "original"
    quarter_turns: int = 0  # clockwise
    filter: str = "normal"
    strength: float = 1.0
    focus: tuple[float, float] = (0.5, 0.5)  # where the crop window sits, 0..1 on each axis
    zoom: float = 1.0  # 1: the largest window of the frame's ratio; 2: half as wide and high

    def __post_init__(self) -> None:
        if self.crop not in CROP_RATIOS:
            raise ValueError(f"unknown crop {self.crop!r}; choose one of {', '.join(CROP_RATIOS)}")
        if self.filter not in FILTERS:
            raise ValueError(f"unknown filter {self.filter!r}; choose one of {', '.join(FILTERS)}")
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError("strength must be between 0 and 1")
        if not ZOOM_MIN <= self.zoom <= ZOOM_MAX:
            raise ValueError(f"zoom must be between {ZOOM_MIN:g} and {ZOOM_MAX:g}")


def open_photo(source: Path | bytes, *, draft_side: int | None = None) -> Image.Image:
    """Decode a photo upright (EXIF orientation applied) in RGB. ``draft_side`` lets JPEG decode
    at a reduced scale, which makes previews of 12-megapixel photos nearly free."""
    img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    if draft_side and img.format == "JPEG":
        img.draft("RGB", (draft_side, draft_side))
    img = ImageOps.exif_transpose(img)
    return flatten(img)


def flatten(img: Image.Image) -> Image.Image:
    """RGB without alpha: transparent areas become white, as they look in most viewers."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB") if img.mode != "RGB" else img


def rotate(img: Image.Image, quarter_turns: int) -> Image.Image:
    turns = quarter_turns % 4
    return img if turns == 0 else img.transpose((None, Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_180,
                                                 Image.Transpose.ROTATE_90)[turns])


def frame_ratio(size: tuple[int, int], crop: str) -> float:
    """Width over height of the chosen frame ("original" keeps the photo's own)."""
    return CROP_RATIOS[crop] or size[0] / size[1]


def crop_window(size: tuple[int, int], crop: str, zoom: float = 1.0) -> tuple[float, float]:
    """The crop window's width and height in the photo's pixels: the largest of the frame's ratio,
    divided by the zoom."""
    width, height = size
    ratio = frame_ratio(size, crop)
    if width / height > ratio:
        window = (height * ratio, float(height))
    else:
        window = (float(width), width / ratio)
    zoom = min(max(zoom, ZOOM_MIN), ZOOM_MAX)
    return window[0] / zoom, window[1] / zoom


def crop_box(size: tuple[int, int], crop: str, zoom: float = 1.0,
             focus: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int, int, int]:
    """The (left, top, right, bottom) box that is kept: the crop window placed at ``focus``, where 0 puts it
    against the left (top) edge and 1 against the right (bottom) edge. It depends on the size only through
    proportions, so the preview's small copy and the full-size photo keep the same part."""
    width, height = size
    window_width, window_height = crop_window(size, crop, zoom)
    new_width, new_height = max(1, round(window_width)), max(1, round(window_height))
    left = round((width - new_width) * min(max(focus[0], 0.0), 1.0))
    top = round((height - new_height) * min(max(focus[1], 0.0), 1.0))
    return left, top, left + new_width, top + new_height


def pan_focus(size: tuple[int, int], crop: str, zoom: float, focus: tuple[float, float],
              drag: tuple[float, float]) -> tuple[float, float]:
    """Where the window sits after the photo is dragged by ``drag`` (fractions of the frame's width and
    height, as shown on screen): the photo follows the finger, so the window moves the other way. A photo
    with no room to move on an axis (it fills the frame exactly) keeps its focus there."""
    window = crop_window(size, crop, zoom)
    moved = []
    for axis in (0, 1):
        room = size[axis] - window[axis]
        if room < 1:
            moved.append(focus[axis])
            continue
        moved.append(min(max(focus[axis] - drag[axis] * window[axis] / room, 0.0), 1.0))
    return moved[0], moved[1]


def crop_to_ratio(img: Image.Image, crop: str, focus: tuple[float, float] = (0.5, 0.5), zoom: float = 1.0) -> Image.Image:
    """The crop window of the chosen width:height ratio and zoom, placed at ``focus``."""
    if CROP_RATIOS[crop] is None and zoom == 1.0:
        return img
    return img.crop(crop_box(img.size, crop, zoom, focus))


def fit_within(img: Image.Image, max_side: int) -> Image.Image:
    """Scale down (never up) so the longer side is at most ``max_side``."""
    if max(img.size) <= max_side:
        return img
    scale = max_side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.LANCZOS)


def apply_filter(img: Image.Image, name: str, strength: float = 1.0) -> Image.Image:
    recipe = FILTERS[name]
    strength = min(max(strength, 0.0), 1.0)
    if name == "normal" or strength == 0.0:
        return img
    saturation = 1.0 + (recipe.saturation - 1.0) * strength
    if saturation != 1.0:
        img = ImageEnhance.Color(img).enhance(saturation)
    img = img.point(_lookup_table(recipe, strength))
    if recipe.vignette:
        img = _vignette(img, recipe.vignette * strength)
    return img


def _lookup_table(recipe: FilterRecipe, strength: float) -> list[int]:
    """Brightness, contrast, balance, gamma, fade and tint folded into one table per channel."""
    table = []
    for channel in range(3):
        for value in range(256):
            x = value / 255 * recipe.brightness
            x = (x - 0.5) * recipe.contrast + 0.5
            x = min(max(x * recipe.gain[channel], 0.0), 1.0)
            x = x ** (1.0 / recipe.gamma[channel])
            x = recipe.fade + x * (1.0 - recipe.fade)
            x = x * (1.0 - recipe.tint_amount) + recipe.tint[channel] / 255 * recipe.tint_amount
            filtered = x * 255
            table.append(round(min(max(value + (filtered - value) * strength, 0), 255)))
    return table


def _vignette(img: Image.Image, amount: float) -> Image.Image:
    side = VIGNETTE_MASK_SIDE
    radial = Image.radial_gradient("L").resize((side, side))  # 0 in the centre, 255 at the corners
    darkest = round(255 * (1.0 - amount))
    mask = radial.point(lambda v: 255 - (255 - darkest) * max(0, v - 96) // (255 - 96))
    mask = mask.resize(img.size, Image.Resampling.BILINEAR).convert("RGB")
    return ImageChops.multiply(img, mask)


def apply_edits(img: Image.Image, spec: EditSpec) -> Image.Image:
    img = rotate(img, spec.quarter_turns)
    img = crop_to_ratio(img, spec.crop, spec.focus, spec.zoom)
    return apply_filter(img, spec.filter, spec.strength)


def preview_copy(source: Path | bytes, side: int = PREVIEW_SIDE) -> Image.Image:
    """The downscaled copy the create screen filters live."""
    return fit_within(open_photo(source, draft_side=side), side)


def preview_jpeg(small: Image.Image, spec: EditSpec) -> bytes:
    return to_jpeg(apply_edits(small, spec), PREVIEW_JPEG_QUALITY)


def preview_and_thumb(small: Image.Image, spec: EditSpec) -> tuple[bytes, bytes]:
    """The edited preview, and a small copy of it for the strip of photos being posted."""
    edited = apply_edits(small, spec)
    return to_jpeg(edited, PREVIEW_JPEG_QUALITY), to_jpeg(fit_within(edited, THUMB_SIDE), PREVIEW_JPEG_QUALITY)


def filter_samples(small: Image.Image, quarter_turns: int = 0, side: int = FILTER_SAMPLE_SIDE) -> dict[str, bytes]:
    """Each filter applied to a small square from the middle of the photo (turned as the user turned it):
    the filter strip's thumbnails. Crop and zoom are left out so a pan does not redraw the strip."""
    square = crop_to_ratio(rotate(small, quarter_turns), "1:1")
    square = square.resize((side, side), Image.Resampling.BILINEAR)
    return {name: to_jpeg(apply_filter(square, name), PREVIEW_JPEG_QUALITY) for name in FILTERS}


def render_for_upload(source: Path | bytes, spec: EditSpec, destination: Path, max_side: int = MAX_UPLOAD_SIDE) -> Path:
    """Apply the edits at full size, then resize, and write a JPEG with no metadata (no GPS leaves
    the device, even before the server strips it)."""
    img = fit_within(apply_edits(open_photo(source), spec), max_side)
    destination.write_bytes(to_jpeg(img, UPLOAD_JPEG_QUALITY))
    return destination


def to_jpeg(img: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality, optimize=False)
    return buffer.getvalue()


def is_photo(path: Path) -> bool:
    return path.suffix.lower() in PHOTO_SUFFIXES
