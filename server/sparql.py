"""The SPARQL 1.1 endpoint at ``{base}sparql``: protocol, safety checks, execution, responses.

SPARQL 1.1 Protocol §2.1 (query operation) over pyoxigraph. The default graph is the union of the
data graphs; the ontology and shapes graphs are queryable by name (``GRAPH``, ``FROM NAMED``).
Without a query, RDF clients get the SPARQL 1.1 Service Description and browsers the query page.
Read-only: SPARQL Update is refused with 403; ``SERVICE`` and dataset clauses naming anything but
our graphs with 400 (see :mod:`server.sparql_safety`). Every query runs in a child process with a
wall-clock deadline (:mod:`server.sparql_engine`), but those whose work the data bounds before they
run, which the request thread answers (:mod:`server.sparql_bounded`); capped results carry
``X-Policygraph-Truncated: true`` (and a note on the HTML page).
"""

from __future__ import annotations

import json
import os
import threading
from functools import cache

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

import ontology
from server import sparql_bounded, sparql_page, sparql_protocol, sparql_ranges, sparql_remote
from server.errors import BadRequest
from server.publication import publication
from server.ratelimit import RateLimiter
from server.sparql_engine import Answer, Job, Pool, execute, store_for
from server.sparql_limits import Limits
from server.sparql_protocol import Choice, UpdateRefused
from server.sparql_safety import Refused, check_graph_names, check_query

blueprint = Blueprint(
    "sparql", __name__, static_folder="static/sparql", static_url_path="/sparql/static"
)

TRUNCATED_HEADER = "X-Policygraph-Truncated"
COUNT_HEADER = "X-Policygraph-Result-Count"
EXPOSED = ", ".join([TRUNCATED_HEADER, COUNT_HEADER, "Content-Location", "Link"])

# -- the per-process pool of query children ------------------------------------------------------

_pools: dict[int, Pool] = {}
_pools_lock = threading.Lock()


def engine(pub) -> Pool:
    """This process's pool for ``pub.store``, forked on first use (after any gunicorn fork).

    Over an external SPARQL engine (``--store sparql:URL``): the proxy of
    :mod:`server.sparql_remote`.
    """
    if sparql_remote.is_remote(pub.store):
        return sparql_remote.engine(pub)
    pool = _pools.get(id(pub.store))
    if pool is not None and pool.pid == os.getpid() and pool.store is pub.store:
        return pool
    with _pools_lock:
        pool = _pools.get(id(pub.store))
        if pool is None or pool.pid != os.getpid() or pool.store is not pub.store:
            size = pub.settings.get("sparql_workers") or pub.settings.get("threads") or 4
            limit = int(pub.settings.get("sparql_process_memory") or 0) * 2**20
            pool = Pool(pub.store, int(size), limit, union_store=pub.union_store)
            _pools[id(pub.store)] = pool
    return pool


def _forget_pools() -> None:
    """In a forked child, the parent's pools are not ours (their children are not our children)."""
    _pools.clear()


os.register_at_fork(after_in_child=_forget_pools)

# -- rate limiting (per client address, shared by all workers) ---------------------------------


RATE_LIMITER = "policygraph.sparql_rate_limiter"


@blueprint.record_once
def _create_rate_limiter(state) -> None:
    """Built with the app, before workers fork, so that they share one count per client."""
    limit = int(state.app.config.get("POLICYGRAPH", {}).get("sparql_rate_limit") or 0)
    state.app.extensions[RATE_LIMITER] = RateLimiter(limit) if limit > 0 else None


def rate_limit() -> None:
    """At most ``sparql_rate_limit`` requests a minute per client address (RFC 6585 §4)."""
    limiter = current_app.extensions.get(RATE_LIMITER)
    if limiter is not None:
        limiter.check(request.remote_addr or "unknown")


# -- the endpoint --------------------------------------------------------------------------------


def dataset(pub, parsed, verdict) -> tuple[list[str] | None, list[str] | None, bool]:
    """The RDF dataset of a query (SPARQL 1.1 Protocol §2.1.4, Query §13.2): default graphs,
    named graphs, and whether the default graph is the union of every named graph.

    Protocol parameters win over the query's FROM clauses; with neither, the default graph is the
    union of the data graphs (setting ``default_graph`` = ``all``: of every graph) and every graph
    is available by name. The embedded store holds the data union as its default graph
    (:func:`graph.store.materialize_union`), so ``None`` — the query's own dataset, else the
    store's — says it; an external engine is sent the graph list.
    """
    if parsed.default_graph_uri or parsed.named_graph_uri:
        return list(parsed.default_graph_uri), list(parsed.named_graph_uri), False
    if verdict.has_dataset:
        return None, None, False
    if sparql_remote.is_remote(pub.store):
        return [g.value for g in pub.data_graphs], None, False
    return None, None, union_of_all(pub)


