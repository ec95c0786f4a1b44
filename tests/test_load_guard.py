"""Issue 15 §2: ``policygraph load`` never replaces the report a store holds with a worse one.

A private Virtuoso (tests/virtuoso.py) holds two sources under one base. Loading only one of them
would replace the report with one that does not cover the other, which would go on being
published: refused (exit 2, nothing sent), unless ``--replace`` drops the other graph too. An
empty folder is refused before anything is sent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.store import client
from graph.store.remote import VALIDATION_GRAPH, RemoteStore
from server.cli import main as cli

virtuoso = pytest.importorskip("virtuoso", reason="tests/virtuoso.py is the fixture helper")

pytestmark = [
    pytest.mark.virtuoso,
    pytest.mark.skipif(
        not virtuoso.installed(),
        reason="Virtuoso is not installed: apt-get install virtuoso-opensource "
        "(needs virtuoso-t and isql-vt on PATH)",
    ),
]

TINY = Path(__file__).parent / "data" / "tiny" / "north-korea-opportunity"
BASE = "http://guard.example/"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    server = virtuoso.Virtuoso(tmp_path_factory.mktemp("virtuoso-guard")).start()
    server.allow_sparql_update()
    yield server
    client.close_connections()
    server.stop()


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """A folder of two sources, ``alpha`` and ``beta`` (copies of the tiny source)."""
    folder = tmp_path_factory.mktemp("guard") / "sources"
    for name in ("alpha", "beta"):
        shutil.copytree(TINY, folder / name)
    return folder


def load(engine, *paths, replace: bool = False) -> int:
    argv = ["load", "--into", f"sparql:{engine.endpoint}", "--graph-store", engine.graph_crud]
    extra = ["--replace"] if replace else []
    return cli.main(argv + ["--base", BASE] + extra + [str(path) for path in paths])


def state(engine) -> tuple[list[str], set[str]]:
    """The graphs under the base the store holds, and its report's triples."""
    store = RemoteStore(engine.endpoint)
    graphs = sorted(g.value for g in store.named_graphs() if g.value.startswith(BASE))
    report = store.triples(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{BASE}{VALIDATION_GRAPH}> {{ ?s ?p ?o }} }}",
        named_graphs=[f"{BASE}{VALIDATION_GRAPH}"],
    )
    return graphs, {str(t) for t in report}


def test_a_load_covering_fewer_graphs_is_refused_unless_it_replaces_them(engine, sources, capsys):
    assert load(engine, sources) == cli.EXIT_OK
    graphs, report = state(engine)
    assert f"{BASE}graph/alpha" in graphs and f"{BASE}graph/beta" in graphs and report
    capsys.readouterr()

    assert load(engine, sources / "alpha") == cli.EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert f"it holds data graphs the new data lacks ({BASE}graph/beta)" in err
    assert "--replace" in err
    assert state(engine) == (graphs, report), "a refused load must change nothing"

    assert load(engine, sources / "alpha", replace=True) == cli.EXIT_OK
    after, _ = state(engine)
    assert f"{BASE}graph/alpha" in after and f"{BASE}graph/beta" not in after


def test_an_empty_folder_is_refused_before_anything_is_sent(engine, sources, tmp_path, capsys):
    assert load(engine, sources) == cli.EXIT_OK
    before = state(engine)
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    assert load(engine, empty) == cli.EXIT_UNREADABLE
    assert f"no sources in {empty}" in capsys.readouterr().err
    assert state(engine) == before
