"""Blurhash placeholders: the fast decoder draws exactly what the published algorithm describes."""

from __future__ import annotations

import math

from app.placeholder import _decode83, _sign_pow, _to_linear, _to_srgb, decode, placeholder_png

HASHES = ("LEHV6nWB2yk8pyo0adR*.7kCMdnj", "LKO2?U%2Tw=w]~RBVZRi};RPxuwH", "U00000fQfQfQfQfQfQfQfQfQfQfQfQfQfQfQ")


def textbook_decode(blurhash: str, width: int, height: int) -> bytes:
    """The algorithm as published: every pixel sums every component."""
    size_flag = _decode83(blurhash[0])
    cx, cy = size_flag % 9 + 1, size_flag // 9 + 1
    max_ac = (_decode83(blurhash[1]) + 1) / 166
    dc = _decode83(blurhash[2:6])
    colors = [(_to_linear(dc >> 16), _to_linear((dc >> 8) & 255), _to_linear(dc & 255))]
    for i in range(1, cx * cy):
        value = _decode83(blurhash[4 + i * 2: 6 + i * 2])
        colors.append(tuple(_sign_pow((q - 9) / 9, 2.0) * max_ac for q in (value // 361, (value // 19) % 19, value % 19)))
    out = bytearray()
    for y in range(height):
        for x in range(width):
            rgb = [0.0, 0.0, 0.0]
            for j in range(cy):
                for i in range(cx):
                    basis = math.cos(math.pi * x * i / width) * math.cos(math.pi * y * j / height)
                    for c in range(3):
                        rgb[c] += colors[i + j * cx][c] * basis
            out += bytes(_to_srgb(v) for v in rgb)
    return bytes(out)


def test_the_fast_decoder_matches_the_published_algorithm():
    for blurhash in HASHES:
        for width, height in ((32, 32), (20, 12)):
            assert decode(blurhash, width, height).tobytes() == textbook_decode(blurhash, width, height)


def test_a_bad_hash_gives_no_placeholder_rather_than_an_error():
    assert placeholder_png("too-short") is None
    assert placeholder_png(None) is None
    assert placeholder_png(HASHES[0])[:8] == b"\x89PNG\r\n\x1a\n"