def refuse(error: Refused):
    if error.kind == "update":
        return UpdateRefused(str(error))
    return BadRequest(str(error))


def plan(pub, parsed, accept: str) -> tuple[Choice, Job | None]:
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
    if parsed.query is None or not parsed.query.strip():
        return sparql_protocol.choose(accept, None, parsed.format), None
    choice = sparql_protocol.choose(accept, verdict.form, parsed.format)
    default_graphs, named_graphs, union_of_all = dataset(pub, parsed, verdict)
    # The store's default graph (a copy of the data union) and each named graph are sets of
    # triples; a union of graphs, or graphs a query or the protocol names, may repeat one.
    sets = not (union_of_all or verdict.has_dataset or default_graphs or named_graphs)
    settings = pub.settings
    query = _narrowed(pub, parsed.query, sets, verdict.tokens)
    job = Job(
        query=query,
        base=pub.base,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        union_of_all=union_of_all,
        result_format="json" if choice.name == "html" else choice.name,
        rdf_format="ntriples" if choice.name == "html" else choice.name,
        row_cap=int(settings["sparql_row_cap"]),
        triple_cap=int(settings["sparql_triple_cap"]),
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


def _bounded(pub, store, query: str, tokens) -> bool:
    """Whether ``store``'s counts bound ``query``'s work within ``sparql_inline_budget``."""
    budget = int(pub.settings["sparql_inline_budget"])
    return (
        budget > 0
        and isinstance(store, ox.Store)
        and sparql_bounded.bound(store, query, pub.base, budget, tokens) is not None
    )


def run(pub, job: Job) -> Answer:
    """Answer ``job`` in this thread when its work is bounded (``job.inline``), else in a query
    process within the ``sparql_timeout`` setting."""
    if job.inline:
        return execute(store_for(job, pub.store, pub.union_store), job)
    return engine(pub).run(job, float(pub.settings["sparql_timeout"]))


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


@blueprint.route("/sparql", methods=["GET", "HEAD", "POST"])
def endpoint():
    """SPARQL 1.1 Protocol §2.1: GET, POST form and POST direct; any other method is 405.

    :class:`server.fastpath.FastPath` answers GET and HEAD queries in a result format with
    the same steps (:func:`plan`, :func:`run`, :func:`answer_headers`) without Flask."""
    pub = publication()
    settings = pub.settings
    rate_limit()
    parsed = sparql_protocol.read(
        request, int(settings["sparql_max_query_length"]), int(settings["sparql_max_body"])
    )
    choice, job = plan(pub, parsed, request.headers.get("Accept", ""))
    if job is None:
        if choice.name == "html":
            return _respond(sparql_page.render(pub, None, None), choice.media_type)
        return _respond(service_description(pub, choice.name), choice.media_type)
    answer = run(pub, job)
    if choice.name == "html":
        body = sparql_page.render(pub, parsed.query, answer)
    else:
        body = answer.body
    return _respond(body, choice.media_type, answer)


def _narrowed(pub, query: str, sets: bool, tokens) -> str:
    """The query with date ranges narrowed by the value index (:mod:`server.sparql_ranges`);
    ``sets``: every graph it reads holds a triple at most once."""
    if pub.date_index is None:
        return query
    return sparql_ranges.rewrite(query, pub.base, pub.date_index, sets, tokens=tokens)


@cache
def _prefixes(base: str) -> dict[str, str]:
    return {name: str(iri) for name, iri in ontology.prefixes(base).items()}


def _respond(body: bytes | str, content_type: str, answer: Answer | None = None) -> Response:
    response = Response(body, content_type=content_type)
    response.headers.update(answer_headers(answer))
    return response


# -- SPARQL 1.1 Service Description --------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DCTERMS_TITLE = "http://purl.org/dc/terms/title"
#: W3C format IRIs (https://www.w3.org/ns/formats/) of what the endpoint writes.
FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "N-Quads",
    "TriG",
)


def union_of_all(pub) -> bool:
    """Whether the default graph is the union of every graph (setting ``default_graph``)."""
    return pub.settings.get("default_graph") == "all" and not sparql_remote.is_remote(pub.store)


