"""SSRF and file access: the corpus in tests/hostile/ssrf.toml against a real server process.

DESIGN.md § Safety and issue 4 § Safety: ``SERVICE``, dataset clauses and protocol parameters
naming anything but our graphs, and SPARQL Update (``LOAD``, ``INSERT``, ``CLEAR``…) by every
transport are refused with the right 4xx and a clear message; during the whole corpus a TCP
listener on 127.0.0.1 sees no connection and a canary file outside the data is never opened
(inotify) nor its content returned. Harmless look-alikes (keywords in strings, our own graphs)
still run.
"""

from __future__ import annotations

import re
import secrets
import socket
import time
import urllib.parse

import pytest
import requests
from hostile.support import FileWatch, Listener, corpus, error_problems, shared_server

pytestmark = pytest.mark.server

CORPUS = corpus("ssrf.toml")
QUERY_TRANSPORTS = ("get", "form", "direct")
UPDATE_TRANSPORTS = ("update-get", "update-form", "update-direct")
KIND_STATUS = {"service": [400], "dataset": [400], "update": [403]}
KIND_MESSAGE = {
    "service": r"SERVICE",
    "dataset": r"graph|FROM|dataset",
    "update": r"read-only|Update",
}


class Context:
    """The server, the listener, the canary and a count of what the corpus sent."""

    def __init__(self, server, listener: Listener, canary, token: str, watch: FileWatch):
        self.server, self.listener, self.canary, self.token, self.watch = (
            server,
            listener,
            canary,
            token,
            watch,
        )
        self.sent = 0
        self.canary_atime = canary.stat().st_atime_ns
        graph = f"{server.base}graph/hostile-essay"
        self.values = {
            "listener": f"http://127.0.0.1:{listener.port}",
            "listener_host": f"127.0.0.1:{listener.port}",
            "listener_port": str(listener.port),
            "canary": canary.as_uri(),
            "canary_path": str(canary),
            "canary_dir": canary.parent.as_uri() + "/",
            "canary_dir_path": str(canary.parent) + "/",
            "graph": graph,
            "graph_upper": graph.replace("/graph/hostile-essay", "/GRAPH/HOSTILE-ESSAY"),
            "base": server.base,
        }

    def fill(self, text: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.values.get(m.group(1), m.group(0)), text)


@pytest.fixture(scope="module")
def ctx(request, tmp_path_factory):
    listener = Listener()
    outside = tmp_path_factory.mktemp("outside")
    token = "CANARY-" + secrets.token_hex(8)
    canary = outside / "canary.ttl"
    canary.write_text(f'<urn:canary> <urn:canary> "{token}" .\n', encoding="utf-8")
    server = shared_server(request, tmp_path_factory)
    watch = FileWatch(canary)
    context = Context(server, listener, canary, token, watch)
    yield context
    watch.close()
    listener.close()


def send(ctx: Context, transport: str, query: str, params: dict) -> requests.Response:
    """One request by one transport of SPARQL 1.1 Protocol §2.1 (query) or §2.2 (update)."""
    url = ctx.server.base + "sparql"
    pairs = []
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, ctx.fill(item)))
    headers = {"Accept": "application/json"}
    ctx.sent += 1
    if transport in ("get", "update-get"):
        name = "query" if transport == "get" else "update"
        return requests.get(url, params=[(name, query), *pairs], headers=headers, timeout=30)
    if transport in ("form", "update-form"):
        name = "query" if transport == "form" else "update"
        return requests.post(url, data=[(name, query), *pairs], headers=headers, timeout=30)
    media = "application/sparql-query" if transport == "direct" else "application/sparql-update"
    return requests.post(
        url + ("?" + urllib.parse.urlencode(pairs) if pairs else ""),
        data=query.encode("utf-8"),
        headers={**headers, "Content-Type": media},
        timeout=30,
    )


def refused_cases():
    for case in CORPUS["case"]:
        transports = case.get("transports") or (
            QUERY_TRANSPORTS + UPDATE_TRANSPORTS if case["kind"] == "update" else QUERY_TRANSPORTS
        )
        for transport in transports:
            yield pytest.param(case, transport, id=f"{case['name']}-{transport}")


@pytest.mark.parametrize("case, transport", list(refused_cases()))
def test_refused(ctx, case, transport):
    """Each corpus request is refused before anything runs, with the right 4xx and a message."""
    query = ctx.fill(case["query"])
    response = send(ctx, transport, query, case.get("params", {}))
    expected = case.get("status", KIND_STATUS[case["kind"]])
    assert response.status_code in expected, (
        f"{transport} {query!r}: {response.status_code} {response.text[:300]}"
    )
    problems = error_problems(
        response.status_code, response.headers.get("Content-Type", ""), response.content
    )
    assert not problems, problems
    message = response.json()["error"]["message"]
    if response.status_code in KIND_STATUS[case["kind"]]:
        assert re.search(KIND_MESSAGE[case["kind"]], message, re.IGNORECASE), message
    assert ctx.token not in response.text


@pytest.mark.parametrize("case", CORPUS["allowed"], ids=[c["name"] for c in CORPUS["allowed"]])
@pytest.mark.parametrize("transport", QUERY_TRANSPORTS)
def test_harmless_look_alikes_still_run(ctx, case, transport):
    """Control: the checks do not refuse our own graphs or keywords inside strings and names."""
    response = send(ctx, transport, ctx.fill(case["query"]), case.get("params", {}))
    assert response.status_code == 200, response.text[:300]
    assert "results" in response.json() or "boolean" in response.json()


def test_no_connection_and_no_file_read(ctx):
    """Over the whole corpus (run first in this module): the listener saw nothing, the canary
    file was never opened by any process, its atime is unchanged and its content never came back.

    Run alone, this test sends the corpus itself (once, by GET and form POST).
    """
    if ctx.sent == 0:
        for case in CORPUS["case"]:
            for transport in ("get", "form", "update-form"):
                response = send(ctx, transport, ctx.fill(case["query"]), case.get("params", {}))
                assert response.status_code < 500
                assert ctx.token not in response.text
    # The listener works (a control connection is seen), and it saw nothing else.
    seen_before = list(ctx.listener.connections)
    with socket.create_connection(("127.0.0.1", ctx.listener.port), timeout=5) as probe:
        probe.sendall(b"CONTROL\r\n")
    deadline = time.monotonic() + 3
    while len(ctx.listener.connections) == len(seen_before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(ctx.listener.connections) == len(seen_before) + 1, "the listener does not work"
    assert seen_before == [], f"the server connected to the listener: {seen_before}"
    assert ctx.watch.events() == 0, f"a process opened or read {ctx.canary}"
    assert ctx.canary.stat().st_atime_ns == ctx.canary_atime
    assert ctx.token in ctx.canary.read_text(encoding="utf-8")
    assert ctx.watch.events() > 0, "control: the inotify watch does not see reads"
    assert ctx.server.process.poll() is None, "the server died"
    assert requests.get(ctx.server.base + "robots.txt", timeout=10).status_code == 200
