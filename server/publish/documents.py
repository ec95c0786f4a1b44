"""Every document the publisher serves: the dataset-level ones built at load, things on demand.

A thing's document (DESIGN.md § IRIs: ``{base}doc/{kind}/{slug}``) is described from the store
when first needed, so startup costs one query for the list of things however many there are.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor
from functools import lru_cache, partial
from typing import TYPE_CHECKING

import pyoxigraph as ox

import ontology
from server.publish import citations, dumps, incoming, void
from server.publish.describe import describe
from server.render import html, vocabulary
from server.render.document import Document, used_prefixes
from server.render.formats import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    LISTING_FORMATS,
    RESOURCE_FORMATS,
)
from server.render.jsonld import context_document

#: Where the documents of data graphs are (``{base}graph/…``, DESIGN.md § IRIs).
GRAPH_KEY = "graph/"
#: Things whose count of incoming links is remembered (to answer which pages exist).
INCOMING_TOTALS = 4096

if TYPE_CHECKING:
    from server.publish.publication import Publication

#: A thing IRI: ``{base}id/{kind}/{slug}`` (DESIGN.md § IRIs).
THING = re.compile(r"id/([a-z][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)")
#: Described things kept after use, so that a client fetching one thing in several formats in
#: turn describes it once (a description holds ~60 KB of Python objects).
RECENT = 64


def thing_key(base: str, iri: str) -> str | None:
    """``doc/{kind}/{slug}`` for a thing IRI under ``base`` (fragment ignored), else None."""
    if not iri.startswith(base):
        return None
    match = THING.fullmatch(iri[len(base) :].split("#", 1)[0])
    return f"doc/{match[1]}/{match[2]}" if match else None


def find_things(pub: Publication) -> dict[str, str]:
    """Thing IRI → document key, for every thing named in a data graph (subject or object).

    One SPARQL query (SPARQL 1.1 §18.5 ``DISTINCT``) lists the distinct IRIs in the engine;
    Python keeps those :func:`thing_key` accepts (under ``{base}id/``): the engine deduplicates
    faster than Python iterates quads, and a prefix filter in the engine would decode every term.
    """
    query = "SELECT DISTINCT ?iri WHERE { { ?iri ?p ?o } UNION { ?s ?p ?iri FILTER(isIRI(?iri)) } }"
    things: dict[str, str] = {}
    if not pub.data_graphs:
        return things
    for term in _data_union_column(pub, query):
        if isinstance(term, ox.NamedNode):
            key = thing_key(pub.base, term.value)
            if key:
                things.setdefault(term.value.split("#", 1)[0], key)
    return dict(sorted(things.items()))


def _data_union_column(pub: Publication, query: str) -> list:
    """The first column of ``query`` over the union of the data graphs
    (:func:`server.publish.void.over_data_graphs`), less terms only the ontology and shapes name."""
    rows, vocabulary = void.over_data_graphs(pub, query)
    found = {row[0] for row in rows}
    for term in {row[0] for row in vocabulary}:
        subject = term if isinstance(term, ox.NamedNode | ox.BlankNode) else None
        quads = itertools.chain(
            pub.store.quads_for_pattern(subject, None, None) if subject is not None else (),
            pub.store.quads_for_pattern(None, None, term),
        )
        if not any(quad.graph_name in pub.data_graphs for quad in quads):
            found.discard(term)
    return sorted(found, key=str)


class Documents(Mapping):
    """Every document by key; a thing's or a named graph's is built on first access, not at load.

    The dataset-level documents (ontology, shapes, dataset, the dumps' index, validation) are
    few and built at load (:meth:`add`). A data graph ``{base}graph/…`` has the document
    ``graph/…`` holding all its triples, and a thing the pages ``doc/{kind}/{slug}/incoming/{n}``
    of its incoming links (:mod:`server.publish.incoming`), both read from the store when first
    needed (iteration lists the graphs' documents, not the pages). A thing's key
    ``doc/{kind}/{slug}`` and its IRI ``{base}id/{kind}/{slug}`` determine each other
    (:func:`thing_key` is one-to-one), so ``pub.things`` (IRI → key) is also the key → IRI map,
    with no second table. Membership, iteration and ``len`` never describe anything (a page's
    membership counts the thing's incoming links); ``[key]`` and ``get`` do, counting in
    ``built`` (tests read it), and keep the last :data:`RECENT` descriptions.
    """

    def __init__(self, pub: Publication, recent: int = RECENT):
        self.pub = pub
        self.built = 0
        self._fixed: dict[str, Document] = {}
        self._recent: OrderedDict[str, Document] = OrderedDict()
        self._keep = recent
        self._lock = threading.Lock()
        #: Data graph documents: key (the IRI less the base) → graph name.
        self._graphs = {
            g.value[len(pub.base) :]: g for g in pub.data_graphs if g.value.startswith(pub.base)
        }
        self._totals: dict[str, int] = {}

    def add(self, document: Document) -> None:
        self._fixed[document.key] = document

    def iri(self, key: str) -> str | None:
        """The IRI of the thing whose document is ``key``, or None if there is none."""
        if not isinstance(key, str) or not key.startswith("doc/"):
            return None
        iri = f"{self.pub.base}id/{key[4:]}"
        return iri if self.pub.things.get(iri) == key else None

    def is_graph(self, key: str) -> bool:
        """Whether ``key`` is the document of a data graph (``graph/…``)."""
        return key in self._graphs

    def incoming_page(self, key: str) -> tuple[str, str, int] | None:
        """(thing IRI, thing key, page number) if ``key`` is an existing page of a thing's
        incoming links (:mod:`server.publish.incoming`), else None."""
        match = incoming.PAGE_KEY.fullmatch(key) if isinstance(key, str) else None
        iri = self.iri(match[1]) if match else None
        if match is None or iri is None:
            return None
        thing, number = match[1], int(match[2])
        total = self._totals.get(thing)
        if total is None:
            total = incoming.total(self.pub.store, self.pub.data_graphs, iri)
            if len(self._totals) >= INCOMING_TOTALS:
                self._totals.clear()
            self._totals[thing] = total
        pages = incoming.page_count(total, self.pub.settings.incoming_cap)
        return (iri, thing, number) if number <= pages else None

    def formats(self, key: str) -> tuple[str, ...] | None:
        """The formats document ``key`` is offered in (None: no such document), undescribed."""
        document = self._fixed.get(key)
        if document is not None:
            return document.formats
        if key in self._graphs:
            return GRAPH_FORMATS
        if self.iri(key):
            return citations.thing_formats(key)
        return RESOURCE_FORMATS if self.incoming_page(key) else None

    def __contains__(self, key) -> bool:
        return (
            key in self._fixed
            or key in self._graphs
            or self.iri(key) is not None
            or self.incoming_page(key) is not None
        )

    def __getitem__(self, key: str) -> Document:
        document = self._fixed.get(key)
        if document is not None:
            return document
        with self._lock:
            document = self._recent.get(key)
            if document is not None:
                self._recent.move_to_end(key)
                return document
        iri = self.iri(key)
        page = None if iri is not None or key in self._graphs else self.incoming_page(key)
        if key in self._graphs:
            document = _named_graph(self.pub, key, self._graphs[key])
        elif iri is not None:
            document = _thing(self.pub, iri, key)  # outside the lock: a race twice
        elif page is not None:
            document = _incoming(self.pub, key, *page)
        else:
            raise KeyError(key)
        with self._lock:
            self.built += 1
            self._recent[key] = document
            while len(self._recent) > self._keep:
                self._recent.popitem(last=False)
        return document

    def __iter__(self) -> Iterator[str]:
        """Thing documents first (in IRI order), then the dataset-level ones, then the graphs."""
        yield from self.pub.things.values()
        yield from self._fixed
        yield from self._graphs

    def __len__(self) -> int:
        return len(self.pub.things) + len(self._fixed) + len(self._graphs)


def _graph_triples(pub: Publication, graph: ox.NamedNode) -> list[ox.Triple]:
    return sorted({q.triple for q in pub.store.quads_for_pattern(None, None, None, graph)}, key=str)


@lru_cache(maxsize=8)
def _context(base: str) -> dict:
    """The JSON-LD context, parsed once per base and shared by every document (read-only)."""
    return context_document(base)


def _document(
    pub: Publication,
    key: str,
    triples: list[ox.Triple],
    formats: tuple[str, ...] = RESOURCE_FORMATS,
    topic: str | None = None,
) -> Document:
    """A document of ``triples`` (its HTML renderer is set by the caller, who makes it)."""
    context = _context(pub.base)
    return Document(
        key=key,
        triples=triples,
        formats=formats,
        prefixes=used_prefixes(triples, ontology.prefixes(pub.base)),
        topic=topic,
        context=context,
        context_url=f"{pub.base}context.jsonld",
    )


def _thing(pub: Publication, iri: str, key: str) -> Document:
    description = describe(
        pub.store,
        pub.data_graphs,
        pub.label_graphs,
        iri,
        pub.settings.incoming_cap,
        pub.doc_url(key),
    )
    versions = pub.releases.version_triples(key)  # RFC 7089: its mementos, as RDF too
    if versions:
        description.meta += versions
        default = ox.DefaultGraph()
        description.quads += [ox.Quad(t.subject, t.predicate, t.object, default) for t in versions]
    formats = citations.thing_formats(key)
    document = _document(pub, key, description.triples, formats, topic=iri)
    document.quads = description.quads
    document.links = pub.releases.original_links(key)
    document.citation = citations.citation(pub, iri) if formats != RESOURCE_FORMATS else None
    document.render_html = partial(html.render_resource, pub, document, description)
    return document


def _incoming(pub: Publication, key: str, iri: str, thing: str, number: int) -> Document:
    """Page ``number`` of the incoming links of the thing ``iri`` (document ``thing``)."""
    page = incoming.incoming_page(
        pub.store,
        pub.data_graphs,
        pub.label_graphs,
        iri,
        pub.doc_url(thing),
        number,
        pub.settings.incoming_cap,
    )
    if page is None:
        raise KeyError(key)
    document = _document(pub, key, page.triples, topic=page.page(number))
    document.quads = page.quads
    document.links = page.link_values()
    document.render_html = partial(html.render_incoming, pub, document, page)
    return document


def _named_graph(pub: Publication, key: str, graph: ox.NamedNode) -> Document:
    """A data graph's document: every triple of the graph (TriG and N-Quads name the graph); its
    HTML page is the graph's VoID description (:func:`server.publish.void.graph_triples`) and the
    things it describes."""
    triples = _graph_triples(pub, graph)
    document = _document(pub, key, triples, GRAPH_FORMATS, topic=graph.value)
    document.quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    document.links = (f'<{pub.base}dataset>; rel="describedby"',)  # VoID §5: a void:subset
    summary = void.graph_triples(pub, graph)
    things = sorted(
        {
            t.subject.value
            for t in triples
            if isinstance(t.subject, ox.NamedNode) and t.subject.value in pub.things
        },
        key=str.casefold,
    )
    document.render_html = partial(html.render_graph, pub, document, summary, things)
    return document


def _generic(
    pub: Publication,
    key: str,
    triples: list[ox.Triple],
    title: str,
    formats: tuple[str, ...] = RESOURCE_FORMATS,
    topic: str | None = None,
    **extra,
) -> Document:
    document = _document(pub, key, triples, formats, topic)
    document.render_html = lambda lang: html.render_generic(pub, document, title, lang, **extra)
    return document


def write_dumps(pub: Publication) -> list[dumps.Dump]:
    """Write the dumps of ``pub`` (:func:`server.publish.dumps.generate`) into the setting
    ``dumps_dir``."""
    folder = pub.settings.dumps_dir
    return dumps.generate(pub.store, pub.data_graphs, folder, pub.base)


def populate(pub: Publication, pool: Executor | None = None) -> None:
    """Fill ``pub.things``, ``counts``, ``dumps`` and ``documents`` (the store is ready).

    Thing documents are not described here but on first access (:class:`Documents`). With a
    ``pool``, the dumps are written in it while the things are found and counted.
    """
    writing = pool.submit(write_dumps, pub) if pool is not None else None
    pub.things = find_things(pub)
    pub.counts = void.compute_counts(pub)
    pub.dumps = writing.result() if writing is not None else write_dumps(pub)
    add_dataset_documents(pub)


def add_dataset_documents(pub: Publication) -> None:
    """The documents built at load: ontology, shapes, dataset, the dumps' index, validation (the
    things, counts and dumps are known); the named graphs' and the things' are built on first
    access."""
    base = pub.base
    pub.modified = pub.releases.data_modified(pub)
    pub.documents = Documents(pub)

    triples = _graph_triples(pub, pub.ontology_graph)
    doc = _document(pub, "ontology", triples, topic=ontology.ontology_iri(base))
    doc.render_html = partial(vocabulary.render_ontology, pub, doc)
    pub.documents.add(doc)

    triples = _graph_triples(pub, pub.shapes_graph)
    doc = _document(pub, "shapes", triples, topic=ontology.shapes_iri(base))
    doc.render_html = partial(vocabulary.render_shapes, pub, doc)
    pub.documents.add(doc)

    pub.documents.add(
        _generic(
            pub,
            "dataset",
            void.dataset_triples(pub),
            "Dataset description (VoID, DCAT)",
            DATASET_FORMATS,
            topic=f"{base}dataset",
        )
    )
    listing = dumps.index(pub.dumps, base, pub.modified.isoformat())
    doc = _document(pub, dumps.INDEX_KEY, [], LISTING_FORMATS, topic=f"{base}dumps/")
    doc.render_json = lambda: listing
    doc.render_html = partial(html.render_dumps, pub, doc, listing)
    pub.documents.add(doc)

    report = list(ox.parse(pub.validation.turtle.encode("utf-8"), ox.RdfFormat.TURTLE))
    doc = _document(pub, "validation", sorted(report, key=str))
    doc.render_html = partial(vocabulary.render_validation, pub, doc)
    pub.documents.add(doc)