def _default_graph_words(pub) -> str:
    if union_of_all(pub):
        return "the union of every graph, the ontology and shapes included"
    return "the union of the data graphs"


def service_description_triples(pub) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description §3: the service, its languages, formats and dataset."""
    endpoint_iri = f"{pub.base}sparql"
    service = ox.NamedNode(endpoint_iri)
    dataset_node = ox.NamedNode(f"{endpoint_iri}#dataset")
    default_node = ox.NamedNode(f"{endpoint_iri}#default-graph")

    def iri(value):
        return ox.NamedNode(value)

    triples = [
        (service, iri(RDF_TYPE), iri(SD + "Service")),
        (service, iri(SD + "endpoint"), service),
        (service, iri(SD + "supportedLanguage"), iri(SD + "SPARQL11Query")),
        (service, iri(DCTERMS_TITLE), ox.Literal("policygraph SPARQL 1.1 endpoint", language="en")),
        (
            service,
            iri(RDFS_COMMENT),
            ox.Literal(
                f"Read-only. The default graph is {_default_graph_words(pub)}; the ontology and "
                "shapes graphs are queryable by name. SERVICE, SPARQL Update and dataset clauses "
                "naming other graphs are refused. "
                f"Limits: {pub.settings['sparql_timeout']:g} s a query, "
                f"{pub.settings['sparql_row_cap']} rows, "
                f"{pub.settings['sparql_triple_cap']} triples "
                f"(a cut result carries the header {TRUNCATED_HEADER}: true). "
                "pyoxigraph lower-cases language tags: match them with "
                'langMatches(lang(?l), "zh-Hans").',
                language="en",
            ),
        ),
        (service, iri(SD + "defaultDataset"), dataset_node),
        (dataset_node, iri(RDF_TYPE), iri(SD + "Dataset")),
        (dataset_node, iri(SD + "defaultGraph"), default_node),
        (default_node, iri(RDF_TYPE), iri(SD + "Graph")),
    ]
    triples += [(service, iri(SD + "resultFormat"), iri(FORMATS_NS + name)) for name in FORMAT_IRIS]
    total = 0
    data = {g.value for g in pub.data_graphs}
    everything = union_of_all(pub)
    sizes = pub.counts.get("graphs", {})  # the data graphs', counted at load (server.void)
    for number, name in enumerate(pub.graph_iris, start=1):
        size = sizes.get(name)
        if size is None:
            size = sum(1 for _ in pub.store.quads_for_pattern(None, None, None, iri(name)))
        named = ox.NamedNode(f"{endpoint_iri}#named-graph-{number}")
        described = ox.NamedNode(f"{endpoint_iri}#graph-{number}")
        triples += [
            (dataset_node, iri(SD + "namedGraph"), named),
            (named, iri(RDF_TYPE), iri(SD + "NamedGraph")),
            (named, iri(SD + "name"), iri(name)),
            (named, iri(SD + "graph"), described),
            (described, iri(RDF_TYPE), iri(SD + "Graph")),
            (
                described,
                iri(VOID + "triples"),
                ox.Literal(str(size), datatype=iri("http://www.w3.org/2001/XMLSchema#integer")),
            ),
        ]
        if name in data or everything:
            total += size
    triples.append(
        (
            default_node,
            iri(VOID + "triples"),
            ox.Literal(str(total), datatype=iri("http://www.w3.org/2001/XMLSchema#integer")),
        )
    )
    return [ox.Triple(*triple) for triple in triples]


_descriptions: dict[tuple[int, str], bytes] = {}


def service_description(pub, name: str) -> bytes:
    """The service description in one RDF format, computed once per publication and format."""
    from server.sparql_engine import RDF_WRITERS

    key = (id(pub), name)
    if key not in _descriptions:
        rdf_format = RDF_WRITERS[name]
        triples = service_description_triples(pub)
        items = (
            [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
            if rdf_format.supports_datasets
            else triples
        )
        prefixes = {
            "sd": SD,
            "formats": FORMATS_NS,
            "void": VOID,
            "dcterms": "http://purl.org/dc/terms/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        }
        _descriptions[key] = ox.serialize(items, format=rdf_format, prefixes=prefixes)
    return _descriptions[key]


def answer_json(answer) -> dict:
    """A SELECT answer (serialized as SPARQL JSON) back as a dict, for the HTML page."""
    return json.loads(answer.body)
