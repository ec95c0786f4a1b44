"""Static checks run on every SPARQL request before anything executes (DESIGN.md § Safety).

A query is refused when it uses ``SERVICE`` (anywhere: subqueries, ``EXISTS``, odd case), when it
is SPARQL Update (``LOAD``, ``INSERT``, ``CLEAR``…), or when a dataset clause (``FROM`` /
``FROM NAMED``) or a protocol parameter (``default-graph-uri`` / ``named-graph-uri``) names an IRI
that is not a graph of this dataset. Both rdflib and pyoxigraph would otherwise fetch URLs: a
server-side request forgery.

Two readers look at the text:

1. the SPARQL lexer (:mod:`graph.sparql_lexer`, the terminals of SPARQL 1.1 Query §19.8: IRIs,
   the four string forms, comments, prefixed names, variables, keywords). Keywords are bare words,
   so ``SERVICE`` inside a string, an IRI, a comment, a prefixed name or a variable is not a
   keyword, and a bare word ``SERVICE`` always is. Its scan resolves ``FROM`` IRIs through
   ``PREFIX`` and ``BASE`` declarations. It is fast (tens of microseconds), so most queries need
   nothing else.
2. rdflib's SPARQL parser (a real parse; parsing never fetches anything, and rdflib never executes
   here), whose tree is walked for ``ServiceGraphPattern`` and dataset clauses. It runs whenever
   the lexer saw a dataset clause, a ``\\u`` escape (SPARQL §19.2 lets escapes spell keywords),
   or anything it could not read. A query either reader refuses is refused.

Before either reader looks further, the tokens are measured against the structural limits of
:mod:`server.sparql.limits` (how deep the query nests, how long its chains of operators run):
past them the engine would crash, and rdflib's parser would recurse as deep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.sparql_lexer import QUERY_FORMS, Token, tokenize
from graph.sparql_lexer import scan as _scan

__all__ = [
    "QUERY_FORMS",
    "UPDATE_KEYWORDS",
    "Refused",
    "Token",
    "Verdict",
    "check_graph_names",
    "check_query",
    "tokenize",
]

from server.sparql import limits as sparql_limits

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
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
