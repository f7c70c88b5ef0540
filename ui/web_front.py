"""The web app's static files: compressed, cacheable, and answered from the moment the port opens.

Importing Flet, FastAPI and Starlette (what serves the web app's websocket) takes about 0.4 s of a cold
start on two busy cores, and the browser can do nothing until the page's first file arrives. ``WebFront``
answers from the start and at all times: it serves the files Flet's own ``FletStaticFiles`` serves — the
same ``index.html`` and ``manifest.json`` patched the same way, everything else from the app's assets
folder and then Flet's web build, the page itself for any other path — with the same types and Flet's
cross-origin headers. Flet's app answers only what needs code (its websocket, uploads).
``tests/ui/test_web_front.py`` checks that the bytes are Flet's, so a Flet upgrade that changes them fails a
test, not a page; where they differ on purpose (below), the test applies the same change to Flet's answer.

What a phone on a slow link needs on top of Flet's server:

- **Compression.** The engine is about 12 MB (``main.dart.wasm`` 8.2 MB, ``skwasm.wasm`` 3.5 MB); compressed,
  a third of that. Each compressible file is compressed once, on a thread, into a cache folder whose file
  names are the source's identity (path, size, modification time) — gzip at once when a browser first asks
  and nothing is ready, brotli (smaller, slower to make) in the background — and the best encoding the
  request's ``Accept-Encoding`` allows is sent, with ``Vary: Accept-Encoding``.
- **Caching.** The page loads the engine from a versioned base path, ``/engine/<key>/`` (Flet's
  ``entrypointBaseUrl``, ``assetBase`` and ``canvasKitBaseUrl`` settings), where ``<key>`` changes whenever any
  served file does; everything under it is ``immutable`` for a year, so a repeat visit asks only for the page
  and the manifest. Those stay ``no-cache``, answered 304 when unchanged (``ETag``, ``Last-Modified``).
- **No request leaves the server.** Flet's build loads the Rive runtime (animations PhotoShare never shows)
  from a CDN at every start. The CDN's base URL is a string constant in ``main.dart.wasm`` and ``main.dart.js``:
  it is replaced, byte for byte at the same length, by a local path whose answer is a stub that tells the
  engine there is no Rive runtime.

Nothing here imports Flet: it would defeat the purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import importlib.util
import json
import logging
import mimetypes
import os
import re
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

log = logging.getLogger(__name__)

# Flet's web app adds these to every answer (flet_web.fastapi.app), so these answers carry them too. (Cross-origin
# isolation would let the engine use its multi-threaded renderer; the loader is told not to, SINGLE_THREAD_CONFIG.)
FLET_HEADERS = ((b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-embedder-policy", b"require-corp"),
                (b"access-control-allow-origin", b"*"))
# Paths Flet's app answers with code rather than files (its websocket, uploads, OAuth, FastAPI's docs).
FLET_ROUTES = ("/ws", "/upload", "/oauth_callback", "/docs", "/redoc", "/openapi.json")
# Settings that change what Flet serves; with any of them set, everything goes to Flet itself.
FLET_ENVIRONMENT = ("FLET_WEB_RENDERER", "FLET_WEB_ROUTE_URL_STRATEGY", "FLET_WEBSOCKET_HANDLER_ENDPOINT",
                    "FLET_UPLOAD_HANDLER_ENDPOINT", "FLET_OAUTH_CALLBACK_HANDLER_ENDPOINT")
MAX_FILE_BYTES = 64 * 1024 * 1024
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json",
         ".html": "text/html", ".png": "image/png", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}

# The versioned base path of the engine's files; everything under it is cached for a year.
ENGINE_PREFIX = "/engine/"
IMMUTABLE = b"public, max-age=31536000, immutable"
NO_CACHE = b"no-cache"
# Worth compressing: text and wasm (images and woff2 are compressed already). Smaller files gain nothing.
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".json", ".html", ".ttf", ".otf", ".txt", ".css", ".svg", ".map", ".symbols", ""}
MIN_COMPRESS_BYTES = 1024
GZIP_LEVEL = 6  # level 9 makes the engine 0.2 % smaller in twice the time, while a first visitor may be waiting
BROTLI_QUALITY = 11
PRUNE_AFTER_SECONDS = 2 * 24 * 3600
# The files a first load asks for, in that order: compressed first in the background.
FIRST_LOAD = ("flutter_bootstrap.js", "main.dart.mjs", "main.dart.wasm", "canvaskit/skwasm.js", "canvaskit/skwasm.wasm",
              "assets/FontManifest.json", "assets/AssetManifest.bin.json", "assets/fonts/roboto.woff2",
              "assets/fonts/MaterialIcons-Regular.otf", "assets/packages/cupertino_icons/assets/CupertinoIcons.ttf",
              "python.js", "manifest.json", "index.html")
# Compressed in the background after those (the other browsers' engines); anything else when first asked.
OTHER_ENGINES = ("main.dart.js", "canvaskit/skwasm_heavy.js", "canvaskit/skwasm_heavy.wasm", "canvaskit/canvaskit.js",
                 "canvaskit/canvaskit.wasm", "canvaskit/chromium/canvaskit.js", "canvaskit/chromium/canvaskit.wasm",
                 "canvaskit/wimp.js", "canvaskit/wimp.wasm", "flutter.js")

# Fonts every engine (wasm or JavaScript) fetches as it starts, before any of the app's text: fetched with the page.
PRELOAD_ENGINE = ("assets/fonts/MaterialIcons-Regular.otf", "assets/fonts/roboto.woff2")

# The Rive runtime's CDN, as compiled into Flet's engine, and the local path put in its place (same length,
# so the compiled string's length prefix and every offset stay valid).
RIVE_CDN = b"https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@37.0.0/"
RIVE_LOCAL = b"/photoshare-offline/no-rive-runtime/flutter-native-wasm@37.0.0/__/"
assert len(RIVE_LOCAL) == len(RIVE_CDN)
RIVE_REWRITTEN = ("main.dart.wasm", "main.dart.js")
# The engine adds a <script> for RIVE_LOCAL + "wasm/rive_native.js" (then "wasm_compatibility/…"), waits
# for it to load and calls window.RiveNative(). A runtime that refuses makes the engine carry on without Rive.
RIVE_STUB = (b"// PhotoShare shows no Rive animation and serves no Rive runtime: the engine carries on without it.\n"
             b"window.RiveNative = function () { return Promise.reject(new Error('no Rive runtime')); };\n")
# Skwasm, the wasm engine's renderer, runs multi-threaded (a worker rasterizes) when the page is cross-origin
# isolated, as Flet's headers make it. The engine in Flet 0.82.2 shares a glyph cache between that worker and the
# page's thread without a lock; text laid out while a frame is rasterized can corrupt the heap, and the page
# then freezes for good (flutter/flutter#190039, fixed in Flutter 3.47). A page that stopped drawing seconds after
# its first screen (twice in full test runs here) fits it. The loader's own switch keeps skwasm on the page's thread.
SINGLE_THREAD_ANCHOR = b"var flutterConfig = {\n"
SINGLE_THREAD_CONFIG = SINGLE_THREAD_ANCHOR + b"    forceSingleThreadedSkwasm: true, // PhotoShare: flutter/flutter#190039\n"
SINGLE_THREAD_REWRITTEN = ("flutter_bootstrap.js",)
# Changes whenever what this module does to a file's bytes changes: part of every cache key.
TRANSFORM_VERSION = b"webfront-2"


def flet_web_dir() -> Path:
    """Flet's web build (as ``flet_web.get_package_web_dir``), found without importing ``flet_web``."""
    configured = os.environ.get("FLET_WEB_PATH")
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec("flet_web")  # locating a package does not run it
    if spec is not None and spec.origin and Path(spec.origin).parent.joinpath("web").is_dir():
        return Path(spec.origin).parent / "web"
    import flet_web  # an unusual installation: ask Flet (and pay for its import)

    return Path(flet_web.get_package_web_dir())


