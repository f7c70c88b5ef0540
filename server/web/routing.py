"""Route documentation attached to handlers; ``openapi.py`` builds the description from it."""

from __future__ import annotations

from typing import Any, Callable

OPENAPI_ATTR = "__photoshare_openapi__"


def doc(summary: str, *, auth: bool = True, body: dict | None = None, responses: dict[int, str] | None = None,
        query: dict[str, str] | None = None, tag: str = "general", content_type: str = "application/json",
        headers: dict[str, str] | None = None) -> Callable:
    """Describe a handler for the OpenAPI document: what it does, its body, its answers.

    ``headers`` are request headers the operation reads (a note each; "(optional)" in it makes one optional).
    """

    def attach(handler: Callable) -> Callable:
        setattr(handler, OPENAPI_ATTR, {
            "summary": summary,
            "auth": auth,
            "body": body,
            "responses": responses or {200: "OK"},
            "query": query or {},
            "headers": headers or {},
            "tag": tag,
            "content_type": content_type,
        })
        return handler

    return attach


def described(handler: Any) -> dict | None:
    return getattr(handler, OPENAPI_ATTR, None)
