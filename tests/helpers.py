"""What the tests share: paths, the base IRI, request headers, samples of the published data,
the SPARQL test app, and the checks for a binary a test needs. Tests import from here, never
from ``conftest`` (which holds only fixtures); the server harness is :mod:`bench.servers`."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from bench.servers import Server, free_port

HERE = Path(__file__).resolve().parent
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
#: The folder of the SPARQL-only test app (``serve:make_app()``) and its dataset.
SPARQL_APP = HERE / "data" / "sparql"

#: The publisher tests run on the curated graph; set POLICYGRAPH_TEST_DATA=tiny to use the
#: small fixture folder instead (fast, and independent of the curated data's state).
USE_TINY = os.environ.get("POLICYGRAPH_TEST_DATA", "") == "tiny"


def data_paths() -> list[str]:
    """The source folders the publisher tests publish (none: the curated graph)."""
    return [str(TINY)] if USE_TINY else []


def sample_things(pub, kinds=("actor", "claim", "event")) -> list[str]:
    """One thing of each kind (the first in IRI order), for tests that need real resources.

    Fails the test, rather than letting it pass on less than it claims to cover, when the
    curated graph has no thing of a kind asked for, and whatever the data when the sample is
    empty; over tests/data/tiny (``POLICYGRAPH_TEST_DATA=tiny``) kinds it lacks are left out.
    """
    chosen, missing = [], []
    for kind in kinds:
        found = sorted(iri for iri in pub.things if f"/id/{kind}/" in iri)
        if found:
            chosen.append(found[0])
        else:
            missing.append(kind)
    if not chosen or (missing and not USE_TINY):
        pytest.fail(f"the published data has no thing of kind {', '.join(missing)} to sample")
    return chosen


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


def sparql_app(
    folder: Path, config: dict, *, workers: int = 2, threads: int = 4, port: int | None = None
) -> Server:
    """gunicorn (preloaded gthread workers) over ``serve:make_app()`` of tests/data/sparql, with
    ``config`` overriding the settings (``POLICYGRAPH_TEST_CONFIG``); not yet waited for."""
    port = port or free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--preload",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(SPARQL_APP),
        "--log-level",
        "warning",
        "serve:make_app()",
    ]
    env = {
        "POLICYGRAPH_BASE": f"http://127.0.0.1:{port}/",
        "POLICYGRAPH_TEST_CONFIG": json.dumps(config),
        "PYTHONPATH": str(ROOT),
    }
    return Server(command, folder, port=port, name="sparql-app", env=env, probe="sparql")
