"""The WSGI fast path for /doc/… answers exactly what Flask's path answers."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from server.fastpath import DocumentFastPath

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
    assert isinstance(fast, DocumentFastPath)
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
