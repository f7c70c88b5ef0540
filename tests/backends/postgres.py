"""A fresh PostgreSQL database per test, cloned from a migrated template.

Creating a database and migrating it takes a third of a second; cloning a template that is already
migrated takes a twentieth, so the template is built once (per schema version) and kept. Dropping a
database is slow too (it waits for a checkpoint), so drops run on a background thread and the run
waits for them at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import queue
import secrets
import threading
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

from tests.services import POSTGRES_ADMIN_URL, unavailable

CONNECT_TIMEOUT_S = 3  # a local server answers at once; waiting longer only delays the skip
# Serialises building the template and cloning it (a template cannot be cloned while it is open).
TEMPLATE_LOCK_KEY = 0x50535465737454  # "PSTestT"
TEST_POOL_SIZE = 4  # a test makes a handful of concurrent calls; fewer connections open faster


def database_url(name: str) -> str:
    parts = urlsplit(POSTGRES_ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _template_name() -> str:
    from server.stores.schema import MIGRATIONS

    digest = hashlib.sha256(repr(MIGRATIONS).encode()).hexdigest()[:12]
    return f"ps_template_{digest}"


def _connect_admin():
    import psycopg

    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL", f"{POSTGRES_ADMIN_URL}: {str(exc).strip()}")


def _ensure_template(admin) -> str:
    import psycopg

    from server.stores.postgres_schema import migrate

    name = _template_name()
    if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
        # The schema changed: templates of earlier schemas will not be cloned again.
        stale = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ps\\_template\\_%'").fetchall()
        for (old,) in stale:
            admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(database_url(name), autocommit=True) as setup:
                migrate(setup)
        except BaseException:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
    return name


def create_database() -> str:
    """A new, migrated, empty database; returns its name."""
    name = f"ps_test_{secrets.token_hex(6)}"
    with _connect_admin() as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (TEMPLATE_LOCK_KEY,))
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_ensure_template(admin)}"')
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (TEMPLATE_LOCK_KEY,))
    return name


def drop_database(name: str) -> None:
    """Drop at once, ending any connection a test left open (FORCE terminates them first)."""
    with _connect_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Dropper:
    """Drops databases on a background thread; the test run waits for the last drops at exit."""

    def __init__(self) -> None:
        self._names: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def drop_later(self, name: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="postgres-test-dropper", daemon=True)
            self._thread.start()
            atexit.register(self._finish)
        self._names.put(name)

    def _run(self) -> None:
        while (name := self._names.get()) is not None:
            try:
                drop_database(name)
            except BaseException as exc:  # never kill the thread: the other drops still matter
                print(f"could not drop test database {name}: {exc}")

    def _finish(self) -> None:
        self._names.put(None)
        if self._thread is not None:
            self._thread.join()


_dropper = _Dropper()


@contextlib.contextmanager
def fresh_postgres() -> Iterator[dict]:
    """Settings overrides for a new PostgreSQL database, dropped after the test."""
    name = create_database()
    try:
        yield {"database_url": database_url(name), "database_pool_size": TEST_POOL_SIZE}
    finally:
        _dropper.drop_later(name)
