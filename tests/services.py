"""Reaching the real services some tests need (PostgreSQL, Redis, an S3-API server).

Under CI (``CI=true``) a service that cannot be reached fails the test: CI must prove the scale-out
backends, not skip them. Elsewhere the test is skipped with the reason printed.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """A missing tool or resource fails the test under CI (.ci/run provides it) and skips it elsewhere."""
    if condition:
        return
    if in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def unavailable(service: str, reason: str) -> None:
    message = f"{service} is not reachable ({reason}); .ci/run starts it, or set the URL in the environment"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


POSTGRES_ADMIN_URL = os.environ.get("PHOTOSHARE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("PHOTOSHARE_TEST_REDIS", "redis://127.0.0.1:6379/0")
