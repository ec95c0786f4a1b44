"""``/fragments`` over an external SPARQL engine (Virtuoso Open Source 7, started privately): the
same pages as over the embedded store.

The curated graph is loaded with ``policygraph load --into sparql:URL`` and the publisher runs
with ``store = sparql:URL``; each page is one bounded SPARQL query to Virtuoso
(:meth:`graph.store.base.Store.pattern_page`), each count a ``COUNT`` over a ``LIMIT``. Following
``hydra:next`` through a fragment gives the quads, and the total, the embedded store gives.
"""

from __future__ import annotations

from argparse import ArgumentParser
from urllib.parse import quote

import pytest
from helpers import BASE, data_paths
from rdflib import Dataset, Namespace, URIRef
from rdflib.namespace import RDF

from bench import virtuoso
from graph.store import client
from server import settings as server_settings
from server.app import create_app
from server.cli.load import add_load_command
from server.publish.publication import build
from server.publish.store import open_remote

pytestmark = [
    pytest.mark.virtuoso,
    pytest.mark.skipif(
        not virtuoso.installed(),
        reason="Virtuoso is not installed: apt-get install virtuoso-opensource "
        "(needs virtuoso-t and isql-vt on PATH)",
    ),
]

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FOAF_TOPIC = URIRef("http://xmlns.com/foaf/0.1/primaryTopic")
DEFAULT_GRAPH = f"{BASE}sparql#default-graph"


@pytest.fixture(scope="module")
def remote_client(tmp_path_factory):
    """The publisher over a private Virtuoso loaded by ``policygraph load``."""
    engine = virtuoso.Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        engine.allow_sparql_update()
        parser = ArgumentParser(prog="policygraph")
        add_load_command(parser.add_subparsers())
        args = parser.parse_args(
            ["load", "--into", f"sparql:{engine.endpoint}", "--graph-store", engine.graph_crud]
            + ["--base", BASE, *data_paths()]
        )
        assert args.run(args) == 0
        config = server_settings.resolve(
            {
                "base": BASE,
                "store": f"sparql:{engine.endpoint}",
                "dumps_dir": str(tmp_path_factory.mktemp("remote-dumps")),
            }
        )
        store, validation = open_remote(config)
        yield create_app(config, publication=build(config, store, validation)).test_client()
    finally:
        client.close_connections()
        engine.stop()


def crawl(http, path: str) -> tuple[set[tuple], set[int]]:
    """The data quads of every page from ``path`` on, and the totals the pages state."""
    quads, totals, page = set(), set(), BASE + path[1:]
    while page:
        response = http.get(page[len(BASE) - 1 :], headers={"Accept": "application/n-quads"})
        assert response.status_code == 200, response.data
        dataset = Dataset()
        dataset.parse(data=response.data, format="nquads")
        meta = next(g for g in dataset.graphs() if (g.identifier, FOAF_TOPIC, None) in g)
        totals.add(int(meta.value(URIRef(page), HYDRA.totalItems)))
        for context in dataset.graphs():
            if context.identifier != meta.identifier:
                quads |= {(*t, context.identifier) for t in context}
        following = meta.value(URIRef(page), HYDRA.next)
        page = str(following) if following is not None else None
    return quads, totals


@pytest.mark.parametrize(
    "params",
    [
        {"predicate": str(RDF.type), "graph": DEFAULT_GRAPH},
        {"subject": f"{BASE}id/actor/china"},
        {"object": f"{BASE}id/actor/china", "graph": f"{BASE}graph/north-korea-opportunity"},
        {"object": '"China"@en', "graph": DEFAULT_GRAPH},
    ],
)
def test_pages_over_virtuoso_hold_what_the_embedded_store_holds(remote_client, app, params):
    path = "/fragments?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    remote_quads, remote_totals = crawl(remote_client, path)
    local_quads, local_totals = crawl(app.test_client(), path)
    assert local_quads, "the pattern matches nothing: the comparison would prove nothing"
    assert remote_quads == local_quads
    assert remote_totals == local_totals == {len(local_quads)}


def test_a_virtuoso_blank_node_is_named_again_by_its_skolem_iri(remote_client):
    """The shapes' RDF lists hold blank nodes: served as skolem IRIs, each names its node again
    (Virtuoso's own node IRI in the query), which has its rdf:first and rdf:rest."""
    shapes = f"{BASE}graph/shapes"
    path = f"/fragments?predicate={quote(str(RDF.first), safe='')}&graph={quote(shapes, safe='')}"
    quads, _ = crawl(remote_client, path)
    nodes = sorted({q[0] for q in quads})
    assert nodes and all(str(n).startswith(f"{BASE}.well-known/genid/") for n in nodes)
    path = f"/fragments?subject={quote(str(nodes[0]), safe='')}&graph={quote(shapes, safe='')}"
    described, totals = crawl(remote_client, path)
    assert {q[1] for q in described} == {RDF.first, RDF.rest} and totals == {2}
