"""Write the research exports into a folder: the actor network as GraphML, GEXF and CSV node
and edge lists (written and read back by networkx), the tables as CSV with their Frictionless
``datapackage.json`` and Croissant ``croissant.json`` (what ``policygraph export`` writes and the
publisher serves under ``/dumps/``).

CSV files are UTF-8 without a byte-order mark, a header row, RFC 4180 quoting and line breaks
(CRLF). In the network files an edge's several quotes, offsets and disputes are joined by
:data:`graph.research.tables.SEPARATOR`; an offset is ``start-end`` in code points of the source
text (end exclusive). Every file is first written beside its name and then moved into place.

GraphML's media type ``application/graphml+xml`` and GEXF's ``application/gexf+xml`` are the
types the formats' own documentation and tools use; neither is registered with IANA.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graph.research import croissant, datapackage
from graph.research.network import Network, network
from graph.research.tables import SEPARATOR, Table, tables
from graph.store import Store

GRAPHML = "policygraph-network.graphml"
GEXF = "policygraph-network.gexf"
NODES = "policygraph-network-nodes.csv"
EDGES = "policygraph-network-edges.csv"
DATAPACKAGE = "datapackage.json"
CROISSANT = "croissant.json"
#: The formats ``policygraph export --format`` takes, and the files each writes.
FORMATS = ("graphml", "gexf", "csv", "datapackage", "croissant")


@dataclass(frozen=True)
class Export:
    """One written file: its name, media type and what it holds."""

    name: str
    media_type: str
    description: str


NODE_COLUMNS = ("id", "label", "label_en", "label_zh_hans", "label_zh_hant", "type", "group")
NODE_COLUMNS += ("wikidata",)
EDGE_COLUMNS = (
    "source",
    "target",
    "kind",
    "iri",
    "label",
    "source_role",
    "target_role",
    "stance",
    "modality",
    "event_type",
    "status",
    "date",
    "earliest",
    "latest",
    "disputes",
    "document",
    "quote",
    "offsets",
)


def node_attributes(net: Network) -> list[dict]:
    """One dict per actor, :data:`NODE_COLUMNS`: the same values in every network format."""
    return [
        {
            "id": a.iri,
            "label": a.label,
            "label_en": a.labels.get("en", ""),
            "label_zh_hans": a.labels.get("zh-Hans", ""),
            "label_zh_hant": a.labels.get("zh-Hant", ""),
            "type": a.type,
            "group": a.group,
            "wikidata": a.qid,
        }
        for a in net.actors
    ]


def edge_attributes(net: Network) -> list[dict]:
    """One dict per edge, :data:`EDGE_COLUMNS`: the same values in every network format."""
    return [
        {
            "source": e.source,
            "target": e.target,
            "kind": e.kind,
            "iri": e.iri,
            "label": e.label,
            "source_role": e.source_role,
            "target_role": e.target_role,
            "stance": e.stance,
            "modality": e.modality,
            "event_type": e.event_type,
            "status": e.status,
            "date": e.date,
            "earliest": e.earliest,
            "latest": e.latest,
            "disputes": SEPARATOR.join(e.disputes),
            "document": SEPARATOR.join(sorted({q.source for q in e.quotes})),
            "quote": SEPARATOR.join(q.quote for q in e.quotes),
            "offsets": SEPARATOR.join(f"{q.start}-{q.end}" for q in e.quotes),
        }
        for e in net.edges
    ]


def to_networkx(net: Network) -> nx.MultiDiGraph:
    """The network as a networkx multigraph: nodes by IRI, one edge per model edge, keyed
    ``{iri} {source_role}>{target_role}`` (unique between two actors)."""
    g = nx.MultiDiGraph(name="policygraph actor network")
    for node in node_attributes(net):
        g.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in edge_attributes(net):
        key = f"{edge['iri']} {edge['source_role']}>{edge['target_role']}"
        attributes = {k: v for k, v in edge.items() if k not in ("source", "target")}
        g.add_edge(edge["source"], edge["target"], key=key, **attributes)
    return g


def csv_bytes(header, rows) -> bytes:
    """RFC 4180 CSV in UTF-8: a header row, then the rows."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _graphml(g: nx.MultiDiGraph) -> bytes:
    out = io.BytesIO()
    nx.write_graphml_xml(g, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def _gexf(g: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 without networkx's ``lastmodifieddate`` (today's date, optional in the GEXF
    schema): equal data, equal bytes, whatever the day."""
    out = io.BytesIO()
    nx.write_gexf(g, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", out.getvalue(), count=1)


def _write(folder: Path, name: str, data: bytes) -> None:
    staging = folder / f".{name}.tmp"
    staging.write_bytes(data)
    os.replace(staging, folder / name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(
    store: Store, base: str, folder: str | os.PathLike, formats: tuple[str, ...] = FORMATS
) -> list[Export]:
    """Write the exports of ``formats`` (:data:`FORMATS`) for the data of ``store`` into
    ``folder`` (made if missing); the files written, in a stable order. ``datapackage`` and
    ``croissant`` write the table CSVs they describe; ``csv`` writes those and the network's
    node and edge lists."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(unknown)}")
    written: list[Export] = []
    if {"graphml", "gexf", "csv"} & set(formats):
        written += _network_files(network(store, base), target, formats)
    if {"csv", "datapackage", "croissant"} & set(formats):
        written += _table_files(tables(store, base), target, base, formats)
    return written


