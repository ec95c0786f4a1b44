"""What the description of one thing contains (the README's "What a description holds").

Cool URIs for the Semantic Web §4.3 (303 URIs forwarding to one generic document): the document
of ``{base}id/{kind}/{slug}`` holds (1) every triple whose subject is the thing or one of its hash
sub-nodes (``#evidence``, ``#quote``, ``#position``, ``#proposition``, ``#participation-1`` …),
found by following links from the thing to IRIs ``{thing}#…``; (2) the labels, in every
language, of each other IRI those triples link to; (3) up to ``incoming_cap`` incoming links
(triples from other things naming it as object), and when there are more, an ``rdfs:seeAlso``
from the document to the first page of them all (:mod:`server.publish.incoming`), which an RDF
client follows page by page to the last.

Facts only a curator graph holds (``{base}graph/{slug}--curator``, DESIGN.md § Modeling) are
listed in ``added`` with the pg:Citation nodes covering them, for the page to mark them as added
context; the citations are not part of the description's triples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDFS, SKOS

from graph.store import Store
from graph.store.base import value_of
from ontology import terms
from shapes import CURATOR_SUFFIX

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
    #: Every triple above in each graph that holds it (``meta`` in the default graph: it is
    #: about the document, not data), for N-Quads and TriG.
    quads: list[ox.Quad] = field(default_factory=list)
    #: Each triple (own or incoming) that only curator graphs hold → the IRIs of the
    #: pg:Citation nodes covering it (none: uncited, which validation refuses).
    added: dict[ox.Triple, list[str]] = field(default_factory=dict)
    #: Each citation named in ``added`` → its triples (source, who added it, comment).
    citations: dict[str, list[ox.Triple]] = field(default_factory=dict)

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


def label_quads(store: Store, graphs, iri: ox.NamedNode) -> list[ox.Quad]:
    """The ``rdfs:label`` quads of ``iri`` in ``graphs``, else its ``skos:prefLabel`` ones."""
    for predicate in (LABEL, PREF_LABEL):
        found = list(_quads(store, graphs, iri, predicate))
        if found:
            return found
    return []


def incoming_links(store: Store, graphs, topic: str) -> tuple[list[ox.Triple], list[ox.Quad]]:
    """The triples naming ``topic`` as object from outside it (its own hash sub-nodes left
    out), sorted, and their quads (a triple once per graph holding it)."""
    quads = [
        quad
        for quad in _quads(store, graphs, None, None, ox.NamedNode(topic))
        if owner(quad.subject.value) != topic
    ]
    return sorted({quad.triple for quad in quads}, key=str), quads


def _curator(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.endswith(CURATOR_SUFFIX)


def curator_context(
    store: Store, quads, pg: str
) -> tuple[dict[ox.Triple, list[str]], dict[str, list[ox.Triple]]]:
    """The triples of ``quads`` held by curator graphs only, each with the citations covering it
    (a pg:Citation of the same graph whose pg:citedSubject is the triple's subject and whose
    pg:citedProperty, if it names any, includes its predicate), and each citation's triples."""
    graphs: dict[ox.Triple, set] = {}
    for quad in quads:
        graphs.setdefault(quad.triple, set()).add(quad.graph_name)
    cited_subject = ox.NamedNode(pg + terms.citedSubject)
    cited_property = ox.NamedNode(pg + terms.citedProperty)
    added: dict[ox.Triple, list[str]] = {}
    citations: dict[str, list[ox.Triple]] = {}
    for triple, held in sorted(graphs.items(), key=lambda item: str(item[0])):
        subject = triple.subject
        if (
            triple.predicate == cited_property
            or not isinstance(subject, ox.NamedNode | ox.BlankNode)
            or not all(_curator(g) for g in held)
        ):
            continue
        covering = added.setdefault(triple, [])
        if triple.predicate == cited_subject:  # a citation naming what it covers: itself
            covering.append(subject.value)
            for graph in held:
                found = store.quads_for_pattern(subject, None, None, graph)
                citations.setdefault(subject.value, sorted({q.triple for q in found}, key=str))
            continue
        for graph in sorted(held, key=str):
            for quad in store.quads_for_pattern(None, cited_subject, subject, graph):
                citation = quad.subject
                if not isinstance(citation, ox.NamedNode | ox.BlankNode):
                    continue
                properties = {
                    q.object for q in store.quads_for_pattern(citation, cited_property, None, graph)
                }
                if properties and triple.predicate not in properties:
                    continue
                covering.append(citation.value)
                if citation.value not in citations:
                    found = store.quads_for_pattern(citation, None, None, graph)
                    citations[citation.value] = sorted({q.triple for q in found}, key=str)
    return added, citations


def incoming_page_iri(document_iri: str, number: int) -> str:
    """Page ``number`` (from 1) of the incoming links of the thing ``document_iri`` describes
    (:mod:`server.publish.incoming`)."""
    return f"{document_iri}/incoming/{number}"


def describe(
    store: Store,
    data_graphs,
    label_graphs,
    topic: str,
    incoming_cap: int,
    document_iri: str,
) -> Description:
    """Build the description of ``topic`` from the store (union of ``data_graphs``)."""
    data_graphs, label_graphs = frozenset(data_graphs), frozenset(label_graphs)
    description = Description(topic)
    root = ox.NamedNode(topic)
    own: set[ox.Triple] = set()
    quads: set[ox.Quad] = set()
    members = {topic}
    pending = [root]
    while pending:
        node = pending.pop()
        for quad in _quads(store, data_graphs, node):
            own.add(quad.triple)
            quads.add(quad)
            value = quad.object
            if (
                isinstance(value, ox.NamedNode)
                and value.value not in members
                and owner(value.value) == topic
            ):
                members.add(value.value)
                pending.append(value)
    description.own = sorted(own, key=lambda t: (value_of(t.subject) != topic, str(t)))

    ordered, incoming_quads = incoming_links(store, data_graphs, topic)
    description.incoming_total = len(ordered)
    description.incoming = ordered[:incoming_cap]
    kept = set(description.incoming)
    quads.update(quad for quad in incoming_quads if quad.triple in kept)
    if description.truncated:
        description.rest = incoming_page_iri(document_iri, 1)
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
        found = [
            q for q in label_quads(store, label_graphs, ox.NamedNode(iri)) if q.triple not in own
        ]
        labels += sorted({q.triple for q in found}, key=str)
        quads.update(found)
    description.labels = labels
    default = ox.DefaultGraph()
    quads.update(ox.Quad(t.subject, t.predicate, t.object, default) for t in description.meta)
    description.quads = sorted(quads, key=lambda q: (str(q.graph_name), str(q.triple)))
    # ``topic`` is ``{base}id/{kind}/{slug}`` (documents.thing_key), so its base is what precedes.
    pg = terms.iri(topic.rsplit("/", 3)[0] + "/", "")
    description.added, description.citations = curator_context(
        store, [q for q in description.quads if q.triple not in set(description.labels)], pg
    )
    return description
