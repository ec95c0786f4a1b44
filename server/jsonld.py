"""Compact JSON-LD against the published context (JSON-LD 1.1 §4.1, Compacted Document Form)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

import ontology

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


def _node_id(node) -> str:
    """A node object's IRI, whether compacted to ``id`` by the context or left as ``@id``."""
    return str(node.get("@id", node.get("id", ""))) if isinstance(node, dict) else ""


def compact(triples: list[ox.Triple], context: dict, context_url: str) -> bytes:
    """Compact JSON-LD whose ``@context`` is the URL of the published context document."""
    graph = Graph()
    for triple in triples:
        graph.add(
            (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        )
    text = graph.serialize(format="json-ld", context=context["@context"], auto_compact=True)
    data = json.loads(text)
    if isinstance(data, list):
        data = {"@graph": data}
    if isinstance(data.get("@graph"), list):
        # rdflib lists the nodes in the order of a set of subjects, which changes with the
        # process's hash seed: sorted, every worker renders the same bytes (and ETag).
        data["@graph"].sort(key=_node_id)
    data["@context"] = context_url
    ordered = {"@context": context_url, **{k: v for k, v in data.items() if k != "@context"}}
    return (json.dumps(ordered, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