def _network_files(net: Network, target: Path, formats) -> list[Export]:
    g = to_networkx(net)
    writers: list[tuple[str, str, str, str, Callable[[], bytes]]] = [
        ("graphml", GRAPHML, "application/graphml+xml", "GraphML", lambda: _graphml(g)),
        ("gexf", GEXF, "application/gexf+xml", "GEXF 1.2 (Gephi)", lambda: _gexf(g)),
    ]
    written = []
    for fmt, name, media_type, what, make in writers:
        if fmt in formats:
            _write(target, name, make())
            written.append(Export(name, media_type, f"The actor network as {what}: {_NETWORK}"))
    if "csv" in formats:
        nodes = node_attributes(net)
        _write(
            target, NODES, csv_bytes(NODE_COLUMNS, ([n[c] for c in NODE_COLUMNS] for n in nodes))
        )
        edges = edge_attributes(net)
        _write(
            target, EDGES, csv_bytes(EDGE_COLUMNS, ([e[c] for c in EDGE_COLUMNS] for e in edges))
        )
        written += [
            Export(NODES, "text/csv", "The actor network's nodes (actors) as CSV."),
            Export(EDGES, "text/csv", f"The actor network's edges as CSV: {_NETWORK}"),
        ]
    return written


_NETWORK = (
    "actors as nodes, claims (claimant to the actors its proposition names) and events "
    "(acting to acted-on participants) as edges, each with stance and modality or event type "
    "and status, date or bounds, disputes, IRI and quotes with offsets."
)


def _table_files(built: list[Table], target: Path, base: str, formats) -> list[Export]:
    files: dict[str, tuple[int, str]] = {}
    written = []
    for table in built:
        data = csv_bytes(table.header, table.rows)
        name = f"{table.name}.csv"
        _write(target, name, data)
        files[name] = (len(data), sha256(data))
        written.append(Export(name, "text/csv", f"Table: {table.description}"))
    package = datapackage.descriptor(built, files, base)
    if "datapackage" in formats or "csv" in formats:
        _write(target, DATAPACKAGE, _json(package))
        written.append(
            Export(
                DATAPACKAGE,
                "application/json",
                "Frictionless Data Package describing the table CSVs: field types, "
                "descriptions, primary and foreign keys, from the SHACL shapes and ontology.",
            )
        )
    if "croissant" in formats:
        _write(target, CROISSANT, _json(croissant.descriptor(package, base)))
        written.append(
            Export(
                CROISSANT,
                "application/ld+json",
                "MLCommons Croissant 1.0 description of the table CSVs (JSON-LD).",
            )
        )
    return written


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
