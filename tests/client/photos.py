"""Photo files for the client tests, generated so no binary fixture is needed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.fixtures.images import photographic


def write_photo(path: Path, size: tuple[int, int] = (640, 480), seed: int = 1, quality: int = 90) -> Path:
    photographic(size, seed=seed).save(path, "JPEG", quality=quality)
    return path


REAL_PHOTOS = Path(__file__).resolve().parent.parent / "fixtures" / "photos"


def real_photo(name: str, path: Path) -> Path:
    """One of the real photographs in ``tests/fixtures/photos`` (cat, coffee, astronaut, rocket), copied to ``path``:
    for the tests whose screenshots the README shows."""
    path.write_bytes((REAL_PHOTOS / f"{name}.jpg").read_bytes())
    return path


def write_big_photo(path: Path, megabytes: float = 3.0, seed: int = 7) -> Path:
    """A JPEG of at least ``megabytes``: noise barely compresses, so a throttled upload takes a while."""
    side = 256
    while True:
        img = Image.effect_noise((side, side), 120).convert("RGB")
        img.save(path, "JPEG", quality=95)
        if path.stat().st_size >= megabytes * 1024 * 1024:
            return path
        side = int(side * 1.4)
