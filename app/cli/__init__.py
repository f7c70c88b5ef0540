"""The ``photoshare`` command line, one module per group of commands:

- ``root``: the command group, shared options and helpers (settings, running an admin action in a context);
- ``serving``: ``serve``, ``worker``, ``settings``;
- ``accounts``: ``admin users …``, ``admin invite``, ``admin setup-link``;
- ``maintenance``: ``admin stats``, ``check``, ``reprocess``, ``jobs …``;
- ``data``: ``admin backup``, ``restore``, ``migrate-to-postgres``;
- ``launch``: ``app`` and ``web``, the only module of ``app/`` that imports ``ui/`` (inside the commands).

Admin commands call the server's services (``server/services/admin.py`` and friends), never SQL.
"""

from __future__ import annotations

from . import accounts, data, launch, maintenance, serving  # noqa: F401 — importing them registers their commands
from .root import main

__all__ = ["main"]
