"""The remote store: an external SPARQL 1.1 endpoint as a :class:`graph.store.base.Store`.

DESIGN.md § Store and scale. Requests follow SPARQL 1.1 Protocol §2.1.2 (POST with a form body),
never §2.1.3 (a direct ``application/sparql-query`` POST: Virtuoso 7.2 hangs on it), always with
an explicit ``Accept`` (without one Virtuoso answers HTML), and always with a timeout
(:mod:`graph.store.client`). The dataset is always explicit (``default-graph-uri`` /
``named-graph-uri``, §2.1.4): Virtuoso lets ``GRAPH ?g`` range over every graph it holds (its own
system graphs included) when no named graph is given, and it adds protocol graphs to a query's
``FROM`` clauses instead of replacing them; so the graphs the query reads are sent (an empty set
as a graph that cannot exist, :data:`NO_GRAPH`).

The store's ``scope`` (graph IRIs) is what "every graph" means, and ``default_graphs`` what its
default graph is (the data graphs); both are set when it is opened for a publication. Answers are
read as SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE) into pyoxigraph terms
(:mod:`graph.store.terms`), so the publisher writes the same bytes whatever the engine.

An update endpoint comes from ``POLICYGRAPH_SPARQL_UPDATE_URL`` and a Graph Store Protocol endpoint
from ``POLICYGRAPH_SPARQL_GRAPH_STORE_URL``; credentials as :mod:`graph.store.client` says.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox

from graph import sparql_lexer
from graph.store.base import (
    GraphName,
    QueryResult,
    Solutions,
    Store,
    Term,
    Triples,
    UnreadableAnswer,
)
from graph.store.client import (
    FORM,
    Credentials,
    RemoteError,
    RemoteSyntaxError,
    RemoteTimeout,
    credentials_from_env,
    form_body,
    send,
)
from graph.store.terms import parse_results_json, sparql_term

PREFIX = "sparql:"
ENV_UPDATE_URL = "POLICYGRAPH_SPARQL_UPDATE_URL"
ENV_GRAPH_STORE_URL = "POLICYGRAPH_SPARQL_GRAPH_STORE_URL"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
#: The report graph the loader writes next to the data (not a data graph: not under graph/).
VALIDATION_GRAPH = "validation"
#: Names no graph: stands for an empty default graph or an empty set of named graphs.
NO_GRAPH = "urn:x-policygraph:no-graph"
#: The largest answer read from the engine (bytes); a bigger one is an error.
MAX_ANSWER = 256 * 1024 * 1024
#: How Virtuoso says its cost estimate exceeds MaxQueryCostEstimationTime (error 42000).
ESTIMATE_REFUSED = "estimated execution time"


def _iri(value: GraphName) -> str:
    return value.value if isinstance(value, ox.NamedNode) else str(value)


def _graphs(listed: Sequence[GraphName] | None) -> list[str] | None:
    return None if listed is None else [_iri(g) for g in listed]


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint as a :class:`graph.store.base.Store`.

    Reads larger than ``page_size`` rows are fetched in pages (``LIMIT``/``OFFSET``, below
    Virtuoso's default ``ResultSetMaxRows`` of 10000). A lookup by subject in one named graph
    fetches (and keeps, in a small LRU) every quad of that subject there, so the label lookups
    of many documents cost one request each.
    """

    stops_queries = True  # every request has a timeout
    indexes_values = True  # an engine of this size indexes literal values (Virtuoso does)

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        auth: Credentials | tuple[str, str] | None = None,
        *,
        timeout: float = 30.0,
        page_size: int = 10000,
        scope: Iterable[str] | None = None,
        default_graphs: Iterable[str] | None = None,
        graph_store_url: str | None = None,
        cache_size: int = 4096,
    ):
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.auth = Credentials(*auth) if isinstance(auth, tuple) else auth
        self.timeout = float(timeout)
        self.page_size = int(page_size)
        #: Every graph of the store (None: every graph the endpoint holds).
        self.scope = sorted(str(g) for g in scope) if scope is not None else None
        #: The graphs whose union is the default graph (None: the endpoint's own default).
        self.default_graphs = list(default_graphs) if default_graphs is not None else None
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[tuple, list[ox.Quad]] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def from_setting(cls, setting: str, environ=None, **options) -> RemoteStore:
        """``sparql:URL`` plus the environment (update URL, Graph Store URL, credentials)."""
        environ = os.environ if environ is None else environ
        if not setting.startswith(PREFIX):
            raise ValueError(f"not a SPARQL store setting: {setting!r} (use sparql:URL)")
        url = setting[len(PREFIX) :]
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the SPARQL endpoint must be an http(s) URL, not {url!r}")
        return cls(
            url,
            environ.get(ENV_UPDATE_URL) or None,
            credentials_from_env(environ),
            graph_store_url=environ.get(ENV_GRAPH_STORE_URL) or None,
            **options,
        )

    def __repr__(self) -> str:
        return f"<RemoteStore {self.query_url}>"

    # -- the protocol

    def request(
        self,
        query: str,
        accept: str,
        default_graph_uri: Iterable[str] | None = None,
        named_graph_uri: Iterable[str] | None = None,
        timeout: float | None = None,
        max_bytes: int | None = MAX_ANSWER,
    ) -> tuple[int, dict[str, str], bytes]:
        """SPARQL 1.1 Protocol §2.1.2: a query by POST with a form-encoded body."""
        pairs = [("query", query)]
        pairs += [("default-graph-uri", g) for g in default_graph_uri or ()]
        pairs += [("named-graph-uri", g) for g in named_graph_uri or ()]
        return send(
            "POST",
            self.query_url,
            accept=accept,
            body=form_body(pairs),
            content_type=FORM,
            timeout=timeout or self.timeout,
            auth=self.auth,
            max_bytes=max_bytes,
        )

    def select(self, query: str, **options) -> tuple[list[str], list[tuple]] | bool:
        """A SELECT or ASK, parsed from SPARQL JSON results."""
        _, _, body = self.request(query, RESULTS_JSON, **options)
        return parse_results_json(body)

    def update(self, update: str, timeout: float | None = None) -> None:
        """SPARQL 1.1 Protocol §2.2.1: an update by POST with a form-encoded body."""
        if not self.update_url:
            raise RemoteError(f"no update endpoint: set {ENV_UPDATE_URL}")
        send(
            "POST",
            self.update_url,
            accept="*/*",
            body=form_body([("update", update)]),
            content_type=FORM,
            timeout=timeout or self.timeout,
            auth=self.auth,
        )

    # -- the store

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[GraphName] | None = None,
        use_default_graph_as_union: bool = False,
        timeout: float | None = None,
    ) -> QueryResult:
        """Solutions, a boolean or triples (:meth:`graph.store.base.Store.query`), through the
        endpoint with the dataset sent explicitly; relative IRIs resolve against ``base_iri``
        (a ``BASE`` in the query itself still overrides it, SPARQL 1.1 Query §4.1.1.1)."""
        form = sparql_lexer.query_form(sparql_lexer.tokenize(query))
        if form is None:
            raise RemoteSyntaxError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
        if use_default_graph_as_union:
            default = self.scope
        else:
            default = self.default_graphs if default_graph is None else _graphs(default_graph)
        named = self.scope if named_graphs is None else _graphs(named_graphs)
        text = f"BASE <{base_iri}>\n{query}" if base_iri else query
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        try:
            _, headers, body = self.request(
                text,
                N_TRIPLES if graph_form else RESULTS_JSON,
                None if default is None else (default or [NO_GRAPH]),
                None if named is None else (named or [NO_GRAPH]),
                timeout=timeout,
            )
        except RemoteError as error:
            if not isinstance(error, RemoteTimeout | RemoteSyntaxError) and (
                ESTIMATE_REFUSED in (error.body or str(error))
            ):  # Virtuoso refuses up front a query its cost model says would outlast its limit
                raise RemoteTimeout(
                    "the SPARQL engine estimates this query would run past its time limit",
                    estimated=True,
                ) from None
            raise
        # Virtuoso answers an "anytime" partial result when its own limit strikes first.
        partial = any(name.lower() == "x-sql-state" for name in headers)
        if graph_form:
            try:
                triples = Triples(ox.parse(body, ox.RdfFormat.N_TRIPLES))
            except (SyntaxError, ValueError) as error:
                raise UnreadableAnswer(f"the endpoint's N-Triples do not parse: {error}") from None
            triples.partial = partial
            return triples
        answer = parse_results_json(body)
        if isinstance(answer, bool):
            return answer
        return Solutions(*answer, partial=partial)

    def quads_for_pattern(
        self,
        subject=None,
        predicate=None,
        object=None,  # noqa: A002 - pyoxigraph's name
        graph_name=None,
    ) -> Iterator[ox.Quad]:
        """Every quad matching the pattern (``graph_name`` None: every graph in scope;
        ``DefaultGraph()``: the union of :attr:`default_graphs`)."""
        if (
            subject is not None
            and object is None
            and isinstance(graph_name, ox.NamedNode)
            and self.cache_size > 0
        ):
            quads = self._subject_quads(subject, graph_name)
            return iter([q for q in quads if predicate is None or q.predicate == predicate])
        return self._quads(subject, predicate, object, graph_name)

    def _subject_quads(self, subject, graph_name) -> list[ox.Quad]:
        key = (subject, graph_name)
        with self._cache_lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = list(self._quads(subject, None, None, graph_name))
        with self._cache_lock:
            self._cache[key] = found
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return found

    def _quads(self, subject, predicate, object, graph_name) -> Iterator[ox.Quad]:  # noqa: A002
        names = ("s", "p", "o")
        given: tuple[Term | None, ...] = (subject, predicate, object)
        pattern = " ".join(
            sparql_term(term) if term is not None else f"?{name}"
            for name, term in zip(names, given, strict=True)
        )
        wanted = [name for name, term in zip(names, given, strict=True) if term is None]
        if isinstance(graph_name, ox.DefaultGraph):
            where = f"{{ {pattern} }}"
            dataset = "".join(f" FROM <{g}>" for g in self.default_graphs or ())
        elif graph_name is None:
            wanted.append("g")
            where = f"{{ GRAPH ?g {{ {pattern} }} }}"
            dataset = "".join(f" FROM NAMED <{g}>" for g in self.scope or ())
        else:
            where, dataset = f"{{ GRAPH {sparql_term(graph_name)} {{ {pattern} }} }}", ""
        projection = " ".join(f"?{name}" for name in wanted) if wanted else "*"
        base_query = f"SELECT {projection}{dataset} WHERE {where}"
        for row in self._paged(base_query, bool(wanted)):
            values = dict(zip(wanted, row, strict=True))
            terms: list[Any] = [
                values.get(name, term) for name, term in zip(names, given, strict=True)
            ]
            graph = values.get("g", graph_name if graph_name is not None else ox.DefaultGraph())
            yield ox.Quad(terms[0], terms[1], terms[2], graph)

    def _paged(self, query: str, has_variables: bool) -> Iterator[tuple]:
        if not has_variables:  # a fully bound pattern: ASK
            if self.select(query.replace("SELECT *", "ASK", 1).replace(" WHERE ", " ", 1)):
                yield ()
            return
        offset = 0
        while True:
            page = f"{query} LIMIT {self.page_size}" + (f" OFFSET {offset}" if offset else "")
            answer = self.select(page)
            rows = answer[1] if not isinstance(answer, bool) else []
            yield from rows
            if len(rows) < self.page_size:
                return
            offset += self.page_size

    def pattern_term(self, term: Term) -> str:
        """:func:`graph.store.terms.sparql_term`: Virtuoso names its blank nodes as IRIs."""
        return sparql_term(term)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The named graphs holding at least one triple (those in scope, when set)."""
        dataset = "".join(f" FROM NAMED <{g}>" for g in self.scope or ())
        answer = self.select(f"SELECT DISTINCT ?g{dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        rows = answer[1] if not isinstance(answer, bool) else []
        return iter([row[0] for row in rows if isinstance(row[0], ox.NamedNode)])

    def contains_named_graph(self, graph_name: GraphName) -> bool:
        return bool(self.select(f"ASK {{ GRAPH <{_iri(graph_name)}> {{ ?s ?p ?o }} }}"))

    def graph_sizes(self, graphs: Iterable[ox.NamedNode]) -> dict[str, int]:
        """Triples per graph, one count query each."""
        sizes = {}
        for graph in graphs:
            answer = self.select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
            )
            sizes[graph.value] = int(answer[1][0][0].value) if not isinstance(answer, bool) else 0
        return sizes

    def graph_ntriples(self, graph: ox.NamedNode) -> bytes:
        """The triples of ``graph`` as N-Triples, as the endpoint lists them."""
        quads = self.quads_for_pattern(None, None, None, graph)
        return ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""

    def before_fork(self) -> None:
        """Nothing to let go of: connections are per process (:mod:`graph.store.client`)."""
        return None

    def after_fork(self) -> None:
        """Nothing to take up: a forked process opens connections of its own on first use."""
        return None

    def __len__(self) -> int:
        dataset = "".join(f" FROM NAMED <{g}>" for g in self.scope or ())
        answer = self.select(
            f"SELECT (COUNT(*) AS ?n){dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        return int(answer[1][0][0].value) if not isinstance(answer, bool) else 0
