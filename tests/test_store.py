"""The on-disk store: built once, reopened read-only, rebuilt when it cannot serve this base."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

import graph.store
from server.publish.store import open_store
from server.settings import Settings

TINY = Path(__file__).parent / "data" / "tiny" / "north-korea-opportunity"


def _graphs(store) -> set[str]:
    return {g.value for g in store.named_graphs()}


def test_reopening_a_store_built_for_another_base_rebuilds_it(tmp_path):
    """Bug: a store built under one base was reopened under another and served 0 triples."""
    path = tmp_path / "store"
    first = {"base": "http://one.example/", "store": f"oxigraph:{path}", "data": [str(TINY)]}
    store, _ = open_store(Settings.resolve(first))
    assert any(g.startswith("http://one.example/graph/") for g in _graphs(store))
    del store
    second = {**first, "base": "http://two.example/"}
    store, validation = open_store(Settings.resolve(second))
    graphs = _graphs(store)
    assert graphs and all(g.startswith("http://two.example/graph/") for g in graphs)
    assert validation.conforms


def test_reopening_with_the_same_base_does_not_rebuild(tmp_path):
    path = tmp_path / "store"
    settings = {"base": "http://one.example/", "store": f"oxigraph:{path}", "data": [str(TINY)]}
    store, _ = open_store(Settings.resolve(settings))
    del store
    built = path.stat().st_ino  # a rebuild swaps in a new folder (graph.store.build_on_disk)
    again, _ = open_store(Settings.resolve(settings))
    assert _graphs(again)
    assert path.stat().st_ino == built


def test_a_store_without_the_union_in_its_default_graph_is_rebuilt(tmp_path):
    """A store built before the default graph held the union of the data graphs would answer
    every query without a dataset clause with nothing: reopening rebuilds it."""
    path = tmp_path / "store"
    settings = {"base": "http://one.example/", "store": f"oxigraph:{path}", "data": [str(TINY)]}
    store, _ = open_store(Settings.resolve(settings))
    del store
    old = ox.Store(str(path))
    old.update("CLEAR DEFAULT")
    old.flush()
    del old
    store, _ = open_store(Settings.resolve(settings))
    assert store.has_union()


def test_the_default_graph_is_the_set_union_of_the_data_graphs():
    """RDF 1.1 Semantics §5.2 merge of graphs without blank nodes is their set union: a triple
    asserted in two data graphs is in the default graph once; the vocabulary is not in it."""
    triple = "<http://example.org/s> <http://example.org/p> <http://example.org/o>"
    store = graph.store.memory_store(
        (
            f"{triple} <http://example.org/graph/a> .\n"
            f"{triple} <http://example.org/graph/b> .\n"
            "<http://example.org/c> <http://example.org/p> <http://example.org/d> "
            "<http://example.org/graph/ontology> .\n"
        ).encode(),
        ["http://example.org/graph/ontology"],
    )
    union = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert [str(q.triple) for q in union] == [triple]
    assert store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").__next__()[0].value == "1"
    assert bool(store.query("ASK { GRAPH <http://example.org/graph/ontology> { ?s ?p ?o } }"))


def test_a_built_store_keeps_no_spent_write_ahead_log(tmp_path):
    """The union's INSERT goes through RocksDB's write-ahead log; once flushed, the log is
    dead weight (35% of the folder at 1M triples) until the store is next opened read-write."""
    path = tmp_path / "store"
    settings = {"base": "http://one.example/", "store": f"oxigraph:{path}", "data": [str(TINY)]}
    store, _ = open_store(Settings.resolve(settings))
    del store
    logs = list(path.glob("*.log"))
    assert logs and all(log.stat().st_size == 0 for log in logs), [
        (log.name, log.stat().st_size) for log in logs
    ]
