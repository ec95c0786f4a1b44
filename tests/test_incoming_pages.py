"""A thing's incoming links past ``incoming_cap``: an RDF client follows ``rdfs:seeAlso`` from the
description to page 1, then ``hydra:next`` (or ``Link: rel="next"``) page by page to the last,
and has every incoming link once (server/publish/incoming.py)."""

from __future__ import annotations

import json
import math

import pyoxigraph as ox
import pytest
import requests
from helpers import BASE, local_loader
from pyld import jsonld
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDFS

from bench.servers import Server
from server.app import create_app
from server.publish.describe import incoming_links

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CAP = 7


@pytest.fixture(scope="module")
def small_cap(tmp_path_factory):
    """The curated graph with ``incoming_cap`` = 7, so that its hubs have many pages."""
    folder = tmp_path_factory.mktemp("incoming")
    return create_app(
        {"base": BASE, "incoming_cap": CAP, "precompute": False, "dumps_dir": str(folder)}
    )


@pytest.fixture(scope="module")
def hub(small_cap) -> str:
    """The thing with the most incoming links."""
    pub = small_cap.extensions["policygraph"]
    counts = {iri: len(incoming_links(pub.store, pub.data_graphs, iri)[0]) for iri in pub.things}
    iri = max(counts, key=counts.get)
    assert counts[iri] > 3 * CAP
    return iri


def doc(pub, iri: str) -> str:
    return "/" + pub.things[iri]


def test_the_description_points_to_page_one(small_cap, hub):
    pub = small_cap.extensions["policygraph"]
    client = small_cap.test_client()
    description = Graph().parse(data=client.get(f"{doc(pub, hub)}.ttl").get_data(), format="ttl")
    see_also = list(description.objects(URIRef(BASE + doc(pub, hub)[1:]), RDFS.seeAlso))
    assert see_also == [URIRef(f"{BASE}{doc(pub, hub)[1:]}/incoming/1")]
    linking = [s for s, _ in description.subject_predicates(URIRef(hub))]
    assert len([s for s in linking if not str(s).startswith(f"{hub}#")]) == CAP


def test_every_page_in_every_format(small_cap, hub):
    """Each page holds at most ``incoming_cap`` links; Turtle, JSON-LD (pyld), TriG and N-Quads
    agree; the quads keep the source graph; paging is in the default graph."""
    pub = small_cap.extensions["policygraph"]
    client = small_cap.test_client()
    context = client.get("/context.jsonld").get_data()
    total = len(incoming_links(pub.store, pub.data_graphs, hub)[0])
    pages = math.ceil(total / CAP)
    base_path = f"{doc(pub, hub)}/incoming"
    for number in (1, 2, pages):
        turtle = {
            q.triple
            for q in ox.parse(
                client.get(f"{base_path}/{number}.ttl").get_data(), ox.RdfFormat.TURTLE
            )
        }
        links = {t for t in turtle if t.object == ox.NamedNode(hub)}
        assert 0 < len(links) <= CAP
        document = json.loads(client.get(f"{base_path}/{number}.jsonld").get_data())
        nquads = jsonld.to_rdf(
            document, {"format": "application/n-quads", "documentLoader": local_loader(context)}
        )
        assert {q.triple for q in ox.parse(nquads.encode(), ox.RdfFormat.N_QUADS)} == turtle
        quads = list(
            ox.parse(client.get(f"{base_path}/{number}.nq").get_data(), ox.RdfFormat.N_QUADS)
        )
        assert {q.triple for q in quads} == turtle
        for quad in quads:
            if quad.triple in links:
                assert quad.graph_name in pub.data_graphs
            elif quad.predicate.value.startswith(str(HYDRA)):
                assert isinstance(quad.graph_name, ox.DefaultGraph)
        trig = {
            q.triple
            for q in ox.parse(
                client.get(f"{base_path}/{number}.trig").get_data(), ox.RdfFormat.TRIG
            )
        }
        assert trig == turtle