def patched_index(source: str, app_name: str, app_description: str) -> str:
    """``index.html`` as ``flet_web.patch_index_html`` makes it for this app: served at /, websocket at
    ``ws``, no CDN, the default renderer and path routing."""
    config = ["flet.noCdn=true;", 'flet.webRenderer="auto";', 'flet.routeUrlStrategy="path";',
              'flet.entrypointBaseUrl="/";', 'flet.assetBase="/";', 'flet.webSocketEndpoint="ws";']
    index = source.replace("<!-- fletAppConfig -->", "<script>\n{}\n</script>".format("\n".join(config)))
    index = re.sub(r"\<meta name=\"apple-mobile-web-app-title\" content=\"(.+)\">",
                   lambda _: f'<meta name="apple-mobile-web-app-title" content="{app_name}">', index)
    index = re.sub(r"\<title>(.+)</title>", lambda _: f"<title>{app_name}</title>", index)
    return re.sub(r"\<meta name=\"description\" content=\"(.+)\">",
                  lambda _: f'<meta name="description" content="{app_description}">', index)


# The page's own background while the engine loads, in the app's light or dark surface colour (what Flutter
# makes of the theme's seed): the theme kept in the browser's storage (``ui.theme``), else the system's. Without
# it a dark phone shows a white page for the second or two before the first frame.
LOADING_STYLE = (
    '<style>html,body{background:#fff8f7}@media (prefers-color-scheme:dark){html,body{background:#191113}}'
    'html.dark,html.dark body{background:#191113}html.light,html.light body{background:#fff8f7}</style>\n'
    '  <script>try{var m=JSON.parse(localStorage.getItem("flutter.photoshare.theme_mode"));'
    'if(m==="dark"||m==="light")document.documentElement.className=m}catch(e){}</script>\n  ')


