"""Media pipeline benchmark: PhotoShare (Pillow) against a libvips reference.

Run:  .venv/bin/python bench/media/run.py [--runs 7]
Prints machine, date, per-photo times (median) and throughput; see README.md.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# One core for the single-photo figures, for both pipelines (must be set before import).
os.environ.setdefault("VIPS_CONCURRENCY", "1")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from server.media import limits, render_photo  # noqa: E402
from tests.fixtures.images import camera_exif, photographic  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


def make_inputs() -> dict[str, Path]:
    """A 12 MP camera-like JPEG (with EXIF/GPS) and HEIC, generated once and cached."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    DATA.mkdir(exist_ok=True)
    jpeg, heic = DATA / "camera-12mp.jpg", DATA / "camera-12mp.heic"
    if not jpeg.exists() or not heic.exists():
        picture = photographic((4000, 3000), seed=12)
        picture.save(jpeg, "JPEG", quality=92, exif=camera_exif().tobytes())
        picture.save(heic, "HEIF", quality=60, exif=camera_exif().tobytes())
    return {"jpeg": jpeg, "heic": heic}


def median_seconds(fn, runs: int) -> float:
    fn()  # warm up caches, plugin loading, page faults
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def vips_reference(path: str) -> None:
    """The same variant set with libvips: shrink-on-load to 1440, cascade, same encoders/settings."""
    import pyvips

    top = pyvips.Image.thumbnail(path, limits.VARIANT_WIDTHS[-1], size="down").copy_memory()
    variants, current = [], top
    for width in sorted(limits.VARIANT_WIDTHS, reverse=True):
        if width > top.width:
            continue
        if current.width != width:
            current = current.resize(width / current.width, kernel="lanczos3").copy_memory()
        variants.append(current)
    smallest = variants[-1]
    side = min(smallest.width, smallest.height)
    thumb = smallest.crop((smallest.width - side) // 2, (smallest.height - side) // 2, side, side)
    variants.append(thumb.resize(limits.THUMB_SIZE / side, kernel="lanczos3"))
    for image in variants:
        image.jpegsave_buffer(Q=limits.JPEG_QUALITY, optimize_coding=True, interlace=True, strip=True)
        image.webpsave_buffer(Q=limits.WEBP_QUALITY, effort=limits.WEBP_METHOD, strip=True)


def _render_one(args: tuple[str, str]) -> None:
    path, out_dir = args
    render_photo(path, out_dir)


def throughput(path: str, out_dir: str, workers: int, photos: int) -> float:
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_render_one, [(path, out_dir)] * workers))  # start and warm every worker
        start = time.perf_counter()
        list(pool.map(_render_one, [(path, out_dir)] * photos))
        return photos / (time.perf_counter() - start)