@pytest.mark.parametrize(
    ("tail", "status"),
    [("0", 404), ("01", 404), ("x", 404), ("2.xyz", 404), ("999", 404), ("1.html", 200)],
)
def test_page_numbers(small_cap, hub, tail, status):
    pub = small_cap.extensions["policygraph"]
    response = small_cap.test_client().get(f"{doc(pub, hub)}/incoming/{tail}")
    assert response.status_code == status


def test_the_collection_and_a_thing_with_few_links(small_cap, hub):
    pub = small_cap.extensions["policygraph"]
    client = small_cap.test_client()
    response = client.get(f"{doc(pub, hub)}/incoming")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}{doc(pub, hub)[1:]}/incoming/1"
    quiet = next(
        iri
        for iri in pub.things
        if 0 < len(incoming_links(pub.store, pub.data_graphs, iri)[0]) <= CAP
    )
    description = client.get(f"{doc(pub, quiet)}.ttl").get_data()
    assert b"seeAlso" not in description
    page = Graph().parse(
        data=client.get(f"{doc(pub, quiet)}/incoming/1.ttl").get_data(), format="ttl"
    )
    view = URIRef(f"{BASE}{doc(pub, quiet)[1:]}/incoming/1")
    assert page.value(view, HYDRA.next) is None and page.value(view, HYDRA.last) == view
    assert client.get("/doc/actor/no-such-thing/incoming").status_code == 404


def test_the_html_pages_link_to_each_other(small_cap, hub):
    pub = small_cap.extensions["policygraph"]
    client = small_cap.test_client()
    page = client.get(f"{doc(pub, hub)}/incoming/2", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    here = f"{BASE}{doc(pub, hub)[1:]}/incoming"
    assert f'rel="prev" href="{here}/1?lang=en"' in text
    assert f'rel="next" href="{here}/3?lang=en"' in text
    resource = client.get(doc(pub, hub), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'href="{here}/1"' in resource


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = Server.serving(
        tmp_path_factory.mktemp("incoming-server"), [], precompute="false", incoming_cap=CAP
    )
    try:
        yield started.wait(120)
    finally:
        started.stop()


def expected_links(server, topic: str) -> set[tuple[str, str]]:
    """Every (subject, predicate) naming ``topic`` from outside it, by the server's SPARQL."""
    query = (
        f'SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{topic}> FILTER(!STRSTARTS(STR(?s), "{topic}#")) }}'
    )
    answer = requests.get(
        f"{server.base}sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    ).json()
    return {(row["s"]["value"], row["p"]["value"]) for row in answer["results"]["bindings"]}


@pytest.mark.server
def test_rdflib_follows_the_pages_to_the_end(server):
    """rdflib dereferences the thing (303, negotiation), follows rdfs:seeAlso and hydra:next, and
    ends with every incoming link, each once, on ceil(total / cap) pages."""
    topic = f"{server.base}id/document/north-korea-opportunity"
    description = Graph().parse(topic)
    document = URIRef(f"{server.base}doc/document/north-korea-opportunity")
    (page,) = description.objects(document, RDFS.seeAlso)
    seen: list[tuple[str, str]] = []
    visited = 0
    while page is not None:
        graph = Graph().parse(str(page))
        visited += 1
        assert visited < 1000, "the pages never end"
        seen += [(str(s), str(p)) for s, p in graph.subject_predicates(URIRef(topic))]
        page = graph.value(page, HYDRA.next)
    expected = expected_links(server, topic)
    assert len(expected) > 3 * CAP
    assert sorted(seen) == sorted(expected)
    assert visited == math.ceil(len(expected) / CAP)


@pytest.mark.server
def test_link_headers_lead_to_the_end_too(server):
    """A client reading only HTTP (requests' parsed ``Link`` header) walks the same pages."""
    topic = f"{server.base}id/document/north-korea-opportunity"
    url = f"{server.base}doc/document/north-korea-opportunity/incoming/1"
    numbers = []
    while url:
        response = requests.get(url, headers={"Accept": "application/n-quads"}, timeout=30)
        assert response.status_code == 200
        numbers.append(int(url.rsplit("/", 1)[1]))
        assert response.links["first"]["url"].endswith("/incoming/1")
        url = response.links.get("next", {}).get("url")
    assert numbers == list(range(1, math.ceil(len(expected_links(server, topic)) / CAP) + 1))