def versioned_index(index: str, base: str, theme_color: str | None, preload: tuple[str, ...] = ()) -> str:
    """The patched page loading the engine, its scripts and images from the versioned ``base``.

    Only references the page itself makes are changed, plus a theme colour and preload hints; the page stays
    Flet's otherwise (the test checks that). ``preload``: files the app fetches once its page arrives
    (paths from the root), fetched at once instead; the engine's fonts (``PRELOAD_ENGINE``) likewise."""
    index = index.replace('flet.entrypointBaseUrl="/";', f'flet.entrypointBaseUrl="{base}";\nflet.canvasKitBaseUrl="{base}canvaskit/";')
    index = index.replace('flet.assetBase="/";', f'flet.assetBase="{base}";')
    for attribute, name in (("src", "flutter_bootstrap.js"), ("src", "python.js"), ("src", "icons/loading-animation.png"),
                            ("href", "favicon.png"), ("href", "icons/apple-touch-icon-192.png")):
        index = index.replace(f'{attribute}="{name}"', f'{attribute}="{base}{name}"')
    if theme_color and 'name="theme-color"' not in index:
        index = index.replace('<link rel="manifest"', f'<meta name="theme-color" content="{theme_color}">\n  <link rel="manifest"', 1)
    index = index.replace('<link rel="manifest"', LOADING_STYLE + '<link rel="manifest"', 1)
    # as="fetch" with crossorigin: the engine fetches these with fetch(), which then takes the preloaded answer.
    hints = [f'<link rel="preload" href="{base}{name}" as="fetch" crossorigin>' for name in PRELOAD_ENGINE]
    hints += [f'<link rel="preload" href="/{name.lstrip("/")}" as="fetch" crossorigin>' for name in preload]
    return index.replace('<link rel="manifest"', "\n  ".join(hints) + '\n  <link rel="manifest"', 1) if hints else index


