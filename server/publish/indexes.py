"""The indexes of an on-disk store, kept beside it so that a restart reads them, not the store.

Finding the things, the labels, the VoID counts, the date index and the dumps of an on-disk store
takes time that grows with the store, and none of it changes until the store does. After
a publication is built on ``oxigraph:PATH`` they are written to ``PATH.indexes`` under a key
that changes with anything they are computed from:

- the store's files: the name, size and modification time of each (RocksDB writes new files for
  every change, and none when opened read-only; its info logs and lock file are left out);
- the settings ``base``, ``default_graph`` and ``dumps_dir``;
- the code that computes them: a digest of the files of the ``server``, ``graph`` and
  ``ontology`` packages;
- :data:`VERSION` and the Python version (the file is :mod:`marshal` data, whose format may
  change between versions; marshal builds plain values only, never code that runs).

When the key differs, or the file is missing, unreadable or cut short, the indexes are computed
from the store again and the file is written anew (atomically, by rename; an unwritable folder
only costs the next start its speed).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from functools import cache
from pathlib import Path

from server.settings import Settings

log = logging.getLogger(__name__)

#: Bumped when the content's layout changes.
VERSION = 1
SUFFIX = ".indexes"
MAGIC = b"policygraph-indexes\n"
#: Settings whose value changes what is indexed.
SETTINGS = ("base", "default_graph", "dumps_dir")
#: RocksDB files that change without the data changing (info logs, the lock).
VOLATILE = ("LOG", "LOCK")
PACKAGES = ("server", "graph", "ontology")
ROOT = Path(__file__).resolve().parents[2]


def file_for(store: Path) -> Path:
    """Where the indexes of the store at ``store`` are kept: ``store.indexes``, beside it."""
    return store.with_name(store.name + SUFFIX)


def fingerprint(store: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime in ns) of every file of the store that changes only with its data."""
    out = []
    with os.scandir(store) as entries:
        for entry in entries:
            if entry.is_file() and not entry.name.startswith(VOLATILE):
                stat = entry.stat()
                out.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return sorted(out)


def code_digest() -> str:
    """A digest of every file of the packages that compute or render the indexes."""
    digest = hashlib.blake2b(digest_size=16)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


#: The running code's digest: read once per process (the key is made again before a write).
_running_code = cache(code_digest)


def key(store: Path, settings: Settings) -> bytes:
    """The key the indexes of ``store`` are valid under (see the module docstring)."""
    parts = (
        VERSION,
        tuple(sys.version_info[:2]),
        _running_code(),
        tuple((name, getattr(settings, name)) for name in SETTINGS),
        tuple(fingerprint(store)),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest().encode()


def read(store: Path, expected: bytes) -> dict | None:
    """The indexes saved for ``store`` if saved under ``expected``, else None."""
    try:
        data = file_for(store).read_bytes()
    except OSError:
        return None
    header = MAGIC + expected + b"\n"
    if not data.startswith(header):
        return None
    try:
        content = marshal.loads(memoryview(data)[len(header) :])
    except (EOFError, ValueError, TypeError):
        log.warning("ignoring unreadable indexes in %s", file_for(store))
        return None
    return content if isinstance(content, dict) else None


def write(store: Path, settings: Settings, made_under: bytes, content: dict) -> bool:
    """Save ``content`` for ``store`` under ``made_under`` (the key when the store was read),
    unless the store changed meanwhile; True if written."""
    target = file_for(store)
    staging = None
    try:
        if key(store, settings) != made_under:
            return False
        handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.fchmod(handle, 0o644)  # readable like the store beside it (mkstemp makes 0600)
        with os.fdopen(handle, "wb") as output:
            output.write(MAGIC + made_under + b"\n")
            marshal.dump(content, output)
        os.replace(staging, target)
    except (OSError, ValueError) as error:
        log.warning("could not save the indexes of %s: %s", store, error)
        if staging is not None:
            Path(staging).unlink(missing_ok=True)
        return False
    return True
