"""The SPARQL endpoint over HTTP, against a real gunicorn server process.

The server publishes ``tests/data/sparql/dataset.trig`` (see ``serve.py`` there) with a 2 s query
timeout and small caps. Covered here: the protocol rules, the W3C SPARQL 1.1 Protocol manifest
(driven from ``tests/data/w3c/sparql11-protocol/manifest.ttl``), SSRF refusals watched by a loopback
listener, the timeout (a runaway query stopped while others are answered), caps, and real clients
(SPARQLWrapper, rdflib's SPARQLStore, Comunica).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from helpers import sparql_app
from hostile.support import Listener
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "tests" / "clients"
MANIFEST = ROOT / "tests" / "data" / "w3c" / "sparql11-protocol" / "manifest.ttl"
TIMEOUT = 2.0
CONFIG = {
    "sparql_timeout": TIMEOUT,
    "sparql_row_cap": 5,
    "sparql_triple_cap": 7,
    "sparql_workers": 2,
    "sparql_max_query_length": 2000,
    "sparql_max_body": 4000,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn, 2 preloaded gthread workers, on a free loopback port; yields the base IRI."""
    process = sparql_app(tmp_path_factory.mktemp("gunicorn"), CONFIG)
    try:
        yield process.wait(timeout=30).base
    finally:
        process.stop()


def endpoint(base: str) -> str:
    return base + "sparql"


# -- protocol rules ------------------------------------------------------------------------------

SELECT = "SELECT ?s WHERE { ?s a <ontology#Claim> } ORDER BY ?s"


