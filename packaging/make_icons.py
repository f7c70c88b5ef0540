"""Draw the PhotoShare icon: ``assets/icons/photoshare.svg`` and PNGs of it, from one description.

The icon is two photo prints, one tilted behind the other, on a pink-to-orange tile; the front print
shows hills under a sun. The shapes are described once below, written out as SVG and drawn with Pillow
(at four times the size, then scaled down, for smooth edges).

It also writes what the web app shows to browsers (favicon, home-screen icons, the web manifest),
which Flet takes from ``assets/`` in place of its own.

    .venv/bin/python packaging/make_icons.py      # rewrites the files under assets/
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "assets" / "icons"
SIZES = (48, 128, 256, 512)  # the desktop entry's sizes (hicolor theme); 512 is also the source of the others
SUPERSAMPLE = 4
MOBILE_ICON = 1024  # the size flutter_launcher_icons asks for

CANVAS = 512
TILE_RADIUS = 112
GRADIENT = ((0xE9, 0x1E, 0x63), (0xFF, 0x8F, 0x00))  # top-left → bottom-right
WHITE = (255, 255, 255)
BACK_PRINT = {"x": 158, "y": 112, "w": 250, "h": 226, "r": 26, "angle": -10, "alpha": 140}
FRONT_PRINT = {"x": 112, "y": 162, "w": 288, "h": 246, "r": 30}
PHOTO_INSET = 22  # the print's white border
SUN = {"cx": 318, "cy": 232, "r": 30}
HILLS = [(134, 386), (214, 282), (262, 336), (312, 268), (378, 386)]  # inside the front print's photo area
PHOTO_TINT = (0xFF, 0xE0, 0xB2)  # the sky inside the print


def _lerp(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def svg() -> str:
    back, front = BACK_PRINT, FRONT_PRINT
    cx, cy = back["x"] + back["w"] / 2, back["y"] + back["h"] / 2
    inner = (front["x"] + PHOTO_INSET, front["y"] + PHOTO_INSET, front["w"] - 2 * PHOTO_INSET, front["h"] - 2 * PHOTO_INSET - 26)
    hills = " ".join(f"{x},{y}" for x, y in HILLS)
    start, end = ("#%02X%02X%02X" % GRADIENT[0]), ("#%02X%02X%02X" % GRADIENT[1])
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{CANVAS}" height="{CANVAS}" viewBox="0 0 {CANVAS} {CANVAS}">
  <title>PhotoShare</title>
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="{start}"/>
      <stop offset="1" stop-color="{end}"/>
    </linearGradient>
    <clipPath id="photo"><rect x="{inner[0]}" y="{inner[1]}" width="{inner[2]}" height="{inner[3]}" rx="10"/></clipPath>
  </defs>
  <rect width="{CANVAS}" height="{CANVAS}" rx="{TILE_RADIUS}" fill="url(#tile)"/>
  <rect x="{back['x']}" y="{back['y']}" width="{back['w']}" height="{back['h']}" rx="{back['r']}" fill="#FFFFFF"
        fill-opacity="{back['alpha'] / 255:.2f}" transform="rotate({back['angle']} {cx:g} {cy:g})"/>
  <rect x="{front['x']}" y="{front['y']}" width="{front['w']}" height="{front['h']}" rx="{front['r']}" fill="#FFFFFF"/>
  <g clip-path="url(#photo)">
    <rect x="{inner[0]}" y="{inner[1]}" width="{inner[2]}" height="{inner[3]}" fill="#{'%02X%02X%02X' % PHOTO_TINT}"/>
    <circle cx="{SUN['cx']}" cy="{SUN['cy']}" r="{SUN['r']}" fill="{end}"/>
    <polygon points="{hills}" fill="{start}"/>
  </g>
</svg>
"""


