"""``policygraph export-site``: Debian's nginx, with the generated configuration, in front of a real
``policygraph serve``, answers as the publisher alone does.

For every document of the curated graph, every Accept of the negotiation table (and values nginx
must pass on), a few Accept-Language values and query strings, suffix URLs, thing IRIs,
revalidation and other methods, the answer through nginx and the publisher's own answer have
the same status, the same headers that matter (:data:`MATTER`) and the same bytes. Then the
publisher is stopped: what nginx answered from the files still answers, the same, and what it
passed on fails (502), which shows which is which.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime

import pytest
import requests
from helpers import BROWSER, ROOT, data_paths, need_binary

from bench.servers import Server, free_port
from server.publish.site import ACCEPTS

pytestmark = pytest.mark.server

#: The headers compared. Not compared: Date, Server, Connection, Keep-Alive and Content-Length
#: (the bytes are compared), and Last-Modified, which is each process's load time (checked
#: against the export's own below).
MATTER = (
    "Content-Type",
    "Vary",
    "Location",
    "Content-Location",
    "Link",
    "ETag",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
)
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
#: Asked of every document: the negotiation table's Accept values (tests/test_publish_negotiation).
TABLE = (
    None,
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/json",
    "text/html",
    BROWSER,
    CHROME,
    "*/*",
    "application/n-quads",
    "application/trig",
    "text/turtle;q=0.5, application/ld+json;q=0.9",
    "application/n-triples;q=0.1, text/html;q=0.2",
)
#: Values nginx cannot resolve with an exact table (q-values, parameters, case, 406): the
#: publisher answers them through nginx.
PASSED_ON = (
    "image/png",
    "*/*;q=0",
    "text/n3",
    "garbage",
    "text/turtle;q=0.3, application/rdf+xml;q=0.31",
    'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
    "Text/Turtle",
    "text/html;level=1, text/turtle;q=0.99",
)
LANGUAGES = ("zh-CN,zh;q=0.9", "zh-TW", "fr-FR,fr;q=0.9", "de;q=0.5, zh-Hant;q=0.6")
QUERIES = (
    "lang=zh-Hant",
    "lang=ZH-hans",
    "LANG=zh-Hant",
    "lang=fr",
    "lang=",
    "lang=en&x=1",
    "x=%FF",
)
SUFFIXES = ("ttl", "nt", "rdf", "jsonld", "html", "nq", "trig", "json", "n3")
#: The public address (nginx's host and port), set by the fixture.
HOST = [""]
#: Answered from the files: nginx still answers them, the same, with the publisher stopped.
STATIC_ACCEPTS = (None, "text/turtle", "application/ld+json", "text/html", BROWSER, "*/*")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    nginx = need_binary("nginx")
    folder = tmp_path_factory.mktemp("site")
    proxy_port, app_port = free_port(), free_port()
    base = f"http://127.0.0.1:{proxy_port}/"
    HOST[0] = f"127.0.0.1:{proxy_port}"
    # A small incoming_cap: things with many incoming links get pages of them, exported too.
    app = Server.serving(folder / "app", data_paths(), port=app_port, base=base, incoming_cap=4)
    export = folder / "export"
    command = [sys.executable, "-m", "server.cli", "export-site", str(export), "--base", base]
    command += ["--upstream", f"127.0.0.1:{app_port}", "--listen", f"127.0.0.1:{proxy_port}"]
    command += ["--incoming-cap", "4"]
    for path in data_paths():
        command += ["--data", path]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYGRAPH_")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    temp = "\n".join(f"{kind}_temp_path {folder}/{kind};" for kind in TEMP_PATHS)
    config = folder / "nginx.conf"
    config.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        + "events { worker_connections 256; }\n"
        + f"http {{\naccess_log off;\n{temp}\ninclude {export}/policygraph.nginx.conf;\n}}\n",
        encoding="utf-8",
    )
    proxy_command = [nginx, "-p", str(folder), "-c", str(config), "-e", f"{folder}/error.log"]
    proxy = Server([*proxy_command, "-g", "daemon off;"], folder, port=proxy_port, name="nginx")
    try:
        app.wait()
        proxy.wait(30)
        yield app, proxy, export
    finally:
        proxy.stop()
        app.stop()


def documents(app: Server) -> list[str]:
    """Every document the publisher lists in its sitemap (things, named graphs), plus the
    vocabulary and the shapes (paths, without the base)."""
    sitemap = requests.get(app.base + "sitemap.xml", timeout=10).text
    paths = re.findall(r"<loc>http://[^/]+/([^<]*)</loc>", sitemap)
    found = sorted({p for p in paths if p.startswith(("doc/", "graph/"))} | {"ontology", "shapes"})
    assert sum(p.startswith("doc/") for p in found) > 50, found
    assert any(p.startswith("graph/") for p in found), found
    return found


def answer(session: requests.Session, url: str, method="GET", **headers) -> tuple:
    """(status, the headers of :data:`MATTER`, body; none for a 303). Every request names the
    public address (nginx's) as its Host, as the publisher is reached through nginx."""
    sent = {name.replace("_", "-"): value for name, value in headers.items() if value is not None}
    sent["Host"] = HOST[0]
    response = session.request(method, url, headers=sent, allow_redirects=False, timeout=30)
    kept = tuple((name, response.headers.get(name)) for name in MATTER)
    body = response.content if response.status_code != 303 else b""
    return response.status_code, kept, body


def cases(app: Server) -> list[tuple[str, str, dict]]:
    """(method, path, headers) of every request compared."""
    out = []
    paths = documents(app)
    for path in paths:
        out += [("GET", path, {"Accept": accept}) for accept in TABLE]
        out += [("GET", f"{path}.{suffix}", {}) for suffix in SUFFIXES]
        out += [("GET", path, {"Accept": "text/html", "Accept_Language": v}) for v in LANGUAGES]
        if path.startswith("doc/") and path.count("/") == 2:
            thing = "id/" + path[4:]
            out += [("GET", thing, {"Accept": a}) for a in ("text/turtle", BROWSER, None)]
    sample = ["doc/actor/china", "doc/claim/" + _first(paths, "doc/claim/"), "ontology", "shapes"]
    for path in sample:
        out += [("GET", path, {"Accept": accept}) for accept in (*ACCEPTS, *PASSED_ON)]
        out += [("GET", f"{path}?{query}", {"Accept": BROWSER}) for query in QUERIES]
        out += [("GET", f"{path}?{query}", {"Accept": "text/turtle"}) for query in QUERIES]
        out += [(method, path, {"Accept": "text/turtle"}) for method in ("HEAD", "OPTIONS", "POST")]
    for number in (1, 2, 3, 99):
        page = f"doc/actor/china/incoming/{number}"
        out += [("GET", page, {"Accept": accept}) for accept in TABLE]
        out += [("GET", f"{page}.{suffix}", {}) for suffix in SUFFIXES]
    out += [("GET", "id/actor/china?" + query, {}) for query in QUERIES]
    out += [("GET", p, {}) for p in ("context.jsonld", "robots.txt", "sitemap.xml", "sparql")]
    out += [("GET", p, {}) for p in ("doc/actor/no-such", "id/actor/no-such", "doc/actor/china/")]
    # The exported files' own paths are nginx's internals: the publisher answers them (404).
    out += [("GET", p, {}) for p in ("data/doc/actor/china.ttl", "en/doc/actor/china.html")]
    return out


def _first(paths: list[str], prefix: str) -> str:
    return next(p for p in paths if p.startswith(prefix))[len(prefix) :]


def compare(app: Server, proxy: Server, requests_: list) -> list:
    """The requests whose answers differ, each with what differs (one thread's share)."""
    different = []
    with requests.Session() as direct, requests.Session() as through:
        for method, path, headers in requests_:
            ours = answer(direct, app.base + path, method, **headers)
            theirs = answer(through, proxy.base + path, method, **headers)
            if ours != theirs:
                changed = [(a, b) for a, b in zip(ours[1], theirs[1], strict=True) if a != b]
                status = (ours[0], theirs[0]) if ours[0] != theirs[0] else ours[0]
                bodies = "same body" if ours[2] == theirs[2] else "other body"
                different.append((method, path, headers, status, changed, bodies))
    return different


def test_nginx_over_the_exported_site_answers_as_the_publisher(site):
    app, proxy, _ = site
    todo = cases(app)
    with ThreadPoolExecutor(THREADS) as pool:
        shares = pool.map(lambda n: compare(app, proxy, todo[n::THREADS]), range(THREADS))
        different = [item for share in shares for item in share]
    assert len(todo) > 3000
    assert not different, f"{len(different)} of {len(todo)} differ; first: {different[:3]}"


def test_revalidation_uses_the_publishers_etag(site):
    """If-None-Match with the publisher's ETag (strong, weak, in a list, ``*``) is 304 with the
    same headers (no Content-Type; a Content-Length only if the 200's); another tag is 200.
    If-Modified-Since is compared with the export's load time, which is nginx's Last-Modified."""
    app, proxy, _ = site
    with requests.Session() as session:
        for path, accept in (("doc/actor/china", "text/turtle"), ("ontology", BROWSER)):
            first = session.get(app.base + path, headers={"Accept": accept}, timeout=10)
            etag = first.headers["ETag"]
            for tags in (etag, "W/" + etag, f'"other", {etag}', "*"):
                ours = answer(session, app.base + path, Accept=accept, If_None_Match=tags)
                theirs = answer(session, proxy.base + path, Accept=accept, If_None_Match=tags)
                assert ours[0] == 304 and ours == theirs, (tags, set(ours[1]) ^ set(theirs[1]))
                length = session.get(
                    proxy.base + path, headers={"Accept": accept, "If-None-Match": tags}
                ).headers.get("Content-Length")
                assert length in (None, str(len(first.content))), "RFC 9110 §8.6"
            other = answer(session, proxy.base + path, Accept=accept, If_None_Match='"x"')
            assert other[0] == 200 and other == answer(session, app.base + path, Accept=accept)
            served = session.get(proxy.base + path, headers={"Accept": accept}, timeout=10)
            modified = served.headers["Last-Modified"]
            assert parsedate_to_datetime(modified).year >= 2025
            again = session.get(
                proxy.base + path,
                headers={"Accept": accept, "If-Modified-Since": modified},
                timeout=10,
            )
            assert again.status_code == 304 and again.headers["ETag"] == etag


def test_nginx_answers_from_the_files_and_passes_the_rest_on(site):
    """With the publisher stopped, the documents, suffix URLs, thing IRIs and revalidations nginx
    answers from the files answer as before; negotiation it cannot resolve fails (502)."""
    app, proxy, _ = site
    paths = documents(app)[:40] + ["ontology", "doc/actor/china/incoming/2"]
    with requests.Session() as session:
        before = {}
        for path in paths:
            for accept in STATIC_ACCEPTS:
                before[path, accept] = answer(session, proxy.base + path, Accept=accept)
            before[path + ".jsonld", None] = answer(session, proxy.base + path + ".jsonld")
        before["id/actor/china", None] = answer(session, proxy.base + "id/actor/china")
        app.stop()
        for (path, accept), expected in before.items():
            assert answer(session, proxy.base + path, Accept=accept) == expected, (path, accept)
        for accept in ("image/png", "text/turtle;q=0.3, application/rdf+xml;q=0.31"):
            assert answer(session, proxy.base + "doc/actor/china", Accept=accept)[0] == 502
        assert answer(session, proxy.base + "sparql")[0] == 502


def test_the_configuration_names_its_root_and_upstream(site, tmp_path):
    """--root and --upstream are written where nginx reads them; the files are the documents in
    every format and language."""
    _, _, export = site
    text = (export / "policygraph.nginx.conf").read_text(encoding="utf-8")
    assert f"root {export}/files;" in text and "server 127.0.0.1:" in text
    files = {p.relative_to(export / "files").as_posix() for p in (export / "files").rglob("*")}
    for name in ("data/doc/actor/china.ttl", "data/doc/actor/china.trig", "fixed/context.jsonld"):
        assert name in files
    for lang in ("en", "zh-Hans", "zh-Hant"):
        assert f"{lang}/doc/actor/china.html" in files
    left_out = ("data/dataset", "data/validation", "data/shapes")  # load time, blank nodes
    assert not any(name.startswith(left_out) for name in files)
    assert "data/doc/actor/china/incoming/2.ttl" in files


THREADS = 4
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
