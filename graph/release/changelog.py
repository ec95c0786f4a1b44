"""A release's changelog, computed by comparing its data with the previous release's.

Both sides are read from the releases' N-Quads dumps (:mod:`graph.dump`, canonical form), so
equal data compares equal. The unit of change is a *thing*: a subject IRI with its fragment
taken away (a claim and its ``#proposition``, ``#evidence``, ``#quote`` … are one thing, as
they are one document, README "What a description holds"). A thing is *added* when the
previous release has no statement about it, *removed* when this one has none, *changed* when
the statements about it differ; each change lists the statements added and removed, with the
named graph that holds them. The data graphs are compared, the graph of content hashes
included (:mod:`graph.release.hashes`), so a changed claim lists its old and new
``pg:contentHash``; the ontology and the shapes are compared as a whole.

Written as Turtle with the Talis changeset vocabulary (``cs:ChangeSet`` per thing,
``cs:subjectOfChange``, ``cs:addition`` / ``cs:removal`` of ``rdf:Statement`` nodes, each with
``dcterms:isPartOf`` its graph), and as Markdown for people.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from ontology import CS

#: A statement as it is compared: (graph IRI, N-Triples of the triple).
Statement = tuple[str, ox.Triple]


@dataclass
class Change:
    """What changed about one thing: ``kind`` is ``added``, ``removed`` or ``changed``."""

    thing: str
    kind: str
    added: list[Statement] = field(default_factory=list)
    removed: list[Statement] = field(default_factory=list)


@dataclass
class Changelog:
    """The changes from release ``previous`` (None: the first release) to this one."""

    version: str
    previous: str | None
    changes: list[Change]
    vocabulary_changed: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]


def read_quads(path: Path) -> list[ox.Quad]:
    """The quads of a gzipped N-Quads dump."""
    with gzip.open(path, "rb") as handle:
        return list(ox.parse(handle.read(), ox.RdfFormat.N_QUADS))


def _by_thing(quads: Iterable[ox.Quad], data: set[str]) -> dict[str, set[Statement]]:
    found: dict[str, set[Statement]] = {}
    for quad in quads:
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or graph.value not in data:
            continue
        subject = quad.subject
        key = subject.value.split("#", 1)[0] if isinstance(subject, ox.NamedNode) else str(subject)
        found.setdefault(key, set()).add((graph.value, quad.triple))
    return found


def _graph_content(quads: Iterable[ox.Quad], name: str) -> set[ox.Triple]:
    return {
        q.triple
        for q in quads
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == name
    }


def _order(statements: Iterable[Statement]) -> list[Statement]:
    return sorted(statements, key=lambda s: (s[0], str(s[1])))


def compare(
    old: list[ox.Quad] | None,
    new: list[ox.Quad],
    data_graphs: Iterable[str],
    vocabulary_graphs: Iterable[str],
    version: str,
    previous: str | None,
) -> Changelog:
    """The changes from ``old`` (the previous release's quads; None: nothing before) to
    ``new``, over ``data_graphs`` (graph IRIs, of either side), things in IRI order."""
    data = set(data_graphs)
    after = _by_thing(new, data)
    if old is None:  # the first release: every thing is new; its statements are the dump
        return Changelog(version, None, [Change(thing, "added") for thing in sorted(after)])
    before = _by_thing(old, data)
    changes = []
    for thing in sorted(set(before) | set(after)):
        was, now = before.get(thing, set()), after.get(thing, set())
        if was == now:
            continue
        kind = "added" if not was else "removed" if not now else "changed"
        changes.append(Change(thing, kind, _order(now - was), _order(was - now)))
    vocabulary = [
        name
        for name in sorted(vocabulary_graphs)
        if _graph_content(old, name) != _graph_content(new, name)
    ]
    return Changelog(version, previous, changes, vocabulary)


def _n(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def turtle(log: Changelog, release_iri: str, previous_iri: str | None) -> bytes:
    """The changelog as Turtle (module docstring): ``{release}changelog`` is a
    ``prov:Entity`` derived from both releases; change set ``n`` is ``{release}changelog#n``."""
    doc = ox.NamedNode(f"{release_iri}changelog")
    out: list[ox.Triple] = [
        ox.Triple(doc, _n(RDF.type), _n(PROV.Entity)),
        ox.Triple(
            doc, _n(DCTERMS.title), ox.Literal(f"Changes in release {log.version}", language="en")
        ),
        ox.Triple(doc, _n(DCTERMS.isPartOf), ox.NamedNode(release_iri)),
        ox.Triple(doc, _n(PROV.wasDerivedFrom), ox.NamedNode(release_iri)),
    ]
    if previous_iri:
        out.append(ox.Triple(doc, _n(PROV.wasDerivedFrom), ox.NamedNode(previous_iri)))
    for graph in log.vocabulary_changed:
        out.append(ox.Triple(doc, _n(DCTERMS.references), ox.NamedNode(graph)))
    for number, change in enumerate(log.changes, 1):
        node = ox.NamedNode(f"{release_iri}changelog#{number}")
        out += [
            ox.Triple(doc, _n(DCTERMS.hasPart), node),
            ox.Triple(node, _n(RDF.type), _n(CS.ChangeSet)),
            ox.Triple(node, _n(CS.subjectOfChange), ox.NamedNode(change.thing)),
            ox.Triple(node, _n(CS.changeReason), ox.Literal(change.kind)),
            ox.Triple(node, _n(CS.creatorName), ox.Literal("policygraph release")),
        ]
        for label, predicate, statements in (
            ("add", CS.addition, change.added),
            ("remove", CS.removal, change.removed),
        ):
            for index, (graph, triple) in enumerate(statements, 1):
                statement = ox.NamedNode(f"{release_iri}changelog#{number}-{label}-{index}")
                out += [
                    ox.Triple(node, _n(predicate), statement),
                    ox.Triple(statement, _n(RDF.type), _n(RDF.Statement)),
                    ox.Triple(statement, _n(RDF.subject), triple.subject),
                    ox.Triple(statement, _n(RDF.predicate), triple.predicate),
                    ox.Triple(statement, _n(RDF.object), triple.object),
                    ox.Triple(statement, _n(DCTERMS.isPartOf), ox.NamedNode(graph)),
                ]
    prefixes = {
        "cs": str(CS),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "rdf": str(RDF),
        "xsd": str(XSD),
    }
    return ox.serialize(out, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


def markdown(log: Changelog, base: str) -> str:
    """The changelog for people: counts, then each thing with its added (+) and removed (−)
    statements in N-Triples, graphs named relative to ``base``."""
    lines = [f"# Changes in release {log.version}", ""]
    if log.previous is None:
        lines.append(f"The first release: {len(log.changes)} things.")
    else:
        counts = ", ".join(
            f"{len(log.of(kind))} {kind}" for kind in ("added", "removed", "changed")
        )
        lines.append(f"Since release {log.previous}: {counts}.")
        for graph in log.vocabulary_changed:
            lines.append(f"The graph <{graph}> changed.")
        if not log.changes and not log.vocabulary_changed:
            lines.append("No change in the data.")
    if log.previous is not None:
        for kind in ("added", "removed", "changed"):
            found = log.of(kind)
            if not found:
                continue
            lines += ["", f"## {kind.capitalize()}", ""]
            for change in found:
                lines.append(f"### <{change.thing}>")
                lines.append("")
                lines.append("```")
                for sign, statements in (("+", change.added), ("-", change.removed)):
                    for graph, triple in statements:
                        where = graph[len(base) :] if graph.startswith(base) else graph
                        lines.append(f"{sign} {triple} .  # {where}")
                lines.append("```")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"
