"""The WSGI fast paths for /doc/… and SPARQL GET answer exactly what Flask's path answers."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from helpers import BASE, TINY
from werkzeug.test import Client

from server.app import create_app
from server.errors import PolicygraphError
from server.views.fastpath import FastPath

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CASES = [
    ("/doc/actor/china", {"Accept": "text/turtle"}),
    ("/doc/actor/china", {"Accept": "application/ld+json"}),
    ("/doc/actor/china", {"Accept": "*/*"}),
    ("/doc/actor/china", {}),
    ("/doc/actor/china", {"Accept": BROWSER, "Accept-Language": "zh-TW, zh;q=0.8"}),
    ("/doc/actor/china", {"Accept": BROWSER, "Accept-Language": "zh-CN"}),
    ("/doc/actor/china.nt", {"Accept": "text/html"}),
    ("/doc/actor/china.rdf", {}),
]


def _answer(wsgi, path, headers, method="GET"):
    response = Client(wsgi).open(path, method=method, headers=headers)
    return response.status_code, sorted(response.headers.items()), response.get_data()


@pytest.mark.parametrize("path, headers", CASES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_fast_path_is_byte_identical_to_flask(tiny_app, path, headers, method):
    fast = tiny_app.wsgi_app
    assert isinstance(fast, FastPath)
    assert fast._answer(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path.split("?")[0],
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
        }
    )
    assert _answer(fast, path, headers, method) == _answer(fast.flask, path, headers, method)


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/doc/actor/china", {"If-None-Match": "*"}),
        ("/doc/actor/china?lang=zh-Hant", {"Accept": "text/html"}),
        ("/doc/actor/nobody", {}),
        ("/doc/actor/china", {"Accept": "image/png"}),
        ("/doc/actor/china.png", {}),
    ],
)
def test_everything_else_goes_to_flask(tiny_app, path, headers):
    """Conditional requests, query strings, unknown documents and 406s are Flask's."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    }
    assert tiny_app.wsgi_app._answer(environ) is None
    status, _, _ = _answer(tiny_app.wsgi_app, path, headers)
    assert status in (200, 304, 404, 406)


# -- SPARQL queries by GET and HEAD -------------------------------------------------------------

CHINA = "<http://localhost/id/actor/china>"
RESULTS_JSON = "application/sparql-results+json"
QUERIES = [
    (f"SELECT ?p ?o WHERE {{ {CHINA} ?p ?o }} ORDER BY ?p ?o", {"Accept": RESULTS_JSON}),
    (f"SELECT ?p ?o WHERE {{ {CHINA} ?p ?o }} ORDER BY ?p ?o", {"Accept": "text/csv"}),
    (f"SELECT ?p WHERE {{ {CHINA} ?p ?o }} ORDER BY ?p", {"Accept": "application/xml"}),
    (f"ASK {{ {CHINA} ?p ?o }}", {"Accept": "text/tab-separated-values"}),
    (f"ASK {{ {CHINA} ?p ?o }}", {}),
    (f"CONSTRUCT {{ {CHINA} ?p ?o }} WHERE {{ {CHINA} ?p ?o }}", {"Accept": "text/turtle"}),
    (f"DESCRIBE {CHINA}", {"Accept": "application/n-triples"}),
    (f"DESCRIBE {CHINA}", {}),
]


def _query_path(query: str, **more: str) -> str:
    return "/sparql?" + urlencode({"query": query, **more})


def _environ(path: str, headers: dict, method: str = "GET") -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    }


