"""The remote store (graph.store.remote) and the endpoint over it (server.sparql), no engine.

A loopback HTTP server plays a Virtuoso 7.2 endpoint: it records every request and answers with
Virtuoso's own quirks (``typed-literal``, ``"1"`` for true, ``nodeID://`` blank nodes, ``zh-hans``).
The real engine is exercised in tests/test_virtuoso.py.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pyoxigraph as ox
import pytest

from graph.store import client, remote, terms
from server.errors import QueryTimeout
from server.publish.labels import LabelIndex
from server.publish.publication import Publication
from server.settings import Settings
from server.sparql.engine import Job, QuerySyntaxError, execute
from server.sparql.protocol import read_get
from server.sparql.service import plan, run

XSD = "http://www.w3.org/2001/XMLSchema#"
BASE = "http://localhost/"
DATA = f"{BASE}graph/north-korea-opportunity"
GRAPHS = [DATA, f"{BASE}graph/ontology", f"{BASE}graph/shapes"]

#: A SELECT answer as Virtuoso 7.2 writes it.
VIRTUOSO_JSON = {
    "head": {"link": [], "vars": ["s", "o"]},
    "results": {
        "distinct": False,
        "ordered": True,
        "bindings": [
            {
                "s": {"type": "uri", "value": f"{BASE}id/event/x"},
                "o": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"},
            },
            {
                "s": {"type": "bnode", "value": "nodeID://b10000"},
                "o": {"type": "literal", "xml:lang": "zh-hans", "value": "钓鱼岛"},
            },
            {
                "s": {"type": "uri", "value": f"{BASE}id/event/x"},
                "o": {"type": "typed-literal", "datatype": XSD + "gYearMonth", "value": "2012-12"},
            },
            {"s": {"type": "uri", "value": f"{BASE}id/event/y"}},
        ],
    },
}


class Endpoint:
    """A recording endpoint on loopback; ``answer(request)`` returns (status, type, body)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer = lambda request: (200, remote.RESULTS_JSON, json.dumps(VIRTUOSO_JSON))
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                request = {
                    "method": "POST",
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "form": parse_qs(body),
                    "port": self.client_address[1],
                }
                endpoint.requests.append(request)
                status, media_type, text = endpoint.answer(request)
                data = text.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", media_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self):
        client.close_connections()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def endpoint():
    server = Endpoint()
    yield server
    server.close()


# -- terms and query text -------------------------------------------------------------------------


def test_virtuoso_json_becomes_standard_terms():
    """typed-literal → literal, "1"^^xsd:boolean → true, nodeID:// → blank node, tags kept."""
    variables, rows = terms.parse_results_json(json.dumps(VIRTUOSO_JSON).encode())
    assert variables == ["s", "o"]
    assert rows[0] == (
        ox.NamedNode(f"{BASE}id/event/x"),
        ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    )
    assert rows[1] == (ox.BlankNode("b10000"), ox.Literal("钓鱼岛", language="zh-hans"))
    assert rows[2][1] == ox.Literal("2012-12", datatype=ox.NamedNode(XSD + "gYearMonth"))
    assert rows[3] == (ox.NamedNode(f"{BASE}id/event/y"), None)
    assert terms.sparql_term(rows[1][0]) == "<nodeID://b10000>"


# -- the client -----------------------------------------------------------------------------------


def test_queries_are_form_posts_with_an_explicit_accept(endpoint):
    """Never a direct application/sparql-query POST (Virtuoso hangs), never without Accept;
    the dataset goes as protocol parameters (SPARQL 1.1 Protocol §2.1.4)."""
    store = remote.RemoteStore(endpoint.url)
    rows = list(store.query("SELECT ?s ?o WHERE { ?s ?p ?o }", default_graph=[ox.NamedNode(DATA)]))
    assert rows[0]["o"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    assert rows[0][ox.Variable("s")] == rows[0][0] == ox.NamedNode(f"{BASE}id/event/x")
    assert len(rows[0]) == 2
    sent = endpoint.requests[0]
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent["headers"]["Accept"] == "application/sparql-results+json"
    assert sent["form"]["default-graph-uri"] == [DATA]


def test_quads_for_pattern_pages_and_keeps_the_connection(endpoint):
    """Pages of ``page_size`` rows until a short one; one keep-alive connection for all."""
    pages = []

    def answer(request):
        query = request["form"]["query"][0]
        pages.append(query)
        count = 2 if len(pages) < 3 else 1
        bindings = [
            {
                "s": {"type": "uri", "value": f"{BASE}id/x/{len(pages)}-{i}"},
                "p": {"type": "uri", "value": f"{BASE}p"},
                "o": {"type": "literal", "value": "v"},
            }
            for i in range(count)
        ]
        body = {"head": {"vars": ["s", "p", "o"]}, "results": {"bindings": bindings}}
        return 200, remote.RESULTS_JSON, json.dumps(body)

    endpoint.answer = answer
    store = remote.RemoteStore(endpoint.url, page_size=2)
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(DATA)))
    assert len(quads) == 5 and all(q.graph_name == ox.NamedNode(DATA) for q in quads)
    assert [q.split("LIMIT")[1] for q in pages] == [" 2", " 2 OFFSET 2", " 2 OFFSET 4"]
    assert len({r["port"] for r in endpoint.requests}) == 1


