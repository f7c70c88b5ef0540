"""The two server processes the feed benchmark measures: PhotoShare itself and an aiohttp hello-world.

Each runs as ``python -m bench.feed.servers photoshare|hello PORT [DATA_DIR [REDIS_URL]]`` on loopback, with no
access log (as ``photoshare serve`` runs), so the ratio compares like with like.
"""

from __future__ import annotations

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


def photoshare_app(data_dir: str, redis_url: str = "") -> web.Application:
    from server.app import create_app
    from server.config import load

    settings = load(overrides={"data_dir": data_dir, "host": HOST, "job_workers": 1, "log_level": "warning",
                               "redis_url": redis_url, "web_ui": False},
                    environ={}, config_file=None)
    return create_app(settings)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "hello":
        app = hello_app()
    else:
        from server.runtime import tune_for_serving

        tune_for_serving()  # as `photoshare serve` does
        app = photoshare_app(sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
