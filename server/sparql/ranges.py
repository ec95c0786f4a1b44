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
filters the dates before it joins the rest (8–16 ms instead of a 30–36 ms scan for the count by
event type at 1M triples). The copy joins the original on every variable it has, and a set
holds a triple once, so each solution still matches once; over a union of graphs sharing a
triple it would match twice, hence ``sets``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph as ox

from server.publish.dates import PLAIN_DATE, XSD_DATE, DateIndex
from server.sparql.safety import Token, tokenize

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DATE = ox.NamedNode(XSD_DATE)
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
#: Most dates one VALUES block lists. Measured at 1M triples (4,755 distinct timestamps, a 55 ms
#: scan), the count by event type took 1.7 ms with 126 dates, 16.8 ms with 1,000 and 16.2 ms
#: with 1,001, then 111 ms with 1,050: past about a thousand values, with a class pattern in the
#: group, pyoxigraph chooses another join order (without it, 1,050 dates took 15.6 ms).
MAX_VALUES = 1000
COMPARISONS = {">=", ">", "<=", "<", "="}
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "="}
#: Words that start something other than a triples block inside a group.
GROUP_WORDS = {"OPTIONAL", "MINUS", "GRAPH", "SERVICE", "UNION", "FILTER", "BIND", "VALUES"}
#: Other words a group may hold: ``FILTER NOT EXISTS``, a subquery's clauses.
FOLLOWERS = {"NOT", "EXISTS", "SELECT", "WHERE", "DISTINCT", "REDUCED"}


@dataclass
class _Group:
    opens_at: int  # character offset just after the group's "{"
    bounds: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: variable → (subject token, predicate IRI) of each triple pattern with it as object
    patterns: dict[str, list[tuple[tuple, str]]] = field(default_factory=dict)
    #: (subject token, predicate IRI or None for a variable, object token) of every pattern
    triples: list[tuple[tuple, str | None, tuple]] = field(default_factory=list)
    template: bool = False  # a CONSTRUCT template, not a pattern to match


class _Unsure(Exception):
    """Something the reader does not handle: leave the query unchanged."""


def _readable(tokens: list[Token]) -> list[Token]:
    """``tokens``, when every character of the text was read as part of one."""
    for token in tokens:
        if token[0] == "unknown":
            raise _Unsure(token[1])  # something no token class reads
    return tokens


