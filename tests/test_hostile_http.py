"""Malformed HTTP over raw sockets against a real gunicorn server (issue 6, Hostile input).

Absurd Accept headers, 100 KB headers, invalid UTF-8 and percent-encoding, NUL bytes, path
traversal, huge ``q=`` lists and wrong methods on every endpoint (corpus: tests/hostile/http.toml,
plus generated giants here): each is answered with the right 4xx and a clear message in the
documented error shape (server/errors.py), never a 5xx, and the server keeps serving.
"""

from __future__ import annotations

import urllib.parse

import pytest
import requests
from hostile.support import corpus, error_problems, http_request, raw_request, shared_server

pytestmark = pytest.mark.server

CORPUS = corpus("http.toml")
READ_ONLY_METHODS = {"GET", "HEAD", "POST", "OPTIONS"}

#: Every route of the publisher, with one real target each.
ENDPOINTS = [
    "/",
    "/id/actor/mallory",
    "/doc/actor/mallory",
    "/doc/actor/mallory.ttl",
    "/search?q=mallory",
    "/sparql",
    "/sparql?query=ASK%7B%7D",
    "/ontology",
    "/ontology.ttl",
    "/shapes",
    "/dataset",
    "/.well-known/void",
    "/validation",
    "/graph/hostile-essay",
    "/context.jsonld",
    "/sitemap.xml",
    "/robots.txt",
    "/dumps/nothing.nq.gz",
    "/static/style.css",
    "/no/such/route",
]
WRONG_METHODS = ["PUT", "DELETE", "PATCH", "TRACE", "FROBNICATE", "M-SEARCH", "PROPFIND"]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    return shared_server(request, tmp_path_factory)


def check(response, expected: list[int], *, shape: bool = True, never=()) -> None:
    assert response.status in expected, (
        f"{response.status} {response.reason}: {response.body[:300]!r}"
    )
    assert response.status < 500
    text = response.body.decode("utf-8", "replace")
    for secret in never:
        assert secret not in text, f"the response leaks {secret!r}"
    if response.status >= 400:
        assert response.body.strip(), "an error without a message"
        if shape:
            problems = error_problems(response.status, response.content_type, response.body)
            assert not problems, problems


def still_serving(server) -> None:
    assert server.process.poll() is None, "the server process died"
    assert requests.get(server.base + "robots.txt", timeout=10).status_code == 200


def corpus_request(case: dict) -> bytes:
    """The bytes of one ``[[request]]`` of tests/hostile/http.toml."""
    return http_request(
        case.get("method", "GET"),
        case["target"],
        case.get("headers"),
        case.get("body", "").encode("latin-1"),
        case.get("version", "HTTP/1.1"),
    )


@pytest.mark.parametrize("case", CORPUS["request"], ids=[c["name"] for c in CORPUS["request"]])
def test_malformed_request(server, case):
    """Each corpus request: an expected status (never 5xx), a message, no leaked file content."""
    response = raw_request(server.port, corpus_request(case))
    check(response, case["status"], shape=not case.get("frame"), never=case.get("never", ()))


def giant_requests():
    accept_10k = ", ".join(f"application/x-type-{i};q=0.{i % 1000:03d}" for i in range(10_000))
    accept_300 = ", ".join(f"a{i}/b{i};q=0.{i % 10}" for i in range(300))  # ~5 KB, within limits
    many_q = "&".join(f"q={i}" for i in range(600))  # ~3.6 KB query string
    huge_q = "&".join(f"q={i}" for i in range(5000))
    return [
        pytest.param(
            "GET",
            "/doc/actor/mallory",
            {"X-Padding": "a" * 100_000},
            [431, 400],
            True,
            id="header-100kb",
        ),
        pytest.param(
            "GET",
            "/doc/actor/mallory",
            {"Accept": accept_10k},
            [431, 400],
            True,
            id="accept-10k-media-ranges",
        ),
        pytest.param(
            "GET",
            "/doc/actor/mallory",
            {"Accept": accept_300},
            [406],
            False,
            id="accept-300-unknown-media-ranges",
        ),
        pytest.param(
            "GET",
            "/doc/actor/mallory",
            {"Accept": accept_300 + ", text/turtle;q=0.95"},
            [200],
            False,
            id="accept-300-ranges-and-turtle",
        ),
        pytest.param(
            "GET",
            "/",
            {f"X-Header-{i}": "1" for i in range(300)},
            [431, 400],
            True,
            id="three-hundred-headers",
        ),
        pytest.param("GET", "/search?" + many_q, {}, [200, 400], False, id="search-600-q"),
        pytest.param(
            "GET", "/search?q=" + "a" * 3000, {}, [200, 400, 414], False, id="search-q-3kb"
        ),
        pytest.param("GET", "/search?" + huge_q, {}, [414], True, id="search-5000-q"),
        # 60 KB encoded, 20 KB decoded: within sparql_max_query_length, so it is read; a
        # comment-only text is the empty SPARQL Update (SPARQL 1.1 Update §19.8 grammar), which
        # this read-only endpoint refuses with 403. 40 KB decoded is too long: 414.
        pytest.param(
            "GET", "/sparql?query=" + "%23" * 20_000, {}, [403], True, id="sparql-get-60kb"
        ),
        pytest.param(
            "GET", "/sparql?query=" + "%23" * 40_000, {}, [414], True, id="sparql-get-120kb"
        ),
        pytest.param("GET", "/doc/actor/" + "a" * 100_000, {}, [414], True, id="path-100kb"),
    ]