def patched_manifest(source: str, app_name: str, app_short_name: str, app_description: str) -> str:
    """``manifest.json`` as ``flet_web.patch_manifest_json`` makes it."""
    manifest = json.loads(source)
    manifest.update(name=app_name, short_name=app_short_name, description=app_description)
    return json.dumps(manifest, indent=2)


def rewrite_engine(name: str, body: bytes) -> bytes:
    """The file's bytes as served: the engine's Rive CDN replaced by the local path (same length); the loader
    told to keep skwasm single-threaded."""
    base = name.rsplit("/", 1)[-1]
    if base in RIVE_REWRITTEN:
        return body.replace(RIVE_CDN, RIVE_LOCAL)
    if base in SINGLE_THREAD_REWRITTEN:
        return body.replace(SINGLE_THREAD_ANCHOR, SINGLE_THREAD_CONFIG, 1)
    return body


def accepted_encodings(scope) -> set[str]:
    """The content codings the request accepts (``q=0`` excluded), lower case."""
    accepted: set[str] = set()
    for name, value in scope.get("headers") or ():
        if name.lower() != b"accept-encoding":
            continue
        for item in value.decode("latin-1").split(","):
            coding, _, params = item.strip().partition(";")
            quality = params.strip().lower()
            if quality.startswith("q=") and quality[2:].strip() in ("0", "0.0", "0.00", "0.000"):
                continue
            if coding.strip():
                accepted.add(coding.strip().lower())
    return accepted


