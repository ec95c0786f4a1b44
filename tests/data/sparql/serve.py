"""A publisher over the SPARQL test dataset, for tests that need a real server process.

Builds the app with only what the SPARQL endpoint needs (the errors, the SPARQL blueprint and a
publication over ``dataset.trig``), so the endpoint's tests do not depend on the curated graph.
Run with gunicorn (``gunicorn --chdir tests/data/sparql 'serve:make_app()'``) or directly
(``python serve.py PORT``, Werkzeug's threaded server).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def make_app(base: str | None = None, **config):
    import pyoxigraph as ox
    from flask import Flask

    import graph.store
    from server import errors, settings
    from server.publish.labels import LabelIndex
    from server.publish.publication import EXTENSION, Publication
    from server.views import sparql

    base = base or os.environ.get("POLICYGRAPH_BASE", "http://127.0.0.1:8080/")
    overrides = json.loads(os.environ.get("POLICYGRAPH_TEST_CONFIG", "{}"))
    resolved = settings.resolve({"base": base, **overrides, **config})
    store = ox.Store()
    store.load(path=str(HERE / "dataset.trig"), format=ox.RdfFormat.TRIG, base_iri=base)
    names = sorted(
        (g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value
    )
    reserved = {f"{base}graph/ontology", f"{base}graph/shapes"}
    # The default graph: the union of the data graphs, as a real build makes it.
    embedded = graph.store.EmbeddedStore.loaded(store, reserved)
    pub = Publication(
        base=base,
        store=embedded,
        data_graphs=tuple(g for g in names if g.value not in reserved),
        ontology_graph=ox.NamedNode(f"{base}graph/ontology"),
        shapes_graph=ox.NamedNode(f"{base}graph/shapes"),
        labels=LabelIndex.from_store(embedded),
        validation=None,
        settings=resolved,
    )
    app = Flask("server")
    app.config["POLICYGRAPH"] = resolved
    errors.register(app)
    app.register_blueprint(sparql.blueprint)
    app.extensions[EXTENSION] = pub
    return app


if __name__ == "__main__":
    port = int(sys.argv[1])
    make_app(f"http://127.0.0.1:{port}/").run("127.0.0.1", port, threaded=True)
