"""What the description of one thing contains (the README's "What a description holds").

Cool URIs for the Semantic Web §4.3 (303 URIs forwarding to one generic document): the document
of ``{base}id/{kind}/{slug}`` holds (1) every triple whose subject is the thing or one of its hash
sub-nodes (``#evidence``, ``#quote``, ``#position``, ``#proposition``, ``#participation-1`` …),
found by following links from the thing to IRIs ``{thing}#…``; (2) the labels, in every
language, of each other IRI those triples link to; (3) up to ``incoming_cap`` incoming links
(triples from other things naming it as object), and when there are more, an ``rdfs:seeAlso``
from the document to a SPARQL query listing them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import RDFS, SKOS

from graph.store import Store
from graph.store.base import value_of

LABEL = ox.NamedNode(str(RDFS.label))
PREF_LABEL = ox.NamedNode(str(SKOS.prefLabel))
SEE_ALSO = ox.NamedNode(str(RDFS.seeAlso))


@dataclass
class Description:
    """The parts of one thing's description, kept apart for the HTML page."""

    topic: str
    own: list[ox.Triple] = field(default_factory=list)
    labels: list[ox.Triple] = field(default_factory=list)
    incoming: list[ox.Triple] = field(default_factory=list)
    incoming_total: int = 0
    rest: str | None = None
    meta: list[ox.Triple] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.incoming_total > len(self.incoming)

    @property
    def triples(self) -> list[ox.Triple]:
        return self.own + self.labels + self.incoming + self.meta

    @property
    def subjects(self) -> list[str]:
        """The thing first, then its sub-nodes in IRI order."""
        found = {value_of(t.subject) for t in self.own}
        return [self.topic] + sorted(found - {self.topic})


def owner(iri: str) -> str:
    """The thing a hash sub-node belongs to (the IRI without its fragment)."""
    return iri.split("#", 1)[0]


def _quads(store: Store, graphs, subject=None, predicate=None, obj=None):
    """Quads matching the pattern in any of ``graphs``: one index lookup over every graph,
    filtered by graph name (one lookup per graph costs thousands of lookups at scale)."""
    wanted = graphs if isinstance(graphs, frozenset) else frozenset(graphs)
    for quad in store.quads_for_pattern(subject, predicate, obj, None):
        if quad.graph_name in wanted:
            yield quad


def _label_triples(store: Store, graphs, iri: ox.NamedNode) -> list[ox.Triple]:
    for predicate in (LABEL, PREF_LABEL):
        found = {q.triple for q in _quads(store, graphs, iri, predicate)}
        if found:
            return sorted(found, key=str)
    return []


def rest_query(base: str, topic: str) -> str:
    """A SPARQL query URL listing every incoming link of ``topic`` (SPARQL 1.1 Protocol §2.1.1)."""
    query = (
        f"SELECT ?subject ?predicate WHERE {{ ?subject ?predicate <{topic}> }} ORDER BY ?subject"
    )
    return f"{base}sparql?query={quote(query, safe='')}"


def describe(
    store: Store,
    data_graphs,
    label_graphs,
    base: str,
    topic: str,
    incoming_cap: int,
    document_iri: str,
) -> Description:
    """Build the description of ``topic`` from the store (union of ``data_graphs``)."""
    data_graphs, label_graphs = frozenset(data_graphs), frozenset(label_graphs)
    description = Description(topic)
    root = ox.NamedNode(topic)
    own: set[ox.Triple] = set()
    members = {topic}
    pending = [root]
    while pending:
        node = pending.pop()
        for quad in _quads(store, data_graphs, node):
            own.add(quad.triple)
            value = quad.object
            if (
                isinstance(value, ox.NamedNode)
                and value.value not in members
                and owner(value.value) == topic
            ):
                members.add(value.value)
                pending.append(value)
    description.own = sorted(own, key=lambda t: (value_of(t.subject) != topic, str(t)))

    incoming = {
        quad.triple
        for quad in _quads(store, data_graphs, None, None, root)
        if owner(quad.subject.value) != topic
    }
    ordered = sorted(incoming, key=str)
    description.incoming_total = len(ordered)
    description.incoming = ordered[:incoming_cap]
    if description.truncated:
        description.rest = rest_query(base, topic)
        description.meta = [
            ox.Triple(ox.NamedNode(document_iri), SEE_ALSO, ox.NamedNode(description.rest))
        ]

    linked: set[str] = set()
    for triple in description.own:
        if isinstance(triple.object, ox.NamedNode) and triple.object.value not in members:
            linked.add(triple.object.value)
    for triple in description.incoming:
        linked.add(value_of(triple.subject))
    labels: list[ox.Triple] = []
    for iri in sorted(linked):
        labels += _label_triples(store, label_graphs, ox.NamedNode(iri))
    description.labels = [t for t in labels if t not in own]
    return description
