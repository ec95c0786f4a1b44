"""Progress while loading a large corpus: a live line on a terminal, plain log lines otherwise.

pyoxigraph's ``Store.load``/``bulk_load`` have no progress callback, but they accept a binary file
object: :class:`ProgressReader` wraps the file, counts the lines (= quads, for N-Triples/N-Quads)
of every block pyoxigraph reads, and reports triples, rate, elapsed time and percent done.

    from bench.progress import load_with_progress
    count = load_with_progress(store, "corpus.nq")            # in memory
    count = load_with_progress(store, "corpus.nq", bulk=True)  # on-disk store (bulk_load)

The cost is one ``bytes.count(b"\\n")`` per block read (well under 1% of the load time).
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import time
from pathlib import Path
from typing import BinaryIO, TextIO

import pyoxigraph

FORMATS = {
    ".nq": pyoxigraph.RdfFormat.N_QUADS,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".trig": pyoxigraph.RdfFormat.TRIG,
}


def _human(count: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if count >= size:
            return f"{count / size:.2f}{unit}"
    return f"{count:.0f}"


class Progress:
    """Report ``done`` out of ``total`` units: ``\\r``-updated on a TTY, a line every
    ``interval`` seconds (default 5) otherwise. Usable for anything counted, not only loads."""

    def __init__(
        self,
        label: str = "loading",
        total_bytes: int | None = None,
        stream: TextIO | None = None,
        interval: float | None = None,
        unit: str = "triples",
    ):
        self.label, self.total_bytes, self.unit = label, total_bytes, unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.25 if self.tty else 5.0)
        self.started = time.perf_counter()
        self.last = self.started
        self.count = 0
        self.bytes = 0

    def line(self, final: bool = False) -> str:
        elapsed = time.perf_counter() - self.started
        rate = self.count / elapsed if elapsed > 0 else 0.0
        text = (
            f"{self.label}: {_human(self.count)} {self.unit}, {_human(rate)} {self.unit}/s, "
            f"{elapsed:.1f} s"
        )
        if self.total_bytes and not final:
            text += f", {100 * self.bytes / self.total_bytes:.0f}%"
        return text + (" — done" if final else "")

    def update(self, count: int = 0, nbytes: int = 0) -> None:
        self.count += count
        self.bytes += nbytes
        now = time.perf_counter()
        if now - self.last >= self.interval:
            self.last = now
            self._emit(self.line())

    def finish(self) -> None:
        self._emit(self.line(final=True), final=True)

    def _emit(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


class ProgressReader(io.RawIOBase):
    """A read-only binary file that reports the lines it hands out to a :class:`Progress`."""

    def __init__(self, raw: BinaryIO, progress: Progress):
        self.raw, self.progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self.progress.update(data.count(b"\n"), n)
        return n

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if data:
            self.progress.update(data.count(b"\n"), len(data))
        return data


def load_with_progress(
    store: pyoxigraph.Store,
    path: str | os.PathLike,
    format: pyoxigraph.RdfFormat | None = None,
    *,
    bulk: bool = False,
    label: str | None = None,
    stream: TextIO | None = None,
    interval: float | None = None,
    lenient: bool = False,
) -> int:
    """Load ``path`` (``.nq``/``.nt``/``.ttl``, optionally ``.gz``) into ``store`` showing progress.

    ``bulk=True`` uses ``bulk_load`` (on-disk stores: no transaction, much faster). Returns the
    number of lines read (the number of quads for N-Quads/N-Triples). ``lenient`` skips
    pyoxigraph's IRI and literal validation (for data made by bench/generate.py: about a fifth
    faster at 5M triples).
    """
    path = Path(path)
    suffixes = path.suffixes
    compressed = suffixes[-1:] == [".gz"]
    if format is None:
        format = FORMATS[suffixes[-2] if compressed else path.suffix]
    progress = Progress(
        label or f"loading {path.name}",
        None if compressed else path.stat().st_size,
        stream,
        interval,
    )
    opener = gzip.open if compressed else open
    with opener(path, "rb") as raw:
        reader = io.BufferedReader(ProgressReader(raw, progress), buffer_size=1 << 20)
        if bulk:
            store.bulk_load(reader, format=format, lenient=lenient)
        else:
            store.load(reader, format=format, lenient=lenient)
    progress.finish()
    return progress.count
