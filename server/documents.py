"""Every document the publisher serves, built at load: things, vocabulary, dataset, report."""

from __future__ import annotations

import re
from functools import partial

import pyoxigraph as ox

import ontology
from server import dumps, html, void
from server.describe import describe
from server.document import Document, used_prefixes
from server.formats import DATASET_FORMATS, RESOURCE_FORMATS
from server.jsonld import context_document

#: A thing IRI: ``{base}id/{kind}/{slug}`` (DESIGN.md § IRIs).
THING = re.compile(r"id/([a-z][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)")


def thing_key(base: str, iri: str) -> str | None:
    """``doc/{kind}/{slug}`` for a thing IRI under ``base`` (fragment ignored), else None."""
    if not iri.startswith(base):
        return None
    match = THING.fullmatch(iri[len(base) :].split("#", 1)[0])
    return f"doc/{match[1]}/{match[2]}" if match else None


def find_things(pub) -> dict[str, str]:
    """Thing IRI → document key, for every thing named in a data graph (subject or object)."""
    things: dict[str, str] = {}
    for graph in pub.data_graphs:
        for quad in pub.store.quads_for_pattern(None, None, None, graph):
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    key = thing_key(pub.base, term.value)
                    if key:
                        things.setdefault(term.value.split("#", 1)[0], key)
    return dict(sorted(things.items()))


def _graph_triples(pub, graph: ox.NamedNode) -> list[ox.Triple]:
    return sorted({q.triple for q in pub.store.quads_for_pattern(None, None, None, graph)}, key=str)


def _document(pub, key, triples, render, formats=RESOURCE_FORMATS, topic=None) -> Document:
    context = context_document(pub.base)
    return Document(
        key=key,
        triples=triples,
        render_html=render,
        formats=formats,
        prefixes=used_prefixes(triples, ontology.prefixes(pub.base)),
        topic=topic,
        context=context,
        context_url=f"{pub.base}context.jsonld",
    )


def _thing(pub, iri: str, key: str) -> Document:
    description = describe(
        pub.store,
        pub.data_graphs,
        pub.label_graphs,
        pub.base,
        iri,
        pub.settings["incoming_cap"],
        pub.doc_url(key),
    )
    document = _document(pub, key, description.triples, None, topic=iri)
    document.render_html = partial(html.render_resource, pub, document, description)
    return document


def _generic(pub, key, triples, title, formats=RESOURCE_FORMATS, topic=None, **extra):
    document = _document(pub, key, triples, None, formats, topic)
    document.render_html = lambda lang: html.render_generic(pub, document, title, lang, **extra)
    return document


def populate(pub) -> None:
    """Fill ``pub.things``, ``counts``, ``dumps`` and ``documents`` (the store is ready)."""
    from server import vocabulary  # the vocabulary pages reuse html

    base = pub.base
    pub.things = find_things(pub)
    pub.counts = void.compute_counts(pub)
    pub.dumps = dumps.generate(
        pub.store, pub.data_graphs, pub.settings.get("dumps_dir"), ontology.prefixes(base)
    )
    for iri, key in pub.things.items():
        pub.documents[key] = _thing(pub, iri, key)

    triples = _graph_triples(pub, pub.ontology_graph)
    doc = _document(pub, "ontology", triples, None, topic=f"{base}ontology")
    doc.render_html = partial(vocabulary.render_ontology, pub, doc)
    pub.documents["ontology"] = doc

    triples = _graph_triples(pub, pub.shapes_graph)
    doc = _document(pub, "shapes", triples, None, topic=f"{base}shapes")
    doc.render_html = partial(vocabulary.render_shapes, pub, doc)
    pub.documents["shapes"] = doc

    pub.documents["dataset"] = _generic(
        pub,
        "dataset",
        void.dataset_triples(pub),
        "Dataset description (VoID, DCAT)",
        DATASET_FORMATS,
        topic=f"{base}dataset",
    )
    for graph in pub.data_graphs:
        key = graph.value[len(base) :]
        pub.documents[key] = _generic(
            pub,
            key,
            void.graph_triples(pub, graph),
            f"Named graph {key}",
            DATASET_FORMATS,
            topic=graph.value,
        )

    report = list(ox.parse(pub.validation.turtle.encode("utf-8"), ox.RdfFormat.TURTLE))
    doc = _document(pub, "validation", sorted(report, key=str), None)
    doc.render_html = partial(vocabulary.render_validation, pub, doc)
    pub.documents["validation"] = doc
