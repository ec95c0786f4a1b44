"""Compact JSON-LD against the published context (JSON-LD 1.1 §4.1, Compacted Document Form)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.plugins.serializers.jsonld import from_rdf
from rdflib.plugins.shared.jsonld.context import Context

import ontology
from server.render import compaction

_PLAIN = {str(XSD.string), str(RDF.langString)}


def to_rdflib(term):
    """A pyoxigraph term as the rdflib term with the same value."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype in _PLAIN else URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported term: {term!r}")


def context_document(base: str) -> dict:
    """The context document served at ``{base}context.jsonld``; prefixes only if none ships yet."""
    try:
        document = ontology.context(base)
    except FileNotFoundError:
        document = {"@context": dict(ontology.prefixes(base))}
    if "@context" not in document:
        document = {"@context": document}
    return document


def compact(triples: list[ox.Triple], context: dict, context_url: str) -> bytes:
    """Compact JSON-LD whose ``@context`` is the URL of the published context document.

    The bytes are those rdflib's ``from_rdf(..., auto_compact=True)`` gives (with native types),
    nodes sorted by id, keys sorted, indented by two. :func:`_compact_fast` builds them straight
    from the pyoxigraph terms (:mod:`server.compaction` says what it covers); a document or
    context it does not support goes to :func:`_compact_rdflib`, which asks rdflib.
    """
    fast = _compact_fast(triples, context, context_url)
    return fast if fast is not None else _compact_rdflib(triples, context, context_url)


def _dump(data: dict, context_url: str) -> bytes:
    # "@context" sorts before every other key a compacted document has.
    data["@context"] = context_url
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _node_id(node) -> str:
    """A node object's IRI, whether compacted to ``id`` by the context or left as ``@id``."""
    return str(node.get("@id", node.get("id", ""))) if isinstance(node, dict) else ""


def _compact_rdflib(triples: list[ox.Triple], context: dict, context_url: str) -> bytes:
    """rdflib's compaction (its ``Converter``), with the context parsed once per URL."""
    graph = Graph()
    for triple in triples:
        graph.add(
            (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        )
    # use_native_types as rdflib's serializer passes it (a one-element tuple: true).
    data = from_rdf(graph, _parsed_context(context_url, context), None, True, auto_compact=True)
    if isinstance(data, list):
        data = {"@graph": data}
    if isinstance(data.get("@graph"), list):
        # rdflib lists the nodes in the order of a set of subjects, which changes with the
        # process's hash seed: sorted, every worker renders the same bytes (and ETag).
        data["@graph"].sort(key=_node_id)
    return _dump(data, context_url)


_CONTEXTS: dict[str, Context] = {}


def _parsed_context(context_url: str, context: dict) -> Context:
    """rdflib's parsed form of ``context``, made once per URL (read-only while converting)."""
    parsed = _CONTEXTS.get(context_url)
    if parsed is None:
        parsed = _CONTEXTS[context_url] = Context(context["@context"])
    return parsed


def _compact_fast(triples: list[ox.Triple], context: dict, context_url: str) -> bytes | None:
    """The document :func:`server.render.compaction.compacted` makes, or None where it declines."""
    data = compaction.compacted(triples, context, context_url)
    return None if data is None else _dump(data, context_url)
