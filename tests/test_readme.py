"""The README's claims about paths and settings, each checked against the real app and code.

Contract (issue 15, "Done when"): the README leads with the two commands (the second is the one
.ci/run runs); every path of its endpoint table answers as the row says, and every path or file
it names elsewhere exists; its settings table is the one ``server.settings`` generates, every
setting is documented and every documented setting exists, and each can be given on the
command line and in the environment as the README says; its table of system packages names what
.ci/run installs and the tests that skip without each. What the README documents but the code
does not do yet is an ``xfail(strict=True)`` naming the issue, so it fails once the fix lands
and the mark must go.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import hashlib
import html
import json
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from helpers import BASE, BROWSER, ROOT, TINY, USE_TINY, need_binary, sample_things
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

import graph
from bench.servers import Server, free_port
from graph.release import freeze
from server import settings as server_settings
from server.app import create_app
from server.cli.main import build_parser
from server.cli.serve import settings_from_arguments

README = (ROOT / "README.md").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
GRAPH_SLUG = "north-korea-opportunity"
#: Paths the README names that are not the server's (a file of the operating system).
NOT_SERVED = {"/proc"}
#: Paths that answer only once a release exists: their Claims check them on an app with one.
RELEASED = {
    "/release/{version}/",
    "/release/{version}/doc/{kind}/{slug}",
    "/timemap/doc/{kind}/{slug}",
}


def section(title: str) -> str:
    """The text of the README section whose heading starts with ``title``."""
    match = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"the README has no section {title!r}"
    return match.group(1)


def table(text: str) -> list[list[str]]:
    """The rows (cells) of the first Markdown table in ``text``, header and rule left out."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def ticked(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


@pytest.fixture(scope="module")
def curated(request, tmp_path_factory):
    """The app over the curated graph, which the README describes (the session's app, unless
    the session publishes tests/data/tiny)."""
    if not USE_TINY:
        return request.getfixturevalue("app")
    return create_app({"base": BASE, "dumps_dir": str(tmp_path_factory.mktemp("readme"))})


@pytest.fixture()
def client(curated):
    return curated.test_client()


@pytest.fixture()
def pub(curated):
    return curated.extensions["policygraph"]


def fetch(client, path: str, accept: str = "*/*", **headers):
    response = client.get(path, headers={"Accept": accept, **headers})
    body = response.get_data()
    response.close()
    return response, body


# -- the two commands ------------------------------------------------------------------------------


def test_readme_is_for_users_and_short():
    """Room for what a user needs (the endpoint table, the commands, the settings), not a diary."""
    assert len(README.splitlines()) <= 300


def test_readme_leads_with_the_two_commands():
    """The first block: one command that installs and serves, one that runs the tests, which is
    the command .ci/run runs."""
    first = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first and first.start() < README.index("\n## ")
    install, test = first.group(1).strip().splitlines()
    assert "pip install -e '.[test]'" in install and install.endswith("policygraph serve")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test == ".venv/bin/python -m pytest"


def test_the_curl_example_asks_for_turtle_and_gets_the_303_it_describes(client):
    command = re.search(r"curl -L -H 'Accept: text/turtle' (\S+)", README)
    assert command, "no curl example with Accept: text/turtle"
    path = command.group(1).removeprefix("http://127.0.0.1:8080")
    response, _ = fetch(client, path, "text/turtle")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}doc/actor/china"
    response, body = fetch(client, "/doc/actor/china", "text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(f"{BASE}id/actor/china"), None, None) in graph


# -- the endpoint table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What one row of the endpoint table says of one path, as a check on the app."""

    path: str  # the path as the table spells it
    name: str
    check: Callable
    gap: str | None = None  # documented, not done yet: the reason of a strict xfail


def _home(client, pub):
    response, body = fetch(client, "/", BROWSER)
    page = body.decode("utf-8")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert re.search(r'<form[^>]+action="[^"]*search"', page), "no search form"
    assert f'{BASE}sparql"' in page and f"{BASE}doc/document/" in page
    assert f"{pub.counts['triples']:,}" in page or str(pub.counts["triples"]) in page


def _things(client, pub):
    row = next(cells for cells in table(section("What it serves")) if "/id/{kind}" in cells[0])
    kinds = re.search(r"\(([a-z, ]+)\)", row[1]).group(1).split(", ")
    for iri in sample_things(pub, kinds):
        response, _ = fetch(client, iri[len(BASE) - 1 :], "text/turtle")
        assert response.status_code == 303, iri
        assert response.headers["Location"] == f"{BASE}{pub.things[iri]}"


DOC_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "html": "text/html",
}
QUAD_TYPES = {"trig": "application/trig", "nq": "application/n-quads"}


