"""The publisher as a real server process (gunicorn, forked workers) answering real HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers import BROWSER, HERE, PREFLIGHT
from rdflib import Graph

from bench.servers import Server

pytestmark = pytest.mark.server


def test_startup_prints_base_triples_endpoints_and_time(live_server):
    output = live_server.output()
    assert f"base IRI {live_server.base}" in output
    assert " triples in " in output and "loaded in " in output
    assert f"{live_server.base}sparql" in output


@pytest.mark.parametrize(
    ("path", "accept", "status", "content_type", "location"),
    [
        ("id/actor/china", "text/turtle", 303, None, "doc/actor/china"),
        ("doc/actor/china", "text/turtle", 200, "text/turtle", None),
        ("doc/actor/china", BROWSER, 200, "text/html", None),
        ("doc/actor/china", "application/ld+json", 200, "application/ld+json", None),
        ("doc/actor/china", "image/png", 406, "application/json", None),
        ("doc/actor/china.rdf", None, 200, "application/rdf+xml", None),
        (".well-known/void", None, 303, None, "dataset"),
        ("dataset", "application/n-quads", 200, "application/n-quads", None),
        ("dumps/policygraph.nq.gz", None, 200, "application/gzip", None),
        ("id/actor/unknown", BROWSER, 404, "text/html", None),
    ],
)
def test_http_table(live_server, path, accept, status, content_type, location):
    response = requests.get(
        live_server.base + path,
        allow_redirects=False,
        timeout=10,
        headers={"Accept": accept} if accept else {},
    )
    assert response.status_code == status
    if content_type:
        assert response.headers["Content-Type"].split(";")[0] == content_type
    if location:
        assert response.headers["Location"] == live_server.base + location


def test_dereference_follows_to_turtle_about_the_thing(live_server):
    response = requests.get(
        live_server.base + "id/actor/china", timeout=10, headers={"Accept": "text/turtle"}
    )
    assert response.url == live_server.base + "doc/actor/china"
    graph = Graph().parse(data=response.content, format="turtle")
    assert len(graph) > 5
    assert all(str(s).startswith(live_server.base) for s in graph.subjects())


def test_conditional_get_and_head(live_server):
    url = live_server.base + "doc/actor/china.ttl"
    first = requests.get(url, timeout=10)
    again = requests.get(url, timeout=10, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    head = requests.head(url, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == first.headers["ETag"]


def test_cors_preflight(live_server):
    response = requests.options(live_server.base + "doc/actor/china", timeout=10, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response.headers["Access-Control-Allow-Headers"]


def test_workers_answer_concurrent_requests_identically(live_server):
    """Forked workers share one publication: the same bytes and ETag from every worker."""
    url = live_server.base + "doc/actor/china.jsonld"
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: requests.get(url, timeout=10), range(40)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.headers["ETag"] for r in responses}) == 1
    assert len({r.content for r in responses}) == 1


def test_server_refuses_to_start_on_invalid_data(tmp_path):
    """A Violation stops startup, with the report."""
    invalid = HERE / "data" / "invalid"
    if not invalid.is_dir():
        pytest.skip("no invalid fixture folder")
    folders = [p for p in invalid.iterdir() if p.is_dir()]
    server = Server.serving(tmp_path, folders[0])
    try:
        server.process.wait(timeout=120)
        assert server.process.returncode != 0
        assert "Violation" in server.output() or "conform" in server.output()
    finally:
        server.stop()
