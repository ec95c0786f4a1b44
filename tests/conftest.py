"""Shared fixtures: one publisher app per session (app → client), real server processes, parsers."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from servers import Server

from server.app import create_app

HERE = Path(__file__).parent
ROOT = HERE.parent
TINY = HERE / "data" / "tiny" / "north-korea-opportunity"
BASE = "http://localhost/"
#: The Accept header of a desktop browser asking for a page.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: The headers of a CORS preflight request (Fetch Standard, CORS protocol) for a GET with Accept.
PREFLIGHT = {
    "Origin": "https://example.org",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "Accept",
}

#: The publisher tests run on the curated graph; set POLICYGRAPH_TEST_DATA=tiny to use the
#: small fixture folder instead (fast, and independent of the curated data's state).
USE_TINY = os.environ.get("POLICYGRAPH_TEST_DATA", "") == "tiny"


def data_paths() -> list[str]:
    return [str(TINY)] if USE_TINY else []


@pytest.fixture(scope="session")
def dumps_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dumps")


@pytest.fixture(scope="session")
def app(dumps_dir):
    return create_app({"base": BASE, "data": data_paths(), "dumps_dir": str(dumps_dir)})


@pytest.fixture(scope="session")
def tiny_app(tmp_path_factory):
    """The app on tests/data/tiny (values with markup characters, for escaping tests)."""
    folder = tmp_path_factory.mktemp("tiny-dumps")
    return create_app({"base": BASE, "data": [str(TINY)], "dumps_dir": str(folder)})


@pytest.fixture(scope="session")
def pub(app):
    return app.extensions["policygraph"]


@pytest.fixture()
def client(app):
    return app.test_client()


def sample_things(pub, kinds=("actor", "claim", "event")) -> list[str]:
    """One thing of each kind (the first in IRI order), for tests that need real resources."""
    chosen = []
    for kind in kinds:
        found = sorted(iri for iri in pub.things if f"/id/{kind}/" in iri)
        if found:
            chosen.append(found[0])
    return chosen


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real server process (gunicorn, two workers) for HTTP-level tests."""
    server = Server.serving(tmp_path_factory.mktemp("live"), data_paths()).wait()
    yield server
    server.stop()


def need_binary(name: str) -> str:
    """The path of a Debian binary a test needs; skip with the reason when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package; .ci/run installs it)")
    return path


def local_loader(context_body: bytes):
    """A pyld document loader that serves our context and refuses the network."""

    def load(url, options=None):
        if url == f"{BASE}context.jsonld":
            return {"contextUrl": None, "documentUrl": url, "document": json.loads(context_body)}
        raise AssertionError(f"pyld tried to fetch {url}")

    return load
