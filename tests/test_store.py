"""The on-disk store: built once, reopened read-only, rebuilt when it cannot serve this base."""

from __future__ import annotations

from pathlib import Path

from server.publication import open_store

TINY = Path(__file__).parent / "data" / "tiny" / "north-korea-opportunity"


def _graphs(store) -> set[str]:
    return {g.value for g in store.named_graphs()}


def test_reopening_a_store_built_for_another_base_rebuilds_it(tmp_path):
    """Bug: a store built under one base was reopened under another and served 0 triples."""
    path = tmp_path / "store"
    first = {"base": "http://one.example/", "store": f"oxigraph:{path}", "data": [str(TINY)]}
    store, _ = open_store(first)
    assert any(g.startswith("http://one.example/graph/") for g in _graphs(store))
    del store
    second = {**first, "base": "http://two.example/"}
    store, validation = open_store(second)
    graphs = _graphs(store)
    assert graphs and all(g.startswith("http://two.example/graph/") for g in graphs)
    assert validation.conforms


def test_reopening_with_the_same_base_does_not_rebuild(tmp_path):
    path = tmp_path / "store"
    settings = {"base": "http://one.example/", "store": f"oxigraph:{path}", "data": [str(TINY)]}
    store, _ = open_store(settings)
    del store
    built = path.stat().st_ino  # a rebuild swaps in a new folder (graph.store.build_on_disk)
    again, _ = open_store(settings)
    assert _graphs(again)
    assert path.stat().st_ino == built
