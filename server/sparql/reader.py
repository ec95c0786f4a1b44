"""A reader of SPARQL query structure, over the tokens of :mod:`graph.sparql_lexer`.

It walks the tokens once and records the prologue's prefixes and, for each group graph pattern
(SPARQL 1.1 Query §18.2.1: ``{ … }``), its triple patterns and the top-level conjuncts of its
FILTERs. It reads only the plain part of the grammar: anything else (property paths, blank node
syntax, ``BASE``, unclosed groups) raises :class:`Unsure`, and its users then leave the query
alone. The date-range rewrite (:mod:`server.sparql.ranges`) and the inline bound
(:mod:`server.sparql.bounded`) read queries through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rdflib.namespace import RDF

from graph.sparql_lexer import Token

RDF_TYPE = str(RDF.type)
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
#: Words that start something other than a triples block inside a group.
GROUP_WORDS = {"OPTIONAL", "MINUS", "GRAPH", "SERVICE", "UNION", "FILTER", "BIND", "VALUES"}
#: Other words a group may hold: ``FILTER NOT EXISTS``, a subquery's clauses.
FOLLOWERS = {"NOT", "EXISTS", "SELECT", "WHERE", "DISTINCT", "REDUCED"}


@dataclass
class Group:
    """One group graph pattern: where it opens, its FILTER conjuncts and its triple patterns."""

    opens_at: int  # character offset just after the group's "{"
    #: the top-level conjuncts of each FILTER(…) of the group, in order (:func:`conjuncts`)
    conditions: list[list[Token]] = field(default_factory=list)
    #: variable → (subject token, predicate IRI) of each triple pattern with it as object
    patterns: dict[str, list[tuple[tuple, str]]] = field(default_factory=dict)
    #: (subject token, predicate IRI or None for a variable, object token) of every pattern
    triples: list[tuple[tuple, str | None, tuple]] = field(default_factory=list)
    template: bool = False  # a CONSTRUCT template, not a pattern to match


class Unsure(Exception):
    """Something the reader does not handle: leave the query unchanged."""


def readable(tokens: list[Token]) -> list[Token]:
    """``tokens``, when every character of the text was read as part of one."""
    for token in tokens:
        if token[0] == "unknown":
            raise Unsure(token[1])  # something no token class reads
    return tokens


class Reader:
    """Walks the tokens once: prefixes, then groups, their triple patterns and FILTERs."""

    def __init__(self, tokens, base: str):
        self.tokens, self.base, self.at = tokens, base, 0
        self.prefixes: dict[str, str] = {}
        self.groups: list[Group] = []
        self.subquery = False  # some group is a subquery (its patterns are not in ``groups``)

    def peek(self, offset: int = 0):
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", 0, 0)

    def iri(self, token) -> str | None:
        kind, value = token[0], token[1]
        if kind == "iri":
            return resolve(self.base, value[1:-1])
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
                raise Unsure("BASE")
            if word == "PREFIX" and self.peek(1)[0] == "pname" and self.peek(2)[0] == "iri":
                self.prefixes[self.peek(1)[1][:-1]] = resolve(self.base, self.peek(2)[1][1:-1])
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
                raise Unsure("VALUES")
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
                raise Unsure("VALUES")

    def group(self, opens_at: int, template: bool = False) -> None:
        """One group, up to its ``}``; nested groups recurse and keep their own findings."""
        found: Group | None = Group(opens_at, template=template)
        first = self.peek()
        if first[0] == "word" and first[1].upper() == "SELECT":
            found = None  # a subquery: its WHERE group is read as a group of its own
            self.subquery = True
        while True:
            kind, value, _, end = self.peek()
            word = value.upper() if kind == "word" else None
            if kind == "end":
                raise Unsure("unclosed group")
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
            raise Unsure("expression")
        depth, out = 0, []
        while True:
            token = self.peek()
            if token[0] == "end":
                raise Unsure("unclosed expression")
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

    def filter(self, found: Group | None) -> None:
        if self.peek()[1] != "(":  # FILTER regex(…), FILTER EXISTS {…}: nothing to use
            if self.peek()[0] == "word" and self.peek(1)[1] == "(":
                self.at += 1
                self.expression()
            return
        inner = self.expression()
        if found is not None:
            found.conditions.extend(conjuncts(inner))

    def triples(self, found: Group) -> None:
        """One triples block: ``s p o (, o)* (; p o (, o)*)*``, up to ``.`` or the group's end."""
        subject = self.term()
        while True:
            verb = self.peek()
            predicate = self.iri(verb)
            if predicate is None and verb[0] != "var":
                raise Unsure(f"verb {verb[1]!r}")  # a property path
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
                raise Unsure(f"after a triple: {following[1]!r}")
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
                    raise Unsure("datatype")
                self.at += 2
            return token
        raise Unsure(f"term {value!r}")  # [ ], ( ), paths, keywords: not read here


def resolve(base: str, iri: str) -> str:
    """RFC 3986 §5.2 resolution; an absolute IRI is kept as written (``urljoin`` would drop the
    empty fragment of ``<http://www.w3.org/2001/XMLSchema#>``)."""
    return iri if SCHEME.match(iri) else urljoin(base, iri)


def conjuncts(tokens: list[Token]) -> list[list[Token]]:
    """The top-level ``&&`` operands of an expression (parentheses around one are removed);
    nothing when the top level has ``||``."""
    parts: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
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
            out += conjuncts(part[1:-1])
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
