"""Queries that crash or exhaust the SPARQL engine, against a real gunicorn server (issue 15 §1).

Contract: each query of tests/hostile/engine.toml gets its documented status in the documented
error shape: 400 naming the limit and its setting when it nests or chains past the structural
limits (refused before anything runs), 400 "Query Crashed the Engine" when, with the limits
lifted, it kills its query process; and the server heals: the ordinary queries sent after each
one, several at once so that every query process of a worker is used, all answer 200.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from hostile.support import XSS_DATA, corpus, error_problems, shared_server

from bench.servers import Server

pytestmark = pytest.mark.server

CASES = corpus("engine.toml")["query"]
#: Queries the query processes answer (no fixed subject or object: never answered inline).
ORDINARY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 5",
    "ASK { ?s a ?type }",
]
JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def default_server(request, tmp_path_factory) -> Server:
    return shared_server(request, tmp_path_factory)


@pytest.fixture(scope="module")
def lifted_server(tmp_path_factory):
    """The same data, with the structural and length limits lifted: queries reach the engine."""
    server = Server.serving(
        tmp_path_factory.mktemp("lifted"),
        XSS_DATA,
        precompute="false",
        sparql_max_nesting=10**7,
        sparql_max_chain=10**7,
        sparql_max_query_length=4 * 2**20,
        sparql_max_body=4 * 2**20,
        sparql_timeout=30,
    ).wait()
    yield server
    server.stop()


def query_of(case: dict) -> str:
    return (
        case.get("head", "")
        + case["open"] * case["times"]
        + case.get("core", "")
        + case.get("close", "") * case["times"]
        + case.get("tail", "")
    )


def send(server: Server, query: str, method: str = "GET") -> requests.Response:
    headers = {"Accept": JSON_RESULTS}
    if method == "POST":
        headers["Content-Type"] = "application/sparql-query"
        return requests.post(
            server.base + "sparql", data=query.encode(), headers=headers, timeout=120
        )
    return requests.get(
        server.base + "sparql", params={"query": query}, headers=headers, timeout=120
    )


def heals(server: Server, rounds: int = 4) -> None:
    """Ordinary queries, eight at a time, all answer 200."""
    queries = ORDINARY * rounds * 2
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda query: send(server, query).status_code, queries))
    assert statuses == [200] * len(queries), statuses


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_engine_crash_input(case, request):
    server = request.getfixturevalue(f"{case.get('server', 'default')}_server")
    response = send(server, query_of(case), case.get("method", "GET"))
    body = response.text
    assert response.status_code == case["status"], body[:500]
    for words in case.get("message", []):
        assert words in body, (words, body[:500])
    if response.status_code >= 400:
        content_type = response.headers.get("Content-Type", "")
        assert not error_problems(response.status_code, content_type, response.content)
    heals(server)
    assert server.process.poll() is None
    log = server.output()
    assert "Traceback" not in log, log[-3000:]
    if "SIGSEGV" in case.get("message", []):
        assert "killed by SIGSEGV while running a query; it has been replaced" in log
