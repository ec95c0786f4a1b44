"""The SPARQL rate limit behind a reverse proxy (setting ``trusted_proxies``), on real servers.

One gunicorn deployment trusts 127.0.0.1 (where nginx connects from). Through a trusted proxy
each client has its own budget, whether its queries take the WSGI fast path (GET) or Flask
(POST); a client behind the proxy cannot reset its budget with headers of its own; from an
untrusted peer, spoofed ``X-Forwarded-For`` / ``Forwarded`` share the peer's budget; malformed
headers from the proxy cost the proxy's budget, never a fresh one. nginx runs with the
configuration of the README's "Behind a reverse proxy (nginx)" section.
"""

from __future__ import annotations

import re
import subprocess
import time
import urllib.parse

import pytest
from helpers import ROOT, need_binary
from hostile.support import XSS_DATA, http_request, raw_request

from bench.servers import Server, free_port
from server.app import create_app
from server.run.serving import PublisherApplication
from server.settings import resolve

pytestmark = pytest.mark.server

LIMIT = 4
QUERY = "ASK { ?s ?p ?o }"
GET = "/sparql?" + urllib.parse.urlencode({"query": QUERY})


def get(headers: dict | None = None) -> bytes:
    """A GET query (answered by the WSGI fast path)."""
    return http_request("GET", GET, {"Accept": "application/json", **(headers or {})})


def post(headers: dict | None = None) -> bytes:
    """A POST query (answered by Flask's view)."""
    body = urllib.parse.urlencode({"query": QUERY}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return http_request("POST", "/sparql", {**form, **(headers or {})}, body)


def statuses(port: int, requests: list[bytes], source: str | None = None) -> list[int]:
    return [raw_request(port, request, source=source).status for request in requests]


def budget(headers: dict | None = None) -> list[bytes]:
    """LIMIT requests of one client, by both paths, then one of each past the limit."""
    first = [get(headers) if n % 2 else post(headers) for n in range(LIMIT)]
    return first + [get(headers), post(headers)]


SPENT = [200] * LIMIT + [429, 429]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = Server.serving(
        tmp_path_factory.mktemp("proxied"),
        XSS_DATA,
        workers=2,
        precompute="false",
        sparql_rate_limit=LIMIT,
        trusted_proxies="127.0.0.1",
    )
    try:
        yield started.wait()
    finally:
        started.stop()


def test_through_a_trusted_proxy_each_client_has_its_own_budget(server):
    for client in ("198.51.100.1", "198.51.100.2"):
        assert statuses(server.port, budget({"X-Forwarded-For": client})) == SPENT, client
    # RFC 7239 Forwarded, written by a proxy that uses it, is believed the same way.
    headers = {"Forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https'}
    assert statuses(server.port, budget(headers)) == SPENT
    # Another address of the same IPv6 /64 is the same client.
    other = {"Forwarded": 'for="[2001:db8:cafe::99]"'}
    assert statuses(server.port, [get(other)]) == [429]


def test_a_client_behind_the_proxy_cannot_reset_its_budget(server):
    """The proxy appends its peer; what the client wrote to the left is not read."""
    spoofed = [get({"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.3"}) for n in range(LIMIT + 2)]
    assert statuses(server.port, spoofed) == [200] * LIMIT + [429, 429]


def test_malformed_headers_from_the_proxy_cost_the_proxys_budget(server):
    malformed = [
        {"Forwarded": 'for="198.51.100.50'},
        {"Forwarded": "for=unknown"},
        {"X-Forwarded-For": "garbage"},
        {"Forwarded": "for=_hidden"},
        {"X-Forwarded-For": "198.51.100.51", "Forwarded": "for=198.51.100.52"},
        {"X-Forwarded-For": "198.51.100.53:notaport"},
    ]
    answered = statuses(server.port, [get(headers) for headers in malformed])
    assert answered == [200] * LIMIT + [429, 429], "each counted as the proxy (127.0.0.1)"


def test_spoofed_headers_from_an_untrusted_peer_share_its_budget(server):
    """127.0.0.4 is not a trusted proxy: its headers are never read."""
    spoofed = [
        {"X-Forwarded-For": f"203.0.113.{n}", "Forwarded": f"for=203.0.113.{n}"}
        for n in range(LIMIT + 2)
    ]
    requests = [(get if n % 2 else post)(headers) for n, headers in enumerate(spoofed)]
    assert statuses(server.port, requests, source="127.0.0.4") == SPENT
    assert statuses(server.port, [get()], source="127.0.0.5") == [200]


def test_gunicorn_believes_the_same_proxies(tmp_path):
    """gunicorn's ``forwarded_allow_ips`` is the setting, and empty by default (not gunicorn's
    own default of 127.0.0.1)."""
    app = create_app({"base": "http://localhost/", "dumps_dir": str(tmp_path)})
    for given, expected in (
        (None, []),
        ("127.0.0.1, 10.0.0.0/8", ["127.0.0.1/32", "10.0.0.0/8"]),
    ):
        settings = resolve({"trusted_proxies": given} if given else {}, environ={})
        assert PublisherApplication(app, settings).cfg.forwarded_allow_ips == expected


def readme_nginx() -> str:
    """The nginx ``server`` block of the README's reverse-proxy section."""
    text = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    match = re.search(r"^## [^\n]*nginx[^\n]*\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, "docs/OPERATIONS.md has no section on running behind nginx"
    block = re.search(r"```nginx\n(.*?)```", match.group(1), re.S)
    assert block, "the README's nginx section shows no nginx configuration"
    return block.group(1)


@pytest.fixture(scope="module")
def nginx(server, tmp_path_factory):
    """nginx on a free port with the README's configuration, proxying to ``server``."""
    binary = need_binary("nginx")
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = readme_nginx()
    site = re.sub(r"listen\s+80;", f"listen 127.0.0.1:{port};", site)
    site = site.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{server.port}")
    assert f"127.0.0.1:{port}" in site and f"127.0.0.1:{server.port}" in site
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"pid {folder / 'nginx.pid'};\nevents {{}}\nhttp {{\n    access_log off;\n{temp}\n"
        f"{site}\n}}\n",
        encoding="utf-8",
    )
    log = folder / "error.log"
    command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log)]
    process = subprocess.Popen(
        [*command, "-g", "daemon off; master_process off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(log.read_text(encoding="utf-8", errors="replace"))
            try:
                raw_request(port, http_request("GET", "/robots.txt"))
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_through_nginx_each_client_has_its_own_budget(nginx):
    """Clients at 127.0.0.2 and 127.0.0.3 reach gunicorn only through nginx (127.0.0.1)."""
    assert statuses(nginx, budget(), source="127.0.0.2") == SPENT
    assert statuses(nginx, [get(), post()], source="127.0.0.3") == [200, 200]
    # The spent client cannot come back as someone else with headers of its own.
    for headers in (
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Forwarded-For": "garbage", "Forwarded": 'for="broken'},
    ):
        assert statuses(nginx, [get(headers), post(headers)], source="127.0.0.2") == [429, 429]
