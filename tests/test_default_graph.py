"""The SPARQL default graph, both ways the setting ``default_graph`` allows.

``data`` (the default): the union of the data graphs, kept as a copy in the store's default
graph. ``all``: the union of every graph, ontology and shapes included, with nothing copied.
Both publish the same data: the same VoID counts, the same dump, the same answers to queries
about the data.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from helpers import BASE, data_paths
from rdflib import Graph

from server.app import create_app
from server.publish.publication import EXTENSION

CLAIM_CLASS = "ASK { <ontology#Claim> a ?class }"
CLAIMS = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <ontology#Claim> }"


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    built = {}
    for mode in ("data", "all"):
        folder = tmp_path_factory.mktemp(f"dumps-{mode}")
        built[mode] = create_app(
            {"base": BASE, "data": data_paths(), "dumps_dir": str(folder), "default_graph": mode}
        )
    return built


def ask(app, query: str) -> dict:
    response = app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


def test_the_vocabulary_is_in_the_default_graph_only_with_all(apps):
    assert ask(apps["data"], CLAIM_CLASS)["boolean"] is False
    assert ask(apps["all"], CLAIM_CLASS)["boolean"] is True
    named = "ASK { GRAPH <graph/ontology> { <ontology#Claim> a ?class } }"
    assert ask(apps["data"], named)["boolean"] is ask(apps["all"], named)["boolean"] is True


def test_all_copies_nothing_into_the_store(apps):
    data_store = apps["data"].extensions[EXTENSION].store
    all_store = apps["all"].extensions[EXTENSION].store
    default = ox.DefaultGraph()
    assert not list(all_store.quads_for_pattern(None, None, None, default))
    assert list(data_store.quads_for_pattern(None, None, None, default))
    assert len(data_store) > len(all_store)


def test_both_count_and_answer_the_same_data(apps):
    data_pub, all_pub = (apps[mode].extensions[EXTENSION] for mode in ("data", "all"))
    assert data_pub.counts == all_pub.counts
    assert data_pub.counts["triples"] > 0 and data_pub.counts["classes"]
    answers = [ask(apps[mode], CLAIMS)["results"]["bindings"] for mode in ("data", "all")]
    assert answers[0] == answers[1] and int(answers[0][0]["n"]["value"]) > 0


def test_both_dump_the_same_union(apps):
    graphs = []
    for mode in ("data", "all"):
        response = apps[mode].test_client().get("/dumps/policygraph.ttl")
        graphs.append({triple for triple in Graph().parse(data=response.get_data(), format="ttl")})
        response.close()
    assert graphs[0] == graphs[1]
    assert len(graphs[0]) == apps["data"].extensions[EXTENSION].counts["triples"]


def test_the_service_description_says_which(apps):
    words = {}
    for mode in ("data", "all"):
        response = apps[mode].test_client().get("/sparql", headers={"Accept": "text/turtle"})
        words[mode] = response.get_data(as_text=True)
    assert "the union of the data graphs" in words["data"]
    assert "the union of every graph" in words["all"]


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="default_graph"):
        create_app({"base": BASE, "data": data_paths(), "default_graph": "some"})