@pytest.mark.parametrize("method, target, headers, status, frame", giant_requests())
def test_giant_request(server, method, target, headers, status, frame):
    """Oversized headers, Accept lists, query strings and paths: 4xx (413/414/431), not 5xx."""
    response = raw_request(server.port, http_request(method, target, headers))
    check(response, status, shape=not frame)
    still_serving(server)


@pytest.mark.parametrize("target", ENDPOINTS)
@pytest.mark.parametrize("method", WRONG_METHODS)
def test_wrong_method(server, method, target):
    """RFC 9110 §15.5.6: 405 with an ``Allow`` that lists only read-only methods, never the
    refused one (a made-up method may also get 501, §15.6.2); the documented error shape."""
    body = b"<x/>" if method in ("PUT", "PATCH", "PROPFIND") else b""
    response = raw_request(server.port, http_request(method, target, {}, body))
    check(response, [404, 405, 501] if target == "/no/such/route" else [405, 501])
    if response.status == 405:
        allowed = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
        assert allowed, "405 without Allow"
        assert method not in allowed, f"Allow {allowed} lists the refused {method}"
        assert allowed <= READ_ONLY_METHODS, f"Allow {allowed} on a read-only publisher"


@pytest.mark.parametrize("target", ["/", "/doc/actor/mallory", "/sparql"])
def test_lower_case_method(server, target):
    """Methods are case-sensitive (RFC 9110 §9.1): ``get`` is not GET; a 4xx/501, never a 500."""
    response = raw_request(server.port, http_request("get", target))
    check(response, [400, 405, 501], shape=False)


def test_get_query_within_the_configured_length_is_answered(server):
    """``sparql_max_query_length`` (default 32768 bytes) is the documented GET limit: a 10 KB
    query by GET reaches the endpoint and is answered, not cut by a smaller front-end limit."""
    query = "ASK {}\n" + "# padding to make a long query\n" * 320
    target = "/sparql?" + urllib.parse.urlencode({"query": query})
    assert 9_000 < len(target) < 32_768
    response = raw_request(server.port, http_request("GET", target, {"Accept": "application/json"}))
    check(response, [200], shape=False)


def test_post_body_over_the_limit_is_413(server):
    """``sparql_max_body`` (default 65536 bytes): a larger body is refused with 413 (RFC 9110
    §15.5.14) in the documented shape, whether or not its length was declared up front."""
    body = b"ASK {}\n" + b"#" * 70_000
    response = raw_request(
        server.port,
        http_request(
            "POST",
            "/sparql",
            {"Content-Type": "application/sparql-query", "Accept": "application/json"},
            body,
        ),
    )
    check(response, [413])
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    response = raw_request(
        server.port,
        http_request(
            "POST",
            "/sparql",
            {
                "Content-Type": "application/sparql-query",
                "Accept": "application/json",
                "Transfer-Encoding": "chunked",
            },
            chunked,
        ),
    )
    check(response, [413])


def test_errors_before_the_app_use_the_documented_shape(server):
    """DESIGN.md: one error shape. Requests gunicorn refuses before the app (bad request line,
    header limits, URI too long) must still get the documented body (JSON by default)."""
    cases = [c for c in CORPUS["request"] if c.get("frame")]
    data = [corpus_request(c) for c in cases]
    names = [c["name"] for c in cases]
    for param in giant_requests():
        method, target, headers, _status, frame = param.values
        if frame:
            data.append(http_request(method, target, headers))
            names.append(param.id)
    wrong = {}
    for name, request in zip(names, data, strict=True):
        response = raw_request(server.port, request)
        if response.status >= 400:
            problems = error_problems(response.status, response.content_type, response.body)
            if problems:
                wrong[name] = f"{response.status} {response.content_type}: {problems[0][:160]}"
    assert not wrong, "errors not in the documented shape:\n" + "\n".join(
        f"  {name}: {problem}" for name, problem in wrong.items()
    )


def test_still_serving_after_the_corpus(server):
    """After everything above, the same process answers normally."""
    still_serving(server)
    page = requests.get(
        server.base + "doc/actor/mallory", headers={"Accept": "text/turtle"}, timeout=10
    )
    assert page.status_code == 200 and "mallory" in page.text