def _described(client, types: dict[str, str]):
    for suffix, media in types.items():
        response, body = fetch(client, "/doc/actor/china", media)
        assert response.status_code == 200, (media, body[:200])
        assert response.mimetype == media and "Accept" in response.headers["Vary"]
        response, _ = fetch(client, f"/doc/actor/china.{suffix}")
        assert response.status_code == 200 and response.mimetype == media, suffix


CITATION_TYPES = {
    "csl.json": "application/vnd.citationstyles.csl+json",
    "bib": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
}


def _citations(client, pub):
    for iri in sample_things(pub, ("claim", "event", "document")):
        path = f"/{pub.things[iri]}"
        for suffix, media in CITATION_TYPES.items():
            response, body = fetch(client, path, media)
            assert response.status_code == 200 and response.mimetype == media, (path, media)
            assert iri in body.decode("utf-8")
            response, _ = fetch(client, f"{path}.{suffix}")
            assert response.status_code == 200 and response.mimetype == media, suffix
        _, page = fetch(client, path, BROWSER)
        assert b'<meta name="citation_title"' in page
    response, _ = fetch(client, "/doc/actor/china", "application/x-bibtex")
    assert response.status_code == 406


def _vocabulary(client, pub):
    for path in ("/ontology", "/shapes"):
        response, body = fetch(client, path, "text/turtle")
        assert response.status_code == 200 and len(Graph().parse(data=body, format="turtle"))
        response, _ = fetch(client, path, BROWSER)
        assert response.status_code == 200 and response.mimetype == "text/html"
    for language in ("en", "zh-Hans", "zh-Hant"):
        response, body = fetch(client, f"/ontology?lang={language}", BROWSER)
        assert f'lang="{language}"' in body.decode("utf-8")


