"""Static checks run on every SPARQL request before anything executes (DESIGN.md § Safety).

A query is refused when it uses ``SERVICE`` (anywhere: subqueries, ``EXISTS``, odd case), when it
is SPARQL Update (``LOAD``, ``INSERT``, ``CLEAR``…), or when a dataset clause (``FROM`` /
``FROM NAMED``) or a protocol parameter (``default-graph-uri`` / ``named-graph-uri``) names an IRI
that is not a graph of this dataset. Both rdflib and pyoxigraph would otherwise fetch URLs: a
server-side request forgery.

Two readers look at the text:

1. a SPARQL tokenizer (the terminals of SPARQL 1.1 Query §19.8: IRIs, the four string forms,
   comments, prefixed names, variables, keywords). Keywords are bare words, so ``SERVICE`` inside
   a string, an IRI, a comment, a prefixed name or a variable is not a keyword, and a bare word
   ``SERVICE`` always is. It resolves ``FROM`` IRIs through ``PREFIX`` and ``BASE`` declarations.
   It is fast (tens of microseconds), so most queries need nothing else.
2. rdflib's SPARQL parser (a real parse; parsing never fetches anything, and rdflib never executes
   here), whose tree is walked for ``ServiceGraphPattern`` and dataset clauses. It runs whenever
   the tokenizer saw a dataset clause, a ``\\u`` escape (SPARQL §19.2 lets escapes spell keywords),
   or anything it could not read. A query either reader refuses is refused.

Before either reader looks further, the tokens are measured against the structural limits of
:mod:`server.sparql.limits` (how deep the query nests, how long its chains of operators run):
past them the engine would crash, and rdflib's parser would recurse as deep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from server.sparql import limits as sparql_limits

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

# SPARQL 1.1 Query §19.8 terminals, approximated only where the approximation cannot hide a
# keyword: every token class below excludes white space and braces, so a keyword followed by a
# group can never be swallowed by a neighbouring token.
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


class Refused(Exception):
    """A request the endpoint will not run; ``kind`` says why (service, dataset, update, syntax,
    limit)."""

    def __init__(self, kind: str, message: str):
        self.kind = kind
        super().__init__(message)


class _Unparsed(Exception):
    """rdflib could not parse the text (as a query or as an update)."""


@dataclass
class Verdict:
    """What the checks learnt about an accepted query."""

    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    default_graphs: list[str] = field(default_factory=list)  # from FROM clauses, resolved
    named_graphs: list[str] = field(default_factory=list)  # from FROM NAMED clauses, resolved
    parsed_by_rdflib: bool = False
    tokens: list[Token] = field(default_factory=list, repr=False)  # of the query's text
    #: No GRAPH keyword (SPARQL 1.1 Query §13.3), every token read, and no codepoint escape
    #: (§19.2: ``\u0047RAPH`` is GRAPH) that could hide one: with no dataset of its own, the
    #: query reads only the default graph.
    graph_free: bool = False

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@dataclass
class _Scan:
    words: list[str] = field(default_factory=list)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    complete: bool = True  # False when some text could not be tokenized


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
        kind, position = match.lastgroup, match.end()
        if kind != "ws" and kind != "comment":
            out.append((kind, match.group(), match.start(), position))
    return out


def _scan(tokens: list[Token], base: str) -> _Scan:
    """Collect the bare words of a query's tokens and resolve its dataset clauses."""
    scan = _Scan()
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
            scan.complete = False
        elif kind == "word":
            word = value.upper()
            scan.words.append(word)
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
                    scan.complete = False
                else:
                    (scan.named_graphs if named else scan.default_graphs).append(iri)
        index += 1
    return scan