class _Reader:
    """Walks the tokens once: prefixes, then groups, their triple patterns and FILTERs."""

    def __init__(self, tokens, base: str):
        self.tokens, self.base, self.at = tokens, base, 0
        self.prefixes: dict[str, str] = {}
        self.groups: list[_Group] = []
        self.subquery = False  # some group is a subquery (its patterns are not in ``groups``)

    def peek(self, offset: int = 0):
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", 0, 0)

    def iri(self, token) -> str | None:
        kind, value = token[0], token[1]
        if kind == "iri":
            return _resolve(self.base, value[1:-1])
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes or "\\" in local:
                return None
            return self.prefixes[prefix] + local
        if kind == "word" and value == "a":
            return RDF_TYPE
        return None

    def read(self) -> None:
        while self.at < len(self.tokens):
            kind, value, _, end = self.peek()
            word = value.upper() if kind == "word" else None
            if word == "BASE":
                raise _Unsure("BASE")
            if word == "PREFIX" and self.peek(1)[0] == "pname" and self.peek(2)[0] == "iri":
                self.prefixes[self.peek(1)[1][:-1]] = _resolve(self.base, self.peek(2)[1][1:-1])
                self.at += 3
            elif word == "VALUES":
                self.skip_values()
            elif value == "{":
                before = self.peek(-1) if self.at else ("end", "", 0, 0)
                self.at += 1
                self.group(end, template=before[0] == "word" and before[1].upper() == "CONSTRUCT")
            else:
                self.at += 1

    def skip_values(self) -> None:
        """``VALUES ?v { … }`` or ``VALUES (?a ?b) { … }``: data, not a group pattern."""
        self.at += 1
        while self.peek()[1] != "{":
            if self.peek()[0] == "end":
                raise _Unsure("VALUES")
            self.at += 1
        depth = 0
        while True:
            value = self.peek()[1]
            depth += value == "{"
            depth -= value == "}"
            self.at += 1
            if depth == 0:
                return
            if self.peek()[0] == "end":
                raise _Unsure("VALUES")

    def group(self, opens_at: int, template: bool = False) -> None:
        """One group, up to its ``}``; nested groups recurse and keep their own findings."""
        found = _Group(opens_at, template=template)
        first = self.peek()
        if first[0] == "word" and first[1].upper() == "SELECT":
            found = None  # a subquery: its WHERE group is read as a group of its own
            self.subquery = True
        while True:
            kind, value, _, end = self.peek()
            word = value.upper() if kind == "word" else None
            if kind == "end":
                raise _Unsure("unclosed group")
            if value == "}":
                self.at += 1
                if found is not None:
                    self.groups.append(found)
                return
            if value == "{":
                self.at += 1
                self.group(end)
            elif word == "FILTER":
                self.at += 1
                self.filter(found)
            elif word == "VALUES":
                self.skip_values()
            elif word == "BIND":
                self.at += 1
                self.expression()
            elif word == "GRAPH":
                self.at += 2  # GRAPH and its name; the group follows
            elif word in GROUP_WORDS or word in FOLLOWERS:
                self.at += 1
            elif value == ".":
                self.at += 1
            elif found is None:
                self.at += 1
            else:
                self.triples(found)

    def expression(self) -> list:
        """A parenthesized expression's tokens (nested groups of EXISTS read as groups)."""
        if self.peek()[1] != "(":
            raise _Unsure("expression")
        depth, out = 0, []
        while True:
            token = self.peek()
            if token[0] == "end":
                raise _Unsure("unclosed expression")
            if token[1] == "{":
                self.at += 1
                self.group(token[3])
                out.append(("group", "{}", 0, 0))
                continue
            depth += token[1] == "("
            depth -= token[1] == ")"
            out.append(token)
            self.at += 1
            if depth == 0:
                return out[1:-1]

    def filter(self, found: _Group | None) -> None:
        if self.peek()[1] != "(":  # FILTER regex(…), FILTER EXISTS {…}: nothing to use
            if self.peek()[0] == "word" and self.peek(1)[1] == "(":
                self.at += 1
                self.expression()
            return
        inner = self.expression()
        if found is None:
            return
        for conjunct in _conjuncts(inner):
            bound = self.bound(conjunct)
            if bound is not None:
                variable, operator, date = bound
                found.bounds.setdefault(variable, []).append((operator, date))

    def bound(self, tokens) -> tuple[str, str, str] | None:
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
        if string[0] != "string" or hat[1] != "^^" or self.iri(datatype) != XSD_DATE:
            return None
        text = string[1]
        if len(text) < 2 or text[0] not in "\"'" or text[0] * 3 == text[:3]:
            return None
        value = text[1:-1]
        if not PLAIN_DATE.fullmatch(value):
            return None
        return variable[1:], operator, value

    def triples(self, found: _Group) -> None:
        """One triples block: ``s p o (, o)* (; p o (, o)*)*``, up to ``.`` or the group's end."""
        subject = self.term()
        while True:
            verb = self.peek()
            predicate = self.iri(verb)
            if predicate is None and verb[0] != "var":
                raise _Unsure(f"verb {verb[1]!r}")  # a property path
            self.at += 1
            while True:
                obj = self.term()
                found.triples.append((subject, predicate, obj))
                if obj[0] == "var" and predicate is not None:
                    found.patterns.setdefault(obj[1][1:], []).append((subject, predicate))
                if self.peek()[1] != ",":
                    break
                self.at += 1
            following = self.peek()
            if following[1] != ";":
                if following[1] in (".", "{", "}") or (
                    following[0] == "word" and following[1].upper() in GROUP_WORDS
                ):
                    return
                raise _Unsure(f"after a triple: {following[1]!r}")
            self.at += 1
            if self.peek()[1] in (".", "}"):  # a trailing ';' is allowed
                return

    def term(self):
        """A subject or object: an IRI, name, variable, number, or literal with tag/datatype."""
        token = self.peek()
        kind, value = token[0], token[1]
        if kind in ("iri", "pname", "var", "number", "bnode") or (
            kind == "word" and value in ("true", "false")
        ):
            self.at += 1
            return token
        if kind == "string":
            self.at += 1
            if self.peek()[0] == "langtag":
                self.at += 1
            elif self.peek()[1] == "^^":
                if self.peek(1)[0] not in ("iri", "pname"):
                    raise _Unsure("datatype")
                self.at += 2
            return token
        raise _Unsure(f"term {value!r}")  # [ ], ( ), paths, keywords: not read here


def _resolve(base: str, iri: str) -> str:
    """RFC 3986 §5.2 resolution; an absolute IRI is kept as written (``urljoin`` would drop the
    empty fragment of ``<http://www.w3.org/2001/XMLSchema#>``)."""
    return iri if SCHEME.match(iri) else urljoin(base, iri)


def _conjuncts(tokens) -> list[list]:
    """The top-level ``&&`` operands of an expression (parentheses around one are removed);
    nothing when the top level has ``||``."""
    parts, current, depth = [], [], 0
    for token in tokens:
        depth += token[1] == "("
        depth -= token[1] == ")"
        if depth == 0 and token[1] == "||":
            return []
        if depth == 0 and token[1] == "&&":
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    out = []
    for part in parts:
        if len(part) > 2 and part[0][1] == "(" and part[-1][1] == ")" and _balanced(part[1:-1]):
            out += _conjuncts(part[1:-1])
        else:
            out.append(part)
    return out


def _balanced(tokens) -> bool:
    depth = 0
    for token in tokens:
        depth += token[1] == "("
        depth -= token[1] == ")"
        if depth < 0:
            return False
    return depth == 0


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
    already read (:func:`server.sparql.safety.tokenize`)."""
    if not (index.plain or index.odd) or "^^" not in text or "filter" not in text.lower():
        return text
    if "\\u" in text.lower():
        return text  # escapes can spell anything: leave it to the engine
    try:
        reader = _Reader(_readable(tokenize(text) if tokens is None else tokens), base)
        reader.read()
    except _Unsure:
        return text
    max_values = MAX_VALUES if max_values is None else max_values
    inserts = []
    for group in reader.groups:
        for variable, bounds in group.bounds.items():
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


def _range_first(group: _Group, variable: str, bounds, index: DateIndex) -> str:
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
