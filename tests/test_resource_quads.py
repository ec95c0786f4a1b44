"""N-Quads and TriG of one thing's description: each triple in the named graph it comes from."""

from __future__ import annotations

import subprocess

import pyoxigraph as ox
import pytest
from helpers import BASE, need_binary, sample_things
from rdflib import Dataset, Graph

from server.publish.describe import describe

RAPPER = {"nq": "nquads", "trig": "trig"}
RDFLIB = {"nq": "nquads", "trig": "trig"}
OXIGRAPH = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


@pytest.fixture(scope="module")
def things(pub) -> list[str]:
    chosen = sample_things(pub, ("actor", "claim", "event", "place"))
    assert len(chosen) == 4
    return chosen


def _doc(pub, iri: str) -> str:
    return "/" + pub.things[iri]


@pytest.mark.parametrize("suffix", ["nq", "trig"])
def test_quads_hold_the_description_in_its_graphs(client, pub, things, suffix):
    """The document's triples are the Turtle description's (compared by rdflib), and each quad
    (read by pyoxigraph) is in the store, in that graph: the thing's own statements in its
    source graph, labels of vocabulary terms in the ontology graph."""
    for iri in things:
        with client.get(f"{_doc(pub, iri)}.{suffix}") as response:
            assert response.status_code == 200
            body = response.get_data()
        with client.get(f"{_doc(pub, iri)}.ttl") as response:
            turtle = Graph().parse(data=response.get_data(), format="turtle")
        dataset = Dataset()
        dataset.parse(data=body, format=RDFLIB[suffix])
        assert {q[:3] for q in dataset.quads()} == set(turtle), iri
        quads = list(ox.parse(body, OXIGRAPH[suffix]))
        assert quads and all(isinstance(q.graph_name, ox.NamedNode) for q in quads)
        missing = [q for q in quads if not any(pub.store.quads_for_pattern(*q))]
        assert not missing, missing[:3]
        own = {q.graph_name for q in quads if q.subject.value == iri}
        assert own and own <= set(pub.data_graphs), own


def test_labels_of_vocabulary_terms_come_from_the_ontology_graph(client, pub, things):
    with client.get(f"{_doc(pub, things[0])}.nq") as response:
        lines = response.get_data(as_text=True).splitlines()
    ontology_graph = f"<{BASE}graph/ontology> ."
    labelled = [line for line in lines if line.endswith(ontology_graph)]
    assert labelled, "a type's label, from the ontology graph"
    assert all(line.startswith(f"<{BASE}ontology#") for line in labelled)


@pytest.mark.parametrize("suffix", ["nq", "trig"])
def test_rapper_reads_the_quads(client, pub, things, suffix, tmp_path):
    """An independent parser (Raptor) reads each document and counts the Turtle's triples."""
    rapper = need_binary("rapper")
    for iri in things:
        path = tmp_path / f"doc.{suffix}"
        with client.get(f"{_doc(pub, iri)}.{suffix}") as response:
            path.write_bytes(response.get_data())
        with client.get(f"{_doc(pub, iri)}.ttl") as response:
            expected = len(Graph().parse(data=response.get_data(), format="turtle"))
        result = subprocess.run(
            [rapper, "-c", "-i", RAPPER[suffix], str(path), f"{BASE}doc"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        quads = int(result.stderr.rsplit("returned ", 1)[1].split()[0])
        assert quads >= expected, f"{iri}: rapper read {quads} statements, Turtle has {expected}"


def test_the_see_also_of_a_truncated_description_is_in_the_default_graph(pub):
    """The document's own statement (more incoming links) is not data of any source graph."""
    hub = max(
        pub.things,
        key=lambda iri: sum(1 for _ in pub.store.quads_for_pattern(None, None, ox.NamedNode(iri))),
    )
    found = describe(pub.store, pub.data_graphs, pub.label_graphs, hub, 1, f"{pub.base}doc/x")
    assert found.truncated
    meta = [q for q in found.quads if isinstance(q.graph_name, ox.DefaultGraph)]
    assert [q.triple for q in meta] == found.meta
