"""The benchmark's peers and modes: Oxigraph's own server answers the SPARQL mix as the engine
does, and the unique mode sends no request twice while asking the same questions."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests

from bench import generate, load, peers, queries
from bench.generate import Manifest
from bench.systems import Unavailable

BASE = "http://127.0.0.1:8080/"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus-peers")
    generate.generate(out, 10_000, BASE, seed=3)
    return out


@pytest.fixture(scope="module")
def engine(corpus) -> ox.Store:
    """The corpus in pyoxigraph, queried over the union of its graphs (the engine floor)."""
    store = ox.Store()
    store.load(path=str(corpus / "corpus.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def answer_of(result) -> object:
    """A comparable answer: the multiset of solutions (values in projection order), or the set
    of triples."""
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(tuple(str(row[name]) for name in names) for row in result)
    return sorted(str(triple) for triple in result)


def http_answer(body: bytes, accept: str) -> object:
    if "sparql-results+json" in accept:
        parsed = json.loads(body)
        names = parsed["head"]["vars"]
        rows = parsed["results"]["bindings"]
        return sorted(tuple(_term(row.get(name)) for name in names) for row in rows)
    return sorted(str(triple) for triple in ox.parse(body, ox.RdfFormat.TURTLE))


def _term(binding: dict | None) -> str:
    if binding is None:
        return "None"
    if binding["type"] == "uri":
        return str(ox.NamedNode(binding["value"]))
    if binding["type"] == "literal":
        if "xml:lang" in binding:
            return str(ox.Literal(binding["value"], language=binding["xml:lang"]))
        datatype = binding.get("datatype")
        if datatype:
            return str(ox.Literal(binding["value"], datatype=ox.NamedNode(datatype)))
        return str(ox.Literal(binding["value"]))
    return "_:" + binding["value"]


def mix(manifest: Manifest, path: str, count: int = 3) -> list[tuple[str, str, str]]:
    """(workload, path?query=…, Accept) of the first requests of each workload's pool."""
    return [
        (name, target, accept)
        for name in queries.SPARQL_MIX
        for target, accept in queries.sparql_requests(manifest, name, path, count, seed=1)
    ]


@pytest.mark.server
def test_oxigraph_server_answers_the_sparql_mix_as_the_engine(corpus, engine, tmp_path):
    """The harness starts Oxigraph server over the corpus (load, serve-read-only with the union
    default graph) and each query of the mix gets the engine's answer."""
    try:
        system = peers.start_oxigraph(tmp_path, corpus, timeout=120)
    except Unavailable as error:
        pytest.skip(str(error))
    manifest = Manifest.read(corpus / "corpus.json")
    try:
        asked = 0
        for name, target, accept in mix(manifest, system.sparql_path):
            response = requests.get(system.url + target, headers={"Accept": accept}, timeout=30)
            assert response.status_code == 200, (name, response.text[:300])
            text = parse_qs(urlsplit(target).query)["query"][0]
            expected = answer_of(engine.query(text, use_default_graph_as_union=True))
            assert http_answer(response.content, accept) == expected, name
            asked += 1
        assert asked == 3 * len(queries.SPARQL_MIX)
    finally:
        system.stop()


def test_unique_queries_ask_the_same_questions(corpus, engine):
    """Each query made unique (a variable renamed, DESCRIBE through VALUES) has the answer of
    the query it comes from, column names aside."""
    manifest = Manifest.read(corpus / "corpus.json")
    nonempty = 0
    for name in queries.SPARQL_MIX:
        for target, _ in queries.sparql_requests(manifest, name, "/q", 3, seed=1):
            text = parse_qs(urlsplit(target).query)["query"][0]
            unique = queries.uniquify(text).replace(load.PLACEHOLDER, "u1n7")
            assert unique != text and "u1n7" in unique
            plain = answer_of(engine.query(text, use_default_graph_as_union=True))
            made = answer_of(engine.query(unique, use_default_graph_as_union=True))
            assert made == plain, (name, unique)
            nonempty += bool(plain)
    assert nonempty >= len(queries.SPARQL_MIX), "too few queries with answers to compare"


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 to every GET and keeps its target."""

    seen: list[str] = []
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 - the http.server interface
        with self.lock:
            self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_unique_mode_sends_no_request_twice(corpus):
    """wrk in unique mode, for a second over four connections, against a server that records
    what it is asked: every target differs, though the pool holds only ten queries."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk): the load generator")
    manifest = Manifest.read(corpus / "corpus.json")
    pool = queries.unique_requests(manifest, "claims_by_claimant", "/sparql", 10, seed=1)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        figures = load.run_wrk(url, pool, connections=4, seconds=1, threads=2, unique=True)
    finally:
        server.shutdown()
        server.server_close()
    seen = Recorder.seen
    assert len(seen) > 20 and figures["requests"] >= len(seen) - 4
    assert len(set(seen)) == len(seen), "a request was sent twice"
    assert not any(load.PLACEHOLDER in path for path in seen)


@pytest.mark.server
def test_nginx_systems_serve_the_corpus_as_the_publisher(corpus, tmp_path):
    """The harness's nginx over the corpus's exported site, and over its plain files, answer a
    dereference with the bytes the publisher behind nginx-site answers itself."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").is_file():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    manifest = Manifest.read(corpus / "corpus.json")
    settings = {"workers": 1, "worker_class": "gthread", "threads": 4}
    site = peers.start_nginx_site(tmp_path, settings, corpus, manifest.base, timeout=300)
    files = None
    try:
        files = peers.start_nginx_files(tmp_path, corpus, manifest.base)
        upstream = site.extra["upstream"]
        checked = 0
        for accept in queries.DEREF_FORMATS.values():
            for path, _ in queries.deref_requests(manifest, accept, 3, seed=1):
                headers = {"Accept": accept}
                expected = requests.get(upstream + path, headers=headers, timeout=30)
                assert expected.status_code == 200, path
                for system in (site, files):
                    got = requests.get(system.url + path, headers=headers, timeout=30)
                    assert got.status_code == 200 and got.content == expected.content, system.name
                    checked += 1
        assert checked == 2 * 3 * len(queries.DEREF_FORMATS)
    finally:
        if files is not None:
            files.stop()
        site.stop()