def test_a_silent_endpoint_times_out(endpoint):
    endpoint.answer = lambda request: time.sleep(1.0) or (200, remote.RESULTS_JSON, "{}")
    store = remote.RemoteStore(endpoint.url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(client.RemoteTimeout):
        store.select("ASK {}")
    assert time.monotonic() - started < 1.2


def test_credentials_come_from_the_environment():
    environ = {
        client.ENV_USER: "reader",
        client.ENV_PASSWORD: "secret",
        remote.ENV_UPDATE_URL: "http://engine/update",
    }
    store = remote.RemoteStore.from_setting("sparql:http://engine/sparql", environ)
    assert store.query_url == "http://engine/sparql"
    assert store.update_url == "http://engine/update"
    assert store.auth == client.Credentials("reader", "secret")
    with pytest.raises(ValueError):
        remote.RemoteStore.from_setting("sparql:file:///etc/passwd", {})


# -- the endpoint over the remote store ----------------------------------------------------------


def job(query: str, result_format: str = "tsv", default=None, named=None) -> Job:
    return Job(
        query=query,
        base=BASE,
        default_graphs=[DATA] if default is None else default,
        named_graphs=named,
        result_format=result_format,
        rdf_format="turtle",
        row_cap=2,
        triple_cap=10,
    )


def store(endpoint) -> remote.RemoteStore:
    """The remote store as ``open_remote`` opens it: every graph of ours, the data as default."""
    return remote.RemoteStore(endpoint.url, scope=GRAPHS, default_graphs=[DATA])


def publication(endpoint) -> Publication:
    """A publication over the remote store, with what the endpoint reads of it."""
    return Publication(
        base=BASE,
        store=store(endpoint),
        data_graphs=(ox.NamedNode(DATA),),
        ontology_graph=ox.NamedNode(GRAPHS[1]),
        shapes_graph=ox.NamedNode(GRAPHS[2]),
        labels=LabelIndex({}, {}),
        validation=None,
        settings=Settings.resolve({"base": BASE}, {}),
    )


@pytest.mark.parametrize(
    ("fmt", "starts"),
    [
        ("tsv", '?s\t?o\n<http://localhost/id/event/x>\ttrue\n_:b10000\t"钓鱼岛"@zh-hans\n'),
        ("csv", "s,o\r\nhttp://localhost/id/event/x,true\r\n_:b10000,钓鱼岛\r\n"),
        (  # cut: the head links to the note on the cap
            "json",
            '{"head":{"vars":["s","o"],"link":["http://localhost/sparql#row-cap"]},'
            '"results":{"bindings":[{"s":{"type":"uri",',
        ),
    ],
)
def test_answers_are_rewritten_in_standard_form_with_the_row_cap(endpoint, fmt, starts):
    answer = execute(store(endpoint), job("SELECT ?s ?o WHERE { ?s ?p ?o }", fmt), 5)
    body = answer.body.decode("utf-8")
    assert body.startswith(starts)
    assert "typed-literal" not in body and "nodeID" not in body
    assert answer.truncated and answer.count == 2  # four rows, a cap of two


@pytest.mark.parametrize(
    ("request_", "sent_default", "sent_named"),
    [
        # no dataset in the request: the data graphs, and every graph of ours by name
        ({"query": "SELECT * { ?s ?p ?o }"}, [DATA], GRAPHS),
        # default-graph-uri without named-graph-uri: no named graph at all
        (
            {"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": DATA},
            [DATA],
            [remote.NO_GRAPH],
        ),
        # the query's own FROM / FROM NAMED: sent as checked, the rest empty
        ({"query": f"SELECT * FROM <{DATA}> {{ ?s ?p ?o }}"}, [DATA], [remote.NO_GRAPH]),
        (
            {"query": f"SELECT * FROM NAMED <{DATA}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            [remote.NO_GRAPH],
            [DATA],
        ),
    ],
)
def test_the_dataset_is_always_explicit(endpoint, request_, sent_default, sent_named):
    """Virtuoso opens every graph it holds to GRAPH ?g unless named graphs are given."""
    pub = publication(endpoint)
    parsed = read_get(urlencode(request_).encode(), 32768)
    _, planned = plan(pub, parsed, "text/tab-separated-values")
    run(pub, planned)
    form = endpoint.requests[-1]["form"]
    assert form["default-graph-uri"] == sent_default
    assert form["named-graph-uri"] == sent_named
    assert form["query"][0].startswith(f"BASE <{BASE}>\n")


def test_engine_failures_become_protocol_errors(endpoint):
    endpoint.answer = lambda request: (
        400,
        "text/plain",
        "Virtuoso 37000 Error SP030: SPARQL compiler, line 0: syntax error\n\n"
        "SPARQL query:\nSELECT * WHERE { ?s",
    )
    with pytest.raises(QuerySyntaxError) as refused:
        execute(store(endpoint), job("SELECT * WHERE { ?s ?p ?o }"), 5)
    assert "SP030" in refused.value.message and "SPARQL query" not in refused.value.message
    endpoint.answer = lambda request: time.sleep(1.0) or (200, remote.RESULTS_JSON, "{}")
    with pytest.raises(QueryTimeout):
        execute(store(endpoint), job("SELECT * WHERE { ?s ?p ?o }"), 0.3)


def test_an_engine_refusing_by_cost_estimate_is_a_query_timeout(endpoint):
    """Bug: Virtuoso's up-front refusal (estimated time over its limit) surfaced as a generic
    engine failure instead of the 503 a query past its deadline gets."""
    endpoint.answer = lambda request: (
        500,
        "text/plain",
        "Virtuoso 42000 Error The estimated execution time 2331445 (sec) exceeds the limit "
        "of 400 (sec).\n\nSPARQL query:\nSELECT ...",
    )
    with pytest.raises(QueryTimeout) as refused:
        execute(store(endpoint), job("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"), 5)
    assert "estimates" in refused.value.message