def _header(scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == wanted:
            return value.decode("latin-1")
    return None


class Precompressed:
    """Compressed copies of files in a cache folder, each made once on a thread.

    A copy's file name is the source's key (its identity and this module's transform version) and the
    encoding, so a changed source gets a new copy; copies no longer served are removed after the
    background pass. Requests never compress on the event loop: they await a thread's work or take what
    is ready."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.encodings = ["br", "gzip"] if _brotli() is not None else ["gzip"]
        self._jobs: dict[tuple[str, str], Future] = {}
        self._lock = threading.Lock()
        self._not_worth: set[str] = set()
        self._used: set[Path] = set()
        self._urgent = ThreadPoolExecutor(1, thread_name_prefix="photoshare-gzip")
        self._background = ThreadPoolExecutor(1, thread_name_prefix="photoshare-precompress",
                                              initializer=_lower_priority)

    def path(self, key: str, encoding: str) -> Path:
        return self.folder / f"{key}.{'br' if encoding == 'br' else 'gz'}"

    def ready(self, key: str, encoding: str) -> Path | None:
        if key in self._not_worth:
            return None
        path = self.path(key, encoding)
        if not path.is_file():
            return None
        if path not in self._used:  # once per process: a copy in use is never old enough to prune
            self._used.add(path)
            with contextlib.suppress(OSError):
                os.utime(path)
        return path

    def worth(self, key: str) -> bool:
        return key not in self._not_worth

    def job(self, key: str, encoding: str, source, *, urgent: bool) -> Future:
        """The copy's making (shared by everyone who asks); ``source()`` gives the bytes to compress."""
        with self._lock:
            job = self._jobs.get((key, encoding))
            if job is None or (job.done() and job.exception() is not None):
                executor = self._urgent if urgent else self._background
                job = executor.submit(self._make, key, encoding, source)
                self._jobs[(key, encoding)] = job
            return job

    def _make(self, key: str, encoding: str, source) -> Path | None:
        target = self.path(key, encoding)
        if target.is_file():
            return target
        if key in self._not_worth:
            return None
        body = source()
        if encoding == "br":
            packed = _brotli().compress(body, quality=BROTLI_QUALITY)
        else:
            packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        if len(packed) >= len(body) * 0.95:
            self._not_worth.add(key)
            return None
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        temporary.write_bytes(packed)
        os.replace(temporary, target)
        return target

    def prune(self, keep: set[str]) -> None:
        """Remove copies whose key is not in ``keep`` (sources that changed or went away) and that nobody
        made or used for PRUNE_AFTER_SECONDS (another web app sharing the folder may serve other files)."""
        old = time.time() - PRUNE_AFTER_SECONDS
        for entry in self.folder.iterdir():
            key = entry.name.split(".", 1)[0]
            with contextlib.suppress(OSError):
                if key not in keep and entry.is_file() and entry.stat().st_mtime < old:
                    entry.unlink()  # also a temporary file left by a process that was killed while writing

    def close(self) -> None:
        self._background.shutdown(wait=False, cancel_futures=True)
        self._urgent.shutdown(wait=False, cancel_futures=True)


def _brotli():
    try:
        import brotli
    except ImportError:  # an installation without it: gzip only
        return None
    return brotli


BACKGROUND_NICE = 10


def _lower_priority() -> None:
    """The background pass yields the cores to requests and the UI (Linux: a thread has its own nice value).
    Only ever lower: a thread started by a process already of lower priority keeps the nice value it inherited."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, max(BACKGROUND_NICE, os.getpriority(os.PRIO_PROCESS, thread)))
    except (AttributeError, OSError):
        pass


def file_identity(path: Path | str, stat: os.stat_result) -> str:
    """What identifies a served file's contents: its path, size and modification time. The one-file binary
    unpacks itself into a new folder at every start (new paths, new times), so there it is the file's place
    in that folder, its size and the identity of the binary itself, which stay the same from start to start."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle and str(path).startswith(str(bundle)):
        binary = os.stat(sys.executable)
        return f"{os.path.relpath(path, bundle)}\0{stat.st_size}\0{binary.st_size}\0{binary.st_mtime_ns}"
    return f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"


class _File:
    """One servable representation source: patched bytes, or a file on disk (maybe rewritten)."""

    __slots__ = ("name", "path", "data", "key", "mtime")

    def __init__(self, name: str, path: Path | None = None, data: bytes | None = None, mtime: float = 0.0) -> None:
        self.name = name
        self.path = path
        self.data = data
        if data is not None:
            self.key = hashlib.blake2b(TRANSFORM_VERSION + b"\0" + data, digest_size=16).hexdigest()
            self.mtime = mtime
        else:
            stat = path.stat()
            identity = f"{file_identity(path, stat)}\0{name}".encode()
            self.key = hashlib.blake2b(TRANSFORM_VERSION + b"\0" + identity, digest_size=16).hexdigest()
            self.mtime = stat.st_mtime

    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def body(self) -> bytes:
        if self.data is not None:
            return self.data
        return rewrite_engine(self.name, self.path.read_bytes())

    @property
    def compressible(self) -> bool:
        return os.path.splitext(self.name)[1].lower() in COMPRESSIBLE and self.size() >= MIN_COMPRESS_BYTES


class WebFront:
    """Serves GET and HEAD for the web app's files (see the module's text); everything else is Flet's.

    ``extra``: files this app serves in place of Flet's (``ui.app``'s font manifest), by relative path;
    ``preload``: files the app asks for as soon as its page arrives (``versioned_index``)."""

    def __init__(self, assets_dir: Path, app_name: str, app_short_name: str, app_description: str, *,
                 cache_dir: Path | None = None, extra: dict[str, bytes] | None = None, preload: tuple[str, ...] = ()) -> None:
        self.roots = [Path(assets_dir).resolve(), flet_web_dir().resolve()]  # Flet's order: the app's assets first
        index_source = self._source("index.html")
        manifest_source = self._source("manifest.json")
        self.flet_index = patched_index(index_source.read_text("utf-8"), app_name, app_description).encode()
        manifest = patched_manifest(manifest_source.read_text("utf-8"), app_name, app_short_name, app_description)
        self.theme_color = json.loads(manifest).get("theme_color")
        self.base = ENGINE_PREFIX + self._version(extra or {}) + "/"
        self.preload = tuple(preload)
        index = versioned_index(self.flet_index.decode(), self.base, self.theme_color, self.preload).encode()
        self.patched = {name: _File(name, data=data, mtime=source.stat().st_mtime) for name, data, source in (
            ("index.html", index, index_source), ("manifest.json", manifest.encode(), manifest_source))}
        for name, data in (extra or {}).items():
            self.patched[name] = _File(name, data=data, mtime=flet_web_dir().joinpath(name).stat().st_mtime
                                       if flet_web_dir().joinpath(name).is_file() else 0.0)
        self.cache = Precompressed(cache_dir) if cache_dir is not None else None
        self._files: dict[str, _File | None] = {}

    @staticmethod
    def usable() -> bool:
        """False where Flet's web build is missing or its serving is configured otherwise: then Flet serves."""
        if any(os.environ.get(name) for name in FLET_ENVIRONMENT):
            return False
        try:
            return (flet_web_dir() / "index.html").is_file()
        except (ImportError, ValueError):
            return False

    def _source(self, relative: str) -> Path:
        for root in self.roots:
            if (root / relative).is_file():
                return root / relative
        raise FileNotFoundError(relative)

    def _version(self, extra: dict[str, bytes]) -> str:
        """A key that changes whenever any file served under the versioned base could (identity of every file)."""
        digest = hashlib.blake2b(TRANSFORM_VERSION, digest_size=8)
        for root in self.roots:
            for folder, _, names in sorted(os.walk(root)):
                for name in sorted(names):
                    path = os.path.join(folder, name)
                    digest.update(f"{file_identity(path, os.stat(path))}\n".encode())
        for name in sorted(extra):
            digest.update(name.encode() + b"\0" + extra[name])
        return digest.hexdigest()

    def handles(self, scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        return not any(path == route or path.startswith(route + "/") for route in FLET_ROUTES)

    def _lookup(self, relative: str) -> _File:
        """The file for a path relative to the root; the page itself where no file matches, as Flet does."""
        if relative in ("", "index.html") or relative.endswith("/"):
            relative = relative + "index.html" if relative.endswith("/") else "index.html"
        if relative in self.patched:
            return self.patched[relative]
        if relative in self._files:
            found = self._files[relative]
            if found is not None and found.path.is_file():
                return found
        parts = relative.split("/")
        if ".." not in parts and "\\" not in relative and "\0" not in relative:
            for root in self.roots:
                candidate = root.joinpath(*parts)
                if candidate.is_file():
                    found = _File(relative, path=candidate)
                    if len(self._files) < 4096:
                        self._files[relative] = found
                    return found
        return self.patched["index.html"]

    async def serve(self, scope, send) -> bool:
        """Answer the request if it is one of the files; False if it is for Flet's app."""
        if not self.handles(scope):
            return False
        path = unquote(scope["path"])
        cache_control = NO_CACHE
        if path.startswith(RIVE_LOCAL.decode()):
            await self._respond(scope, send, _File("rive_native.js", data=RIVE_STUB), IMMUTABLE)
            return True
        if path.startswith(ENGINE_PREFIX):
            rest = path[len(ENGINE_PREFIX):].partition("/")[2]
            if path.startswith(self.base):
                cache_control = IMMUTABLE  # an older version's path (a page left open) gets today's files, revalidated
            path = "/" + rest
        found = self._lookup(path.lstrip("/"))
        if found.data is None and found.size() > MAX_FILE_BYTES:
            return False
        if found.name == "index.html":
            cache_control = NO_CACHE  # the page itself names the engine's version: always revalidated
        await self._respond(scope, send, found, cache_control)
        return True

    async def _respond(self, scope, send, found: _File, cache_control: bytes) -> None:
        suffix = os.path.splitext(found.name)[1].lower()
        content_type = TYPES.get(suffix) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        headers = [(b"content-type", content_type.encode()), (b"cache-control", cache_control),
                   (b"etag", f'"{found.key}"'.encode()),
                   (b"last-modified", formatdate(found.mtime, usegmt=True).encode()), *FLET_HEADERS]
        compressible = found.compressible
        if compressible:
            headers.append((b"vary", b"Accept-Encoding"))
        if self._not_modified(scope, found):
            await send({"type": "http.response.start", "status": 304, "headers": [h for h in headers if h[0] != b"content-type"]})
            await send({"type": "http.response.body", "body": b""})
            return
        encoding, body = await self._body(scope, found, compressible)
        if encoding is not None:
            headers.append((b"content-encoding", encoding.encode()))
            headers[2] = (b"etag", f'"{found.key}-{encoding}"'.encode())  # a strong validator per representation
        headers.insert(1, (b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    @staticmethod
    def _not_modified(scope, found: _File) -> bool:
        match = _header(scope, b"if-none-match")
        if match is not None:
            # Any coding's tag will do: each is the same file, and the browser keeps the copy it has.
            tags = {tag.strip().removeprefix("W/").strip('"').split("-", 1)[0] for tag in match.split(",")}
            return found.key in tags or "*" in tags
        since = _header(scope, b"if-modified-since")
        if since is not None and found.mtime:
            try:
                return int(found.mtime) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    async def _body(self, scope, found: _File, compressible: bool) -> tuple[str | None, bytes]:
        """(content coding or None, bytes): the best ready copy the request accepts, else gzip made now."""
        if compressible and self.cache is not None:
            accepted = accepted_encodings(scope)
            wanted = [encoding for encoding in self.cache.encodings if encoding in accepted]
            for encoding in wanted:
                ready = self.cache.ready(found.key, encoding)
                if ready is not None:
                    return encoding, await _read(ready)
            if "gzip" in wanted and self.cache.worth(found.key):
                made = await asyncio.wrap_future(self.cache.job(found.key, "gzip", found.body, urgent=True))
                if made is not None:
                    if "br" in wanted:  # the better copy for the next visitor, in the background
                        self.cache.job(found.key, "br", found.body, urgent=False)
                    return "gzip", await _read(made)
        if found.data is not None:
            return None, found.data
        return None, await asyncio.to_thread(found.body)

    def precompress(self, names=None, *, everything: bool = False) -> list[Future]:
        """Queue the background compression of ``names`` (default: the engine's files, a first load's first,
        then the other browsers' engines); ``everything``: every compressible file. Returns the jobs."""
        if self.cache is None:
            return []
        names = list(names) if names is not None else list(FIRST_LOAD) + list(self.preload) + list(OTHER_ENGINES)
        if everything:
            for root in reversed(self.roots):
                for folder, _, files in os.walk(root):
                    names += [os.path.relpath(os.path.join(folder, file), root).replace(os.sep, "/") for file in files]
        jobs, seen = [], set()
        for encoding in reversed(self.cache.encodings):  # gzip for all first: it comes sooner
            for name in names:
                found = self._lookup(name)
                if found.name != name and name != "index.html":
                    continue
                if (found.key, encoding) in seen or not found.compressible:
                    continue
                seen.add((found.key, encoding))
                jobs.append(self.cache.job(found.key, encoding, found.body, urgent=False))
        return jobs

    def served_keys(self) -> set[str]:
        keys = {file.key for file in self.patched.values()}
        keys.update(file.key for file in self._files.values() if file is not None)
        return keys

    async def warm(self) -> None:
        """Precompress in the background and then drop copies of files that are no longer served."""
        jobs = self.precompress()
        if not jobs:
            return
        await asyncio.gather(*(asyncio.wrap_future(job) for job in jobs), return_exceptions=True)
        await asyncio.to_thread(self.cache.prune, self.served_keys())

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


EarlyFront = WebFront  # its earlier name


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)
