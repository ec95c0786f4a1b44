"""``/graph/{name}``: a data graph's own triples in every RDF format, like every other document.

The rule: the document of ``{base}graph/{name}`` holds exactly the triples of that named graph in
the store (Turtle, N-Triples, RDF/XML, JSON-LD; N-Quads and TriG in that graph), negotiated, with
suffix URLs, validators, HEAD, CORS, ``Vary``, ``Link`` alternates and 406; its HTML page is the
graph's VoID description, which ``Link: rel="describedby"`` also points to. Any data graph under
``{base}graph/`` is served, a name with a slash included (a source's curator graph).
"""

from __future__ import annotations

import json
import subprocess

import pyoxigraph as ox
import pytest
import requests
from helpers import BASE, BROWSER, TINY, local_loader, need_binary
from pyld import jsonld
from rdflib import Graph

import graph
import graph.store
from server.app import create_app
from server.publish.publication import build
from server.settings import resolve
from shapes import Validation

ESSAY = f"{BASE}graph/north-korea-opportunity"
OXIGRAPH = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "html": "text/html",
}
RAPPER = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml", "nq": "nquads", "trig": "trig"}


def stored(pub, name: str) -> set[ox.Triple]:
    return {q.triple for q in pub.store.quads_for_pattern(None, None, None, ox.NamedNode(name))}


def read(client, path: str, suffix: str, headers: dict | None = None):
    """The triples of a served graph document, and the graph names its quads carry."""
    with client.get(path, headers=headers or {}) as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.mimetype == TYPES[suffix]
        body = response.get_data()
    if suffix == "jsonld":
        context = client.get("/context.jsonld").get_data()
        nquads = jsonld.to_rdf(
            json.loads(body),
            {"format": "application/n-quads", "documentLoader": local_loader(context)},
        )
        return {q.triple for q in ox.parse(nquads.encode(), ox.RdfFormat.N_QUADS)}, set()
    parsed = list(ox.parse(body, OXIGRAPH[suffix]))
    triples = {q.triple if isinstance(q, ox.Quad) else q for q in parsed}
    names = {q.graph_name for q in parsed if isinstance(q, ox.Quad)}
    return triples, names


@pytest.mark.parametrize("suffix", sorted(set(TYPES) - {"html"}))
def test_the_graph_document_is_the_whole_graph(client, pub, suffix):
    """Each format holds exactly the store's graph (4,000+ triples for the essay)."""
    expected = stored(pub, ESSAY)
    assert len(expected) > 4000
    for path, headers in (
        (f"/graph/north-korea-opportunity.{suffix}", None),
        ("/graph/north-korea-opportunity", {"Accept": TYPES[suffix]}),
    ):
        triples, names = read(client, path, suffix, headers)
        assert triples == expected, f"{path}: {len(triples)} against {len(expected)}"
        if suffix in ("nq", "trig"):
            assert names == {ox.NamedNode(ESSAY)}