def _gradient_tile(size: int) -> Image.Image:
    vertical = Image.linear_gradient("L").resize((size, size))  # 0 at the top, 255 at the bottom
    diagonal = Image.blend(vertical, vertical.transpose(Image.Transpose.TRANSPOSE), 0.5)  # (x + y) / 2, as the SVG's
    return Image.composite(Image.new("RGB", (size, size), GRADIENT[1]), Image.new("RGB", (size, size), GRADIENT[0]), diagonal)


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """The icon at ``size`` pixels. ``maskable``: full-bleed tile, artwork shrunk into the safe zone
    (the middle 80%), for home screens that cut their own shape."""
    big = CANVAS * SUPERSAMPLE
    scale = SUPERSAMPLE * (0.78 if maskable else 1.0)
    offset = (big - CANVAS * scale) / 2

    def p(x: float, y: float) -> tuple[float, float]:
        return offset + x * scale, offset + y * scale

    tile = _gradient_tile(big).convert("RGBA")
    mask = Image.new("L", (big, big), 0)
    if maskable:
        mask.paste(255, (0, 0, big, big))
    else:
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), TILE_RADIUS * SUPERSAMPLE, fill=255)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    image.paste(tile, (0, 0), mask)

    back = BACK_PRINT
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle((*p(back["x"], back["y"]), *p(back["x"] + back["w"], back["y"] + back["h"])),
                                            back["r"] * scale, fill=(*WHITE, back["alpha"]))
    centre = p(back["x"] + back["w"] / 2, back["y"] + back["h"] / 2)
    layer = layer.rotate(-back["angle"], resample=Image.BICUBIC, center=centre)  # SVG turns clockwise, Pillow the other way
    image.alpha_composite(layer)

    front = FRONT_PRINT
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((*p(front["x"], front["y"]), *p(front["x"] + front["w"], front["y"] + front["h"])), front["r"] * scale, fill=WHITE)
    x0, y0 = front["x"] + PHOTO_INSET, front["y"] + PHOTO_INSET
    x1, y1 = front["x"] + front["w"] - PHOTO_INSET, front["y"] + front["h"] - PHOTO_INSET - 26
    photo = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    photo_pen = ImageDraw.Draw(photo)
    photo_pen.rectangle((*p(x0, y0), *p(x1, y1)), fill=PHOTO_TINT)
    photo_pen.ellipse((*p(SUN["cx"] - SUN["r"], SUN["cy"] - SUN["r"]), *p(SUN["cx"] + SUN["r"], SUN["cy"] + SUN["r"])), fill=GRADIENT[1])
    photo_pen.polygon([p(x, y) for x, y in HILLS], fill=GRADIENT[0])
    clip = Image.new("L", (big, big), 0)
    ImageDraw.Draw(clip).rounded_rectangle((*p(x0, y0), *p(x1, y1)), 10 * scale, fill=255)
    image.paste(photo, (0, 0), Image.composite(photo.getchannel("A"), Image.new("L", (big, big), 0), clip))
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "photoshare.svg").write_text(svg(), encoding="utf-8")
    master = draw(CANVAS)
    for size in SIZES:
        (master if size == CANVAS else master.resize((size, size), Image.LANCZOS)).save(ICONS / f"photoshare-{size}.png", optimize=True)
    # What the web app hands to browsers (Flet looks for these names in assets/ before its own).
    master.resize((192, 192), Image.LANCZOS).save(ICONS / "icon-192.png", optimize=True)
    master.save(ICONS / "icon-512.png", optimize=True)
    master.resize((192, 192), Image.LANCZOS).save(ICONS / "apple-touch-icon-192.png", optimize=True)
    maskable = draw(CANVAS, maskable=True)
    maskable.resize((192, 192), Image.LANCZOS).save(ICONS / "icon-maskable-192.png", optimize=True)
    maskable.save(ICONS / "icon-maskable-512.png", optimize=True)
    master.resize((32, 32), Image.LANCZOS).save(ROOT / "assets" / "favicon.png", optimize=True)
    # What `flet build apk|ipa` takes from assets/ (docs/mobile.md): the app icon, and on Android the full
    # tile for the adaptive icon (the launcher cuts its own shape, as with the maskable one).
    draw(MOBILE_ICON).save(ROOT / "assets" / "icon.png", optimize=True)
    draw(MOBILE_ICON, maskable=True).save(ROOT / "assets" / "icon_android.png", optimize=True)
    manifest = {
        "id": "/", "name": "PhotoShare", "short_name": "PhotoShare", "start_url": ".", "scope": "/",
        "display": "standalone",
        "background_color": "#FFFFFF", "theme_color": "#%02X%02X%02X" % GRADIENT[0],
        "description": "Photo sharing for your family and friends, on your own server",
        "orientation": "natural", "prefer_related_applications": False,
        "icons": [{"src": f"icons/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png"} for n in (192, 512)]
                 + [{"src": f"icons/icon-maskable-{n}.png", "sizes": f"{n}x{n}", "type": "image/png", "purpose": "maskable"}
                    for n in (192, 512)],
    }
    (ROOT / "assets" / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {ICONS.relative_to(ROOT)}/photoshare.svg, PNGs at {', '.join(map(str, SIZES))}, and the web app's icons")


if __name__ == "__main__":
    main()
