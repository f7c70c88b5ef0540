"""Blurhash placeholders (https://blurha.sh), encoded here in pure Python.

The client paints the hash as a blurred preview while the real variant loads. The
encoder works on a picture of at most ~32x32 pixels, so plain Python is fast enough
(a few milliseconds) and needs no numpy.
"""

import math

from PIL import Image

from .limits import (
    PLACEHOLDER_COMPONENTS_LONG,
    PLACEHOLDER_COMPONENTS_SHORT,
    PLACEHOLDER_SOURCE_SIDE,
)

_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_BASE83_INDEX = {c: i for i, c in enumerate(_BASE83)}
_SRGB_TO_LINEAR = [
    v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    for v in (i / 255 for i in range(256))
]


def placeholder_for(img: Image.Image) -> str:
    """Blurhash of an RGB or RGBA picture (alpha is flattened on white, as in the JPEG)."""
    width, height = img.size
    scale = PLACEHOLDER_SOURCE_SIDE / max(width, height)
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = img.resize(small_size, Image.Resampling.BOX) if scale < 1 else img
    if small.mode != "RGB":
        small = flatten_on_white(small)
    if width >= height:
        components = (PLACEHOLDER_COMPONENTS_LONG, PLACEHOLDER_COMPONENTS_SHORT)
    else:
        components = (PLACEHOLDER_COMPONENTS_SHORT, PLACEHOLDER_COMPONENTS_LONG)
    return encode_blurhash(small, *components)


def flatten_on_white(img: Image.Image) -> Image.Image:
    """RGB copy of `img` with any transparency composited over white."""
    if img.mode == "RGB":
        return img
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    background = Image.new("RGB", img.size, (255, 255, 255))
    background.paste(img, mask=img.getchannel("A"))
    return background


def encode_blurhash(img: Image.Image, components_x: int, components_y: int) -> str:
    if not (1 <= components_x <= 9 and 1 <= components_y <= 9):
        raise ValueError("blurhash needs 1..9 components per axis")
    width, height = img.size
    data = img.convert("RGB").tobytes()
    linear = [(_SRGB_TO_LINEAR[r], _SRGB_TO_LINEAR[g], _SRGB_TO_LINEAR[b])
              for r, g, b in zip(data[0::3], data[1::3], data[2::3])]
    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(components_x)]
    cos_y = [[math.cos(math.pi * j * y / height) for y in range(height)] for j in range(components_y)]

    factors = []
    for j in range(components_y):
        for i in range(components_x):
            normalisation = (1 if i == 0 and j == 0 else 2) / (width * height)
            r = g = b = 0.0
            cx, cy = cos_x[i], cos_y[j]
            for y in range(height):
                row = y * width
                fy = cy[y]
                for x in range(width):
                    basis = cx[x] * fy
                    pr, pg, pb = linear[row + x]
                    r += basis * pr
                    g += basis * pg
                    b += basis * pb
            factors.append((r * normalisation, g * normalisation, b * normalisation))

    dc, ac = factors[0], factors[1:]
    out = [_base83((components_x - 1) + (components_y - 1) * 9, 1)]
    if ac:
        actual_max = max(abs(v) for f in ac for v in f)
        quantised_max = max(0, min(82, math.floor(actual_max * 166 - 0.5)))
        max_value = (quantised_max + 1) / 166
        out.append(_base83(quantised_max, 1))
    else:
        max_value = 1.0
        out.append(_base83(0, 1))
    out.append(_base83((_linear_to_srgb(dc[0]) << 16) + (_linear_to_srgb(dc[1]) << 8) + _linear_to_srgb(dc[2]), 4))
    for f in ac:
        qr, qg, qb = (
            max(0, min(18, math.floor(_sign_pow(v / max_value, 0.5) * 9 + 9.5))) for v in f
        )
        out.append(_base83(qr * 19 * 19 + qg * 19 + qb, 2))
    return "".join(out)


def decode_blurhash(blurhash: str, width: int, height: int) -> Image.Image:
    """Render a blurhash back to pixels (used by tests and handy for clients)."""
    if len(blurhash) < 6:
        raise ValueError("blurhash too short")
    size_flag = _unbase83(blurhash[0])
    components_y, components_x = size_flag // 9 + 1, size_flag % 9 + 1
    if len(blurhash) != 4 + 2 * components_x * components_y:
        raise ValueError("blurhash length does not match its component count")
    max_value = (_unbase83(blurhash[1]) + 1) / 166
    dc = _unbase83(blurhash[2:6])
    colours = [(_SRGB_TO_LINEAR[dc >> 16], _SRGB_TO_LINEAR[(dc >> 8) & 255], _SRGB_TO_LINEAR[dc & 255])]
    for k in range(1, components_x * components_y):
        value = _unbase83(blurhash[4 + 2 * k:6 + 2 * k])
        quant = (value // 361, (value // 19) % 19, value % 19)
        colours.append(tuple(_sign_pow((q - 9) / 9, 2.0) * max_value for q in quant))

    pixels = []
    for y in range(height):
        for x in range(width):
            r = g = b = 0.0
            for j in range(components_y):
                for i in range(components_x):
                    basis = math.cos(math.pi * x * i / width) * math.cos(math.pi * y * j / height)
                    cr, cg, cb = colours[j * components_x + i]
                    r += cr * basis
                    g += cg * basis
                    b += cb * basis
            pixels.append((_linear_to_srgb(r), _linear_to_srgb(g), _linear_to_srgb(b)))
    return Image.frombytes("RGB", (width, height), bytes(v for pixel in pixels for v in pixel))


def _linear_to_srgb(value: float) -> int:
    v = max(0.0, min(1.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def _base83(value: int, length: int) -> str:
    return "".join(_BASE83[(value // 83 ** (length - 1 - i)) % 83] for i in range(length))


def _unbase83(text: str) -> int:
    value = 0
    for c in text:
        value = value * 83 + _BASE83_INDEX[c]
    return value