@pytest.mark.parametrize("query, headers", QUERIES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_query_fast_path_is_byte_identical_to_flask(tiny_app, query, headers, method):
    path = _query_path(query)
    fast = tiny_app.wsgi_app
    status, answered, body = fast._query(_environ(path, headers, method))
    assert status == "200 OK" and body
    assert dict(answered)["Content-Length"] == str(len(body))
    assert _answer(fast, path, headers, method) == _answer(fast.flask, path, headers, method)


def test_query_fast_path_keeps_the_protocol_parameters(tiny_app):
    """``format`` overrides Accept, a protocol dataset is honoured, and the row cap is marked."""
    fast = tiny_app.wsgi_app
    path = _query_path("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", format="csv")
    status, headers, body = _answer(fast, path, {"Accept": RESULTS_JSON})
    assert status == 200 and dict(headers)["Content-Type"].startswith("text/csv")
    assert body.decode().splitlines()[0] == "s" and len(body.decode().splitlines()) == 4
    graph = next(iter(tiny_app.extensions["policygraph"].data_graphs)).value
    path = _query_path("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"named-graph-uri": graph})
    status, headers, body = _answer(fast, path, {"Accept": RESULTS_JSON})
    count = json.loads(body)["results"]["bindings"][0]["n"]["value"]
    assert status == 200 and count == "0"  # an empty default graph: only the named one given
    assert dict(headers)["X-Policygraph-Result-Count"] == "1"
    assert _answer(fast, path, {}) == _answer(fast.flask, path, {})


@pytest.mark.parametrize(
    "path, headers, status",
    [
        (_query_path("SELECT ?s WHERE { ?s ?p }"), {}, 400),
        (_query_path("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"), {}, 400),
        ("/sparql?update=" + quote("CLEAR ALL"), {}, 403),
        (_query_path("ASK {}"), {"Accept": "image/png"}, 406),
        (_query_path("ASK {}", format="png"), {}, 406),
        (_query_path("ASK {}") + "&query=x", {}, 400),
        ("/sparql?query=%FF", {}, 400),
        (_query_path("ASK {}", **{"default-graph-uri": "http://example.org/g"}), {}, 400),
        (_query_path("x" * 70_000), {}, 414),
    ],
)
def test_refused_queries_get_flasks_error_answers(tiny_app, path, headers, status):
    fast = tiny_app.wsgi_app
    with pytest.raises(PolicygraphError):
        fast._query(_environ(path, headers))
    answered = _answer(fast, path, headers)
    assert answered[0] == status
    assert answered == _answer(fast.flask, path, headers)


@pytest.mark.parametrize(
    "path, headers, method",
    [
        ("/sparql", {}, "GET"),  # no query: the service description
        ("/sparql?format=turtle", {}, "GET"),
        (_query_path("ASK {}"), {"Accept": BROWSER}, "GET"),  # the HTML page
        (_query_path("ASK {}"), {}, "POST"),
    ],
)
def test_other_endpoint_requests_go_to_flask(tiny_app, path, headers, method):
    assert tiny_app.wsgi_app._query(_environ(path, headers, method)) is None


def test_a_rate_limited_endpoint_counts_each_request_once(tmp_path):
    """Under ``sparql_rate_limit`` the fast path counts and answers a query itself; requests it
    leaves to Flask (POST, the HTML page) are counted by the view; none is counted twice."""
    app = create_app(
        {"base": BASE, "data": [str(TINY)], "dumps_dir": str(tmp_path), "sparql_rate_limit": 4}
    )
    path = _query_path("ASK {}")
    counted = _environ(path, {})
    counted["REMOTE_ADDR"] = "127.0.0.9"
    status, _, _ = app.wsgi_app._query(counted)
    assert status == "200 OK" and counted["policygraph.rate_counted"]
    client, same = Client(app.wsgi_app), {"REMOTE_ADDR": "127.0.0.9"}
    statuses = [
        client.get(path, environ_base=same).status_code,  # fast path
        client.get(path, headers={"Accept": "text/html"}, environ_base=same).status_code,  # Flask
        client.post("/sparql", data={"query": "ASK {}"}, environ_base=same).status_code,  # Flask
        client.get(path, environ_base=same).status_code,  # the fifth
        client.post("/sparql", data={"query": "ASK {}"}, environ_base=same).status_code,
        client.get(path).status_code,  # another client (127.0.0.1)
    ]
    assert statuses == [200, 200, 200, 429, 429, 200]
