"""Data dumps (VoID §6.2 ``void:dataDump``): written once at startup or by ``policygraph dump``.

``policygraph.nq.gz`` holds every named graph (data, ontology, shapes) as gzipped N-Quads;
``policygraph.ttl`` holds the union of the data graphs as Turtle. Each file has a ``.sha256``
beside it in ``sha256sum`` format. Never generated per request.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

NQUADS_DUMP = "policygraph.nq.gz"
TURTLE_DUMP = "policygraph.ttl"


@dataclass(frozen=True)
class Dump:
    """One dump file and what the VoID says about it."""

    name: str
    path: Path
    media_type: str
    size: int
    sha256: str
    description: str

    @property
    def checksum_name(self) -> str:
        return f"{self.name}.sha256"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finish(path: Path, media_type: str, description: str) -> Dump:
    checksum = _sha256(path)
    path.with_name(path.name + ".sha256").write_text(f"{checksum}  {path.name}\n", encoding="ascii")
    return Dump(path.name, path, media_type, path.stat().st_size, checksum, description)


def generate(
    store: ox.Store,
    data_graphs,
    folder: str | os.PathLike | None,
    prefixes: dict[str, str] | None = None,
) -> list[Dump]:
    """Write both dumps into ``folder`` (a fresh temporary folder when None) and return them."""
    target = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="policygraph-dumps-"))
    target.mkdir(parents=True, exist_ok=True)
    quads_path = target / NQUADS_DUMP
    staging = quads_path.with_name(f".{NQUADS_DUMP}.tmp")
    with open(staging, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
        ox.serialize(
            (
                q
                for q in store.quads_for_pattern(None, None, None)
                if not isinstance(q.graph_name, ox.DefaultGraph)
            ),
            zipped,
            ox.RdfFormat.N_QUADS,
        )
    os.replace(staging, quads_path)
    turtle_path = target / TURTLE_DUMP
    staging = turtle_path.with_name(f".{TURTLE_DUMP}.tmp")
    triples = sorted(
        {q.triple for g in data_graphs for q in store.quads_for_pattern(None, None, None, g)},
        key=str,
    )
    ox.serialize(triples, str(staging), ox.RdfFormat.TURTLE, prefixes=prefixes)
    os.replace(staging, turtle_path)
    return [
        _finish(
            quads_path,
            "application/gzip",
            "Every named graph (data, ontology, shapes) as N-Quads, gzip-compressed.",
        ),
        _finish(turtle_path, "text/turtle", "The union of the data graphs as Turtle."),
    ]
