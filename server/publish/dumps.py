"""Data dumps (VoID §6.2 ``void:dataDump``): written once at startup or by ``policygraph dump``.

``policygraph.nq.gz`` holds every named graph (data, ontology, shapes) as gzipped N-Quads;
``policygraph.ttl`` holds the union of the data graphs as Turtle, both in the canonical form of
:mod:`graph.dump`, byte for byte what ``policygraph dump`` writes for the same data. Each file has
a ``.sha256`` beside it in ``sha256sum`` format. Never generated per request.

Beside them, the research exports of :mod:`graph.research.exports` (the actor network as
GraphML, GEXF and CSV; the tables as CSV with their ``datapackage.json`` and ``croissant.json``),
what ``policygraph export --format all`` writes: DCAT distributions too, but not
``void:dataDump`` (they are not RDF).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import pyoxigraph as ox

from graph import dump
from graph.research import exports
from graph.store import Store

NQUADS_DUMP = "policygraph.nq.gz"
TURTLE_DUMP = "policygraph.ttl"
#: The dumps that are RDF (``void:dataDump``); the others are research exports.
RDF_DUMPS = (NQUADS_DUMP, TURTLE_DUMP)
#: The exports the home page lists (the table CSVs are listed by their data package).
HOME_EXPORTS = (
    exports.GRAPHML,
    exports.GEXF,
    exports.NODES,
    exports.EDGES,
    exports.DATAPACKAGE,
    exports.CROISSANT,
)
#: The specification an export conforms to (DCAT 2 ``dcterms:conformsTo``), by file name.
CONFORMS_TO = {
    exports.GRAPHML: "http://graphml.graphdrawing.org/xmlns",
    exports.GEXF: "http://www.gexf.net/1.2draft",
    exports.DATAPACKAGE: "https://specs.frictionlessdata.io/tabular-data-package/",
    exports.CROISSANT: "http://mlcommons.org/croissant/1.0",
}


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

    @property
    def is_rdf(self) -> bool:
        """An RDF dump (``void:dataDump``), not a research export."""
        return self.name in RDF_DUMPS

    @property
    def on_home(self) -> bool:
        """A research export the home page lists (:data:`HOME_EXPORTS`)."""
        return self.name in HOME_EXPORTS

    @property
    def conforms_to(self) -> str | None:
        return CONFORMS_TO.get(self.name)


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
    store: Store,
    data_graphs: Sequence[ox.NamedNode],
    folder: str | os.PathLike | None,
    base: str,
) -> list[Dump]:
    """Write both dumps and the research exports into ``folder`` (a fresh temporary folder
    when None) and return them, the RDF dumps first.

    One pass over the named graphs in the canonical form of :mod:`graph.dump`, the form
    ``policygraph dump`` writes: ``policygraph dump --format nq -o F.nq.gz`` and ``--format
    ttl`` give these files' bytes for the same data.
    """
    target = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="policygraph-dumps-"))
    target.mkdir(parents=True, exist_ok=True)
    quads_path, turtle_path = target / NQUADS_DUMP, target / TURTLE_DUMP
    quads_staging = quads_path.with_name(f".{NQUADS_DUMP}.tmp")
    turtle_staging = turtle_path.with_name(f".{TURTLE_DUMP}.tmp")
    with (
        open(quads_staging, "wb") as raw,
        dump.gzip_writer(raw) as zipped,
        open(turtle_staging, "wb") as turtle,
    ):
        dump.write(
            dump.store_graphs(store),
            (g.value for g in data_graphs),
            base,
            {"nq": cast(BinaryIO, zipped), "ttl": turtle},
        )
    os.replace(quads_staging, quads_path)
    os.replace(turtle_staging, turtle_path)
    written = exports.write(store, base, target)
    return [
        _finish(
            quads_path,
            "application/gzip",
            "Every named graph (data, ontology, shapes) as N-Quads, gzip-compressed.",
        ),
        _finish(turtle_path, "text/turtle", "The union of the data graphs as Turtle."),
        *(_finish(target / item.name, item.media_type, item.description) for item in written),
    ]


#: The document listing the dumps (``{base}dumps/``, negotiated; also ``{base}dumps/index``).
INDEX_KEY = "dumps/index"


def index(dumps: list[Dump], base: str, modified: str) -> dict:
    """The dumps' index as JSON: for each dump what ``{base}dataset`` says of it (VoID §6.2
    ``void:dataDump``, DCAT 2 ``dcat:downloadURL``, ``dcat:mediaType``, ``dcat:byteSize``, SPDX
    ``checksumValue``), with the URL of its ``.sha256`` file."""
    return {
        "dataset": f"{base}dataset",
        "modified": modified,
        "dumps": [
            {
                "name": item.name,
                "url": f"{base}dumps/{item.name}",
                "mediaType": item.media_type,
                "size": item.size,
                "sha256": item.sha256,
                "sha256Url": f"{base}dumps/{item.checksum_name}",
                "description": item.description,
            }
            for item in dumps
        ],
    }
