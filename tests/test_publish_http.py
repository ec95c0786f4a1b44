"""HTTP behaviour of every representation: validators and 304, HEAD, CORS, the error shape."""

from __future__ import annotations

import pytest
from helpers import PREFLIGHT

PATHS = [
    "/doc/actor/china",
    "/doc/actor/china.jsonld",
    "/ontology",
    "/shapes.ttl",
    "/dataset",
    "/context.jsonld",
    "/sitemap.xml",
    "/robots.txt",
    "/",
    "/validation",
    "/dumps/policygraph.ttl",
]


@pytest.mark.parametrize("path", PATHS)
def test_etag_and_last_modified_give_304(client, path):
    """RFC 9110 §13.1: If-None-Match (then If-Modified-Since) answer 304 without a body."""
    with client.get(path) as first:
        assert first.status_code == 200
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    with client.get(path, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == etag
    with client.get(path, headers={"If-Modified-Since": modified}) as again:
        assert again.status_code == 304
    with client.get(
        path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
    ) as again:
        assert again.status_code == 200


@pytest.mark.parametrize("path", PATHS + ["/id/actor/china", "/.well-known/void", "/search?q=x"])
def test_head_everywhere_get_works(client, path):
    with client.get(path) as get, client.head(path) as head:
        assert head.status_code == get.status_code
        assert head.get_data() == b""
        assert head.headers.get("Content-Type") == get.headers.get("Content-Type")


@pytest.mark.parametrize("path", PATHS + ["/id/actor/china", "/doc/actor/nothing"])
def test_cors_on_every_response(client, path):
    with client.get(path) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        exposed = response.headers["Access-Control-Expose-Headers"]
        assert "Link" in exposed and "Content-Location" in exposed


def test_preflight_is_answered(client):
    response = client.options("/doc/actor/china", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert "Accept" in allowed and "Content-Type" in allowed
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_error_shape_json(client):
    """Errors are {"error": {"status", "title", "message"}} for machine clients."""
    response = client.get("/doc/actor/nothing", headers={"Accept": "text/turtle"})
    error = response.get_json()["error"]
    assert error["status"] == 404 and error["title"] == "Not Found" and error["message"]


def test_error_shape_plain_text(client):
    response = client.get("/doc/actor/nothing", headers={"Accept": "text/plain"})
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("404 Not Found: ")


def test_wrong_method_is_405_in_the_same_shape(client):
    response = client.post("/doc/actor/china")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_500_without_internals(app):
    """A 5xx logs the traceback and shows a generic message, never the exception text."""
    from flask import Flask

    from server import errors

    probe = Flask("probe", template_folder=app.template_folder)
    errors.register(probe)

    @probe.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = probe.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert response.get_json()["error"]["status"] == 500