@pytest.mark.parametrize(
    "method, params, data, headers, status, content_type",
    [
        ("GET", {"query": SELECT}, None, {}, 200, "application/sparql-results+json"),
        ("POST", None, {"query": SELECT}, {}, 200, "application/sparql-results+json"),
        (
            "POST",
            None,
            SELECT,
            {"Content-Type": "application/sparql-query"},
            200,
            "application/sparql-results+json",
        ),
        ("GET", [("query", SELECT), ("query", SELECT)], None, {}, 400, "application/json"),
        ("POST", None, SELECT, {"Content-Type": "text/plain"}, 415, "application/json"),
        ("POST", None, SELECT.encode(), {"Content-Type": ""}, 415, "application/json"),
        (
            "POST",
            None,
            SELECT,
            {"Content-Type": "application/sparql-query; charset=UTF-16"},
            415,
            "application/json",
        ),
        ("PUT", {"query": SELECT}, None, {}, 405, "application/json"),
        ("DELETE", {"query": SELECT}, None, {}, 405, "application/json"),
        ("GET", {"query": SELECT}, None, {"Accept": "image/png"}, 406, "application/json"),
        ("GET", {"query": SELECT, "format": "yaml"}, None, {}, 406, "application/json"),
        ("GET", {"query": "SELECT * WHERE { ?s ?p "}, None, {}, 400, "application/json"),
        ("GET", {"update": "CLEAR ALL"}, None, {}, 403, "application/json"),
        ("POST", None, {"update": "CLEAR ALL"}, {}, 403, "application/json"),
        (
            "POST",
            None,
            "CLEAR ALL",
            {"Content-Type": "application/sparql-update"},
            403,
            "application/json",
        ),
        ("GET", {"query": "INSERT DATA { <a> <b> <c> }"}, None, {}, 403, "application/json"),
        (
            "GET",
            {"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 3000},
            None,
            {},
            414,
            "application/json",
        ),
        (
            "POST",
            None,
            {"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 2500},
            {},
            413,
            "application/json",
        ),
        (
            "POST",
            None,
            "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000,
            {"Content-Type": "application/sparql-query"},
            413,
            "application/json",
        ),
        ("GET", {"query": SELECT, "format": "csv"}, None, {}, 200, "text/csv; charset=utf-8"),
        (
            "GET",
            {"query": SELECT, "format": "tsv"},
            None,
            {},
            200,
            "text/tab-separated-values; charset=utf-8",
        ),
        (
            "GET",
            {"query": SELECT, "format": "xml"},
            None,
            {},
            200,
            "application/sparql-results+xml",
        ),
        ("GET", {"query": SELECT}, None, {"Accept": "text/csv"}, 200, "text/csv; charset=utf-8"),
        (
            "GET",
            {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"},
            None,
            {"Accept": "application/ld+json"},
            200,
            "application/ld+json",
        ),
        (
            "GET",
            {"query": "DESCRIBE <id/actor/china>"},
            None,
            {},
            200,
            "text/turtle; charset=utf-8",
        ),
        ("GET", {}, None, {"Accept": "text/turtle"}, 200, "text/turtle; charset=utf-8"),
        (
            "GET",
            {},
            None,
            {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
            200,
            "text/html; charset=utf-8",
        ),
    ],
)
def test_protocol_rule(server, method, params, data, headers, status, content_type):
    """SPARQL 1.1 Protocol §2.1 operations, errors and negotiation, over real HTTP."""
    response = requests.request(
        method, endpoint(server), params=params, data=data, headers=headers, timeout=10
    )
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == content_type
    if status == 405:
        assert "POST" in response.headers["Allow"]
    if status >= 400:
        assert response.json()["error"]["message"]
    else:
        assert "Accept" in response.headers["Vary"]


def test_malformed_query_message_has_position(server):
    response = requests.get(endpoint(server), params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    assert "1:" in response.json()["error"]["message"]


def test_service_description(server):
    response = requests.get(endpoint(server), headers={"Accept": "text/turtle"}, timeout=10)
    described = Graph().parse(data=response.text, format="turtle")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = URIRef(endpoint(server))
    assert (service, sd.endpoint, service) in described
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in described
    names = set(described.objects(None, sd.name))
    assert URIRef(server + "graph/ontology") in names
    assert URIRef(server + "graph/sample") in names


def test_row_cap_is_flagged(server):
    response = requests.get(endpoint(server), params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.headers["X-Policygraph-Truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == CONFIG["sparql_row_cap"]
    small = requests.get(endpoint(server), params={"query": SELECT})
    assert small.headers["X-Policygraph-Truncated"] == "false"


def test_triple_cap_is_flagged(server):
    response = requests.get(
        endpoint(server),
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.headers["X-Policygraph-Truncated"] == "true"
    assert len(response.text.strip().splitlines()) == CONFIG["sparql_triple_cap"]


def test_html_results_note_when_capped(server):
    response = requests.get(
        endpoint(server),
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 200
    assert 'id="truncated"' in response.text


def test_html_results_without_javascript(server):
    """A plain form POST (what a browser without JavaScript sends) gets an HTML table."""
    response = requests.post(endpoint(server), data={"query": SELECT, "format": "html"})
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Xinhua: a controlling hand" in response.text  # an IRI shown by its label
    assert f'href="{server}doc/claim/controlling-hand' in response.text


def test_default_graph_is_union_of_data_graphs(server):
    """The ontology and shapes graphs are not in the default graph, but are queryable by name."""
    ask = "ASK { <ontology#Claim> a ?class }"
    assert requests.get(endpoint(server), params={"query": ask}).json()["boolean"] is False
    named = "ASK { GRAPH <graph/ontology> { <ontology#Claim> a ?class } }"
    assert requests.get(endpoint(server), params={"query": named}).json()["boolean"] is True
    both = "ASK FROM <graph/ontology> { <ontology#Claim> a ?class }"
    assert requests.get(endpoint(server), params={"query": both}).json()["boolean"] is True


def test_language_tags_need_langmatches(server):
    """pyoxigraph lower-cases tags: lang(?l) = "zh-Hans" finds nothing, langMatches finds all."""
    strict = (
        "SELECT ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        'FILTER(lang(?l) = "zh-Hans") }'
    )
    matched = strict.replace('lang(?l) = "zh-Hans"', 'langMatches(lang(?l), "zh-Hans")')
    assert (
        requests.get(endpoint(server), params={"query": strict}).json()["results"]["bindings"] == []
    )
    assert (
        len(requests.get(endpoint(server), params={"query": matched}).json()["results"]["bindings"])
        == 3
    )


def test_rate_limit_off_by_default(server):
    for _ in range(5):
        assert requests.get(endpoint(server), params={"query": "ASK {}"}).status_code == 200


# -- SSRF ----------------------------------------------------------------------------------------


@pytest.fixture
def listener():
    """A TCP listener on loopback that records every connection it accepts."""
    listening = Listener()
    yield listening.port, listening.connections
    listening.close()


def hostile_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE <{url.replace('http', 'HTTP')}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <https://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
        f"PREFIX evil: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE evil:sparql {{ ?s ?p ?o }} }}",  # noqa: E501
        f"SELECT * WHERE {{ # comment }}\n SERVICE # more\n <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ SERVICE ?x {{ ?s ?p ?o }} }} VALUES ?x {{ <{url}> }} }}",
        r"SELECT * WHERE { \u0053ERVICE <" + url + "> { ?s ?p ?o } }",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        f"PREFIX evil: <http://127.0.0.1:{port}/> SELECT * FROM evil:data WHERE {{ ?s ?p ?o }}",
        f"BASE <http://127.0.0.1:{port}/> SELECT * FROM <graph/sample> WHERE {{ ?s ?p ?o }}",
        f"select * from # hidden\n <{url}> where {{ ?s ?p ?o }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"LOAD <{url}>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_ssrf_refused_and_nothing_connects(server, listener):
    """Every SERVICE / FROM / LOAD variant is refused before execution; nobody calls out."""
    port, seen = listener
    for query in hostile_queries(port):
        for send in (
            lambda q: requests.get(endpoint(server), params={"query": q}, timeout=10),
            lambda q: requests.post(
                endpoint(server),
                data=q.encode(),
                timeout=10,
                headers={"Content-Type": "application/sparql-query"},
            ),
        ):
            response = send(query)
            assert response.status_code in (400, 403), (query, response.text)
    for params in (
        {"query": "ASK {}", "default-graph-uri": f"http://127.0.0.1:{port}/g"},
        {"query": "ASK {}", "named-graph-uri": "file:///etc/passwd"},
    ):
        response = requests.get(endpoint(server), params=params, timeout=10)
        assert response.status_code == 400
        assert "graphs of this dataset" in response.json()["error"]["message"]
    time.sleep(0.5)
    assert seen == []


def test_service_word_in_a_string_is_not_refused(server):
    query = 'SELECT * WHERE { ?s ?p ?o FILTER(?o = "SERVICE <http://127.0.0.1:9/> {}") }'
    assert requests.get(endpoint(server), params={"query": query}).status_code == 200


# -- timeout -------------------------------------------------------------------------------------

EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
)


def test_timeout_stops_runaway_while_others_are_served(server):
    """An explosive query gets 503 within timeout + 1 s; a concurrent simple one still answers."""
    outcome = {}

    def runaway():
        started = time.monotonic()
        response = requests.get(endpoint(server), params={"query": EXPLOSIVE}, timeout=30)
        outcome["elapsed"] = time.monotonic() - started
        outcome["response"] = response

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = requests.get(endpoint(server), params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert time.monotonic() - started < TIMEOUT
    thread.join()
    assert outcome["response"].status_code == 503
    assert "limit" in outcome["response"].json()["error"]["message"]
    assert outcome["elapsed"] < TIMEOUT + 1
    # and the endpoint still answers afterwards (the child was replaced)
    again = requests.get(endpoint(server), params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert again.status_code == 200


# -- the W3C SPARQL 1.1 Protocol manifest --------------------------------------------------------

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
W3C_DATA = "http://kasei.us/2009/09/sparql/data/"

#: Tests that do not apply to a read-only publisher, and why.
SKIPPED = {
    "update_dataset_default_graph": "SPARQL Update (using-graph-uri): the endpoint is read-only",
    "update_dataset_default_graphs": "SPARQL Update (using-graph-uri): the endpoint is read-only",
    "update_dataset_named_graphs": "SPARQL Update (using-named-graph-uri): read-only",
    "update_dataset_full": "SPARQL Update with a protocol dataset: read-only",
    "update_post_form": "SPARQL Update via form POST: read-only (403: test_protocol_rule)",
    "update_post_direct": "SPARQL Update via direct POST: read-only (403: test_protocol_rule)",
    "update_base_uri": "SPARQL Update (CLEAR/INSERT) then ASK: read-only",
    "bad_update_dataset_conflict": "SPARQL Update with USING and using-named-graph-uri: read-only",
}
#: Update requests the manifest expects a 4xx for: we answer them 4xx too (403), so they run.


def manifest_tests() -> list[tuple[str, list]]:
    manifest = Graph().parse(MANIFEST, format="turtle", publicID=str(MANIFEST.parent) + "/")
    root = next(manifest.subjects(MF.entries, None))
    entries = Collection(manifest, next(manifest.objects(root, MF.entries)))
    tests = []
    for test in entries:
        name = str(test).rsplit("#", 1)[-1]
        action = next(manifest.objects(test, MF.action))
        requests_list = Collection(manifest, next(manifest.objects(action, HT.requests)))
        tests.append((name, [describe_request(manifest, node) for node in requests_list]))
    return tests


def describe_request(manifest: Graph, node) -> dict:
    headers = {}
    for header_list in manifest.objects(node, HT.headers):
        for header in Collection(manifest, header_list):
            headers[str(manifest.value(header, HT.fieldName))] = str(
                manifest.value(header, HT.fieldValue)
            )
    body_node = manifest.value(node, HT.body)
    response = manifest.value(node, HT.resp)
    return {
        "method": str(manifest.value(node, HT.methodName)),
        "path": str(manifest.value(node, HT.absolutePath)),
        "headers": headers,
        "body": None if body_node is None else str(manifest.value(body_node, CNT.chars)),
        "statuses": {
            str(s).rsplit("#", 1)[-1] for s in manifest.objects(response, MF.expectedStatus)
        },
        "format": manifest.value(response, MF.expectedFormat),
        "boolean": manifest.value(response, MF.expectedBoolean),
    }


def to_our_graphs(text: str, base: str) -> str:
    """The manifest's remote graphs data1..3 are our graphs ``w3c-data1..3``; data0 is dropped.

    Our rule: protocol dataset parameters may only name graphs of this dataset. The tests'
    ``data0.rdf`` default graph (used only to exercise the parameter) is removed, and
    ``data1..3.rdf`` — whose triples the test loads — are published as our named graphs.
    """
    for number in (1, 2, 3):
        remote = f"{W3C_DATA}data{number}.rdf"
        ours = f"{base}graph/w3c-data{number}"
        for old, new in (
            (remote, ours),
            (urllib.parse.quote(remote, safe=""), urllib.parse.quote(ours, safe="")),
        ):
            text = text.replace(f"default-graph-uri={old}", f"default-graph-uri={new}")
            text = text.replace(f"named-graph-uri={old}", f"named-graph-uri={new}")
            text = text.replace(f"FROM <{old}>", f"FROM <{new}>")
    data0 = urllib.parse.quote(f"{W3C_DATA}data0.rdf", safe="")
    text = text.replace(f"&default-graph-uri={data0}", "").replace(
        f"?default-graph-uri={data0}", "?"
    )
    return text.replace("?&", "?")


MANIFEST_TESTS = manifest_tests()


@pytest.mark.parametrize("name, steps", MANIFEST_TESTS, ids=[n for n, _ in MANIFEST_TESTS])
def test_w3c_protocol(server, name, steps):
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    for step in steps:
        path = to_our_graphs(step["path"], server)
        assert path.startswith("/sparql/")
        url = endpoint(server) + path[len("/sparql/") :]
        body = step["body"]
        if body is not None:
            body = to_our_graphs(body, server)
            charset = step["headers"].get("content-type", "").lower()
            body = body.encode("utf-16" if "utf-16" in charset else "utf-8")
        headers = dict(step["headers"])
        if body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = ""  # the test sends no media type: requests must not add one
        response = requests.request(step["method"], url, data=body, headers=headers, timeout=10)
        expected = {
            "StatusCode2xx": range(200, 300),
            "StatusCode3xx": range(300, 400),
            "StatusCode4xx": range(400, 500),
        }
        assert any(response.status_code in expected[s] for s in step["statuses"]), (
            response.status_code,
            response.text,
        )
        if step["format"] is not None and response.ok:
            kind = response.headers["Content-Type"].split(";")[0]
            allowed = {
                "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
                "tabular": {
                    "application/sparql-results+json",
                    "application/sparql-results+xml",
                    "text/csv",
                    "text/tab-separated-values",
                },
                "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
            }[str(step["format"])]
            assert kind in allowed
        if step["boolean"] is not None and response.ok:
            assert response.json()["boolean"] is step["boolean"].toPython()


def test_w3c_remote_default_graph_is_refused(server):
    """What the manifest's data0.rdf default-graph-uri gets here: a 400 naming our graphs."""
    response = requests.get(
        endpoint(server), params={"query": "ASK {}", "default-graph-uri": W3C_DATA + "data0.rdf"}
    )
    assert response.status_code == 400
    assert "graph/sample" in response.json()["error"]["message"]


# -- real clients --------------------------------------------------------------------------------


@pytest.mark.parametrize("return_format", ["json", "xml", "csv"])
def test_sparqlwrapper_select(server, return_format):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(endpoint(server))
    client.setQuery(SELECT)
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if return_format == "json":
        values = [row["s"]["value"] for row in result["results"]["bindings"]]
    elif return_format == "xml":
        values = [node.firstChild.data for node in result.getElementsByTagName("uri")]
    else:
        values = (result.decode() if isinstance(result, bytes) else result).split()[1:]
    assert values == [server + "id/claim/controlling-hand", server + "id/claim/pivot"]


@pytest.mark.parametrize("return_format", ["json", "xml"])
def test_sparqlwrapper_ask(server, return_format):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(endpoint(server))
    client.setQuery("ASK { ?s a <ontology#Claim> }")
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if return_format == "json":
        assert result["boolean"] is True
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("return_format", ["turtle", "xml", "json-ld", "n3"])
def test_sparqlwrapper_construct(server, return_format):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(endpoint(server))
    client.setQuery(f"CONSTRUCT WHERE {{ <{server}id/actor/china> ?p ?o }}")
    client.setReturnFormat(return_format)
    result = client.query().convert()
    if not isinstance(result, Graph):
        fmt = {"turtle": "turtle", "n3": "turtle", "json-ld": "json-ld"}[return_format]
        result = Graph().parse(data=result, format=fmt)
    assert len(result) == 7


def test_rdflib_sparqlstore(server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(endpoint(server), returnFormat="xml")
    graph = Graph(store)
    rows = list(graph.query(SELECT))
    assert [str(row[0]) for row in rows] == [
        server + "id/claim/controlling-hand",
        server + "id/claim/pivot",
    ]
    assert bool(graph.query("ASK { ?s a <ontology#Claim> }").askAnswer) is True


def test_comunica(server):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (Comunica needs node 20)")
    if not (CLIENTS / "node_modules" / "@comunica" / "query-sparql").is_dir():
        pytest.skip("Comunica is not installed: run `npm install --prefix tests/clients`")
    script = CLIENTS / "comunica-query.js"
    env = dict(os.environ, NODE_PATH=str(CLIENTS / "node_modules"))
    query = f"SELECT ?s WHERE {{ ?s a <{server}ontology#Claim> }} ORDER BY ?s"
    done = subprocess.run(
        [node, str(script), endpoint(server), query],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=CLIENTS,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        server + "id/claim/controlling-hand",
        server + "id/claim/pivot",
    ]