def _walk(node) -> Iterable:
    """Every node of an rdflib parse tree (CompValue / ParseResults / lists), depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))


def _rdflib_check(text: str, base: str) -> tuple[str, list[str], list[str]]:
    """Parse with rdflib; return (form, FROM IRIs, FROM NAMED IRIs); raise Refused on danger."""
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(text)
    except Exception as query_error:  # noqa: BLE001 - rdflib raises more than ParseException
        try:
            parseUpdate(text)
        except Exception:  # noqa: BLE001
            raise _Unparsed(str(query_error)) from None
        raise Refused(
            "update", "SPARQL Update is not supported: this endpoint is read-only"
        ) from None
    for node in _walk(tree):
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise Refused("service", "SERVICE is not supported: this endpoint queries its own data")
    prologue = translatePrologue(tree[0], base)
    query = tree[1]
    form = query.name.replace("Query", "").upper()
    default, named = [], []
    # CompValue.get returns the key's own name for a missing key: ask whether it is there.
    for clause in query["datasetClause"] if "datasetClause" in query else []:
        if "default" in clause:
            default.append(str(prologue.absolutize(clause["default"])))
        else:
            named.append(str(prologue.absolutize(clause["named"])))
    return form, default, named


def check_graph_names(iris: Iterable[str], allowed: Iterable[str], where: str) -> list[str]:
    """Refuse any IRI that is not a graph of this dataset (SPARQL 1.1 Protocol §2.1.4)."""
    iris = [str(iri) for iri in iris]
    if not iris:
        return iris
    known = allowed if isinstance(allowed, frozenset) else {str(name) for name in allowed}
    outside = [iri for iri in iris if iri not in known]
    if outside:
        raise Refused(
            "dataset",
            f"{where} may only name graphs of this dataset; not one of them: "
            + ", ".join(f"<{iri}>" for iri in outside)
            + ". Graphs: "
            + ", ".join(f"<{name}>" for name in sorted(known)),
        )
    return iris


def check_query(
    text: str,
    base: str,
    graphs: Iterable[str],
    limits: sparql_limits.Limits = sparql_limits.DEFAULT,
) -> Verdict:
    """Refuse (raise :class:`Refused`) or describe a query, without executing anything.

    ``base`` is the IRI relative IRIs resolve against (the deployment base); ``graphs`` are the
    names of every graph of the dataset (data, ontology and shapes graphs); ``limits`` bound
    its nesting and chains (settings ``sparql_max_nesting`` and ``sparql_max_chain``).
    """
    if not isinstance(graphs, frozenset):
        graphs = frozenset(str(graph) for graph in graphs)
    tokens = tokenize(text)
    try:
        sparql_limits.check(tokens, limits)
    except sparql_limits.LimitExceeded as error:
        raise Refused("limit", str(error)) from None
    scan = _scan(tokens, base)
    if "SERVICE" in scan.words:
        raise Refused("service", "SERVICE is not supported: this endpoint queries its own data")
    update_words = UPDATE_KEYWORDS.intersection(scan.words)
    if update_words:
        raise Refused("update", "SPARQL Update is not supported: this endpoint is read-only")
    check_graph_names(scan.default_graphs, graphs, "FROM")
    check_graph_names(scan.named_graphs, graphs, "FROM NAMED")
    form = next((word for word in scan.words if word in QUERY_FORMS), None)
    escaped = "\\u" in text.lower()
    graph_free = scan.complete and not escaped and "GRAPH" not in scan.words
    if scan.complete and form is not None and "FROM" not in scan.words and not escaped:
        return Verdict(
            form, scan.default_graphs, scan.named_graphs, tokens=tokens, graph_free=graph_free
        )
    try:
        form, default, named = _rdflib_check(text, base)
    except _Unparsed as error:
        if scan.complete and form is not None and not escaped:
            # rdflib's grammar is stricter in places; the tokenizer has seen every keyword and
            # resolved every dataset clause, so pyoxigraph may parse it (and report any error).
            return Verdict(
                form, scan.default_graphs, scan.named_graphs, tokens=tokens, graph_free=graph_free
            )
        raise Refused("syntax", f"malformed query: {error}") from None
    check_graph_names(default, graphs, "FROM")
    check_graph_names(named, graphs, "FROM NAMED")
    return Verdict(
        form, default, named, parsed_by_rdflib=True, tokens=tokens, graph_free=graph_free
    )
