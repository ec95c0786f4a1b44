"""The SPARQL endpoint's steps, without Flask: plan a request (checks, dataset, the job), run it
(in the request thread when its work is bounded or the store stops queries at their deadline
itself, else in a query process of this process's pool), and the headers of every answer. The
blueprint (:mod:`server.views.sparql`) and the WSGI fast path (:mod:`server.views.fastpath`)
both answer with them.
"""

from __future__ import annotations

import os
import threading
from functools import cache

import ontology
from graph.store import Store
from server.errors import BadRequest
from server.publish.publication import Publication
from server.sparql import bounded as sparql_bounded
from server.sparql import protocol as sparql_protocol
from server.sparql import ranges as sparql_ranges
from server.sparql.engine import Answer, Job, Pool, execute, store_for
from server.sparql.limits import Limits
from server.sparql.protocol import Choice, UpdateRefused
from server.sparql.safety import Refused, check_graph_names, check_query

TRUNCATED_HEADER = "X-Policygraph-Truncated"
COUNT_HEADER = "X-Policygraph-Result-Count"
EXPOSED = ", ".join([TRUNCATED_HEADER, COUNT_HEADER, "Content-Location", "Link"])

# -- the per-process pool of query children ------------------------------------------------------

_pools: dict[int, Pool] = {}
_pools_lock = threading.Lock()


def engine(pub: Publication) -> Pool:
    """This process's pool for ``pub.store``, forked on first use (after any gunicorn fork)."""
    pool = _pools.get(id(pub.store))
    if pool is not None and pool.pid == os.getpid() and pool.store is pub.store:
        return pool
    with _pools_lock:
        pool = _pools.get(id(pub.store))
        if pool is None or pool.pid != os.getpid() or pool.store is not pub.store:
            size = pub.settings.sparql_workers or pub.settings.threads or 4
            limit = pub.settings.sparql_process_memory * 2**20
            pool = Pool(pub.store, int(size), limit, union_store=pub.union_store)
            _pools[id(pub.store)] = pool
    return pool


def _forget_pools() -> None:
    """In a forked child, the parent's pools are not ours (their children are not our children)."""
    _pools.clear()


os.register_at_fork(after_in_child=_forget_pools)

# -- a request -----------------------------------------------------------------------------------


def dataset(parsed, verdict) -> tuple[list[str] | None, list[str] | None]:
    """The RDF dataset of a query (SPARQL 1.1 Protocol §2.1.4, Query §13.2): default graphs and
    named graphs, each None for the store's own (:mod:`graph.store.base`: the union of the data
    graphs, or of every graph with ``default_graph`` = ``all``; every graph by name).

    Protocol parameters win over the query's FROM clauses, which are given as the checks
    resolved them; with neither, the store's dataset.
    """
    if parsed.default_graph_uri or parsed.named_graph_uri:
        return list(parsed.default_graph_uri), list(parsed.named_graph_uri)
    if verdict.has_dataset:
        return list(verdict.default_graphs), list(verdict.named_graphs)
    return None, None


def refuse(error: Refused):
    if error.kind == "update":
        return UpdateRefused(str(error))
    return BadRequest(str(error))


def plan(pub: Publication, parsed, accept: str) -> tuple[Choice, Job | None]:
    """The checks of a read request, the representation chosen for ``accept`` and the job to run
    (None: the request holds no query, and is answered by the service description or the page).
    Raises the protocol's 4xx (:mod:`server.errors`)."""
    graphs = pub.graph_iri_set
    try:
        check_graph_names(parsed.default_graph_uri, graphs, "default-graph-uri")
        check_graph_names(parsed.named_graph_uri, graphs, "named-graph-uri")
        limits = Limits.from_settings(pub.settings)
        verdict = check_query(parsed.query, pub.base, graphs, limits) if parsed.query else None
    except Refused as error:
        raise refuse(error) from None
    if verdict is None or parsed.query is None or not parsed.query.strip():
        return sparql_protocol.choose(accept, None, parsed.format), None
    choice = sparql_protocol.choose(accept, verdict.form, parsed.format)
    default_graphs, named_graphs = dataset(parsed, verdict)
    # The store's default graph (a copy of the data union) and each named graph are sets of
    # triples; a union of graphs, or graphs a query or the protocol names, may repeat one.
    sets = default_graphs is None and named_graphs is None and not union_of_all(pub)
    query = _narrowed(pub, parsed.query, sets, verdict.tokens)
    job = Job(
        query=query,
        base=pub.base,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        result_format="json" if choice.name == "html" else choice.name,
        rdf_format="ntriples" if choice.name == "html" else choice.name,
        row_cap=pub.settings.sparql_row_cap,
        triple_cap=pub.settings.sparql_triple_cap,
        prefixes=_prefixes(pub.base),
        default_only=sets and verdict.graph_free and pub.union_store is not None,
    )
    store = store_for(job, pub.store, pub.union_store)
    job.inline = query == parsed.query and _bounded(pub, store, query, verdict.tokens)
    if choice.name not in sparql_protocol.GRAPH_FORMATS and verdict.form in (
        "CONSTRUCT",
        "DESCRIBE",
    ):
        job.rdf_format = "ntriples"
    return choice, job


def _bounded(pub: Publication, store: Store, query: str, tokens) -> bool:
    """Whether ``store``'s counts bound ``query``'s work within ``sparql_inline_budget`` (not
    asked of a store that stops queries itself: they run in the request thread anyway)."""
    budget = pub.settings.sparql_inline_budget
    return (
        budget > 0
        and not store.stops_queries
        and sparql_bounded.bound(store, query, pub.base, budget, tokens) is not None
    )


def run(pub: Publication, job: Job) -> Answer:
    """Answer ``job`` in this thread when its work is bounded (``job.inline``) or the store stops
    a query at its deadline itself, else in a query process; within ``sparql_timeout``."""
    store = store_for(job, pub.store, pub.union_store)
    if job.inline:
        return execute(store, job)
    if store.stops_queries:
        return execute(store, job, pub.settings.sparql_timeout)
    return engine(pub).run(job, pub.settings.sparql_timeout)


def answer_headers(answer: Answer | None) -> dict[str, str]:
    """The headers of every endpoint response besides its Content-Type and Content-Length;
    an answer's say whether it was cut and how many results it holds."""
    headers = {
        "Vary": "Accept",
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": EXPOSED,
        "Cache-Control": "no-cache",
    }
    if answer is not None:
        headers[TRUNCATED_HEADER] = "true" if answer.truncated else "false"
        headers[COUNT_HEADER] = str(answer.count)
    return headers


def _narrowed(pub: Publication, query: str, sets: bool, tokens) -> str:
    """The query with date ranges narrowed by the value index (:mod:`server.sparql.ranges`);
    ``sets``: every graph it reads holds a triple at most once."""
    if pub.date_index is None:
        return query
    return sparql_ranges.rewrite(query, pub.base, pub.date_index, sets, tokens=tokens)


@cache
def _prefixes(base: str) -> dict[str, str]:
    return {name: str(iri) for name, iri in ontology.prefixes(base).items()}


def union_of_all(pub: Publication) -> bool:
    """Whether the default graph is the union of every graph (the store answers by the setting
    ``default_graph`` = ``all``)."""
    return pub.store.default_graph == "all"
