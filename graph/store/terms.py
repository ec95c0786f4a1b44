"""RDF terms between pyoxigraph and a remote endpoint: SPARQL 1.1 Query Results JSON in, SPARQL
and N-Triples syntax out.

Results are read as SPARQL 1.1 Query Results JSON (§3), also accepting the pre-Recommendation
``typed-literal`` type that Virtuoso still sends; Virtuoso's ``"1"``/``"0"`` for ``xsd:boolean``
become ``true``/``false`` and its ``nodeID://…`` blank-node labels become blank nodes (and back
again in patterns). Nothing else is changed: language tags keep the case the engine gives them.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
from rdflib.namespace import XSD

from graph.store.base import Term, UnreadableAnswer

XSD_BOOLEAN = str(XSD.boolean)
XSD_STRING = str(XSD.string)
#: Virtuoso's label for a blank node in results; it accepts ``<nodeID://…>`` in queries too.
VIRTUOSO_BNODE = "nodeID://"

_TRIPLE_PARTS = ("subject", "predicate", "object")
_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def term_from_json(binding: dict) -> Term:
    """One RDF term of SPARQL 1.1 Query Results JSON §3.2.2 (and the old ``typed-literal``)."""
    kind = binding.get("type")
    value = binding.get("value")
    if kind == "triple":
        parts = value if isinstance(value, dict) else {}
        subject, predicate, obj = (term_from_json(parts.get(k) or {}) for k in _TRIPLE_PARTS)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            raise UnreadableAnswer(f"not an RDF triple term in the SPARQL JSON results: {value}")
        return ox.Triple(subject, predicate, obj)
    if not isinstance(value, str):
        raise UnreadableAnswer(f"an RDF term without a value in the SPARQL JSON results: {binding}")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return blank_node(value)
    if kind in ("literal", "typed-literal"):
        language = binding.get("xml:lang")
        if language:
            return ox.Literal(value, language=language)
        datatype = binding.get("datatype")
        if datatype and datatype != XSD_STRING:
            if datatype == XSD_BOOLEAN and value in ("1", "0"):
                value = "true" if value == "1" else "false"
            return ox.Literal(value, datatype=ox.NamedNode(datatype))
        return ox.Literal(value)
    raise UnreadableAnswer(f"unknown RDF term type {kind!r} in the SPARQL JSON results")


def blank_node(label: str) -> ox.BlankNode:
    """A blank node for an engine's label (``nodeID://b10000`` → ``_:b10000``)."""
    if label.startswith(VIRTUOSO_BNODE):
        label = label[len(VIRTUOSO_BNODE) :]
    if not _BNODE_LABEL.match(label):
        label = "x" + label.encode("utf-8").hex()
    return ox.BlankNode(label)


def sparql_term(term: Term) -> str:
    """A term in SPARQL syntax (N-Triples syntax is valid SPARQL for IRIs and literals)."""
    if isinstance(term, ox.BlankNode):
        return f"<{VIRTUOSO_BNODE}{term.value}>"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)
    raise TypeError(f"cannot write {term!r} in a query pattern")


def nt_term(term: Term) -> str:
    """A term in N-Triples syntax (a blank node by its label)."""
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term)


def parse_results_json(body: bytes) -> tuple[list[str], list[tuple]] | bool:
    """SPARQL 1.1 Query Results JSON §3: (variables, rows of terms or None), or an ASK boolean."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnreadableAnswer(
            f"the endpoint's answer is not SPARQL JSON results: {error}"
        ) from None
    if "boolean" in document:
        return bool(document["boolean"])
    variables = list(document.get("head", {}).get("vars", []))
    rows = []
    for binding in document.get("results", {}).get("bindings", []):
        rows.append(
            tuple(term_from_json(binding[name]) if name in binding else None for name in variables)
        )
    return variables, rows
