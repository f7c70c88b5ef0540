"""Start the web app and a browser for UI tests, and drive Flutter's semantics tree.

Flutter draws on a canvas; its accessibility tree (turned on by clicking the semantics placeholder)
is what Playwright can find by role, label and text.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, stop_process
from tests.ports import free_port
from tests.services import require  # noqa: F401  (the UI tests import it from here)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# Other engineers run suites on the same two cores: waits are generous but every one is bounded.
UI_TIMEOUT_MS = 45_000
START_TIMEOUT_SECONDS = 60
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Each phase's report of a UI test ("setup", "call", "teardown"), kept on the item by the conftest's
# ``pytest_runtest_makereport``: a page fixture reads the test's own ("call") when it stops.
PHASE_REPORTS = pytest.StashKey[dict]()
# The fixtures that serve what a page shows. A page fixture starts those its test uses before itself, so that it
# stops before them (pytest stops fixtures in the reverse order it started them): a failed test's screen is
# taken while the app and the server still answer, not after they went away.
SERVER_FIXTURES = ("ui_server", "web_app", "served", "served_by_invitation")
# A script expression: every <video> element of the page, also those inside shadow roots (Flutter keeps platform
# views in trees of their own).
ALL_VIDEOS_JS = """(() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'VIDEO') found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
})()"""



class WebApp:
    """``photoshare web`` in a child process with its own client folder."""

    def __init__(self, client_dir: Path, server_url: str) -> None:
        self.port = free_port()
        self.client_dir = client_dir
        self.server_url = server_url
        self.log_path = client_dir.parent / f"web-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "WebApp":
        env = {**os.environ, "PHOTOSHARE_CLIENT_DIR": str(self.client_dir)}
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "app", "web", "--port", str(self.port), "--server", self.server_url],
                                        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"web app exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("web app did not start")

    def stop(self) -> None:
        stop_process(self.process)


class FlutterPage:
    """A Playwright page showing the Flet app, with helpers that speak in what users see."""

    def __init__(self, page) -> None:
        self.page = page
        self.host = page.locator("flt-semantics-host")
        # The app lives on one websocket; if it drops, every later wait would time out mysteriously.
        page.on("websocket", lambda ws: ws.on("close", lambda _: print(f"websocket closed: {ws.url}")))

    async def open(self, url: str) -> None:
        await self.page.goto(url)
        await self.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=UI_TIMEOUT_MS)
        await self.page.evaluate("document.querySelector('flt-semantics-placeholder').click()")

    async def on_screen(self, limit: int = 700) -> str:
        """What the accessibility tree offers now, in brief: a failure's message says what was there instead (the
        short summary at the end of a CI log is often all there is to read)."""
        try:
            tree = await self.host.aria_snapshot(timeout=3_000)
        except Exception as error:  # no tree at all: the app never started, or the page is gone
            return f"no accessibility tree ({type(error).__name__}); address {self.page.url}"
        brief = " | ".join(line.strip().lstrip("- ") for line in tree.splitlines() if line.strip())
        return brief if len(brief) <= limit else brief[:limit] + " …"

    async def _appears(self, locator, what: str, timeout: int) -> None:
        try:
            await locator.wait_for(timeout=timeout)
        except Exception as error:
            raise AssertionError(f"{what} did not appear in {timeout / 1000:.0f} s ({type(error).__name__}); "
                                 f"on screen: {await self.on_screen()}") from error

    async def button(self, name: str, exact: bool = False):
        locator = self.host.get_by_role("button", name=name, exact=exact).first
        await self._appears(locator, f"the button {name!r}", UI_TIMEOUT_MS)
        return locator

    async def click(self, name: str, exact: bool = False) -> None:
        await (await self.button(name, exact)).click()

    def destination(self, name: str, lit: bool = False):
        """A tab's destination: in the bottom bar Flutter exposes it as a tab; in a wide window's navigation rail,
        as a button named "<name> Tab 3 of 6". ``lit``: only while it is the selected one."""
        in_rail = self.host.locator("[aria-current='true']" if lit else "flt-semantics[role='button']",
                                    has_text=re.compile(rf"(^|\s){re.escape(name)}\s+Tab \d+ of \d+$"))
        return self.host.get_by_role("tab", name=name, selected=True if lit else None).or_(in_rail).first

    async def click_until_gone(self, name: str, gone_text: str, *, exact: bool = False, attempts: int = 3) -> None:
        """Click a button until ``gone_text`` leaves the screen. On a loaded machine a tap can reach Flutter late
        enough to count as a long press (a tooltip instead of the action): then tap again, a bounded number of times."""
        for _ in range(attempts):
            await self.click(name, exact)
            try:
                await self.host.get_by_text(gone_text).first.wait_for(state="detached", timeout=10_000)
                return
            except Exception:
                continue
        raise AssertionError(f"{gone_text!r} stayed after {attempts} clicks on {name!r}")

    async def click_until_seen(self, name: str, shown: str, *, exact: bool = False, attempts: int = 3) -> None:
        """Click a button until ``shown`` is on the screen. A tap on a busy machine can land while the screen is
        redrawn under it and do nothing (a person taps again): tap again, a bounded number of times, but only while
        the button is still there (a slow screen that did open is never tapped through)."""
        for _ in range(attempts):
            await self.click(name, exact)
            try:
                await self.host.get_by_text(shown).or_(self.host.get_by_label(shown)).first.wait_for(timeout=10_000)
                return
            except Exception:
                if await self.host.get_by_role("button", name=name, exact=exact).count() == 0:
                    break
        await self.see(shown)

    async def tab(self, name: str, attempts: int = 3) -> None:
        """A bottom-bar (or rail) destination, tapped until it is the lit one: on a loaded machine a tap can reach
        Flutter late enough to count as a long press (its tooltip shows, nothing navigates)."""
        locator = self.destination(name)
        await locator.wait_for(timeout=UI_TIMEOUT_MS)
        for _ in range(attempts):
            await locator.click()
            try:
                await self.destination(name, lit=True).wait_for(timeout=10_000)
                return
            except Exception:
                continue
        raise AssertionError(f"the {name!r} tab was not selected after {attempts} taps")

    async def choose(self, name: str) -> None:
        """A chip (Flutter exposes selectable chips as checkboxes)."""
        locator = self.host.get_by_role("checkbox", name=name).first
        await locator.wait_for(timeout=UI_TIMEOUT_MS)
        await locator.click()

    async def fill(self, label: str, text: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """Type into a field and check it holds the text. A screen still being drawn or redrawn (the first
        frames after loading, a list refreshed by live news) can drop keystrokes or replace the field on a busy
        machine, so look it up again and retry until the deadline, not a fixed number of times."""
        deadline = time.monotonic() + timeout_ms / 1000
        problem = "the field never appeared"
        while time.monotonic() < deadline:
            field = self.host.get_by_label(label).first
            try:
                await field.wait_for(timeout=max(1_000, int((deadline - time.monotonic()) * 1000)))
                await field.click(timeout=10_000)
                # Keys go wherever the focus is: wait until Flutter's text editor holds it, or the first
                # characters land nowhere (seen with multi-line fields, whose text cannot be checked below).
                await self.page.wait_for_function(
                    "() => ['INPUT', 'TEXTAREA'].includes(document.activeElement && document.activeElement.tagName)",
                    timeout=5_000)
                await self.page.wait_for_timeout(200)
                await self.page.keyboard.press("Control+A")
                await self.page.keyboard.type(text)
                await self.page.wait_for_timeout(300)
                if await field.evaluate("e => e.tagName", timeout=5_000) == "TEXTAREA":
                    return  # multi-line fields do not mirror their text into the semantics element
                # Compare the start only: emoji are typed as several key events and may be re-encoded.
                # The text lives in Flutter's editing element, which holds the focus; the semantics node found by
                # the label mirrors it only some of the time (seen empty while the field showed the text).
                typed = await self.page.evaluate("() => document.activeElement && document.activeElement.value || ''")
                if typed[:8] != text[:8]:
                    typed = await field.input_value(timeout=5_000)
                if typed[:8] == text[:8]:
                    return
                problem = f"the field held {typed!r}"
            except Exception as error:  # the field was replaced under us: look it up again
                problem = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
                await self.page.wait_for_timeout(500)
        raise AssertionError(f"could not type into {label!r} ({problem}); on screen: {await self.on_screen()}")

    async def see(self, text: str, timeout: int = UI_TIMEOUT_MS):
        # Flutter merges a card's texts into one labelled node, so the words may be text or label.
        locator = self.host.get_by_text(text).or_(self.host.get_by_label(text)).first
        await self._appears(locator, repr(text), timeout)
        return locator

    async def double_tap(self, label: str) -> None:
        target = self.host.get_by_label(label).first
        await target.wait_for(timeout=UI_TIMEOUT_MS)
        box = await target.bounding_box()
        await self.page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, delay=50)

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        # A busy machine can take long to hand over a frame (Playwright waits for the fonts too): bounded, generous.
        await self.page.screenshot(path=str(path), timeout=2 * UI_TIMEOUT_MS)
        return path


def body_failed(item) -> bool:
    """Did the test's body fail (an assertion, a timeout, an error)?"""
    report = item.stash.get(PHASE_REPORTS, {}).get("call")
    return report is not None and report.failed


