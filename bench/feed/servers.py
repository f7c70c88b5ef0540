"""The two server processes the feed benchmark measures: PhotoShare itself and an aiohttp hello-world.

Each runs as ``python -m bench.feed.servers photoshare|hello PORT [DATA_DIR]`` on loopback, with no access log
(as ``photoshare serve`` runs), so the ratio compares like with like. The backends come from the environment,
as in a deployment: ``PHOTOSHARE_REDIS_URL`` and ``PHOTOSHARE_DATABASE_URL`` (unset: the embedded ones).
"""

from __future__ import annotations

import os
import sys

from aiohttp import web

HOST = "127.0.0.1"


def hello_app() -> web.Application:
    body = b'{"hello":"world"}'

    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


# The settings a deployment picks its backends with; nothing else is taken from the environment.
BACKEND_VARIABLES = ("PHOTOSHARE_DATABASE_URL", "PHOTOSHARE_REDIS_URL")


def backend_environment() -> dict[str, str]:
    return {name: os.environ[name] for name in BACKEND_VARIABLES if os.environ.get(name)}


def photoshare_app(data_dir: str):
    from server.app import create_app
    from server.config import load

    settings = load(overrides={"data_dir": data_dir, "host": HOST, "job_workers": 1, "log_level": "warning", "web_ui": False},
                    environ=backend_environment(), config_file=None)
    return create_app(settings), settings


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "hello":
        web.run_app(hello_app(), host=HOST, port=port, print=None, access_log=None)
        return
    from server.runtime import tune_for_serving
    from server.serving import run_app

    tune_for_serving()  # as `photoshare serve` does, and served as it serves (server/serving.py)
    app, settings = photoshare_app(sys.argv[3])
    run_app(app, settings, host=HOST, port=port)


if __name__ == "__main__":
    main()
