"""Blurhash placeholders: a tiny blurred image drawn while the real photo loads.

The decoder follows the published blurhash algorithm (base-83 DC + AC components, sRGB <-> linear).
Decoding at 32×32 and letting the image widget stretch it is indistinguishable from full size.
"""

from __future__ import annotations

import functools
import io
import math

from PIL import Image

BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
DECODE_SIDE = 32
_DIGITS = {char: index for index, char in enumerate(BASE83)}


def _decode83(text: str) -> int:
    value = 0
    for char in text:
        value = value * 83 + _DIGITS[char]
    return value


def _to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(value: float) -> int:
    v = min(max(value, 0.0), 1.0)
    return round((v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055) * 255)


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def decode(blurhash: str, width: int = DECODE_SIDE, height: int = DECODE_SIDE) -> Image.Image:
    if len(blurhash) < 6:
        raise ValueError("blurhash too short")
    size_flag = _decode83(blurhash[0])
    cx, cy = size_flag % 9 + 1, size_flag // 9 + 1
    if len(blurhash) != 4 + 2 * cx * cy:
        raise ValueError("blurhash length does not match its component count")
    max_ac = (_decode83(blurhash[1]) + 1) / 166
    dc = _decode83(blurhash[2:6])
    colors = [(_to_linear(dc >> 16), _to_linear((dc >> 8) & 255), _to_linear(dc & 255))]
    for i in range(1, cx * cy):
        value = _decode83(blurhash[4 + i * 2: 6 + i * 2])
        colors.append(tuple(_sign_pow((q - 9) / 9, 2.0) * max_ac
                            for q in (value // (19 * 19), (value // 19) % 19, value % 19)))
    # The basis is separable (cos along x times cos along y), so each row first folds the vertical
    # components into one colour per horizontal component: ~10× fewer multiplications than the
    # textbook double loop, which matters when a cached feed of a dozen posts is drawn at start.
    cos_x = [[math.cos(math.pi * x * i / width) for i in range(cx)] for x in range(width)]
    cos_y = [[math.cos(math.pi * y * j / height) for j in range(cy)] for y in range(height)]
    pixels = bytearray()
    for y in range(height):
        weights = cos_y[y]
        row = [tuple(sum(colors[i + j * cx][c] * weights[j] for j in range(cy)) for c in range(3)) for i in range(cx)]
        for x in range(width):
            basis = cos_x[x]
            r = g = b = 0.0
            for i in range(cx):
                color, weight = row[i], basis[i]
                r, g, b = r + color[0] * weight, g + color[1] * weight, b + color[2] * weight
            pixels += bytes((_to_srgb(r), _to_srgb(g), _to_srgb(b)))
    return Image.frombytes("RGB", (width, height), bytes(pixels))


@functools.lru_cache(maxsize=512)
def placeholder_png(blurhash: str | None) -> bytes | None:
    """PNG bytes for an image widget, or None when there is no usable hash."""
    if not blurhash:
        return None
    try:
        img = decode(blurhash)
    except (ValueError, KeyError):
        return None
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()
