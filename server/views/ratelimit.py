"""Per-client request limits shared by every worker process (RFC 6585 §4, 429 Too Many Requests).

The counts live in a small SQLite database in a temporary folder created when the app is built,
before gunicorn forks its workers, so all workers of one deployment share one budget per client.
The client is the connecting address, or behind the proxies of the setting ``trusted_proxies``
the client they name (:class:`server.views.client.ClientAddress`).
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from server.errors import TooManyRequests
from server.views.client import ClientAddress

#: Set in a WSGI environ once its request is counted (the fast path counts before Flask sees it).
COUNTED = "policygraph.rate_counted"


class RateLimiter:
    """A sliding one-window log of request times per client address."""

    def __init__(self, limit: int, window: float = 60.0, trusted_proxies: Iterable[str] = ()):
        self.limit, self.window = limit, window
        self.client = ClientAddress(trusted_proxies)
        self.folder = Path(tempfile.mkdtemp(prefix="policygraph-ratelimit-"))
        self.path = self.folder / "hits.sqlite3"
        self._local = threading.local()
        owner = os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(self.folder, True))
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (client TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS hits_client ON hits (client, at)")

    def _connect(self) -> sqlite3.Connection:
        """One connection per process and thread (connections must not cross a fork)."""
        key = (os.getpid(), threading.get_ident())
        if getattr(self._local, "key", None) != key:
            self._local.db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            self._local.key = key
        return self._local.db

    def count(self, environ) -> None:
        """Count the request of WSGI ``environ`` once against its client's budget
        (:meth:`check`)."""
        if not environ.get(COUNTED):
            environ[COUNTED] = True
            self.check(self.client(environ))

    def check(self, client: str) -> None:
        """Count one request from ``client``; raise :class:`TooManyRequests` past the limit."""
        if self.limit <= 0:
            return
        now = time.time()
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM hits WHERE client = ? AND at <= ?", (client, now - self.window))
            count, oldest = db.execute(
                "SELECT COUNT(*), MIN(at) FROM hits WHERE client = ?", (client,)
            ).fetchone()
            if count >= self.limit:
                retry = max(1, math.ceil(oldest + self.window - now))
                raise TooManyRequests(
                    f"more than {self.limit} SPARQL requests a minute from {client}; "
                    f"retry in {retry} s",
                    retry_after=retry,
                )
            db.execute("INSERT INTO hits (client, at) VALUES (?, ?)", (client, now))
        finally:
            db.execute("COMMIT")
