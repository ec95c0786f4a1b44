"""Where rendered representations are kept: a byte-bounded LRU, and a compressed packed store.

Both are shared by the request threads of a gunicorn gthread worker. Every read and write of
their tables holds a lock, and what they hold is immutable (``bytes``, frozen representations),
so two threads racing on one key may both render it, but each serves a complete and correct
body; the later write simply replaces the earlier, identical one.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

#: Bytes a cached representation costs beside its body: the key, the entry, the representation
#: object, its ETag, Content-Location and Link strings, and the fast path's two header lists
#: (tracemalloc on the curated graph: ~3.8 KB with both header lists; rounded up).
ENTRY_OVERHEAD = 4096


class ByteLRU:
    """A least-recently-used map whose entries' sizes add up to at most ``budget`` bytes.

    ``budget=None`` never evicts (the precomputed representations of a small corpus). A value
    larger than the whole budget is not kept at all. A value is put after the entries it
    displaces are evicted, so :attr:`total` (read under the lock, like every table access)
    never exceeds the budget, even while another thread is in :meth:`put`.
    """

    def __init__(self, budget: int | None):
        self.budget = budget
        self._total = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        """Bytes of the entries held."""
        with self._lock:
            return self._total

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if self.budget is not None:
                self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            budget = self.budget
            if budget is not None and size > budget:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._total -= old[1]
            if budget is not None:
                while self._total + size > budget:
                    _, (_, evicted) = self._entries.popitem(last=False)
                    self._total -= evicted
            self._entries[key] = (value, size)
            self._total += size

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


#: zlib keeps a window of 32 KiB, so a longer preset dictionary would never be referenced.
DICTIONARY_SIZE = 32 * 1024
#: zlib level 6 (its default): 8.4% of the raw size at 100 µs a body; level 9: 8.2% at 143 µs.
LEVEL = 6
_DIGEST = 16
_SLOT = struct.Struct(f"<{_DIGEST}sI")  # BLAKE2b-128 digest (the ETag), end offset of the body


def train(samples: Iterable[bytes]) -> bytes:
    """A preset dictionary (zlib's ``zdict``, RFC 1950 §2.2) for bodies like ``samples``.

    The samples are concatenated and the last 32 KiB kept: zlib finds the markup, prefixes and
    IRI shapes every document of a format repeats in it, so a small body compresses far better
    than it would alone.
    """
    return b"".join(samples)[-DICTIONARY_SIZE:]


#: Raw deflate (RFC 1951), without zlib's header and Adler-32 trailer: the digest kept beside
#: each body already identifies it, and skipping the checksum makes inflating one cheaper.
WBITS = -15


def _compressor(zdict: bytes | None):
    if zdict:
        return zlib.compressobj(LEVEL, zlib.DEFLATED, WBITS, zdict=zdict)
    return zlib.compressobj(LEVEL, zlib.DEFLATED, WBITS)


class Packed:
    """Every representation of every document, compressed, one ``bytes`` object per document.

    A document's entry holds, for each of its slots (format, language) in order, the digest of
    the uncompressed body and the end offset of its compressed body, then the bodies, each
    deflated on its own with its format's preset dictionary: unpacking one representation
    inflates only that body. One object per document instead of one per representation saves
    Python's per-object overhead.
    """

    def __init__(self, dictionaries: dict[str, bytes]):
        self.dictionaries = dictionaries
        self._entries: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.raw_bytes = 0

    def pack(self, key: str, parts: list[tuple[str, bytes, bytes]]) -> None:
        """Store ``parts`` — (format name, body, 16-byte digest) in slot order — under ``key``."""
        header, bodies, end = [], [], 0
        for name, body, digest in parts:
            packer = _compressor(self.dictionaries.get(name))
            packed = packer.compress(body) + packer.flush()
            end += len(packed)
            header.append(_SLOT.pack(digest, end))
            bodies.append(packed)
            self.raw_bytes += len(body)
        entry = struct.pack("<B", len(parts)) + b"".join(header) + b"".join(bodies)
        with self._lock:
            self._entries[key] = entry

    def unpack(self, key: str, slot: int, name: str) -> tuple[bytes, bytes] | None:
        """(body, digest) of slot ``slot`` (format ``name``) of ``key``, or None."""
        entry = self._entries.get(key)
        if entry is None or slot >= entry[0]:
            return None
        start = 1 + entry[0] * _SLOT.size
        digest, end = _SLOT.unpack_from(entry, 1 + slot * _SLOT.size)
        begin = _SLOT.unpack_from(entry, 1 + (slot - 1) * _SLOT.size)[1] if slot else 0
        zdict = self.dictionaries.get(name)
        unpacker = zlib.decompressobj(WBITS, zdict=zdict) if zdict else zlib.decompressobj(WBITS)
        body = unpacker.decompress(memoryview(entry)[start + begin : start + end])
        return body, digest

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def packed_bytes(self) -> int:
        return sum(len(entry) for entry in self._entries.values())