@pytest.mark.parametrize("suffix", sorted(RAPPER))
def test_rapper_reads_the_graph(client, pub, suffix, tmp_path):
    rapper = need_binary("rapper")
    path = tmp_path / f"graph.{suffix}"
    path.write_bytes(client.get(f"/graph/north-korea-opportunity.{suffix}").get_data())
    result = subprocess.run(
        [rapper, "-c", "-i", RAPPER[suffix], str(path), BASE], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert f"returned {len(stored(pub, ESSAY))} " in result.stderr


def test_the_graph_page_is_its_void_description(client, pub):
    with client.get("/graph/north-korea-opportunity", headers={"Accept": BROWSER}) as response:
        assert response.status_code == 200 and response.mimetype == "text/html"
        page = response.get_data(as_text=True)
    assert f"{len(stored(pub, ESSAY)):,}" in page
    assert "void:triples" in page
    for suffix in ("ttl", "nq", "trig", "jsonld"):
        assert f'href="{ESSAY}.{suffix}"' in page
    assert f'href="{BASE}doc/actor/china?lang=en"' in page  # what the graph describes


def test_http_semantics_like_every_document(client):
    """Vary, Content-Location, Link alternates and describedby, CORS, ETag/304, HEAD, 406."""
    response = client.get("/graph/north-korea-opportunity", headers={"Accept": "application/trig"})
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Content-Location"] == f"{ESSAY}.trig"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    link = response.headers["Link"]
    for suffix, media in TYPES.items():
        assert f'<{ESSAY}.{suffix}>; rel="alternate"; type="{media}"' in link
    assert f'<{BASE}dataset>; rel="describedby"' in link
    etag = response.headers["ETag"]
    again = client.get("/graph/north-korea-opportunity.trig", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    head = client.head("/graph/north-korea-opportunity.nq")
    assert head.status_code == 200 and not head.get_data()
    assert int(head.headers["Content-Length"]) > 100_000
    refused = client.get("/graph/north-korea-opportunity", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert set(refused.get_json()["error"]["offered"]) == set(TYPES.values())


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        ("/graph/ontology", 303, f"{BASE}ontology"),
        ("/graph/ontology.ttl", 303, f"{BASE}ontology.ttl"),
        ("/graph/shapes.jsonld", 303, f"{BASE}shapes.jsonld"),
        ("/graph/no-such-graph", 404, None),
        ("/graph/no-such-graph.ttl", 404, None),
        ("/graph/north-korea-opportunity.xyz", 404, None),
        ("/graph/north-korea-opportunity/", 404, None),
        ("/graph/north-korea-opportunity/curator", 404, None),
        ("/graph/", 404, None),
    ],
)
def test_other_names_under_graph(client, path, status, location):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == status
    if location:
        assert response.headers["Location"] == location
    else:
        assert response.get_json()["error"]["status"] == 404


@pytest.fixture(scope="module")
def curated_and_curator(tmp_path_factory):
    """The tiny source and a curator graph ``{base}graph/{slug}/curator`` in one store (what a
    source folder's ``curator.ttl`` becomes), published."""
    parsed = graph.parse(BASE, [TINY])
    nquads = graph.store.dataset_nquads(parsed.dataset)
    curator = f"{BASE}graph/{TINY.name}/curator"
    extra = (
        f'<{BASE}id/actor/china> <http://www.w3.org/2004/02/skos/core#altLabel> "PRC"@en '
        f"<{curator}> .\n"
        f"<{BASE}id/actor/china> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "
        f"<https://www.wikidata.org/wiki/Q148> <{curator}> .\n"
    ).encode()
    store = graph.store.EmbeddedStore(
        graph.store.memory_store(nquads + extra, graph.vocabulary_graph_names(BASE))
    )
    folder = tmp_path_factory.mktemp("curator")
    settings = resolve({"base": BASE, "dumps_dir": str(folder), "precompute": False}, environ={})
    pub = build(settings, store=store, validation=Validation(True, "", [], "tiny"))
    return create_app(settings, publication=pub), curator


@pytest.mark.parametrize("suffix", ["ttl", "nq", "trig", "jsonld"])
def test_a_graph_name_with_a_slash_is_served(curated_and_curator, suffix):
    app, curator = curated_and_curator
    client = app.test_client()
    pub = app.extensions["policygraph"]
    path = curator[len(BASE) - 1 :]
    triples, names = read(client, f"{path}.{suffix}", suffix)
    assert triples == stored(pub, curator) and len(triples) == 2
    if suffix in ("nq", "trig"):
        assert names == {ox.NamedNode(curator)}
    negotiated = client.get(path, headers={"Accept": TYPES[suffix]})
    assert negotiated.headers["Content-Location"] == f"{curator}.{suffix}"
    source, _ = read(client, f"/graph/{TINY.name}.ttl", "ttl")
    assert source == stored(pub, f"{BASE}graph/{TINY.name}") and source.isdisjoint(triples)


@pytest.mark.server
def test_rdflib_dereferences_the_graph_on_a_real_server(live_server):
    """rdflib fetches the graph IRI itself (its own Accept header), from gunicorn."""
    iri = f"{live_server.base}graph/north-korea-opportunity"
    fetched = Graph().parse(iri)
    assert len(fetched) > 4000
    head = requests.head(iri, headers={"Accept": "application/n-quads"}, timeout=30)
    assert head.status_code == 200 and head.headers["Content-Type"] == "application/n-quads"
    etag = head.headers["ETag"]
    again = requests.get(
        iri, headers={"Accept": "application/n-quads", "If-None-Match": etag}, timeout=30
    )
    assert again.status_code == 304
