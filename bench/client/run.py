"""Client benchmark: the web app's weight on a phone, cold start to first feed paint from cache, and
full-size filters on 12 MP.

Run:  .venv/bin/python bench/client/run.py [--runs 3] [--no-browser] [--web-only]
Prints the machine, the date and the figures; see README.md for what each one measures.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from app.api_types import Media, Post, User, UserSummary  # noqa: E402
from app.cache import ClientCache  # noqa: E402
from app.editing import FILTERS, EditSpec, apply_filter, open_photo, render_for_upload, to_jpeg  # noqa: E402
from app.session import SessionData, SessionStore  # noqa: E402
from tests.e2e.servers import free_port  # noqa: E402
from tests.fixtures.images import photographic  # noqa: E402

TWELVE_MP = (4000, 3000)
CACHED_POSTS = 12
# The feed's first card is painted when its photo's label is in the accessibility tree.
FIRST_POST_LABEL = "Photo by bench. Double tap to like."
TARGET_SECONDS = 2.0
# A strip across the first card's photo (480 px wide window: the photo spans y 48–528); the seeded photo
# has thousands of colours there, an empty frame or a flat placeholder a handful.
FIRST_PHOTO_AREA = {"x": 0, "y": 150, "width": 480, "height": 200}
PHOTO_COLOURS = 2000
BROWSER_TIMEOUT_MS = 120_000


def seed_offline_client(folder: Path) -> None:
    """A signed-in client whose server is gone: everything the feed shows must come from the cache."""
    dead_server = f"http://127.0.0.1:{free_port()}"
    SessionStore(folder).save(SessionData(server_url=dead_server, token="offline", user_id="1", username="bench"))
    cache = ClientCache(folder / "cache")
    cache.save_user(User(user_id="1", username="bench", post_count=CACHED_POSTS))
    photo = to_jpeg(photographic((640, 640), seed=3), 85)  # the feed shows the 640 variant
    posts = []
    for index in range(CACHED_POSTS):
        url = f"{dead_server}/media/{index:064x}"
        cache.media.set(url, photo)
        media = Media(media_id=str(index), type="photo", status="ready", width=1080, height=1080,
                      variants={"1080": url, "640": url})
        posts.append(Post(post_id=str(1000 - index), user=UserSummary("1", "bench"), caption=f"cached post {index}",
                          media=(media,), like_count=index, comment_count=0, created_at="2026-11-21T20:06:00.000Z"))
    cache.save_posts("feed", posts, None)
    cache.close()


def cold_start_in_browser(runs: int) -> list[tuple[float, float, float, float, float]] | None:
    """``photoshare web`` from process start to the first cached post painted in Chromium, as (server
    answering, Flutter engine up, first card in the accessibility tree, its photo's bytes in the browser,
    its photo's pixels on screen) seconds from process start.

    The browser tab is opened before the clock starts (opening a tab is the browser's cost, not the
    app's); the clock starts when the process is launched. Flutter publishes its accessibility tree
    before it rasterises a frame, and the app hands photos over by URL, so neither the card's label nor
    the photo's bytes mean the photo is visible: the last figure polls screenshots of the photo's area
    until it shows the photo (thousands of colours; an empty frame or a placeholder has a few), and
    counts the end of the screenshot that first shows it — an upper bound, about 0.1 s coarse."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import sync_playwright

    from tests.ui.harness import CHROMIUM, CHROMIUM_ARGS

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            folder = Path(tempfile.mkdtemp(prefix="photoshare-bench-"))
            seed_offline_client(folder)
            port = free_port()
            page = browser.new_page(viewport={"width": 480, "height": 960})
            first_photo = first_photo_path(folder)
            photo_done: list[float] = []
            page.on("requestfinished", lambda request: photo_done.append(time.perf_counter())
                    if request.url.endswith(first_photo) else None)
            started = time.perf_counter()
            app = subprocess.Popen([sys.executable, "-m", "app", "web", "--port", str(port)], cwd=REPO,
                                   env={**os.environ, "PHOTOSHARE_CLIENT_DIR": str(folder)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                _wait_http(f"http://127.0.0.1:{port}")
                serving = time.perf_counter() - started
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=BROWSER_TIMEOUT_MS)
                engine = time.perf_counter() - started
                page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
                page.locator("flt-semantics-host").get_by_label(FIRST_POST_LABEL).first.wait_for(timeout=BROWSER_TIMEOUT_MS)
                card = time.perf_counter() - started
                deadline = time.monotonic() + BROWSER_TIMEOUT_MS / 1000
                while not photo_done and time.monotonic() < deadline:
                    page.wait_for_timeout(10)
                if not photo_done:
                    raise RuntimeError("the first post's photo never reached the browser")
                on_screen = _photo_on_screen(page, deadline) - started
                timings.append((serving, engine, card, max(card, photo_done[0] - started), on_screen))
            finally:
                page.close()
                app.terminate()
                app.wait(15)
                shutil.rmtree(folder, ignore_errors=True)
        browser.close()
    return timings


def web_weight(runs: int):
    """The web app on a phone (``tests/ui/web_weight.py``): ``photoshare web`` on loopback, Chromium at
    390×844 with touch. First the server's very first visitor (nothing compressed yet: gzip made on demand),
    then, once the first load's files are precompressed, ``runs`` fresh browsers, each with a first visit
    (empty browser cache) and a repeat visit. Answers (very first visit, [(first visit, repeat visit)])."""
    if not Path("/usr/bin/chromium").exists():
        return None
    import asyncio

    from playwright.async_api import async_playwright

    from tests.ui.harness import CHROMIUM, CHROMIUM_ARGS
    from tests.ui.web_weight import PHONE, precompressed, visit

    async def measure():
        folder = Path(tempfile.mkdtemp(prefix="photoshare-bench-"))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        app = subprocess.Popen([sys.executable, "-m", "app", "web", "--port", str(port)], cwd=REPO,
                               env={**os.environ, "PHOTOSHARE_CLIENT_DIR": str(folder)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await asyncio.to_thread(_wait_http, url)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = await browser.new_context(**PHONE)
                very_first = await visit(context, url + "/")
                await context.close()
                await browser.close()
                await precompressed(url, "br")
                pairs = []
                for _ in range(runs):
                    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    context = await browser.new_context(**PHONE)
                    pairs.append((await visit(context, url + "/"), await visit(context, url + "/")))
                    await browser.close()
            return very_first, pairs
        finally:
            app.terminate()
            app.wait(15)
            shutil.rmtree(folder, ignore_errors=True)

    return asyncio.run(measure())


def _photo_on_screen(page, deadline: float) -> float:
    """When the first card's photo is visibly drawn (see ``cold_start_in_browser``)."""
    from PIL import Image

    while time.monotonic() < deadline:
        shot = page.screenshot(clip=FIRST_PHOTO_AREA, type="jpeg", quality=60)
        seen = time.perf_counter()
        if len(Image.open(io.BytesIO(shot)).convert("RGB").getcolors(maxcolors=1 << 16) or ()) > PHOTO_COLOURS:
            return seen
    raise RuntimeError("the first post's photo was never drawn")


def first_photo_path(folder: Path) -> str:
    """The path at which the web app serves the first cached post's photo to the browser."""
    from app.media_server import PATH_PREFIX, TOKEN_SUFFIX, token_for

    posts, _ = _cached_feed(folder)
    return PATH_PREFIX + token_for(posts[0].first_media.variants["640"]) + TOKEN_SUFFIX


def _cached_feed(folder: Path):
    cache = ClientCache(folder / "cache")
    try:
        return cache.load_posts("feed")
    finally:
        cache.close()


def _wait_http(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def cached_feed_models(runs: int) -> list[float]:
    """The Python side alone, in a fresh process: import the client, open the cache, build the feed state."""
    code = ("import time; t=time.perf_counter(); from pathlib import Path; from app.cache import ClientCache; "
            "from ui.models import PostList; c=ClientCache(Path(__import__('os').environ['D'])/'cache'); "
            "posts, cur = c.load_posts('feed'); f=PostList('feed'); f.replace_all(posts, cur, from_cache=True); "
            "[c.media_bytes(m.post.first_media.variants['1080']) for m in f.posts]; print(time.perf_counter()-t)")
    timings = []
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="photoshare-bench-"))
        seed_offline_client(folder)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "D": str(folder)}, check=True,
                       capture_output=True)
        timings.append(time.perf_counter() - started)
        shutil.rmtree(folder, ignore_errors=True)
    return timings


def filter_timings(runs: int) -> tuple[dict[str, float], float]:
    """Each filter on a decoded 12 MP photo, and the whole share step (decode → edits → resize → JPEG)."""
    folder = Path(tempfile.mkdtemp(prefix="photoshare-bench-"))
    source = folder / "camera-12mp.jpg"
    photographic(TWELVE_MP, seed=12).save(source, "JPEG", quality=92)
    img = open_photo(source)
    per_filter = {}
    for name in FILTERS:
        if name == "normal":
            continue
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            apply_filter(img, name, 1.0)
            times.append(time.perf_counter() - started)
        per_filter[name] = statistics.median(times)
    share = []
    for _ in range(runs):
        started = time.perf_counter()
        render_for_upload(source, EditSpec(crop="4:5", filter="clarendon", strength=0.8), folder / "out.jpg")
        share.append(time.perf_counter() - started)
    shutil.rmtree(folder, ignore_errors=True)
    return per_filter, statistics.median(share)


def cpu_model() -> str:
    """The processor's model name, as ``lscpu`` prints it."""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="Skip the Chromium figures.")
    parser.add_argument("--web-only", action="store_true", help="Only the web app's weight on a phone.")
    args = parser.parse_args()

    print(f"PhotoShare client benchmark — {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print()
    if not args.no_browser:
        weights = web_weight(args.runs)
        if weights is None:
            print("web app on a phone: skipped — /usr/bin/chromium not installed")
        else:
            very_first, pairs = weights
            first_bytes = statistics.median(first.bytes for first, _ in pairs)
            repeat_bytes = statistics.median(repeat.bytes for _, repeat in pairs)
            first_screen = statistics.median(first.first_screen_seconds for first, _ in pairs)
            print(f"web app on a phone (photoshare web on loopback, Chromium 390×844 touch), median of {args.runs}:")
            print(f"  first visit (empty browser cache): {first_bytes / 1e6:.2f} MB transferred (target ≤ 5 MB), "
                  f"first screen at {first_screen:.2f} s (target ≤ 2 s); runs: "
                  + ", ".join(f"{first.bytes / 1e6:.2f} MB / {first.first_screen_seconds:.2f} s" for first, _ in pairs))
            print(f"  repeat visit: {repeat_bytes / 1e3:.1f} kB transferred (target ≤ 200 KB); runs: "
                  + ", ".join(f"{repeat.bytes / 1e3:.1f} kB" for _, repeat in pairs))
            print(f"  the server's very first visitor (nothing compressed yet, gzip made on demand): "
                  f"{very_first.bytes / 1e6:.2f} MB, first screen at {very_first.first_screen_seconds:.2f} s")
            print("  largest files of a first visit:\n" + pairs[0][0].summary())
            hosts = set().union(*(first.hosts() | repeat.hosts() for first, repeat in pairs), very_first.hosts())
            print(f"  hosts asked: {', '.join(sorted(hosts))}")
        print()
    if args.web_only:
        return
    models = cached_feed_models(args.runs)
    print(f"cold start, cached feed → UI state (fresh process, {CACHED_POSTS} posts + photos): "
          f"median {statistics.median(models):.2f} s")
    if not args.no_browser:
        browser = cold_start_in_browser(args.runs)
        if browser is None:
            print("cold start to first feed paint (web, Chromium): skipped — /usr/bin/chromium not installed")
        else:
            serving, engine, card, delivered, painted = (statistics.median(column) for column in zip(*browser))
            verdict = "meets" if painted <= TARGET_SECONDS else "misses"
            print(f"cold start to first feed paint from cache, offline (photoshare web + Chromium): median {painted:.2f} s "
                  f"to the first post's photo on screen ({verdict} the {TARGET_SECONDS:.0f} s target); runs: "
                  + ", ".join(f"{run[4]:.2f}" for run in browser))
            print(f"  of which: web server answering {serving:.2f} s, Flutter engine up {engine:.2f} s, first card in "
                  f"the accessibility tree {card:.2f} s, its photo in the browser {delivered:.2f} s, on screen {painted:.2f} s")
    print()
    per_filter, share = filter_timings(args.runs)
    print(f"filters at full size on a {TWELVE_MP[0]}×{TWELVE_MP[1]} (12 MP) photo, median of {args.runs}:")
    for name, seconds in per_filter.items():
        print(f"  {name:<10} {seconds * 1000:7.0f} ms")
    print(f"share step (decode, rotate/crop 4:5, clarendon at full size, resize to 2048, JPEG): {share:.2f} s")


if __name__ == "__main__":
    main()