async def keep_failed_screen(ui: FlutterPage, tmp_path: Path) -> None:
    """The screen as the test failed (``failed-screen.png``) and what the accessibility tree offered then (what
    the steps look for: ``failed-semantics.html``, and printed)."""
    shot = tmp_path / "failed-screen.png"
    try:
        await ui.page.screenshot(path=str(shot), timeout=UI_TIMEOUT_MS)
        print(f"failed screen: {shot}")
        (tmp_path / "failed-semantics.html").write_text(await ui.host.inner_html(timeout=5_000))
        print(await ui.host.aria_snapshot(timeout=5_000))
    except Exception as error:  # the page may be gone with the browser
        print(f"no failed screen ({shot}): {error}")


@contextlib.asynccontextmanager
async def browser_session(request, tmp_path: Path, viewport: dict, args: tuple[str, ...] = (), **page_options):
    """A Chromium page for a page fixture (``request`` is the fixture's). It starts after the servers its test
    uses (``SERVER_FIXTURES``) and, on the way out while they still answer, keeps the failed screen if the test
    failed, then the last screen (``last-screen.png``) in any case. ``args`` go to Chromium after the usual ones;
    ``page_options`` to the page (``is_mobile``, ``has_touch``)."""
    require(chromium_available(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        require(False, "the playwright package is not installed")
    for name in SERVER_FIXTURES:
        if name in request.fixturenames:
            request.getfixturevalue(name)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])
        ui = FlutterPage(await browser.new_page(viewport=viewport, **page_options))
        yield ui
        if body_failed(request.node):
            await keep_failed_screen(ui, tmp_path)
        last = tmp_path / "last-screen.png"  # what the page showed at the end
        with contextlib.suppress(Exception):
            await ui.page.screenshot(path=str(last), timeout=UI_TIMEOUT_MS)
            print(f"last screen: {last}")
        await browser.close()


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def live_streams(server) -> int:
    """How many live-notification streams the server holds open (its /metrics gauge)."""
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as response:
        return int(float(re.search(r"^photoshare_live_streams (\S+)$", response.read().decode(), re.M).group(1)))


async def wait_for_streams(server, count: int, timeout: float) -> float:
    """Wait (bounded) until the server holds ``count`` live streams; answers how long that took."""
    started = time.monotonic()
    while (held := await asyncio.to_thread(live_streams, server)) != count:
        assert time.monotonic() - started < timeout, f"the server holds {held} live stream(s), not {count}"
        await asyncio.sleep(0.1)
    return time.monotonic() - started
