"""policygraph over an external SPARQL 1.1 engine: Virtuoso Open Source 7, started privately.

The curated graph is validated and loaded with ``policygraph load --into sparql:URL`` (Graph Store
Protocol), then the same publisher runs with ``store="sparql:URL"``; every answer is compared with
the embedded store's (the session ``app`` of conftest): dereferencing, VoID, search, and the SPARQL
endpoint, which proxies to Virtuoso after the same safety checks and hides its quirks.
"""

from __future__ import annotations

import gzip
import json
import socket
import time
import warnings
from argparse import ArgumentParser

import pyoxigraph as ox
import pytest
from helpers import BASE, data_paths, sample_things
from rdflib import Graph

import graph
import graph.store
from bench import virtuoso
from bench.servers import free_port
from graph.store import client, remote
from graph.store.load import load_into
from server import settings as server_settings
from server.app import create_app
from server.cli.load import add_load_command
from server.errors import QueryTimeout
from server.publish.publication import build
from server.publish.store import open_remote
from server.sparql.engine import Job, execute

pytestmark = [
    pytest.mark.virtuoso,
    pytest.mark.skipif(
        not virtuoso.installed(),
        reason="Virtuoso is not installed: apt-get install virtuoso-opensource "
        "(needs virtuoso-t and isql-vt on PATH)",
    ),
]

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    server = virtuoso.Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    TIMINGS["virtuoso startup"] = server.startup_seconds
    server.allow_sparql_update()
    yield server
    client.close_connections()
    started = time.monotonic()
    server.stop()
    TIMINGS["virtuoso stop"] = time.monotonic() - started
    print("\nVirtuoso timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in TIMINGS.items()))


@pytest.fixture(scope="module")
def loaded(engine):
    """``policygraph load --into sparql:URL --graph-store URL`` through the command's own parser."""
    parser = ArgumentParser(prog="policygraph")
    add_load_command(parser.add_subparsers())
    args = parser.parse_args(
        [
            "load",
            "--into",
            f"sparql:{engine.endpoint}",
            "--graph-store",
            engine.graph_crud,
            "--base",
            BASE,
            *data_paths(),
        ]
    )
    started = time.monotonic()
    assert args.run(args) == 0
    TIMINGS["validate + load"] = time.monotonic() - started
    return engine


@pytest.fixture(scope="module")
def remote_app(loaded, tmp_path_factory):
    """The publisher with ``store = sparql:URL`` (built as publication.py does for that setting)."""
    started = time.monotonic()
    config = server_settings.resolve(
        {
            "base": BASE,
            "store": f"sparql:{loaded.endpoint}",
            "dumps_dir": str(tmp_path_factory.mktemp("remote-dumps")),
        }
    )
    store, validation = open_remote(config)
    pub = build(config, store, validation)
    app = create_app(config, publication=pub)
    TIMINGS["publisher start over Virtuoso"] = time.monotonic() - started
    return app


@pytest.fixture()
def remote_client(remote_app):
    return remote_app.test_client()


@pytest.fixture()
def local_client(app):
    return app.test_client()


@pytest.fixture()
def both(remote_client, local_client):
    """The same GET to the publisher over Virtuoso (here) and over the embedded store (there)."""
    return lambda path, **kwargs: (
        remote_client.get(path, **kwargs),
        local_client.get(path, **kwargs),
    )


def local_nquads() -> bytes:
    parsed = graph.parse(BASE, [p for p in data_paths()] or None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Dataset.contexts is deprecated", DeprecationWarning)
        return graph.store.dataset_nquads(parsed.dataset)


def canonical(data: bytes, fmt: str, context: bytes | None = None) -> set[str]:
    """The triples of a document after RDF canonicalization (blank nodes relabelled)."""
    if fmt == "jsonld":
        document = json.loads(data)
        document["@context"] = json.loads(context)["@context"]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
            parsed = Graph().parse(data=json.dumps(document), format="json-ld")
        data, fmt = parsed.serialize(format="nt").encode("utf-8"), "nt"
    rdf_format = ox.RdfFormat.TURTLE if fmt == "ttl" else ox.RdfFormat.N_TRIPLES
    dataset = ox.Dataset(
        ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
        for t in ox.parse(data, rdf_format, base_iri=BASE)
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


#: Dataset-description triples that differ between two loads (load time, dump bytes).
PER_LOAD = ("dc/terms/modified>", "#checksumValue>", "#byteSize>")


def stable(triples: set[str]) -> set[str]:
    return {t for t in triples if not any(marker in t for marker in PER_LOAD)}


def describe_diff(expected: set[str], actual: set[str]) -> str:
    lines = ["only embedded:"] + sorted(expected - actual)[:20]
    return "\n".join(lines + ["only Virtuoso:"] + sorted(actual - expected)[:20])


# -- loading --------------------------------------------------------------------------------------


def test_load_puts_every_graph_and_the_report(loaded, pub):
    """Each graph holds in Virtuoso as many triples as in the embedded store."""
    store = remote.RemoteStore(loaded.endpoint)
    for name in [g.value for g in pub.data_graphs] + [pub.ontology_graph.value]:
        local = sum(1 for _ in pub.store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
        answer = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        assert int(answer[1][0][0].value) == local, name
    assert store.contains_named_graph(ox.NamedNode(f"{BASE}{remote.VALIDATION_GRAPH}"))


def test_load_by_sparql_update_keeps_blank_nodes_and_booleans(loaded):
    """INSERT DATA in batches; blank-node triples in one INSERT {…} WHERE {} (Virtuoso refuses
    blank nodes in INSERT DATA); Virtuoso's "1" for xsd:boolean reads back as true."""
    name = "urn:x-policygraph-test:update"
    nquads = (
        f'<{BASE}id/actor/x> <{BASE}ontology#recurring> "true"'
        f"^^<http://www.w3.org/2001/XMLSchema#boolean> <{name}> .\n"
        f"<{BASE}id/actor/x> <{BASE}ontology#p> _:b1 <{name}> .\n"
        f'_:b1 <{BASE}ontology#q> "钓鱼岛"@zh-Hans <{name}> .\n'
    ).encode()
    counts = load_into(loaded.endpoint, nquads, [name], update_url=loaded.endpoint)
    assert counts == {name: 3}
    store = remote.RemoteStore(loaded.endpoint)
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
    values = {q.object for q in quads if isinstance(q.object, ox.Literal)}
    assert (
        ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
        in values
    )
    blank = [q for q in quads if isinstance(q.subject, ox.BlankNode)]
    assert len(blank) == 1 and any(q.object == blank[0].subject for q in quads)


def test_bulk_loader_loads_the_data_graph(loaded, pub):
    """Virtuoso's bulk loader (ld_dir, rdf_loader_run, checkpoint) reads N-Quads from its folder."""
    name = "urn:x-policygraph-test:bulk"
    data_graph = f"<{pub.data_graphs[0].value}>"
    lines = [line for line in local_nquads().decode().splitlines() if data_graph in line]
    nquads = "".join(line.replace(data_graph, f"<{name}>") + "\n" for line in lines).encode()
    started = time.monotonic()
    output = loaded.bulk_load(nquads, "bulk.nq")
    TIMINGS["bulk loader"] = time.monotonic() - started
    assert "bulk.nq" in output
    store = remote.RemoteStore(loaded.endpoint)
    answer = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
    assert int(answer[1][0][0].value) == len(lines)


# -- publishing -----------------------------------------------------------------------------------


def test_scope_is_the_published_graphs_only(remote_app, pub):
    """Virtuoso's system graphs and the test graphs above are not part of the publication."""
    remote_pub = remote_app.extensions["policygraph"]
    assert [g.value for g in remote_pub.data_graphs] == [g.value for g in pub.data_graphs]
    assert remote_pub.validation.conforms
    assert remote_pub.counts["triples"] == pub.counts["triples"]


@pytest.mark.parametrize("suffix", ["ttl", "jsonld", "html"])
def test_documents_match_the_embedded_store(remote_client, local_client, pub, suffix):
    """303 from each sample thing, then the same document as from the embedded store."""
    context = local_client.get("/context.jsonld").get_data()
    keys = [
        pub.things[iri]
        for iri in sample_things(
            pub, ("actor", "claim", "event", "relation", "dispute", "place", "document")
        )
    ]
    for iri in sample_things(pub):
        response = remote_client.get(iri[len(BASE) - 1 :], headers={"Accept": "text/turtle"})
        assert response.status_code == 303
        assert response.headers["Location"] == f"{BASE}{pub.things[iri]}"
    for key in keys + ["ontology", "shapes", "dataset"]:
        here = remote_client.get(f"/{key}.{suffix}")
        there = local_client.get(f"/{key}.{suffix}")
        assert here.status_code == there.status_code == 200, key
        assert here.content_type == there.content_type
        if suffix == "html":
            if key in keys:  # the vocabulary pages show blank-node labels, which differ
                assert here.get_data() == there.get_data(), key
            continue
        expected = stable(canonical(there.get_data(), suffix, context))
        actual = stable(canonical(here.get_data(), suffix, context))
        assert actual == expected, f"{key}\n{describe_diff(expected, actual)}"


def test_void_and_search(remote_client, local_client, both):
    response = remote_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    here = remote_client.get("/dataset.ttl").get_data()
    there = local_client.get("/dataset.ttl").get_data()
    assert stable(canonical(here, "ttl")) == stable(canonical(there, "ttl"))
    for dump in ("policygraph.nq.gz", "policygraph.ttl"):
        with (
            remote_client.get(f"/dumps/{dump}") as here,
            local_client.get(f"/dumps/{dump}") as there,
        ):
            assert here.status_code == there.status_code == 200, dump
            assert here.content_type == there.content_type
            assert dump_quads(here.get_data(), dump) == dump_quads(there.get_data(), dump), dump
    for query in ("china", "钓鱼岛", "Washington"):
        here, there = both(
            "/search", query_string={"q": query}, headers={"Accept": "application/json"}
        )
        assert here.status_code == 200
        assert here.get_json() == there.get_json()


def dump_quads(body: bytes, name: str) -> set[str]:
    """A dump's quads after RDF canonicalization."""
    if name.endswith(".gz"):
        body = gzip.decompress(body)
    rdf_format = ox.RdfFormat.N_QUADS if ".nq" in name else ox.RdfFormat.TURTLE
    dataset = ox.Dataset(ox.parse(body, rdf_format))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


# -- the SPARQL endpoint, proxied -----------------------------------------------------------------

SELECT = (
    "PREFIX pg: <ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?event ?recurring ?label WHERE { ?event pg:recurring ?recurring ; "
    "skos:prefLabel ?label FILTER(langMatches(lang(?label), 'zh-Hans')) } ORDER BY ?event"
)
FORMATS = [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
]


@pytest.mark.parametrize(("accept", "content_type"), FORMATS)
def test_select_answers_exactly_as_the_embedded_engine(
    remote_client, local_client, accept, content_type
):
    """Same bytes in every result format: ``?event`` TSV headers, no ``typed-literal``, ``true``."""
    for method in ("GET", "POST"):
        kwargs = (
            {"query_string": {"query": SELECT}} if method == "GET" else {"data": {"query": SELECT}}
        )
        here = remote_client.open("/sparql", method=method, headers={"Accept": accept}, **kwargs)
        there = local_client.open("/sparql", method=method, headers={"Accept": accept}, **kwargs)
        assert here.status_code == 200, here.get_data()
        assert here.headers["Content-Type"] == content_type
        assert here.headers["X-Policygraph-Truncated"] == "false"
        assert here.get_data() == there.get_data()
    body = here.get_data().decode()
    assert "typed-literal" not in body and "nodeID://" not in body
    if accept == "text/tab-separated-values":
        assert body.startswith("?event\t?recurring\t?label\n")


def test_construct_and_ask(remote_client, both):
    query = f"CONSTRUCT {{ <{BASE}id/actor/china> ?p ?o }} WHERE {{ <{BASE}id/actor/china> ?p ?o }}"
    here, there = both("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"})
    assert here.status_code == 200
    assert here.headers["Content-Type"] == there.headers["Content-Type"]
    assert canonical(here.get_data(), "ttl") == canonical(there.get_data(), "ttl")
    ask = remote_client.get(
        "/sparql",
        query_string={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert ask.get_json() == {"head": {}, "boolean": True}


def test_graph_variable_sees_only_the_published_graphs(both):
    """Virtuoso lets GRAPH ?g reach its system graphs unless named graphs are given explicitly."""
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    here, there = both("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert here.get_data() == there.get_data()
    assert b"openlinksw" not in here.get_data()


def test_row_cap_applies_to_the_remote_answer(remote_app):
    client = remote_app.test_client()
    pub = remote_app.extensions["policygraph"]
    saved = pub.settings
    pub.settings = saved.replace(sparql_row_cap=5)
    try:
        response = client.get(
            "/sparql",
            query_string={"query": "SELECT * { ?s ?p ?o }"},
            headers={"Accept": "text/tab-separated-values"},
        )
    finally:
        pub.settings = saved
    assert response.headers["X-Policygraph-Truncated"] == "true"
    assert len(response.get_data().decode().splitlines()) == 6


def test_service_is_refused_before_anything_is_forwarded(remote_client, monkeypatch):
    """A SERVICE query is refused with 400; no request reaches Virtuoso or the named host."""
    sent = []
    original = client.send
    monkeypatch.setattr(remote, "send", lambda *a, **k: sent.append(a) or original(*a, **k))
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        listener.settimeout(0.5)
        for query in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o . FILTER EXISTS {{ sErViCe <http://127.0.0.1:{port}/> "
            "{ ?s ?p ?o } } }",
            f"SELECT * FROM <http://127.0.0.1:{port}/data> WHERE {{ ?s ?p ?o }}",
        ):
            response = remote_client.post(
                "/sparql",
                data={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
            assert response.status_code == 400, query
        with pytest.raises(TimeoutError):
            listener.accept()
    assert sent == []


def test_engine_errors_become_protocol_errors(remote_client):
    response = remote_client.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p "},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 400
    assert "SELECT" not in response.get_json()["error"]["message"]  # the query is not echoed


def test_digest_credentials_reach_the_authenticated_endpoint(loaded):
    """Virtuoso's ``/sparql-auth`` asks for HTTP Digest; credentials come from the environment."""
    url = loaded.endpoint + "-auth"
    good = client.credentials_from_env({client.ENV_USER: "dba", client.ENV_PASSWORD: "dba"})
    store = remote.RemoteStore(url, url, good)
    assert store.select("ASK { ?s ?p ?o }") is True
    name = "urn:x-policygraph-test:auth"
    store.update(f"INSERT DATA {{ GRAPH <{name}> {{ <{name}> <{name}> 1 }} }}")
    assert store.contains_named_graph(ox.NamedNode(name))
    with pytest.raises(client.RemoteError) as refused:
        remote.RemoteStore(url, auth=("dba", "wrong")).select("ASK {}")
    assert refused.value.status == 401


def test_a_slow_remote_query_times_out_with_503(remote_app):
    """Last in this module: Virtuoso keeps running the query after the publisher gives up."""
    pub = remote_app.extensions["policygraph"]
    job = Job(
        query="SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
        base=BASE,
        default_graphs=[g.value for g in pub.data_graphs],
        named_graphs=None,
        result_format="json",
        rdf_format="ntriples",
        row_cap=10,
        triple_cap=10,
    )
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        execute(pub.store, job, 0.5)
    assert time.monotonic() - started < 5
