"""Provisioning of isolated real backends for tests: one module per service.

Each module exposes a context manager that yields the settings overrides for one fresh, isolated
instance (a new PostgreSQL database, a Redis key namespace, an S3 bucket) and removes it afterwards:

- ``tests/backends/postgres.py``: ``fresh_postgres() -> Iterator[dict]``  e.g. {"database_url": ...}
- ``tests/backends/redis.py``:    ``fresh_redis() -> Iterator[dict]``     e.g. {"redis_url": ...}
- ``tests/backends/s3.py``:       ``fresh_s3() -> Iterator[dict]``        e.g. {"blob_url": ..., "s3_access_key": ...}

They call ``tests.services.unavailable`` when the service cannot be reached (a failure under CI).
"""
