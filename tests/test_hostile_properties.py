"""Property-based hostile input (hypothesis): Accept headers, paths and query strings.

For any generated request: never a 5xx, and every 4xx carries the documented error body
(server/errors.py). Run on the Flask test client (fast; 200 examples), then a short run over raw
sockets against a real gunicorn process.
"""

from __future__ import annotations

import string
from urllib.parse import unquote_to_bytes

import pytest
from hostile.support import XSS_DATA, error_problems, http_request, raw_request, shared_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from server.app import create_app

KNOWN_TYPES = [
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/n-quads",
    "application/trig",
    "application/json",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/xml",
    "text/plain",
    "*/*",
    "text/*",
    "image/png",
]
Q_VALUES = [
    "1",
    "0",
    "0.5",
    "0.001",
    "1.0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "2",
    "1e309",
    "",
    "0x1",
    "0.5.5",
    " 0.7",
    '"0.3"',
]
PREFIXES = [
    "/id/actor/",
    "/id/claim/",
    "/doc/actor/",
    "/doc/claim/",
    "/doc/",
    "/id/",
    "/search",
    "/sparql",
    "/",
    "/ontology",
    "/shapes",
    "/graph/",
    "/dumps/",
    "/static/",
    "/dataset",
    "/validation",
    "/.well-known/void",
    "/sparql/static/",
]
SLUGS = [
    "mallory",
    "victim",
    "hostile-claim",
    "hostile-essay",
    "..",
    ".",
    "%2e%2e",
    "%00",
    "mallory.ttl",
    "mallory.html",
    "mallory.jsonld",
    "mallory.",
    ".ttl",
    "mallory.ttl.ttl",
]
KEYS = [
    "q",
    "query",
    "format",
    "lang",
    "default-graph-uri",
    "named-graph-uri",
    "update",
    "using-graph-uri",
    "q[]",
    "",
    "=",
]
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


def percent_bytes() -> st.SearchStrategy[str]:
    """Arbitrary bytes, percent-encoded (so invalid UTF-8 and NULs are common)."""
    return st.binary(max_size=12).map(lambda b: "".join(f"%{x:02X}" for x in b))


def media_range() -> st.SearchStrategy[str]:
    token = st.text(alphabet=string.ascii_letters + string.digits + "+-.*", min_size=0, max_size=12)
    kind = st.one_of(
        st.sampled_from(KNOWN_TYPES), st.builds("{}/{}".format, token, token), HEADER_TEXT
    )
    params = st.lists(
        st.one_of(
            st.sampled_from(Q_VALUES).map("q={}".format),
            st.builds("{}={}".format, token, token),
            HEADER_TEXT,
        ),
        max_size=3,
    )
    return st.builds(lambda k, p: ";".join([k, *p]), kind, params)


ACCEPT = st.one_of(st.none(), st.lists(media_range(), max_size=12).map(", ".join), HEADER_TEXT)
SEGMENT = st.one_of(
    st.sampled_from(SLUGS),
    percent_bytes(),
    st.text(alphabet=string.ascii_letters + string.digits + "-._~%", max_size=20),
)
PATH = st.one_of(
    st.builds(lambda p, s: p + s, st.sampled_from(PREFIXES), SEGMENT),
    st.builds(lambda p, s, t: f"{p}{s}/{t}", st.sampled_from(PREFIXES), SEGMENT, SEGMENT),
    st.lists(SEGMENT, max_size=4).map(lambda parts: "/" + "/".join(parts)),
)
VALUE = st.one_of(
    percent_bytes(),
    st.sampled_from(
        [
            "ASK%7B%7D",
            "SELECT%20*%20%7B%7D",
            "json",
            "xml",
            "csv",
            "zh-Hans",
            "mallory",
            "%3Cscript%3E",
            "http%3A%2F%2F127.0.0.1%3A1%2F",
            "file%3A%2F%2F%2Fetc%2Fpasswd",
            "SELECT%20*%20%7B%20SERVICE%20%3Chttp%3A%2F%2F127.0.0.1%3A1%2F%3E%20%7B%7D%20%7D",
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits + "-._~+", max_size=20),
)
QUERY_STRING = st.lists(st.tuples(st.sampled_from(KEYS), VALUE), max_size=6).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)
METHOD = st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "OPTIONS"])


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(
        {
            "base": "http://localhost/",
            "data": [str(XSS_DATA)],
            "dumps_dir": str(tmp_path_factory.mktemp("dumps")),
            "precompute": False,
            "sparql_timeout": 5,
        }
    )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=METHOD,
    path=PATH,
    query=QUERY_STRING,
    accept=ACCEPT,
    language=st.one_of(st.none(), HEADER_TEXT),
)
def test_no_5xx_and_well_formed_errors(app, method, path, query, accept, language):
    headers = {}
    if accept is not None:
        headers["Accept"] = accept
    if language is not None:
        headers["Accept-Language"] = language
    target = path + ("?" + query if query else "")
    # A WSGI environ as a server makes it (PEP 3333: PATH_INFO is the percent-decoded bytes as
    # latin-1), the app called as WSGI: Flask's test client would re-parse "//x" as a host.
    environ = EnvironBuilder(method=method, headers=headers).get_environ()
    environ.update(
        PATH_INFO=unquote_to_bytes(path).decode("latin-1"),
        QUERY_STRING=query,
        REQUEST_URI=target,
        RAW_URI=target,
    )
    response = Response.from_app(app, environ, buffered=True)
    assert response.status_code < 500, (target, headers, response.get_data()[:300])
    if response.status_code >= 400 and method != "HEAD":
        problems = error_problems(
            response.status_code, response.content_type or "", response.get_data()
        )
        assert not problems, (target, headers, problems)


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    return shared_server(request, tmp_path_factory)


@pytest.mark.server
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=PATH, query=QUERY_STRING, accept=ACCEPT)
def test_no_5xx_on_the_real_server(server, path, query, accept):
    """The same over a raw socket to gunicorn (header text limited to what HTTP allows)."""
    data = http_request(
        "GET", path + ("?" + query if query else ""), {} if accept is None else {"Accept": accept}
    )
    response = raw_request(server.port, data)
    assert response.status < 500, (data, response.body[:300])
    if response.status >= 400:
        problems = error_problems(response.status, response.content_type, response.body)
        assert not problems, (data, problems)
