"""Rate limiting of the SPARQL endpoint per client (setting ``sparql_rate_limit``), real servers.

With the limit at N requests a minute: the N+1th SPARQL request of a client gets 429 with
``Retry-After`` (RFC 6585 §4) and the documented error body; another client (another loopback
address) and the non-SPARQL paths are unaffected; ``X-Forwarded-For`` does not make a new
client, because the deployment trusts no proxy by default (setting ``trusted_proxies``; with
proxies: tests/test_proxy_rate_limit.py).
The limit is per client, not per worker process: with the deployment's several workers a client
still gets N, not N times the number of workers.
"""

from __future__ import annotations

import urllib.parse

import pytest
from hostile.support import XSS_DATA, error_problems, http_request, raw_request

from bench.servers import Server

pytestmark = pytest.mark.server

LIMIT = 5
QUERY = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})


def request(
    method: str, target: str, headers: dict | None = None, accept: str = "application/json"
) -> bytes:
    return http_request(method, target, {"Accept": accept, **(headers or {})})


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two servers with the limit, started in parallel: one worker, and two workers."""
    started = [
        Server.serving(
            tmp_path_factory.mktemp(f"rate{n}"),
            XSS_DATA,
            workers=n,
            precompute="false",
            sparql_rate_limit=LIMIT,
        )
        for n in (1, 2)
    ]
    try:
        yield [server.wait() for server in started]
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="module")
def one_worker(servers):
    return servers[0]


@pytest.fixture(scope="module")
def two_workers(servers):
    return servers[1]


def test_the_n_plus_first_request_gets_429(one_worker):
    port = one_worker.port
    statuses = [raw_request(port, request("GET", QUERY)).status for _ in range(LIMIT)]
    assert statuses == [200] * LIMIT
    refused = raw_request(port, request("GET", QUERY))
    assert refused.status == 429, refused.body[:300]
    retry = refused.headers.get("retry-after", "")
    assert retry.isdigit() and 1 <= int(retry) <= 60, f"Retry-After {retry!r}"
    assert not error_problems(429, refused.content_type, refused.body)
    assert b"SPARQL" in refused.body
    # Every transport and every SPARQL request counts: POST is refused too.
    post = raw_request(
        port,
        request(
            "POST", "/sparql", {"Content-Type": "application/sparql-query", "Content-Length": "4"}
        )
        + b"ASK{",
    )
    assert post.status == 429


def test_forwarded_for_is_not_another_client(one_worker):
    """The deployment trusts no proxy: a client cannot reset its budget with a header."""
    port = one_worker.port
    for _ in range(LIMIT + 1):
        raw_request(port, request("GET", QUERY))
    for header in (
        {"X-Forwarded-For": "203.0.113.7"},
        {"X-Real-IP": "203.0.113.8"},
        {"Forwarded": "for=203.0.113.9"},
    ):
        assert raw_request(port, request("GET", QUERY, header)).status == 429, header


def test_other_clients_and_paths_are_unaffected(one_worker):
    port = one_worker.port
    for _ in range(LIMIT + 1):
        raw_request(port, request("GET", QUERY))
    assert raw_request(port, request("GET", QUERY)).status == 429
    for target in (
        "/doc/actor/mallory.ttl",
        "/search?q=mallory",
        "/",
        "/robots.txt",
        "/.well-known/void",
        "/id/actor/mallory",
    ):
        status = raw_request(port, request("GET", target, accept="*/*")).status
        assert status in (200, 303), f"{target}: {status}"
    other = raw_request(port, request("GET", QUERY), source="127.0.0.2")
    assert other.status == 200, "a second client (127.0.0.2) is limited by the first"


def test_the_limit_is_per_client_not_per_worker(two_workers):
    """N a minute per client address in the gunicorn deployment (two workers here)."""
    port = two_workers.port
    statuses = [raw_request(port, request("GET", QUERY)).status for _ in range(4 * LIMIT)]
    assert statuses.count(200) == LIMIT, (
        f"{statuses.count(200)} of {len(statuses)} requests answered with a limit of {LIMIT} "
        f"a minute: {statuses}"
    )
    assert set(statuses) == {200, 429}
