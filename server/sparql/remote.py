"""Publishing from an external SPARQL 1.1 engine (``--store sparql:URL``): the query proxy.

DESIGN.md § Store and scale. :func:`server.publish.store.open_remote` connects a
:class:`graph.store.remote.RemoteStore` and reads the validation report that ``policygraph load``
stored next to the data. :class:`RemoteEngine` stands in for the pool of query children
(:mod:`server.sparql.engine`) behind ``{base}sparql``: the endpoint has already run every check
of :mod:`server.sparql.safety` on the text, and the engine forwards the query (SPARQL 1.1
Protocol §2.1.2, form-encoded POST) with an explicit dataset, then re-serializes the answer with
the same writers and caps as the embedded engine.

The answer is always fetched as SPARQL JSON results (SELECT/ASK) or N-Triples (CONSTRUCT,
DESCRIBE) and re-written in the format the client asked for. So clients see standard, identical
bytes whatever the engine, and Virtuoso 7.2's deviations never reach them: its TSV (quoted
``"s"`` headers, bare IRIs), its CSV quoting, its ``typed-literal`` JSON type, ``"1"`` for
``true``, ``nodeID://`` blank nodes, and HTML when no ``Accept`` is sent.

The dataset is always explicit (``default-graph-uri`` / ``named-graph-uri``): Virtuoso lets
``GRAPH ?g`` range over every graph it holds (its own system graphs included) when no named graph
is given, and it adds protocol graphs to a query's ``FROM`` clauses instead of replacing them; so
the engine sends the checked graphs of the query (or ours), and an empty set as a graph that
cannot exist.
"""

from __future__ import annotations

import logging
import threading
import time

import pyoxigraph as ox

from graph.store import remote
from server.errors import QueryTimeout, ServiceUnavailable
from server.sparql import results as sparql_results
from server.sparql.engine import RDF_WRITERS, Answer, Job, QueryFailed, QuerySyntaxError
from server.sparql.safety import Refused, check_query

log = logging.getLogger(__name__)

#: Names no graph: stands for an empty default graph or an empty set of named graphs.
NO_GRAPH = "urn:x-policygraph:no-graph"
#: The largest answer read from the engine (bytes); bigger ones fail with 503.
MAX_RESPONSE = 256 * 1024 * 1024


def is_remote(store) -> bool:
    return bool(getattr(store, "remote", False))


# -- the proxy -----------------------------------------------------------------------------------


#: How Virtuoso says its cost estimate exceeds MaxQueryCostEstimationTime (error 42000).
ESTIMATE_REFUSED = "estimated execution time"


class RemoteEngine:
    """Answers :class:`server.sparql.engine.Job` s by forwarding them to the store's endpoint."""

    def __init__(self, store, base: str, graphs: list[str]):
        self.store = store
        self.base = base
        self.graphs = list(graphs)
        self.pid = None  # no children: nothing to re-create after fork

    def dataset(self, job: Job) -> tuple[list[str], list[str]]:
        """The explicit dataset sent with the query (protocol parameters, §2.1.4)."""
        if job.default_graphs is None:  # the query's own FROM clauses, already checked
            try:
                verdict = check_query(job.query, self.base, self.graphs)
            except Refused as error:  # cannot happen after the endpoint's checks
                raise QueryFailed(str(error)) from None
            default, named = verdict.default_graphs, verdict.named_graphs
        else:
            default = job.default_graphs
            named = self.graphs if job.named_graphs is None else job.named_graphs
        return list(default) or [NO_GRAPH], list(named) or [NO_GRAPH]

    def run(self, job: Job, timeout: float) -> Answer:
        """Forward ``job`` and answer it within ``timeout`` seconds (503 past it)."""
        started = time.perf_counter()
        try:
            form = check_query(job.query, self.base, self.graphs).form
        except Refused:  # cannot happen after the endpoint's checks; read the form anyway
            form = remote.query_form(job.query)
        default, named = self.dataset(job)
        # Relative IRIs resolve against the deployment base, as the embedded engine's base_iri
        # does (SPARQL 1.1 Query §4.1.1.1); a BASE in the query itself still overrides it.
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = remote.N_TRIPLES if graph_form else remote.RESULTS_JSON
        try:
            _, headers, body = self.store.request(
                f"BASE <{job.base}>\n{job.query}",
                accept,
                default_graph_uri=default,
                named_graph_uri=named,
                timeout=timeout,
                max_bytes=MAX_RESPONSE,
            )
        except remote.RemoteTimeout:
            raise QueryTimeout(
                f"the query ran longer than the {timeout:g} s limit and was stopped; "
                "narrow it (a LIMIT, more specific patterns) and try again"
            ) from None
        except remote.RemoteSyntaxError as error:
            raise QuerySyntaxError(f"malformed query: {engine_message(error.body)}") from None
        except remote.RemoteError as error:
            if ESTIMATE_REFUSED in (error.body or str(error)):
                # Virtuoso refuses up front a query its cost model says would outlast its limit.
                raise QueryTimeout(
                    "the SPARQL engine estimates this query would run past its time limit and "
                    "did not start it; narrow it (a LIMIT, more specific patterns) and try again"
                ) from None
            log.error("SPARQL engine failed: %s", error)
            raise ServiceUnavailable("the SPARQL engine failed on this query") from None
        # Virtuoso answers an "anytime" partial result when its own limit strikes first.
        partial = any(k.lower() == "x-sql-state" for k in headers)
        try:
            if graph_form:
                triples = ox.parse(body, ox.RdfFormat.N_TRIPLES)
                out = sparql_results.serialize_triples(
                    triples, RDF_WRITERS[job.rdf_format], job.triple_cap, job.prefixes
                )
                answer = Answer("triples", out.body, out.count, out.truncated or partial)
            else:
                parsed = remote.parse_results_json(body)
                if isinstance(parsed, bool):
                    out = sparql_results.serialize_boolean(parsed, job.result_format)
                    answer = Answer("boolean", out.body, 1, False, boolean=parsed)
                else:
                    solutions = remote.RemoteSolutions(*parsed)
                    out = sparql_results.serialize_solutions(
                        solutions, job.result_format, job.row_cap
                    )
                    answer = Answer(
                        "solutions", out.body, out.count, out.truncated or partial, out.variables
                    )
        except (SyntaxError, ValueError, remote.RemoteError) as error:
            log.error("SPARQL engine answered something unreadable: %s", error)
            raise ServiceUnavailable("the SPARQL engine's answer could not be read") from None
        answer.elapsed = time.perf_counter() - started
        return answer

    def close(self) -> None:
        """Nothing to stop: requests are independent."""


def engine_message(body: str) -> str:
    """The engine's own error line, without the query it echoes (Virtuoso repeats it)."""
    line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return line[:300] or "the SPARQL engine refused it"


_lock = threading.Lock()


def engine(pub) -> RemoteEngine:
    """The proxy for ``pub.store``, kept on the store (a reload's new store gets a new one).

    It holds no connection of its own (those are per thread in :mod:`graph.store.remote`), so forked
    workers may share it.
    """
    found = getattr(pub.store, "proxy", None)
    if found is None:
        graphs = list(pub.graph_iris)
        with _lock:
            found = getattr(pub.store, "proxy", None)
            if found is None:
                found = pub.store.proxy = RemoteEngine(pub.store, pub.base, graphs)
    return found
