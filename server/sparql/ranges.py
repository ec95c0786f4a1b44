"""Date ranges without a scan: a sorted index of ``xsd:date`` values and a query rewrite using it.

pyoxigraph has no index on literal values, so ``?e sem:hasTimeStamp ?d FILTER(?d >= "…"^^xsd:date
&& ?d < "…"^^xsd:date)`` reads every timestamp of the store. Virtuoso answers it from its
literal indexes. Here, at load, each predicate with ``xsd:date`` objects gets the sorted list of
its distinct dates (:class:`DateIndex`); a query whose group pattern holds such a triple pattern
and a FILTER bounding its object variable gets ``VALUES ?d { … }`` with the dates in range added to
that group (:func:`rewrite`), which pyoxigraph answers with one index lookup per date.

Why the answers cannot change (SPARQL 1.1 Query §18.2.2, §17.3):

- the FILTER is a top-level conjunct of a FILTER of the same group, so every solution of the group
  satisfies the bound; the triple pattern sits in that group's basic graph pattern (not in an
  OPTIONAL, UNION or MINUS part), so every solution binds the variable to an object of the
  predicate. Joining the group with the dates that satisfy the bound only drops solutions the
  FILTER drops.
- The dates are those of every graph of the store (a superset of any dataset a query names).
- pyoxigraph orders an ``xsd:date`` only against another ``xsd:date``: a comparison with any other
  literal or an IRI is an error (the FILTER drops the solution), so only dates can pass. Dates
  with a time zone, or not in the plain ``YYYY-MM-DD`` form, are always included.

Anything the reader is unsure of (property paths, blank node syntax, ``BASE``, escapes, ``||``,
other operand types) leaves the query as it is. No ``VALUES`` is added when more than
:data:`MAX_VALUES` dates would be listed: past about a thousand, the engine plans the lookups
worse than the scan. There, when every graph the query reads is a set of triples (``sets``:
not a union of graphs that may hold the same triple twice), the group instead gets a copy of
the triple pattern and of its bounds, first: ``?e ex:at ?d . FILTER(?d >= …)``. pyoxigraph then
filters the dates before it joins the rest instead of scanning every event. The copy joins
the original on every variable it has, and a set holds a triple once, so each solution still
matches once; over a union of graphs sharing a triple it would match twice, hence ``sets``.
"""

from __future__ import annotations

import pyoxigraph as ox

from graph.sparql_lexer import Token, tokenize
from server.publish.dates import PLAIN_DATE, XSD_DATE, DateIndex
from server.sparql.reader import Group, Reader, Unsure, readable

DATE = ox.NamedNode(XSD_DATE)
#: Most dates one VALUES block lists. Measured at 1M triples (4,755 distinct timestamps, a 55 ms
#: scan), the count by event type took 1.7 ms with 126 dates, 16.8 ms with 1,000 and 16.2 ms
#: with 1,001, then 111 ms with 1,050: past about a thousand values, with a class pattern in the
#: group, pyoxigraph chooses another join order (without it, 1,050 dates took 15.6 ms).
MAX_VALUES = 1000
COMPARISONS = {">=", ">", "<=", "<", "="}
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "="}


def _bound(reader: Reader, tokens: list[Token]) -> tuple[str, str, str] | None:
    """``?v OP "date"^^xsd:date`` (or mirrored) → (variable, operator as if ?v left, date)."""
    if len(tokens) != 5:
        return None
    if tokens[0][0] == "var" and tokens[1][1] in COMPARISONS:
        variable, operator, literal = tokens[0][1], tokens[1][1], tokens[2:]
    elif tokens[4][0] == "var" and tokens[3][1] in COMPARISONS:
        variable, operator, literal = tokens[4][1], FLIPPED[tokens[3][1]], tokens[:3]
    else:
        return None
    string, hat, datatype = literal
    if string[0] != "string" or hat[1] != "^^" or reader.iri(datatype) != XSD_DATE:
        return None
    text = string[1]
    if len(text) < 2 or text[0] not in "\"'" or text[0] * 3 == text[:3]:
        return None
    value = text[1:-1]
    if not PLAIN_DATE.fullmatch(value):
        return None
    return variable[1:], operator, value


def _bounds(reader: Reader, group: Group) -> dict[str, list[tuple[str, str]]]:
    """Variable → (operator, plain date) of each date bound among the group's FILTER conjuncts."""
    found: dict[str, list[tuple[str, str]]] = {}
    for condition in group.conditions:
        bound = _bound(reader, condition)
        if bound is not None:
            variable, operator, date = bound
            found.setdefault(variable, []).append((operator, date))
    return found


def rewrite(
    text: str,
    base: str,
    index: DateIndex,
    sets: bool = False,
    max_values: int | None = None,
    tokens: list[Token] | None = None,
) -> str:
    """``text`` with a ``VALUES`` block added to each group a date bound can narrow (or, past
    ``max_values`` dates and where ``sets``, a first copy of the triple pattern and its bounds);
    ``text`` itself when there is none (or anything is unclear). ``tokens``: ``text``'s, if
    already read (:func:`graph.sparql_lexer.tokenize`)."""
    if not (index.plain or index.odd) or "^^" not in text or "filter" not in text.lower():
        return text
    if "\\u" in text.lower():
        return text  # escapes can spell anything: leave it to the engine
    try:
        reader = Reader(readable(tokenize(text) if tokens is None else tokens), base)
        reader.read()
    except Unsure:
        return text
    max_values = MAX_VALUES if max_values is None else max_values
    inserts = []
    for group in reader.groups:
        for variable, bounds in _bounds(reader, group).items():
            best = None
            for predicate in sorted({p for _, p in group.patterns.get(variable, ())}):
                dates = index.dates(predicate, bounds)
                if dates is not None and (best is None or len(dates) < len(best)):
                    best = dates
            if best is None:
                continue
            if len(best) <= max_values:
                listed = " ".join(str(ox.Literal(date, datatype=DATE)) for date in best)
                inserts.append((group.opens_at, f" VALUES ?{variable} {{ {listed} }} "))
            elif sets:
                inserts.append((group.opens_at, _range_first(group, variable, bounds, index)))
    for offset, block in sorted(inserts, reverse=True):
        text = text[:offset] + block + text[offset:]
    return text


def _range_first(group: Group, variable: str, bounds, index: DateIndex) -> str:
    """A copy of the triple pattern of ``variable`` whose predicate has the fewest dates, and
    the FILTER of its bounds (each a plain date), to put first in the group."""

    def size(pattern: tuple[str, str]) -> int:
        predicate = pattern[1]
        return len(index.plain.get(predicate, ())) + len(index.odd.get(predicate, ()))

    # A blank node label may not appear in two basic graph patterns (SPARQL 1.1 §19.6).
    known = [
        (subject[1], predicate)
        for subject, predicate in group.patterns.get(variable, ())
        if subject[0] in ("iri", "pname", "var")
        and (predicate in index.plain or predicate in index.odd)
    ]
    if not known:
        return ""
    subject, predicate = min(known, key=lambda pattern: (size(pattern), pattern))
    condition = " && ".join(
        f"?{variable} {operator} {ox.Literal(date, datatype=DATE)}" for operator, date in bounds
    )
    return f" {subject} <{predicate}> ?{variable} . FILTER({condition}) "
