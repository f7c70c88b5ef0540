"""What the web app costs a phone: bytes over the wire for a first and a repeat visit, time to the first
screen, and every host the page asked for. Used by tests/ui/test_web_phone.py and bench/client/run.py.

Measured in Chromium through the DevTools protocol's network events, which see every request the page makes
(including failed ones and the engine's own fetches): a request's bytes are its ``encodedDataLength`` when
it finished, headers and body as they crossed the wire (compressed), 0 for what came from the browser's cache.
The websocket's frames are counted apart (the app's own traffic, not its download).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A phone: the screen of a common 6.1" model, touch, the mobile viewport rules.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
FIRST_LOAD_TARGET_BYTES = 5_000_000
REPEAT_VISIT_TARGET_BYTES = 200_000
FIRST_SCREEN_TARGET_SECONDS = 2.0
QUIET_SECONDS = 1.0  # the load is over when nothing was asked for or in flight this long
SCREEN_TIMEOUT_MS = 60_000
# What a first visit asks for before the app's websocket opens (see ``precompressed``).
FIRST_LOAD = ("flutter_bootstrap.js", "main.dart.mjs", "main.dart.wasm", "canvaskit/skwasm.js", "canvaskit/skwasm.wasm",
              "assets/FontManifest.json", "assets/fonts/MaterialIcons-Regular.otf",
              "assets/packages/cupertino_icons/assets/CupertinoIcons.ttf", "python.js", "/fonts/DejaVuSans.ttf")


def engine_base(page: bytes) -> str:
    """The versioned path the page loads the engine from (``flet.entrypointBaseUrl``)."""
    return re.search(rb'flet\.entrypointBaseUrl="([^"]+)"', page).group(1).decode()


async def precompressed(base_url: str, encoding: str, timeout: float = 600) -> str:
    """Ask for the first load's files until each comes back in ``encoding``: the state of any server that
    served the app once (the compressed copies persist in its client folder). Answers the engine's path."""
    import httpx

    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        engine = engine_base((await client.get("/")).content)
        deadline = time.monotonic() + timeout
        for name in FIRST_LOAD:
            while True:
                path = name if name.startswith("/") else engine + name  # the app's own files are at the root
                answer = await client.get(path, headers={"Accept-Encoding": f"{encoding}, gzip"})
                if answer.headers.get("content-encoding") == encoding or "vary" not in answer.headers:
                    break  # ready, or too small to be worth compressing
                assert time.monotonic() < deadline, f"{name} never came as {encoding}"
                await asyncio.sleep(0.5)
    return engine


@dataclass
class Visit:
    first_screen_seconds: float = 0.0  # from the navigation's start to the first screen's button in the page
    bytes: int = 0  # HTTP, as transferred
    websocket_bytes: int = 0
    requests: dict = field(default_factory=dict)  # request id -> url
    transferred: dict = field(default_factory=dict)  # url -> bytes
    encodings: dict = field(default_factory=dict)  # url -> content-encoding
    statuses: dict = field(default_factory=dict)  # url -> status (or "cache")
    failed: list = field(default_factory=list)
    page: object = None  # the tab, left open

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.requests.values() if urlsplit(url).scheme in ("http", "https", "ws", "wss")}

    def largest(self, count: int = 6) -> list[tuple[str, int]]:
        return sorted(self.transferred.items(), key=lambda item: -item[1])[:count]

    def summary(self) -> str:
        lines = [f"  {self.bytes / 1e6:.2f} MB over HTTP in {len(self.requests)} requests, first screen at "
                 f"{self.first_screen_seconds:.2f} s, websocket {self.websocket_bytes / 1e3:.0f} kB"]
        for url, size in self.largest():
            lines.append(f"    {size / 1e3:9.1f} kB  {self.statuses.get(url, '')} {self.encodings.get(url) or 'identity':8s} "
                         f"{urlsplit(url).path[:90]}")
        return "\n".join(lines)


async def visit(context, url: str, first_screen_button: str = "Sign in") -> Visit:
    """Open ``url`` in a new tab of ``context``; wait for the first screen (a button named
    ``first_screen_button`` in Flutter's accessibility tree) and then for the network to go quiet."""
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    result = Visit()
    in_flight: set[str] = set()
    last_activity = [time.monotonic()]

    def started(event) -> None:
        result.requests[event["requestId"]] = event["request"]["url"]
        if urlsplit(event["request"]["url"]).scheme not in ("data", "blob"):  # in the page already (a worker's blob stays "loading")
            in_flight.add(event["requestId"])
        last_activity[0] = time.monotonic()

    def answered(event) -> None:
        response = event["response"]
        headers = {name.lower(): value for name, value in response.get("headers", {}).items()}
        result.encodings[response["url"]] = headers.get("content-encoding")
        result.statuses[response["url"]] = "cache" if response.get("fromDiskCache") or response.get("fromPrefetchCache") \
            else response["status"]

    def finished(event) -> None:
        url = result.requests.get(event["requestId"], "?")
        result.transferred[url] = result.transferred.get(url, 0) + int(event["encodedDataLength"])
        result.bytes += int(event["encodedDataLength"])
        in_flight.discard(event["requestId"])
        last_activity[0] = time.monotonic()

    def failed(event) -> None:
        result.failed.append((result.requests.get(event["requestId"], "?"), event.get("errorText")))
        in_flight.discard(event["requestId"])
        last_activity[0] = time.monotonic()

    def frame(event) -> None:
        result.websocket_bytes += len(event["response"].get("payloadData", ""))

    def socket(event) -> None:
        result.requests["ws-" + event["requestId"]] = event["url"]

    cdp.on("Network.requestWillBeSent", started)
    cdp.on("Network.responseReceived", answered)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    cdp.on("Network.webSocketCreated", socket)
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.on("Network.webSocketFrameSent", frame)
    await cdp.send("Network.enable")
    await page.goto(url)
    await page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=SCREEN_TIMEOUT_MS)
    await page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    button = page.locator("flt-semantics-host").get_by_role("button", name=first_screen_button, exact=True).first
    await button.wait_for(timeout=SCREEN_TIMEOUT_MS)
    result.first_screen_seconds = await page.evaluate("performance.now()") / 1000
    deadline = time.monotonic() + 60
    while in_flight or time.monotonic() - last_activity[0] < QUIET_SECONDS:
        assert time.monotonic() < deadline, f"still loading: {[result.requests[i] for i in in_flight]}"
        await asyncio.sleep(0.1)
    result.page = page
    return result


def outside(visit: Visit, origin: str) -> list[str]:
    """Every request of the visit that went anywhere but ``origin``'s host (data: and blob: URLs stay in the page)."""
    host = urlsplit(origin).netloc
    return sorted({url for url in visit.requests.values()
                   if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != host})
