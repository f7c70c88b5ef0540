"""The web app's static files before Flet is imported, so the browser loads the Flutter engine meanwhile.

Importing Flet, FastAPI and Starlette (what serves the web app) takes about 0.4 s of a cold start on two
busy cores, and the browser can do nothing until the page's first file arrives. ``EarlyFront`` answers
from the moment the port is open: it serves the files Flet's own ``FletStaticFiles`` serves — the same
``index.html`` and ``manifest.json`` patched the same way, everything else from the app's assets folder
and then Flet's web build, the page itself for any other path — with the same headers. Flet is imported
on a thread meanwhile, and once its app is ready every request goes to it. ``tests/ui/test_web_front.py``
checks both serve the same bytes and headers, so a Flet upgrade that changes them fails a test, not a page.

Nothing here imports Flet: it would defeat the purpose.
"""

from __future__ import annotations

import importlib.util
import json
import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import unquote

# Flet's web app adds these to every answer (flet_web.fastapi.app): cross-origin isolation lets the engine
# use its multi-threaded renderer, so the early answers must carry them too.
FLET_HEADERS = ((b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-embedder-policy", b"require-corp"),
                (b"access-control-allow-origin", b"*"))
# Paths Flet's app answers with code rather than files (its websocket, uploads, OAuth, FastAPI's docs).
FLET_ROUTES = ("/ws", "/upload", "/oauth_callback", "/docs", "/redoc", "/openapi.json")
# Settings that change what Flet serves; with any of them set, everything waits for Flet itself.
FLET_ENVIRONMENT = ("FLET_WEB_RENDERER", "FLET_WEB_ROUTE_URL_STRATEGY", "FLET_WEBSOCKET_HANDLER_ENDPOINT",
                    "FLET_UPLOAD_HANDLER_ENDPOINT", "FLET_OAUTH_CALLBACK_HANDLER_ENDPOINT")
# The engine's files are a few MB each: one read and one write each, so a busy thread importing Flet
# (which holds the interpreter most of the time) delays them by few switches.
MAX_FILE_BYTES = 64 * 1024 * 1024
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json",
         ".html": "text/html", ".png": "image/png", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}


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


def patched_manifest(source: str, app_name: str, app_short_name: str, app_description: str) -> str:
    """``manifest.json`` as ``flet_web.patch_manifest_json`` makes it."""
    manifest = json.loads(source)
    manifest.update(name=app_name, short_name=app_short_name, description=app_description)
    return json.dumps(manifest, indent=2)


class EarlyFront:
    """Serves GET and HEAD for the web app's files until Flet's app is ready (see the module's text).

    ``FONT_MANIFEST_PATH`` is not among them: ``ui.app`` serves its own font manifest at all times."""

    def __init__(self, assets_dir: Path, app_name: str, app_short_name: str, app_description: str) -> None:
        self.roots = [Path(assets_dir).resolve(), flet_web_dir().resolve()]  # Flet's order: the app's assets first
        self.patched = {
            "index.html": patched_index(self._source("index.html").decode("utf-8"), app_name, app_description).encode(),
            "manifest.json": patched_manifest(self._source("manifest.json").decode("utf-8"), app_name, app_short_name,
                                              app_description).encode(),
        }

    @staticmethod
    def usable() -> bool:
        """False where Flet's web build is missing or its serving is configured otherwise: then wait for Flet."""
        if any(os.environ.get(name) for name in FLET_ENVIRONMENT):
            return False
        try:
            return (flet_web_dir() / "index.html").is_file()
        except (ImportError, ValueError):
            return False

    def _source(self, relative: str) -> bytes:
        for root in self.roots:
            if (root / relative).is_file():
                return (root / relative).read_bytes()
        raise FileNotFoundError(relative)

    def handles(self, scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        return not any(path == route or path.startswith(route + "/") for route in FLET_ROUTES)

    def _lookup(self, path: str) -> tuple[str, bytes | Path]:
        """(name, bytes or file) for a request path; the page itself where no file matches, as Flet does."""
        relative = unquote(path).lstrip("/")
        if relative in ("", "index.html") or relative.endswith("/"):
            relative = relative + "index.html" if relative.endswith("/") else "index.html"
        if relative in self.patched:
            return relative, self.patched[relative]
        parts = relative.split("/")
        if ".." not in parts and "\\" not in relative and "\0" not in relative:
            for root in self.roots:
                candidate = root.joinpath(*parts)
                if candidate.is_file():
                    return relative, candidate
        return "index.html", self.patched["index.html"]

    async def serve(self, scope, send) -> bool:
        """Answer the request if it is one of the files; False if it is for Flet's app (then wait for it)."""
        if not self.handles(scope):
            return False
        name, found = self._lookup(scope["path"])
        if isinstance(found, bytes):
            body = found
        elif found.stat().st_size <= MAX_FILE_BYTES:
            body = found.read_bytes()
        else:
            return False
        suffix = os.path.splitext(name)[1].lower()
        content_type = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"no-cache"), *FLET_HEADERS]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        return True
