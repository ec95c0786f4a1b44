"""Indexes kept beside an on-disk store (server.publish.indexes): read at a restart while they are
still those of the store, the settings and the code, computed again otherwise, never fatal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.app import create_app
from server.publish import indexes as snapshot
from server.publish.publication import EXTENSION

TINY = Path(__file__).parent / "data" / "tiny" / "north-korea-opportunity"
BASE = "http://localhost/"
#: Pages whose bytes derive from the indexes: the home page, VoID, the sitemap, a thing, search,
#: a date range the date index rewrites.
PAGES = (
    ("/", "text/html"),
    ("/dataset", "text/turtle"),
    ("/sitemap.xml", "application/xml"),
    ("/doc/actor/ted-galen-carpenter", "text/html"),
    ("/search?q=korea", "application/json"),
    (
        "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20%3Chttp%3A%2F%2Fschema.org%2F"
        "datePublished%3E%20%3Fd%20FILTER(%3Fd%20%3E%3D%20%222013-01-01%22%5E%5E%3Chttp%3A%2F%2F"
        "www.w3.org%2F2001%2FXMLSchema%23date%3E)%20%7D",
        "application/sparql-results+json",
    ),
)


def _settings(tmp_path: Path, **extra) -> dict:
    return {
        "base": BASE,
        "store": f"oxigraph:{tmp_path / 'store'}",
        "data": [str(TINY)],
        "dumps_dir": str(tmp_path / "dumps"),
        **extra,
    }


def _start(settings: dict):
    app = create_app(settings)
    return app, app.extensions[EXTENSION]


def _pages(app) -> dict[str, tuple[int, bytes, str | None]]:
    client = app.test_client()
    out = {}
    for path, accept in PAGES:
        response = client.get(path, headers={"Accept": accept})
        out[path] = (response.status_code, response.data, response.headers.get("ETag"))
    return out


def test_a_restart_reads_the_saved_indexes_and_serves_the_same_bytes(tmp_path):
    settings = _settings(tmp_path)
    cold_app, cold = _start(settings)
    assert not cold.indexes_restored
    assert snapshot.file_for(tmp_path / "store").is_file()
    warm_app, warm = _start(settings)
    assert warm.indexes_restored
    assert warm.things == cold.things and len(warm.things) > 5
    assert warm.counts == cold.counts
    assert (warm.labels.labels, warm.labels.alt) == (cold.labels.labels, cold.labels.alt)
    assert warm.date_index == cold.date_index and warm.date_index.plain
    assert warm.dumps == cold.dumps
    assert warm.loaded_at == cold.loaded_at
    cold_pages, warm_pages = _pages(cold_app), _pages(warm_app)
    assert all(status == 200 for status, _, _ in cold_pages.values()), cold_pages
    assert warm_pages == cold_pages


def test_indexes_of_a_store_changed_since_are_computed_again(tmp_path):
    settings = _settings(tmp_path)
    _start(settings)
    store = ox.Store(str(tmp_path / "store"))
    thing = ox.NamedNode(f"{BASE}id/actor/added-later")
    label = ox.Literal("Added later", language="en")
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    graph_name = next(g for g in store.named_graphs() if g.value.startswith(f"{BASE}graph/"))
    for name in (graph_name, ox.DefaultGraph()):
        store.add(ox.Quad(thing, rdfs_label, label, name))
    store.flush()
    del store
    _, pub = _start(settings)
    assert not pub.indexes_restored
    assert pub.labels.get(thing.value) == "Added later"
    assert thing.value in pub.things


@pytest.mark.parametrize("change", ["cut short", "not ours"])
def test_an_unreadable_index_file_is_computed_again_and_replaced(tmp_path, change):
    settings = _settings(tmp_path)
    _, cold = _start(settings)
    saved = snapshot.file_for(tmp_path / "store")
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2] if change == "cut short" else b"\x00" + data)
    _, again = _start(settings)
    assert not again.indexes_restored and again.things == cold.things
    _, third = _start(settings)
    assert third.indexes_restored


def test_a_changed_setting_computes_the_indexes_again(tmp_path):
    _start(_settings(tmp_path))
    _, pub = _start(_settings(tmp_path, dumps_dir=str(tmp_path / "elsewhere")))
    assert not pub.indexes_restored
    assert all(d.path.parent == tmp_path / "elsewhere" for d in pub.dumps)


def test_dumps_removed_since_the_indexes_were_saved_are_written_again(tmp_path):
    settings = _settings(tmp_path)
    _start(settings)
    for path in (tmp_path / "dumps").iterdir():
        path.unlink()
    app, pub = _start(settings)
    assert pub.indexes_restored
    response = app.test_client().get("/dumps/policygraph.nq.gz", buffered=True)
    response.close()
    assert response.status_code == 200
    checksum = (tmp_path / "dumps" / "policygraph.nq.gz.sha256").read_text().split()[0]
    assert hashlib.sha256(response.data).hexdigest() == checksum == pub.dumps[0].sha256


def test_a_folder_where_the_indexes_cannot_be_written_does_not_stop_the_start(tmp_path):
    settings = _settings(tmp_path)
    snapshot.file_for(tmp_path / "store").mkdir(parents=True)  # os.replace onto it fails
    app, pub = _start(settings)
    assert not pub.indexes_restored
    assert app.test_client().get("/", headers={"Accept": "text/html"}).status_code == 200
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.indexes")] == []


def test_a_read_only_open_changes_no_file_the_key_depends_on(tmp_path):
    """DESIGN.md § Store and scale: workers open the store read-only; if that touched a file the
    key covers, every restart would recompute the indexes."""
    _start(_settings(tmp_path))
    before = snapshot.fingerprint(tmp_path / "store")
    store = ox.Store.read_only(str(tmp_path / "store"))
    assert list(store.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1"))
    del store
    assert snapshot.fingerprint(tmp_path / "store") == before


def test_the_code_digest_follows_the_code_and_ignores_bytecode(tmp_path, monkeypatch):
    for package in snapshot.PACKAGES:
        (tmp_path / package / "__pycache__").mkdir(parents=True)
        (tmp_path / package / "module.py").write_text("ANSWER = 1\n")
    monkeypatch.setattr(snapshot, "ROOT", tmp_path)
    first = snapshot.code_digest()
    (tmp_path / "server" / "__pycache__" / "module.cpython.pyc").write_bytes(b"\x00")
    assert snapshot.code_digest() == first
    (tmp_path / "graph" / "module.py").write_text("ANSWER = 2\n")
    assert snapshot.code_digest() != first
