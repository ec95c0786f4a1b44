"""Per-claim content hashes (issue 20 §3): a SHA-256 of a canonical form of a claim's triples.

A claim's *content* is every triple, in the data graphs, whose subject is the claim or one of its
hash sub-nodes (``{claim}#proposition``, ``#evidence``, ``#quote``, ``#position``): what it
says, its proposition, its evidence anchors and its provenance (``prov:wasAttributedTo``,
``prov:hadPrimarySource`` …), which is exactly part (1) of the claim's published description
(README, "What a description holds"). Its canonical form is those triples as N-Triples lines
(N-Triples §2, one statement per line ending in `` .``, as pyoxigraph writes them: language tags
in lower case, RDF 1.1 Concepts §3.3, and XSD literals in their canonical lexical form, as the
store holds them), each once, sorted by their UTF-8 bytes, each followed by a newline. The data
has no blank nodes (DESIGN.md § IRIs; :func:`canonical_lines` refuses any), so no RDF Dataset
Canonicalization (RDFC-1.0) is needed to name them.

The hashes are published in a named graph of their own, ``{base}graph/content-hashes``
(:data:`HASH_GRAPH`): ``<claim> pg:contentHash "…"^^xsd:hexBinary``. They are computed facts,
not what a source says nor a curator's cited context, so they stay out of both kinds of graph.
To verify a claim downloaded from ``{base}doc/claim/{slug}``: take the triples whose subject is
the claim or starts with the claim's IRI and ``#``, leave out ``pg:contentHash``, write them as
above and compare the SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDF, XSD

import shapes
from ontology import terms

#: The slug of the named graph holding the content hashes (``{base}graph/content-hashes``).
HASH_GRAPH = shapes.HASH_GRAPH
RDF_TYPE = ox.NamedNode(str(RDF.type))
HEX_BINARY = ox.NamedNode(str(XSD.hexBinary))


class BlankNodeInClaim(ValueError):
    """A claim whose content holds a blank node (the data must give every node an IRI)."""


def owns(claim: str, subject: str) -> bool:
    """Whether ``subject`` is ``claim`` or one of its hash sub-nodes."""
    return subject == claim or subject.startswith(claim + "#")


def canonical_lines(claim: str, triples: Iterable[ox.Triple], hash_property: str) -> bytes:
    """The canonical form of ``claim``'s content among ``triples`` (module docstring)."""
    lines = set()
    for triple in triples:
        subject = triple.subject
        if not isinstance(subject, ox.NamedNode) or not owns(claim, subject.value):
            continue
        if triple.predicate.value == hash_property:
            continue
        if isinstance(triple.object, ox.BlankNode):
            raise BlankNodeInClaim(f"{claim}: a blank node in its content ({triple})")
        lines.add(f"{triple} .\n".encode())
    return b"".join(sorted(lines))


def content_hash(claim: str, triples: Iterable[ox.Triple], hash_property: str) -> str:
    """The SHA-256 (hex) of the canonical form of ``claim``'s content."""
    return hashlib.sha256(canonical_lines(claim, triples, hash_property)).hexdigest()


def claim_hashes(store: ox.Store, graphs: Iterable[ox.NamedNode], base: str) -> dict[str, str]:
    """Claim IRI → content hash, for every ``pg:Claim`` in ``graphs`` of ``store`` (a store
    holds terms in the canonical form the hashes are defined over)."""
    graphs = list(graphs)
    claim_class = ox.NamedNode(terms.iri(base, terms.Claim))
    hash_property = terms.iri(base, terms.contentHash)
    claims = sorted(
        {
            quad.subject.value
            for graph in graphs
            for quad in store.quads_for_pattern(None, RDF_TYPE, claim_class, graph)
            if isinstance(quad.subject, ox.NamedNode)
        }
    )
    # One pass over the data, grouped by the thing a subject belongs to.
    by_owner: dict[str, list[ox.Triple]] = {}
    wanted = set(claims)
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, graph):
            if isinstance(quad.subject, ox.NamedNode):
                owner = quad.subject.value.split("#", 1)[0]
                if owner in wanted:
                    by_owner.setdefault(owner, []).append(quad.triple)
    return {claim: content_hash(claim, by_owner.get(claim, ()), hash_property) for claim in claims}


def hash_triples(hashes: dict[str, str], base: str) -> list[ox.Triple]:
    """``<claim> pg:contentHash "…"^^xsd:hexBinary`` for each claim, in IRI order."""
    prop = ox.NamedNode(terms.iri(base, terms.contentHash))
    return [
        ox.Triple(ox.NamedNode(claim), prop, ox.Literal(value, datatype=HEX_BINARY))
        for claim, value in sorted(hashes.items())
    ]


def hash_graph_name(base: str) -> str:
    """``{base}graph/content-hashes``."""
    return f"{base}graph/{HASH_GRAPH}"


def _ox(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as pyoxigraph's."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def add_hash_graph(dataset: Dataset, data_graphs: Iterable[URIRef], base: str) -> dict[str, str]:
    """Compute the content hash of every claim of ``data_graphs`` of ``dataset`` (an rdflib
    dataset as :func:`graph.parse` reads it) and put them in the graph
    ``{base}graph/content-hashes`` of ``dataset``; return them. The triples go through a
    pyoxigraph store first, so the hashes are over the terms as every store holds them."""
    store = ox.Store()
    names = []
    for name in data_graphs:
        label = ox.NamedNode(str(name))
        names.append(label)
        store.extend(ox.Quad(_ox(s), _ox(p), _ox(o), label) for s, p, o in dataset.graph(name))
    hashes = claim_hashes(store, names, base)
    target = dataset.graph(URIRef(hash_graph_name(base)))
    for triple in hash_triples(hashes, base):
        value = triple.object
        target.add(
            (
                URIRef(triple.subject.value),
                URIRef(triple.predicate.value),
                Literal(value.value, datatype=URIRef(value.datatype.value), normalize=False),
            )
        )
    return hashes
