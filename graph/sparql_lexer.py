"""The one lexer of SPARQL text: the terminals of SPARQL 1.1 Query §19.8, and what is read off them.

Every module that looks at query text reads it through :func:`tokenize`: the endpoint's safety
checks (:mod:`server.sparql.safety`), the pattern reader of the date-range rewrite and of the
inline bound (:mod:`server.sparql.reader`), and the remote store, which reads a query's form to
know what to ask for (:mod:`graph.store.remote`). Keywords are bare words, so ``SERVICE`` or
``FROM`` inside a string, an IRI, a comment, a prefixed name or a variable is never taken for a
keyword, and a bare word always is. Token classes are approximated only where the approximation
cannot hide a keyword: every class excludes white space and braces, so a keyword followed by a
group can never be swallowed by a neighbouring token. A character no class reads becomes an
``unknown`` token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

#: The four query forms (SPARQL 1.1 Query §16).
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

_PN_CHARS_BASE = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"  # noqa: E501
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
      |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<bnode>_:[^\s{}()\[\],;<>"'\#]+)
  | (?P<pname>(?:"""
    + _PN_PREFIX
    + r""")?:(?:"""
    + _PN_LOCAL
    + r""")?)
  | (?P<var>[?$]["""
    + _PN_CHARS_U
    + r"""0-9]["""
    + _PN_CHARS_U
    + r"""0-9\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.(?:[eE][+-]?[0-9]+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\],;.*/+\-!=<>|^])
    """,
    re.VERBOSE | re.DOTALL,
)

#: (kind, text, start, end): a token's class (a group name of ``_TOKEN``, or ``unknown`` for a
#: character no class reads), its text and its offsets in the query.
Token = tuple[str, str, int, int]


def tokenize(text: str) -> list[Token]:
    """Every token of ``text`` but white space and comments (SPARQL 1.1 Query §19.8)."""
    out, position, end = [], 0, len(text)
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            out.append(("unknown", text[position], position, position + 1))
            position += 1
            continue
        kind, position = match.lastgroup or "unknown", match.end()
        if kind != "ws" and kind != "comment":
            out.append((kind, match.group(), match.start(), position))
    return out


def query_form(tokens: Iterable[Token]) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first such bare word, else None."""
    for kind, value, *_ in tokens:
        if kind == "word" and value.upper() in QUERY_FORMS:
            return value.upper()
    return None


@dataclass
class Scan:
    """The bare words of a query, upper-cased, and its dataset clauses (SPARQL 1.1 Query §13.2)
    resolved through its ``PREFIX`` and ``BASE`` declarations; ``complete`` is False when some
    text could not be read or a dataset clause names an IRI that could not be resolved."""

    words: list[str] = field(default_factory=list)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    complete: bool = True


def scan(tokens: list[Token], base: str) -> Scan:
    """Collect the bare words of a query's tokens and resolve its dataset clauses."""
    found = Scan()
    # prefix → (the base then, the IRI as written): resolved only when a dataset clause uses it
    # (urljoin costs microseconds, and most queries have prefixes but no FROM).
    prefixes: dict[str, tuple[str, str]] = {}
    current_base = base
    index = 0

    def resolve(kind: str, value: str) -> str | None:
        if kind == "iri":
            return urljoin(current_base, value[1:-1])
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in prefixes:
                return None
            return urljoin(*prefixes[prefix]) + re.sub(r"\\(.)", r"\1", local)
        return None

    while index < len(tokens):
        kind, value = tokens[index][:2]
        if kind == "unknown":
            found.complete = False
        elif kind == "word":
            word = value.upper()
            found.words.append(word)
            following = tokens[index + 1 : index + 4]
            if word == "BASE" and following and following[0][0] == "iri":
                current_base = urljoin(current_base, following[0][1][1:-1])
                index += 1
            elif word == "PREFIX" and len(following) >= 2 and following[0][0] == "pname":
                if following[1][0] == "iri" and following[0][1].endswith(":"):
                    prefixes[following[0][1][:-1]] = (current_base, following[1][1][1:-1])
                    index += 2
            elif word == "FROM":
                named = (
                    bool(following)
                    and following[0][0] == "word"
                    and following[0][1].upper() == "NAMED"
                )
                target = (
                    following[1]
                    if named and len(following) > 1
                    else (following[0] if following else ("unknown", ""))
                )
                iri = resolve(*target[:2])
                if iri is None:
                    found.complete = False
                else:
                    (found.named_graphs if named else found.default_graphs).append(iri)
        index += 1
    return found