def _context(client, pub):
    response, body = fetch(client, "/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert "@context" in json.loads(body)


def _sparql(client, pub):
    response, _ = fetch(client, "/sparql", BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    response, body = fetch(client, "/sparql", "text/turtle")
    description = Graph().parse(data=body, format="turtle")
    assert (None, RDF.type, URIRef(SD + "Service")) in description


def _search(client, pub):
    response, body = fetch(client, "/search?q=china", BROWSER)
    assert response.status_code == 200 and "China" in body.decode("utf-8")
    response, body = fetch(client, "/search?q=中国", "application/json")
    assert response.mimetype == "application/json" and f"{BASE}id/actor/china" in body.decode()


def _completion(client, pub):
    response, body = fetch(client, "/sparql/vocabulary", "application/json")
    terms = json.loads(body)
    assert response.status_code == 200 and "pg:Claim" in json.dumps(terms, ensure_ascii=False)
    response, body = fetch(client, "/sparql/things?q=中国", "application/json")
    assert response.status_code == 200 and f"{BASE}id/actor/china" in body.decode()


def _dumps_described(client) -> dict[str, tuple[int, str]]:
    """name → (size, SHA-256) of each dump, as the bytes served."""
    out = {}
    for name in ("policygraph.nq.gz", "policygraph.ttl"):
        response, body = fetch(client, f"/dumps/{name}")
        assert response.status_code == 200, name
        out[name] = (len(body), hashlib.sha256(body).hexdigest())
    return out


def _void(client, pub):
    response, _ = fetch(client, "/.well-known/void", "text/turtle")
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}dataset"
    response, body = fetch(client, "/dataset", "text/turtle")
    void = Graph().parse(data=body, format="turtle")
    assert (URIRef(f"{BASE}dataset"), RDF.type, URIRef(VOID + "Dataset")) in void
    values = {str(o) for o in void.objects()}
    for name, (size, digest) in _dumps_described(client).items():
        assert f"{BASE}dumps/{name}" in values and digest in values and str(size) in values
    assert f"{BASE}shapes" in {str(o) for o in void.objects()} | {str(s) for s in void.subjects()}


def _named_graph(client, pub):
    graph_iri = f"{BASE}graph/{GRAPH_SLUG}"
    _, dump = fetch(client, "/dumps/policygraph.nq.gz")
    everything = Dataset().parse(data=gzip.decompress(dump), format="nquads")
    expected = len(everything.graph(URIRef(graph_iri)))
    assert expected > 1000
    for media, parser in (
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
    ):
        response, body = fetch(client, f"/graph/{GRAPH_SLUG}", media)
        assert response.status_code == 200 and response.mimetype == media, media
        if parser == "json-ld":  # the context it names, from this app rather than the network
            _, context = fetch(client, "/context.jsonld")
            document = json.loads(body)
            document["@context"] = json.loads(context)["@context"]
            body = json.dumps(document).encode()
        served = Dataset().parse(data=body, format=parser, publicID=BASE)
        triples = sum(len(graph) for graph in served.graphs())
        assert triples == expected, f"{media}: {triples} triples, the named graph has {expected}"


def _dump_files(client, pub):
    for name, (_, digest) in _dumps_described(client).items():
        response, body = fetch(client, f"/dumps/{name}.sha256")
        assert response.status_code == 200 and body.decode().split()[0] == digest


def _dump_index(client, pub):
    dumps = _dumps_described(client)
    response, body = fetch(client, "/dumps/", BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = body.decode("utf-8")
    for name, (_, digest) in dumps.items():
        assert name in page and digest in page
    response, body = fetch(client, "/dumps/", "application/json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    listed = json.dumps(json.loads(body))
    for name, (size, digest) in dumps.items():
        assert name in listed and digest in listed and str(size) in listed


def _validation(client, pub):
    response, _ = fetch(client, "/validation", BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    response, body = fetch(client, "/validation", "text/turtle")
    report = Graph().parse(data=body, format="turtle")
    assert (None, URIRef(SH + "conforms"), Literal(True, datatype=XSD.boolean)) in report


def _crawlers(client, pub):
    response, body = fetch(client, "/sitemap.xml")
    assert response.status_code == 200 and f"<loc>{BASE}doc/actor/china</loc>" in body.decode()
    response, body = fetch(client, "/robots.txt")
    assert f"Sitemap: {BASE}sitemap.xml" in body.decode()


def _fragments(client, pub):
    hydra = "http://www.w3.org/ns/hydra/core#"
    page = f"/fragments?predicate={quote(RDF.type, safe='')}&graph=" + quote(
        f"{BASE}sparql#default-graph", safe=""
    )
    response, body = fetch(client, page, "text/turtle")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    fragment = Graph().parse(data=body, format="turtle")
    total = pub.counts["properties"][str(RDF.type)]
    assert (None, URIRef(hydra + "totalItems"), Literal(total, datatype=XSD.integer)) in fragment
    form = fragment.value(URIRef(f"{BASE}dataset"), URIRef(hydra + "search"))
    assert str(fragment.value(form, URIRef(hydra + "template"))).startswith(f"{BASE}fragments{{")
    assert (None, URIRef(hydra + "next"), None) in fragment
    for media in ("application/trig", "application/n-quads", "application/n-triples", BROWSER):
        assert fetch(client, "/fragments", media)[0].status_code == 200, media
    response, _ = fetch(client, "/fragments", "application/ld+json")
    assert response.mimetype == "application/ld+json"


def _reader(client, pub):
    text = (TINY if USE_TINY else ROOT / "graph" / "sources" / GRAPH_SLUG) / "source.txt"
    response, body = fetch(client, f"/reader/{GRAPH_SLUG}", BROWSER)
    page = body.decode("utf-8")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'class="seg ' in page and 'id="source-text"' in page
    shown = page.split('id="source-text">', 1)[1].split("</div>", 1)[0]
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == text.read_bytes().decode("utf-8")


def _spans(client, pub):
    path = f"/spans?source={GRAPH_SLUG}&start=0&end=500"
    response, body = fetch(client, path, "application/json")
    answer = json.loads(body)
    assert response.status_code == 200 and answer["anchors"], answer
    assert all(a["start"] < 500 and a["end"] > 0 for a in answer["anchors"])
    assert answer["sparql"].startswith(f"{BASE}sparql?query=")
    response, _ = fetch(client, path, BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    response, _ = fetch(client, f"/spans?source={GRAPH_SLUG}&start=9&end=2", "application/json")
    assert response.status_code == 400


@functools.cache
def _released():
    """(client, base) of an app over tests/data/tiny with one release, 1.0 (the curated app
    has none)."""
    folder = Path(tempfile.mkdtemp(prefix="policygraph-readme-release-"))
    atexit.register(shutil.rmtree, folder, True)
    freeze.freeze(graph.load(BASE, [TINY]), BASE, folder / "releases", "1.0")
    app = create_app(
        {
            "base": BASE,
            "data": [str(TINY)],
            "dumps_dir": str(folder / "dumps"),
            "releases_dir": str(folder / "releases"),
        }
    )
    return app.test_client()


def _releases(client, pub):
    client = _released()
    response, body = fetch(client, "/release/", "text/turtle")
    assert response.status_code == 200
    assert f"{BASE}release/1.0/" in {str(o) for o in Graph().parse(data=body).objects()}
    response, body = fetch(client, "/release/1.0/", "text/turtle")
    described = Graph().parse(data=body, format="turtle")
    assert (URIRef(f"{BASE}release/1.0/"), RDF.type, URIRef(VOID + "Dataset")) in described
    sums, body = fetch(client, "/release/1.0/SHA256SUMS")
    for line in body.decode().splitlines():
        digest, name = line.split()
        _, data = fetch(client, f"/release/1.0/{name}")
        assert hashlib.sha256(data).hexdigest() == digest, name


def _memento(client, pub):
    client = _released()
    for suffix, media in DOC_TYPES.items():
        response, body = fetch(client, "/release/1.0/doc/actor/china", media)
        assert response.status_code == 200 and response.mimetype == media, media
        assert "Memento-Datetime" in response.headers
        response, _ = fetch(client, f"/release/1.0/doc/actor/china.{suffix}")
        assert response.status_code == 200 and response.mimetype == media, suffix


def _timemap(client, pub):
    client = _released()
    response, body = fetch(client, "/timemap/doc/actor/china")
    assert response.status_code == 200 and response.mimetype == "application/link-format"
    assert f"<{BASE}release/1.0/doc/actor/china>" in body.decode()
    response, _ = fetch(
        client,
        "/doc/actor/china",
        "text/turtle",
        **{"Accept-Datetime": "Thu, 01 Jan 2026 00:00:00 GMT"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}release/1.0/doc/actor/china"


def _timeline(client, pub):
    response, body = fetch(client, "/timeline?actor=china&modality=reported", BROWSER)
    assert response.status_code == 200 and 'id="claim-' in body.decode()
    response, body = fetch(client, "/timeline.json?clock=about", "*/*")
    items = json.loads(body)["items"]
    assert response.mimetype == "application/json" and items
    assert any(i["when"]["inferred"] for i in items) and any(i["about"] for i in items)


def _network(client, pub):
    response, body = fetch(client, "/network?stance=accuses", BROWSER)
    assert response.status_code == 200 and f"{BASE}doc/claim/" in body.decode()
    edges = json.loads(fetch(client, "/network.json", "*/*")[1])["edges"]
    assert all(e["evidence"] and e["weight"] == len(e["evidence"]) for e in edges) and edges


def _stances(client, pub):
    response, body = fetch(client, "/stances?matrix=proposition", BROWSER)
    assert response.status_code == 200 and f"{BASE}doc/claim/" in body.decode()
    response, body = fetch(client, "/stances.csv?layout=long", "*/*")
    assert response.mimetype == "text/csv" and body.startswith(b"actor,actor_label,dispute,")
    assert json.loads(fetch(client, "/stances.json", "*/*")[1])["cells"]


CLAIMS = (
    Claim("/", "home", _home),
    Claim("/id/{kind}/{slug}", "303 for every kind", _things),
    Claim("/doc/{kind}/{slug}", "five formats", lambda c, p: _described(c, DOC_TYPES)),
    Claim("/doc/{kind}/{slug}", "TriG and N-Quads", lambda c, p: _described(c, QUAD_TYPES)),
    Claim("/doc/{kind}/{slug}", "citations", _citations),
    Claim("/ontology", "vocabulary", _vocabulary),
    Claim("/shapes", "shapes", _vocabulary),
    Claim("/context.jsonld", "context", _context),
    Claim("/sparql", "endpoint", _sparql),
    Claim("/fragments?subject=&predicate=&object=&graph=", "pattern fragments", _fragments),
    Claim("/sparql/vocabulary", "completion: terms", _completion),
    Claim("/sparql/things?q=", "completion: things", _completion),
    Claim("/search?q=", "search", _search),
    Claim("/timeline", "timeline", _timeline),
    Claim("/network", "actor network", _network),
    Claim("/stances", "stance matrix", _stances),
    Claim("/.well-known/void", "VoID", _void),
    Claim("/dataset", "dataset", _void),
    Claim("/graph/{slug}", "named graph", _named_graph),
    Claim("/dumps/", "dump files", _dump_files),
    Claim("/dumps/", "index", _dump_index),
    Claim("/reader/{slug}", "annotated reader", _reader),
    Claim("/spans?source={slug}&start=0&end=500", "query by span", _spans),
    Claim("/validation", "report", _validation),
    Claim("/sitemap.xml", "sitemap", _crawlers),
    Claim("/robots.txt", "robots", _crawlers),
    Claim("/release/", "releases", _releases),
    Claim("/release/{version}/", "one release", _releases),
    Claim("/release/{version}/doc/{kind}/{slug}", "memento", _memento),
    Claim("/timemap/doc/{kind}/{slug}", "timemap and timegate", _timemap),
)


def endpoint_paths() -> list[str]:
    return [
        path
        for cells in table(section("What it serves"))
        for path in ticked(cells[0])
        if path.startswith("/")
    ]


def test_every_path_of_the_endpoint_table_has_a_check():
    documented = endpoint_paths()
    assert len(documented) >= 15
    assert set(documented) == {claim.path for claim in CLAIMS}


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param(claim, marks=pytest.mark.xfail(strict=True, reason=claim.gap))
        if claim.gap
        else claim
        for claim in CLAIMS
    ],
    ids=[f"{claim.path} {claim.name}" for claim in CLAIMS],
)
def test_the_endpoint_table_is_what_the_app_serves(client, pub, claim):
    claim.check(client, pub)


def test_more_incoming_links_than_the_cap_lead_to_a_document_a_crawler_can_follow(tmp_path):
    """'when there are more, an rdfs:seeAlso leads to all of them, in a form an RDF client can
    follow': with incoming_cap 1, the link answers an RDF client with RDF."""
    app = create_app(
        {"base": BASE, "data": [str(TINY)], "incoming_cap": 1, "dumps_dir": str(tmp_path)}
    )
    client = app.test_client()
    pub = app.extensions["policygraph"]
    seen = []
    for key in sorted(pub.things.values()):
        _, body = fetch(client, f"/{key}", "text/turtle")
        seen += list(Graph().parse(data=body, format="turtle").objects(None, RDFS.seeAlso))
    assert seen, "no description in tests/data/tiny has more incoming links than the cap"
    response, body = fetch(client, str(seen[0])[len(BASE) - 1 :], "text/turtle")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert len(Graph().parse(data=body, format="turtle")) >= 2


# -- other paths and files the README names --------------------------------------------------------


def named_paths() -> list[str]:
    """Every server path the README names, in backquotes or as a URL of the local server."""
    paths = {t for t in ticked(README) if t.startswith("/") and t not in NOT_SERVED | RELEASED}
    paths |= set(re.findall(r"http://127\.0\.0\.1:8080(/[^\s`>)\"']*)", README))
    return sorted(paths)


def fill(path: str) -> str:
    path = path.replace("{kind}/{slug}", "actor/china").replace("{slug}", GRAPH_SLUG)
    return path + "china" if path.endswith("?q=") else path


@pytest.mark.parametrize("path", named_paths())
def test_every_path_the_readme_names_answers(client, path):
    response, _ = fetch(client, fill(path))
    assert response.status_code in (200, 303), response.status_code


def test_every_file_the_readme_names_exists():
    tops = {p.name for p in ROOT.iterdir()}
    named = [t for t in ticked(README) if "/" in t and " " not in t and t.split("/")[0] in tops]
    named += re.findall(r"\]\(([^)#:]+)\)", README)
    assert len(named) >= 10
    missing = [n for n in named if not (ROOT / n.replace("{source-slug}", GRAPH_SLUG)).exists()]
    assert not missing, missing


# -- settings --------------------------------------------------------------------------------------


def test_the_settings_table_is_the_one_server_settings_generates():
    """Regenerate with ``python -c "from server.settings import settings_markdown as s;
    print(s())"`` when a setting changes."""
    generated = server_settings.settings_markdown().strip()
    assert generated in section("Settings"), generated


def test_every_setting_is_documented_and_every_documented_setting_exists():
    documented = [ticked(cells[0])[0] for cells in table(section("Settings"))]
    assert sorted(documented) == sorted(s.name for s in server_settings.SETTINGS)


#: A value of each setting other than its default, as typed on a command line.
EXAMPLES = {"base": "http://example.org/pg/", "store": "oxigraph:/tmp/pg", "data": str(TINY),
            "default_graph": "all", "precompute": "false", "dumps_dir": "/tmp/dumps",
            "host": "0.0.0.0", "trusted_proxies": "10.0.0.0/8"}  # fmt: skip


def example(setting) -> str:
    if setting.name in EXAMPLES:
        return EXAMPLES[setting.name]
    if isinstance(setting.default, bool):
        return "false" if setting.default else "true"
    if isinstance(setting.default, int | float) or setting.default is None:
        return "3"
    return "x"


def parsed(arguments: list[str]) -> server_settings.Settings | None:
    try:
        return settings_from_arguments(build_parser().parse_args(["serve", *arguments]))
    except SystemExit:
        return None


@pytest.mark.parametrize("name", [s.name for s in server_settings.SETTINGS])
def test_every_setting_can_be_given_on_the_command_line(name, capsys):
    """'Every setting can be given on the command line (--sparql-rate-limit 60)'."""
    setting = server_settings.BY_NAME[name]
    value = example(setting)
    wanted = setting.parse([value] if setting.type.startswith("tuple[") else value)
    flag = "--" + name.replace("_", "-")
    forms = [[flag, value]]
    if isinstance(setting.default, bool):  # a switch, or a value
        forms.append([flag] if wanted else ["--no-" + name.replace("_", "-")])
    results = [parsed(arguments) for arguments in forms]
    capsys.readouterr()  # argparse's complaints about the forms it refused
    assert any(result and getattr(result, name) == wanted for result in results), (
        forms,
        results,
    )


@pytest.mark.parametrize("name", [s.name for s in server_settings.SETTINGS])
def test_every_setting_can_be_given_in_the_environment(name):
    setting = server_settings.BY_NAME[name]
    value = example(setting)
    assert f"`{setting.env}`" in section("Settings")
    assert getattr(server_settings.resolve({}, {setting.env: value}), name) == setting.parse(value)


#: Identifiers in backquotes that are not settings.
NOT_SETTINGS = {"ld_dir", "rdf_loader_run", "forwarded_allow_ips"}


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in sorted({t for t in ticked(README) if re.fullmatch(r"[a-z]+(_[a-z]+)+", t)})
        if n not in NOT_SETTINGS
    ],
)
def test_every_setting_the_readme_names_exists(name):
    assert name in server_settings.BY_NAME


# -- what the tests need, and running behind nginx -------------------------------------------------


def test_the_packages_table_is_what_ci_installs_and_names_the_tests_that_skip():
    """Every package .ci/run installs is a row; each row's tests exist and skip on its program
    (named in their skip); every program a test looks up before skipping has a row."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    line = re.search(r"--no-install-recommends \\\n\s+(.+?) >/dev/null", ci)
    rows = table(section("Tests"))
    debian = {ticked(cells[0])[0] for cells in rows if cells[0].startswith("Debian")}
    assert debian == set(line.group(1).split())
    programs = set()
    for cells in rows:
        provides = ticked(cells[1])
        programs |= set(provides)
        modules = [t for t in ticked(cells[2]) if t.endswith(".py")]
        assert modules, cells
        for module in modules:
            source = (ROOT / module).read_text(encoding="utf-8").lower()
            assert any(program.lower() in source for program in provides), (module, provides)
    looked_up = set()
    for path in ROOT.joinpath("tests").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        looked_up |= set(re.findall(r"(?:need_binary|shutil\.which)\(\"([\w.-]+)\"\)", text))
    assert looked_up and looked_up <= programs, looked_up - programs


@pytest.mark.server
def test_the_nginx_example_proxies_the_publisher_and_holds_slow_clients(tmp_path):
    """The README's nginx server block, as written, in front of a real server: IRIs dereference
    through the proxy (its address is the base), and ordinary requests are answered while more
    clients than the server has threads send their headers a byte at a time."""
    nginx = need_binary("nginx")
    block = re.search(r"```nginx\n(.*?)```", OPERATIONS, re.S).group(1)
    proxy_port, app_port = free_port(), free_port()
    base = f"http://127.0.0.1:{proxy_port}/"
    server_block = block.replace("listen 80;", f"listen 127.0.0.1:{proxy_port};")
    server_block = server_block.replace("http://127.0.0.1:8080;", f"http://127.0.0.1:{app_port};")
    assert server_block.count(str(proxy_port)) == server_block.count(str(app_port)) == 1
    temp = "\n".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in TEMP_PATHS)
    config = tmp_path / "nginx.conf"
    config.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        + "events { worker_connections 256; }\n"
        + f"http {{\naccess_log off;\n{temp}\n{server_block}\n}}\n",
        encoding="utf-8",
    )
    app = Server.serving(tmp_path / "app", str(TINY), port=app_port, base=base)
    command = [nginx, "-p", str(tmp_path), "-c", str(config), "-e", f"{tmp_path}/error.log"]
    proxy = Server([*command, "-g", "daemon off;"], tmp_path, port=proxy_port, name="nginx")
    slow: list[socket.socket] = []
    try:
        app.wait()
        proxy.wait()
        answer = requests.get(base + "id/actor/china", headers=TURTLE, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["Location"] == base + "doc/actor/china"
        answer = requests.get(answer.headers["Location"], headers=TURTLE, timeout=10)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(
            "text/turtle"
        )
        slow = [socket.create_connection(("127.0.0.1", proxy_port)) for _ in range(16)]
        request = b"GET /robots.txt HTTP/1.1\r\nHost: example.org\r\n"
        for byte in range(len(request)):
            for connection in slow:
                connection.sendall(request[byte : byte + 1])
            if byte % 8 == 0:
                answer = requests.get(base + "doc/actor/china", headers=TURTLE, timeout=5)
                assert answer.status_code == 200
            time.sleep(0.05)
    finally:
        for connection in slow:
            connection.close()
        proxy.stop()
        app.stop()


TURTLE = {"Accept": "text/turtle"}
#: nginx's temporary folders, moved into the test's folder (the defaults are the system's).
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
