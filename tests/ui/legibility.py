"""Whether a screen looks right in its theme, measured the way a person looks at it: from the pixels drawn.

Flutter paints on a canvas, so nothing in the page's styles says what colour anything is: the screenshot is the
truth, and the accessibility tree says where the pictures and the texts are. Three things are measured (the
thresholds are on the 0–255 scale of a grey of each pixel's relative luminance, so that a saturated red weighs as
WCAG weighs it):

- **The background.** The most common brightness among the pixels outside pictures is the page's own surface
  (or an open dialog's, as a dialog dims the page behind it in both themes):
  at most ``DARK_BACKGROUND_MAX`` in the dark theme, at least ``LIGHT_BACKGROUND_MIN`` in the light one. (The
  mode, not the mean: text, buttons and icons do not move it, a screen-wide wrong surface does.)
- **No surface of the other theme.** A card, sheet, panel or menu left in the other theme's colours is a flat
  area (tiles of ``TILE`` px whose brightness hardly varies) of the other theme's brightness; none may be as
  large as ``SURFACE_MIN_SIDE`` px both ways. Filled buttons are bright in the dark theme by design (Material 3's
  primary colour), and are far less tall than that.
- **Readable text.** Every node of the accessibility tree that carries words (its label or its text) is looked
  at in its box, pictures left out: its background is the box's most common brightness and its ink the
  brightness farthest from it that at least ``INK_SHARE`` of the box's pixels reach. Their contrast ratio (as
  WCAG computes it, from relative luminance) must be at least ``MIN_CONTRAST``: 3:1 is WCAG's floor for large
  text and for controls. Dark grey on black or pale grey on white falls well below it, and antialiasing of
  small text costs a little, so 3:1 measured from pixels is a floor that readable text clears with room to spare
  (the theme's colours are designed for 4.5:1 and more). It finds text that cannot be read, not text that misses
  WCAG AA's 4.5:1: the light theme's dark pink on black measures about 3.2:1 and passes. Disabled controls are
  left out: they are faint on purpose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageMath, ImageStat

DARK_BACKGROUND_MAX = 60
LIGHT_BACKGROUND_MIN = 200
MIN_CONTRAST = 3.0
INK_SHARE = 0.005  # of a text box's pixels, and at least INK_MIN_PIXELS: a word's strokes, not a stray pixel
INK_MIN_PIXELS = 6
MIN_SIDE = 8  # px: the smallest text (12 px) stands taller than this
TILE = 16
FLAT_STDDEV = 6.0  # a tile whose brightness varies less than this is a plain surface (a photo never is)
SURFACE_MIN_SIDE = 80
WRONG_SURFACE = {"dark": lambda level: level > 170, "light": lambda level: level < 70}
# The accessibility tree's nodes, as boxes in CSS pixels (the screenshot's, at a device scale of 1).
NODES_JS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('flt-semantics-host flt-semantics, flt-semantics-host input, flt-semantics-host textarea')) {
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;
    let words = e.getAttribute('aria-label') || '';
    if (!words && e.tagName === 'FLT-SEMANTICS')
      words = [...e.childNodes].filter(n => n.nodeType === 3 || n.tagName === 'SPAN').map(n => n.textContent).join(' ');
    out.push({x: r.left, y: r.top, w: r.width, h: r.height, words: words.trim(), role: e.getAttribute('role') || '',
              disabled: e.getAttribute('aria-disabled') === 'true' || e.hasAttribute('disabled')});
  }
  return out;
}"""


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    w: float
    h: float
    words: str
    role: str
    disabled: bool

    @property
    def is_picture(self) -> bool:
        return self.role == "img"

    def box(self, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
        """The part on the screen, or None when less than most of it is. Flutter cuts a node's box to what its
        scrolling list shows: a sliver thinner than a line of the smallest text is a row scrolled nearly away."""
        left, top = max(0, round(self.x)), max(0, round(self.y))
        right, bottom = min(size[0], round(self.x + self.w)), min(size[1], round(self.y + self.h))
        if min(right - left, bottom - top) < MIN_SIDE or (right - left) * (bottom - top) < 0.6 * self.w * self.h:
            return None
        return left, top, right, bottom


async def nodes_of(page) -> list[Node]:
    return [Node(**node) for node in await page.evaluate(NODES_JS)]


def background_fits(level: int, theme: str) -> bool:
    return level <= DARK_BACKGROUND_MAX if theme == "dark" else level >= LIGHT_BACKGROUND_MIN


def background_level(png: bytes) -> int:
    """The most common brightness of the whole screenshot."""
    return _mode(luminance_grey(png).histogram())


def luminance_grey(png: bytes) -> Image.Image:
    """The screenshot as greys of the same relative luminance (WCAG's weights, on linear light; gamma 2.2)."""
    red, green, blue = (band.convert("F") for band in Image.open(io.BytesIO(png)).convert("RGB").split())
    linear = ImageMath.lambda_eval(
        lambda a: ((a["r"] / 255) ** 2.2 * 0.2126 + (a["g"] / 255) ** 2.2 * 0.7152 + (a["b"] / 255) ** 2.2 * 0.0722)
        ** (1 / 2.2) * 255, r=red, g=green, b=blue)
    return linear.convert("L")


def relative_luminance(level: float) -> float:
    """The relative luminance of a grey of this 0–255 level."""
    return (level / 255) ** 2.2


def contrast(a: float, b: float) -> float:
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mode(histogram: list[int]) -> int:
    """The most common level, over a window of 3 so antialiasing noise does not split a flat surface."""
    smoothed = [sum(histogram[max(0, i - 1):i + 2]) for i in range(256)]
    return max(range(256), key=smoothed.__getitem__)


def ink_level(histogram: list[int], background: int) -> int:
    """The level farthest from ``background`` (darker or lighter) that enough of the pixels reach."""
    total = sum(histogram)
    need = max(INK_MIN_PIXELS, int(total * INK_SHARE))
    darkest = brightest = background
    seen = 0
    for level in range(256):
        seen += histogram[level]
        if seen >= need:
            darkest = level
            break
    seen = 0
    for level in range(255, -1, -1):
        seen += histogram[level]
        if seen >= need:
            brightest = level
            break
    return darkest if background - darkest > brightest - background else brightest


@dataclass
class Measure:
    background: int
    problems: list[str]


def measure(png: bytes, nodes: list[Node], theme: str, stage: bool = False) -> Measure:
    """``stage``: a full-screen viewer (stories) that is black in both themes, as a photo's stage."""
    grey = luminance_grey(png)
    size = grey.size
    outside = Image.new("L", size, 255)  # 255 where no picture is
    draw = ImageDraw.Draw(outside)
    for node in nodes:
        if node.is_picture and (box := node.box(size)) is not None:
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
    problems = []
    # A dialog dims the screen behind it with a scrim, in both themes: then the dialog is the surface to judge.
    region = dialog_box(nodes, size) or (0, 0, *size)
    background = _mode(grey.crop(region).histogram(mask=outside.crop(region)))
    wanted = "dark" if stage else theme
    if not background_fits(background, wanted):
        problems.append(f"the background is {background}/255, not {wanted}")
    if not stage:
        problems += [f"a {w}×{h} px surface at ({x + region[0]}, {y + region[1]}) in the other theme's colours"
                     for x, y, w, h in wrong_surfaces(grey.crop(region), outside.crop(region), theme)]
    # The bottom bar is drawn over the list: a row scrolled under it is hidden, though the accessibility tree may
    # still place it there for a while after a wheel scroll.
    bars = [box for node in nodes if node.role == "tablist" and (box := node.box(size)) is not None]
    for node in nodes:
        if not node.words or node.is_picture or node.disabled or (box := node.box(size)) is None:
            continue
        if node.role != "tab" and any(_overlap(box, bar) > 0.5 * (box[2] - box[0]) * (box[3] - box[1]) for bar in bars):
            continue
        if (box[2] - box[0]) * (box[3] - box[1]) > size[0] * size[1] / 3:
            continue  # a whole screen's container: its words are its children's, measured in their own boxes
        histogram = grey.crop(box).histogram(mask=outside.crop(box))
        if sum(histogram) < 0.5 * (box[2] - box[0]) * (box[3] - box[1]):
            continue  # mostly over a picture: an overlay, which carries its own backdrop
        behind = _mode(histogram)
        ink = ink_level(histogram, behind)
        ratio = contrast(behind, ink)
        if ratio < MIN_CONTRAST:
            words = node.words.replace("\n", " ")
            problems.append(f"{words[:40]!r} at {box[:2]} is hard to read: {ink}/255 on {behind}/255, contrast {ratio:.1f}:1")
    return Measure(background, problems)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def dialog_box(nodes: list[Node], size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The box around what an open dialog shows (its nodes, less the screen-wide ones), or None."""
    if not any(node.role in ("dialog", "alertdialog") for node in nodes):
        return None
    boxes = [box for node in nodes if (box := node.box(size)) is not None
             and (box[2] - box[0]) * (box[3] - box[1]) < size[0] * size[1] / 2]
    if not boxes:
        return None
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def wrong_surfaces(grey: Image.Image, outside: Image.Image, theme: str) -> list[tuple[int, int, int, int]]:
    """Flat areas, outside pictures, of the other theme's brightness and at least SURFACE_MIN_SIDE both ways."""
    columns, rows = grey.width // TILE, grey.height // TILE
    wrong = WRONG_SURFACE[theme]
    flagged = set()
    for row in range(rows):
        for column in range(columns):
            box = (column * TILE, row * TILE, (column + 1) * TILE, (row + 1) * TILE)
            if ImageStat.Stat(outside.crop(box)).mean[0] < 255:
                continue  # touches a picture
            stat = ImageStat.Stat(grey.crop(box))
            if stat.stddev[0] < FLAT_STDDEV and wrong(stat.mean[0]):
                flagged.add((column, row))
    found, seen = [], set()
    for start in flagged:
        if start in seen:
            continue
        seen.add(start)
        group, frontier = [start], [start]
        while frontier:
            column, row = frontier.pop()
            for step in ((column + 1, row), (column - 1, row), (column, row + 1), (column, row - 1)):
                if step in flagged and step not in seen:
                    seen.add(step)
                    group.append(step)
                    frontier.append(step)
        xs, ys = [c for c, _ in group], [r for _, r in group]
        width, height = (max(xs) - min(xs) + 1) * TILE, (max(ys) - min(ys) + 1) * TILE
        if width >= SURFACE_MIN_SIDE and height >= SURFACE_MIN_SIDE and len(group) * TILE * TILE >= SURFACE_MIN_SIDE ** 2:
            found.append((min(xs) * TILE, min(ys) * TILE, width, height))
    return found
