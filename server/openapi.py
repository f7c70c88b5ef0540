"""The OpenAPI 3.1 description of the running app, built from its routes and their @doc notes."""

from __future__ import annotations

import re

from aiohttp import web

from . import __version__
from .routing import described

PATH_PARAM = re.compile(r"\{([^}]+)\}")


def build_openapi(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        path = route.resource.canonical
        info = described(route.handler)
        if info is None:
            continue
        operation: dict = {
            "summary": info["summary"],
            "tags": [info["tag"]],
            "responses": {str(code): {"description": text} for code, text in sorted(info["responses"].items())},
        }
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in PATH_PARAM.findall(path)]
        params += [{"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
                   for name, text in info["query"].items()]
        if params:
            operation["parameters"] = params
        if info["auth"]:
            operation["security"] = [{"bearer": []}]
        if info["body"] is not None or route.method in ("POST", "PUT", "PATCH") and info["content_type"] != "application/json":
            properties = {name: {"type": kind.rstrip("?"), "description": kind} for name, kind in (info["body"] or {}).items()}
            operation["requestBody"] = {"content": {info["content_type"]: {"schema": {"type": "object", "properties": properties}}}}
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "PhotoShare API", "version": __version__,
                 "description": "Self-hosted photo sharing. Ids are decimal strings; errors are {error: {code, message}}."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": dict(sorted(paths.items())),
    }
