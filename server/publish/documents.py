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
from server.publish import dumps, void
from server.publish.describe import describe
from server.render import html, vocabulary
from server.render.document import Document, used_prefixes
from server.render.formats import DATASET_FORMATS, RESOURCE_FORMATS
from server.render.jsonld import context_document

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
    Python keeps those :func:`thing_key` accepts (under ``{base}id/``). At 1M triples this takes
    about 2 s where iterating every quad in Python took 13.2 s; filtering by prefix in the
    engine instead decodes every term (on disk, 5.1 s against 3.3 s).
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
    """Every document by key; a thing's is described on first access, not at load.

    The dataset-level documents (ontology, shapes, dataset, named graphs, validation) are few
    and built at load (:meth:`add`). A thing's key ``doc/{kind}/{slug}`` and its IRI
    ``{base}id/{kind}/{slug}`` determine each other (:func:`thing_key` is one-to-one), so
    ``pub.things`` (IRI → key) is also the key → IRI map, with no second table. Membership,
    iteration and ``len`` never describe anything; ``[key]`` and ``get`` do, counting in
    ``built`` (tests read it), and keep the last :data:`RECENT` descriptions.
    """

    def __init__(self, pub: Publication, recent: int = RECENT):
        self.pub = pub
        self.built = 0
        self._fixed: dict[str, Document] = {}
        self._recent: OrderedDict[str, Document] = OrderedDict()
        self._keep = recent
        self._lock = threading.Lock()

    def add(self, document: Document) -> None:
        self._fixed[document.key] = document

    def iri(self, key: str) -> str | None:
        """The IRI of the thing whose document is ``key``, or None if there is none."""
        if not isinstance(key, str) or not key.startswith("doc/"):
            return None
        iri = f"{self.pub.base}id/{key[4:]}"
        return iri if self.pub.things.get(iri) == key else None

    def formats(self, key: str) -> tuple[str, ...] | None:
        """The formats document ``key`` is offered in (None: no such document), undescribed."""
        document = self._fixed.get(key)
        if document is not None:
            return document.formats
        return RESOURCE_FORMATS if self.iri(key) else None

    def __contains__(self, key) -> bool:
        return key in self._fixed or self.iri(key) is not None

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
        if iri is None:
            raise KeyError(key)
        document = _thing(self.pub, iri, key)  # outside the lock: a race describes twice
        with self._lock:
            self.built += 1
            self._recent[key] = document
            while len(self._recent) > self._keep:
                self._recent.popitem(last=False)
        return document

    def __iter__(self) -> Iterator[str]:
        """Thing documents first (in IRI order), then the dataset-level ones."""
        yield from self.pub.things.values()
        yield from self._fixed

    def __len__(self) -> int:
        return len(self.pub.things) + len(self._fixed)


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
        pub.base,
        iri,
        pub.settings.incoming_cap,
        pub.doc_url(key),
    )
    document = _document(pub, key, description.triples, topic=iri)
    document.render_html = partial(html.render_resource, pub, document, description)
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
    return dumps.generate(pub.store, pub.data_graphs, folder, ontology.prefixes(pub.base))


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
    """The documents built at load: ontology, shapes, dataset, named graphs, validation (the
    things, counts and dumps are known)."""
    base = pub.base
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
    for graph in pub.data_graphs:
        key = graph.value[len(base) :]
        pub.documents.add(
            _generic(
                pub,
                key,
                void.graph_triples(pub, graph),
                f"Named graph {key}",
                DATASET_FORMATS,
                topic=graph.value,
            )
        )

    report = list(ox.parse(pub.validation.turtle.encode("utf-8"), ox.RdfFormat.TURTLE))
    doc = _document(pub, "validation", sorted(report, key=str))
    doc.render_html = partial(vocabulary.render_validation, pub, doc)
    pub.documents.add(doc)
