"""Queries whose work the data bounds, answered in the request thread instead of a query process.

A query normally crosses to a query process that can be killed at its deadline
(:mod:`server.sparql.engine`), because pyoxigraph cannot stop one. For a one-resource lookup that
crossing costs more than the lookup. A query may skip it when, before it runs, its
work is known to be small, whatever join order the engine picks:

- every triple pattern names a fixed subject or object (an IRI), so it can match only triples of
  that node (SPARQL 1.1 Query §18.3: a basic graph pattern's solutions come from the dataset's
  triples); the store is asked how many it holds (all graphs, a superset of any dataset),
  reading no more than the budget allows. Joined, left-joined (``OPTIONAL``) or united
  (``UNION``) in any order, patterns matching ``c1 … cn`` triples yield at most
  ``(c1 + 1) × … × (cn + 1)`` solutions at every step (a join multiplies, a left join adds its
  left side, a union adds);
- ``DESCRIBE`` names IRIs only, without ``WHERE``: pyoxigraph describes a resource by its
  triples and, through blank-node objects, theirs (a concise bounded description), counted here
  the same way;
- the query is short (:data:`MAX_LENGTH`) and uses only the words of :data:`WORDS`: no
  ``GRAPH``, ``SERVICE``, ``VALUES``, ``MINUS``, ``EXISTS``, subqueries or property paths, and
  only functions whose result is at most linear in their arguments' size. ``BIND``, ``CONCAT``,
  ``REPLACE`` or ``SUBSTR`` are left out: nested or chained, they can build strings that grow
  exponentially with the query's length from a bounded number of solutions.

Anything the reader is unsure of goes to a query process, as before.
"""

from __future__ import annotations

from itertools import islice

import pyoxigraph as ox

from graph.sparql_lexer import Token, tokenize
from graph.store import Store
from server.sparql.reader import Reader, Unsure, readable

#: Longest query text answered in the request thread (lookups are a few hundred characters).
MAX_LENGTH = 1024

#: Every bare word (keyword or function name, SPARQL 1.1 Query §19.8) such a query may hold.
WORDS = frozenset(
    {
        # forms, clauses and modifiers
        "PREFIX", "SELECT", "DISTINCT", "REDUCED", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE",
        "OPTIONAL", "UNION", "FILTER", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT",
        "OFFSET", "AS", "A", "TRUE", "FALSE", "IN", "NOT",
        # aggregates (§18.5) over at most the bounded solutions
        "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR",
        # tests and accessors (§17.4), each linear in its arguments
        "LANG", "LANGMATCHES", "DATATYPE", "STR", "BOUND", "SAMETERM", "ISIRI", "ISURI",
        "ISBLANK", "ISLITERAL", "ISNUMERIC", "STRLEN", "LCASE", "UCASE", "CONTAINS",
        "STRSTARTS", "STRENDS", "COALESCE", "IF",
    }
)  # fmt: skip


def _node(reader: Reader, token) -> ox.NamedNode | None:
    """The IRI a subject or object token names, else None (a variable, a literal, a blank node)."""
    if token[0] not in ("iri", "pname"):
        return None
    iri = reader.iri(token)
    if iri is None:
        raise Unsure(f"prefix of {token[1]!r}")
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise Unsure(f"IRI {iri!r}") from None


def _count(store: Store, subject, predicate, obj, most: int) -> int:
    """How many quads of any graph match (at most ``most + 1`` read)."""
    return sum(1 for _ in islice(store.quads_for_pattern(subject, predicate, obj), most + 1))


def _described(store: Store, iris: list[ox.NamedNode], budget: int) -> int | None:
    """Triples of the descriptions of ``iris`` (their triples, then their blank-node objects'),
    or None past ``budget``."""
    seen: set[ox.NamedNode | ox.BlankNode] = set()
    waiting: list[ox.NamedNode | ox.BlankNode] = list(iris)
    total = 0
    while waiting:
        node = waiting.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in islice(store.quads_for_pattern(node, None, None), budget + 1 - total):
            total += 1
            if isinstance(quad.object, ox.BlankNode):
                waiting.append(quad.object)
        if total > budget:
            return None
    return total


def bound(
    store: Store, text: str, base: str, budget: int, tokens: list[Token] | None = None
) -> int | None:
    """At most how many solutions (or described triples) ``text`` can have, when that is at
    most ``budget`` and known before it runs (see the module's rules); else None. ``tokens``:
    ``text``'s, if already read (:func:`graph.sparql_lexer.tokenize`)."""
    if budget <= 0 or len(text) > MAX_LENGTH or "\\u" in text.lower():
        return None
    try:
        tokens = readable(tokenize(text) if tokens is None else tokens)
        words = {token[1].upper() for token in tokens if token[0] == "word"}
        if not words <= WORDS:
            return None
        reader = Reader(tokens, base)
        reader.read()
        if reader.subquery:
            return None
        if "DESCRIBE" in words:
            return _describe_bound(store, reader, tokens, budget)
        patterns = []
        for group in reader.groups:
            if group.template:
                continue
            for subject, predicate, obj in group.triples:
                fixed_subject, fixed_object = _node(reader, subject), _node(reader, obj)
                if fixed_subject is None and fixed_object is None:
                    return None  # before reading the store: most queries stop here
                verb = None if predicate is None else ox.NamedNode(predicate)
                patterns.append((fixed_subject, verb, fixed_object))
        product = 1
        for pattern in patterns:
            product *= 1 + _count(store, *pattern, budget // product - 1)
            if product > budget:
                return None
        return product
    except (Unsure, ValueError):
        return None


def _describe_bound(store: Store, reader: Reader, tokens, budget: int) -> int | None:
    """``[PREFIX …]* DESCRIBE iri+`` and nothing else: the size of the descriptions."""
    start = next(
        i
        for i, (kind, value, *_) in enumerate(tokens)
        if kind == "word" and value.upper() == "DESCRIBE"
    )
    named = tokens[start + 1 :]
    if reader.groups or not named or any(kind not in ("iri", "pname") for kind, *_ in named):
        return None
    nodes = [_node(reader, token) for token in named]
    return _described(store, [node for node in nodes if node is not None], budget)