def upload_to_ready(jpeg: Path, uploads: int) -> tuple[float, float]:
    """A real `photoshare serve` (embedded defaults, one media process per core): POST the 12 MP JPEG over HTTP,
    then poll the post until its photo is ready. Returns medians (request sent -> ready, 201 -> ready) in seconds.

    Each upload carries a few different trailing bytes (ignored by decoders) so no two are the same original.
    """
    import httpx

    from tests.e2e.servers import ServerProcess

    base = jpeg.read_bytes()
    with tempfile.TemporaryDirectory(prefix="photoshare-bench-serve-") as tmp:
        server = ServerProcess(Path(tmp) / "data", env={"PHOTOSHARE_MEDIA_PROCESSES": str(os.cpu_count() or 1),
                                                        "PHOTOSHARE_RATE_LIMIT_USER_WRITES": "100000"}).start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                token = http.post("/api/v1/auth/register",
                                  json={"username": "bench", "password": "correct horse battery"}).json()["token"]
                auth = {"Authorization": f"Bearer {token}"}
                totals, after_201 = [], []
                for index in range(uploads + 1):  # the first one warms the worker processes
                    body = base + os.urandom(16)
                    start = time.perf_counter()
                    created = http.post("/api/v1/posts", headers=auth, data={"caption": f"bench {index}"},
                                        files={"media": (f"p{index}.jpg", body, "image/jpeg")})
                    created.raise_for_status()
                    acknowledged = time.perf_counter()
                    post_id = created.json()["post"]["post_id"]
                    while True:
                        media = http.get(f"/api/v1/posts/{post_id}", headers=auth).json()["post"]["media"][0]
                        if media["status"] != "processing":
                            break
                        time.sleep(0.005)
                    if media["status"] != "ready":
                        raise RuntimeError(f"upload {index} ended {media['status']}: {media}")
                    done = time.perf_counter()
                    if index:
                        totals.append(done - start)
                        after_201.append(done - acknowledged)
        finally:
            server.stop()
    return statistics.median(totals), statistics.median(after_201)


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median)")
    args = parser.parse_args()

    from PIL import __version__ as pillow_version

    cores = os.cpu_count() or 1
    print(f"date     {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"machine  {cpu_model()}, {cores} cores, Python {platform.python_version()}, Pillow {pillow_version}")
    inputs = make_inputs()
    out = tempfile.mkdtemp(prefix="photoshare-bench-")
    print(f"input    4000x3000 JPEG q92 {inputs['jpeg'].stat().st_size / 1e6:.1f} MB, "
          f"HEIC {inputs['heic'].stat().st_size / 1e6:.1f} MB")
    print(f"variants thumb {limits.THUMB_SIZE}, widths {limits.VARIANT_WIDTHS}; "
          f"JPEG q{limits.JPEG_QUALITY} progressive optimized, WebP q{limits.WEBP_QUALITY} method {limits.WEBP_METHOD}")
    print()

    jpeg = str(inputs["jpeg"])
    all_cores = median_seconds(lambda: render_photo(jpeg, out), args.runs)
    print(f"JPEG 12 MP -> JPEG+WebP set, encoders on {cores} threads  {all_cores * 1000:7.0f} ms")
    # The figures compared with libvips run on one core for both: the encoder pool gets a single thread.
    from concurrent.futures import ThreadPoolExecutor

    from server.media import photo

    photo._pool, photo._pool_pid = ThreadPoolExecutor(1), os.getpid()
    primary = median_seconds(lambda: render_photo(jpeg, out), args.runs)
    print(f"JPEG 12 MP -> JPEG+WebP set, one core                {primary * 1000:7.0f} ms")
    try:
        import pyvips

        vips = median_seconds(lambda: vips_reference(jpeg), args.runs)
        print(f"same set with libvips {pyvips.version(0)}.{pyvips.version(1)} (VIPS_CONCURRENCY=1)   {vips * 1000:7.0f} ms")
        print(f"ratio PhotoShare / libvips (target <= 1.0)           {primary / vips:7.2f}")
    except (ImportError, OSError) as e:
        print(f"libvips reference skipped ({e}); apt-get install libvips42 && pip install pyvips")
    avif = median_seconds(lambda: render_photo(jpeg, out, stage="avif"), max(3, args.runs // 2))
    print(f"AVIF stage (second, lower priority), one core       {avif * 1000:7.0f} ms")
    heic = median_seconds(lambda: render_photo(str(inputs["heic"]), out), max(3, args.runs // 2))
    print(f"HEIC 12 MP -> JPEG+WebP set, one core                {heic * 1000:7.0f} ms")
    total, after_201 = upload_to_ready(inputs["jpeg"], uploads=max(3, args.runs))
    print(f"upload -> ready over HTTP, real server (target <= 0.5 s) {total * 1000:5.0f} ms "
          f"({after_201 * 1000:.0f} ms of it after the 201)")
    rate = throughput(jpeg, out, cores, photos=cores * 8)
    print(f"throughput, {cores} worker processes (JPEG+WebP)        {rate:7.2f} photos/s")


if __name__ == "__main__":
    main()
