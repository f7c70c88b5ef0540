"""Schemathesis extension hooks for tests/e2e/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

tus bodies are ``application/offset+octet-stream``: raw bytes, sent as schemathesis sends
``application/octet-stream``.
"""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
