"""The actor network model (graph/research/network.py) against the curated graph, read again
with SPARQL and rdflib, and against small made-up graphs, one rule each."""

from __future__ import annotations

import pytest
from helpers import BASE, ROOT
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

import graph
from graph.research import reading
from graph.research.network import network
from ontology import terms

SOURCE_TEXT = ROOT / "graph" / "sources" / "north-korea-opportunity" / "source.txt"
PG = f"{BASE}ontology#"
PREFIXES = (
    f"PREFIX pg: <{PG}> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> "
)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return graph.load(BASE)


@pytest.fixture(scope="module")
def store(dataset):
    return reading.store_of(dataset, BASE)


@pytest.fixture(scope="module")
def net(store):
    return network(store, BASE)


def _select(store, query: str) -> set[str]:
    reader = reading.Reader.of(store, BASE)
    return {row[0].value for row in reader.rows(PREFIXES + query)}


def test_claims_with_an_actor_at_both_ends_are_the_claim_edges(store, net):
    """Rule: a claim is an edge when its claimant is an actor and its proposition (or a
    statement nested in it, such as a condition) names an actor as subject or object."""
    expected = _select(
        store,
        "SELECT DISTINCT ?c WHERE { ?c a pg:Claim ; pg:claimant ?who . ?who a pg:Actor . "
        "{ ?c pg:proposition ?p } UNION { ?c pg:condition ?p } "
        "?p (rdf:subject|rdf:object)+ ?a . ?a a pg:Actor }",
    )
    assert len(expected) > 20
    assert {e.iri for e in net.edges if e.kind == "claim"} == expected


def test_events_with_an_actor_acting_on_another_are_the_event_edges(store, net):
    acting = " ".join(
        f"pg:{r}" for r in ("role-initiator", "role-speaker", "role-voter", "role-reporter")
    )
    acted = " ".join(f"pg:{r}" for r in ("role-target", "role-recipient", "role-subject"))
    expected = _select(
        store,
        "SELECT DISTINCT ?e WHERE { ?e a pg:Event ; pg:hasParticipation ?p, ?q . "
        f"?p pg:participant ?a ; pg:role ?r . VALUES ?r {{ {acting} }} "
        f"?q pg:participant ?b ; pg:role ?s . VALUES ?s {{ {acted} }} "
        "?a a pg:Actor . ?b a pg:Actor . FILTER (?a != ?b) }",
    )
    assert len(expected) > 10
    assert {e.iri for e in net.edges if e.kind == "event"} == expected


def test_every_edge_joins_two_nodes_and_carries_its_attributes(net):
    nodes = {a.iri for a in net.actors}
    for edge in net.edges:
        assert edge.source in nodes and edge.target in nodes, edge
        assert edge.quotes, f"{edge.iri} has no quote"
        assert edge.date or edge.earliest or edge.latest, f"{edge.iri} is not placed in time"
        if edge.kind == "claim":
            assert edge.stance and edge.modality and not edge.status, edge
        else:
            assert edge.status and edge.event_type and not edge.stance, edge


def test_every_quote_is_the_source_text_at_its_offsets(net):
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    quotes = {q for e in net.edges for q in e.quotes}
    assert len(quotes) > 40
    for quote in quotes:
        assert text[quote.start : quote.end] == quote.quote, quote


def test_actors_are_every_actor_with_labels_and_wikidata_ids(dataset, net):
    union = [dataset.graph(name) for name in graph.data_graph_names(dataset, BASE)]
    actor = URIRef(terms.iri(BASE, terms.Actor))
    expected = {str(s) for g in union for s in g.subjects(RDF.type, actor)}
    assert [a.iri for a in net.actors] == sorted(expected)
    china = net.actor(f"{BASE}id/actor/china")
    assert china.labels == {"en": "China", "zh-Hans": "中国", "zh-Hant": "中國"}
    assert (china.type, china.group, china.qid) == ("Country", False, "Q148")
    assert net.actor(f"{BASE}id/actor/chinese-officials").group
    assert all(set(a.labels) == {"en", "zh-Hans", "zh-Hant"} for a in net.actors)


def test_an_event_gives_one_edge_per_actor_acted_on(net):
    """Susan Rice condemned both vetoes: one event, an edge to each voter she targets."""
    event = f"{BASE}id/event/susan-rice-condemns-vetoes"
    edges = [e for e in net.edges if e.iri == event]
    assert [(e.source, e.target) for e in edges] == [
        (f"{BASE}id/actor/susan-rice", f"{BASE}id/actor/china"),
        (f"{BASE}id/actor/susan-rice", f"{BASE}id/actor/russia"),
    ]
    assert {(e.status, e.event_type, e.source_role, e.target_role) for e in edges} == {
        ("occurred", "criticize", "speaker", "target")
    }
    assert edges[0].disputes == (f"{BASE}id/dispute/syria-policy",)


def test_a_conditional_claim_reaches_the_actor_of_its_condition(net):
    claim = f"{BASE}id/claim/beijing-help-would-be-major-win"
    (edge,) = [e for e in net.edges if e.iri == claim]
    assert (edge.source, edge.target) == (
        f"{BASE}id/actor/ted-galen-carpenter",
        f"{BASE}id/actor/china",
    )
    assert (edge.modality, edge.stance, edge.date) == ("conditional", "asserts", "2013-01-25")


def test_the_network_is_the_same_from_a_fresh_store(dataset, net):
    again = network(reading.store_of(dataset, BASE), BASE)
    assert again == net
    keys = [(e.source, e.target, e.kind, e.iri, e.source_role, e.target_role) for e in net.edges]
    assert keys == sorted(keys)


TINY_TTL = """
@prefix pg: <{base}ontology#> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{base}id/actor/a> a pg:Actor ; skos:prefLabel "A"@en .
<{base}id/actor/b> a pg:Actor ; skos:prefLabel "B"@en .
<{base}id/claim/phrase-only> a pg:Claim ; pg:claimant <{base}id/actor/a> ;
    pg:stance pg:stance-asserts ; pg:proposition <{base}id/claim/phrase-only#p> .
<{base}id/claim/phrase-only#p> a rdf:Statement ; rdf:subject <{base}id/event/e> ;
    rdf:object "a phrase"@en .
<{base}id/claim/self> a pg:Claim ; pg:claimant <{base}id/actor/a> ;
    pg:stance pg:stance-asserts ; pg:proposition <{base}id/claim/self#p> .
<{base}id/claim/self#p> a rdf:Statement ; rdf:subject <{base}id/actor/a> ; rdf:object "x"@en .
<{base}id/event/e> a pg:Event ; pg:hasParticipation <{base}id/event/e#1>, <{base}id/event/e#2> .
<{base}id/event/e#1> pg:participant <{base}id/actor/a> ; pg:role pg:role-initiator .
<{base}id/event/e#2> pg:participant <{base}id/actor/b> ; pg:role pg:role-initiator .
"""


def test_rules_on_a_made_up_graph():
    """A proposition naming no actor gives no edge; a claim about its own claimant is a
    self-loop; co-initiators with no one acted on give no edge."""
    data = Dataset()
    data.graph(URIRef(f"{BASE}graph/made-up")).parse(
        data=TINY_TTL.replace("{base}", BASE), format="turtle"
    )
    made = network(reading.store_of(data, BASE), BASE)
    assert [a.iri for a in made.actors] == [f"{BASE}id/actor/a", f"{BASE}id/actor/b"]
    assert [(e.iri, e.source, e.target, e.target_role) for e in made.edges] == [
        (f"{BASE}id/claim/self", f"{BASE}id/actor/a", f"{BASE}id/actor/a", "subject")
    ]
