"""Serve a synthetic N-Quads corpus with policygraph's own gunicorn deployment.

``policygraph serve`` reads curated Turtle and validates it with pyshacl, which does not scale to
benchmark corpora (validation is measured separately, see bench/startup.py). This entry point
loads the corpus's N-Quads straight into pyoxigraph (with progress), adds the ontology and the
shapes in their named graphs as the publisher does, builds the publication with
``server.publish.publication.build(settings, store=…)`` and serves it with
``server.run.serving.PublisherApplication`` — the same app factory, precomputation, gunicorn
settings, preload-before-fork and post-fork store handling as a real deployment.

    python -m bench.pgserve --corpus bench/corpora/1000000-seed1 --port 8080 \
        [--store oxigraph:DIR] [--precompute auto|true|false] [--default-graph data|all]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import pyoxigraph as ox

import graph.store
from bench.progress import load_with_progress


def vocabulary_ntriples(base: str) -> dict[str, bytes]:
    """The ontology and the shapes as N-Triples, keyed by their named graph IRI."""
    import ontology
    import shapes

    out = {}
    for slug, loader in ((graph.ONTOLOGY_GRAPH, ontology.load), (graph.SHAPES_GRAPH, shapes.load)):
        try:
            data = loader(base).serialize(format="nt", encoding="utf-8")
        except Exception as error:  # noqa: BLE001 - absent vocabulary files: serve without
            print(f"bench.pgserve: no {slug} graph ({error})", file=sys.stderr)
            continue
        out[str(graph.graph_name(base, slug))] = data
    return out


def load_store(
    corpus: Path, base: str, store_setting: str, union: bool = True
) -> graph.store.EmbeddedStore:
    """The corpus plus ontology and shapes: in memory, or on disk (built once, then reused).

    With ``union`` the default graph gets the union of the data graphs."""
    nquads = corpus / "corpus.nq"
    extra = vocabulary_ntriples(base)
    if store_setting == "memory":
        store = ox.Store()
        # The corpus comes from bench/generate.py: its IRIs and literals are known valid.
        load_with_progress(store, nquads, label="policygraph: loading", lenient=True)
        for name, data in extra.items():
            store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        return graph.store.EmbeddedStore.loaded(store, extra, union)
    path = Path(store_setting.removeprefix("oxigraph:"))
    if not path.is_dir():
        staging = path.with_name(path.name + ".building")
        store = ox.Store(str(staging))
        load_with_progress(
            store, nquads, bulk=True, label="policygraph: bulk loading", lenient=True
        )
        for name, data in extra.items():
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        if union:
            graph.store.materialize_union(store, extra)
        store.flush()
        store.optimize()
        del store
        graph.store.drop_spent_log(staging)
        staging.rename(path)
    return graph.store.EmbeddedStore.on_disk(path, union)


def build_app(
    corpus: Path,
    base: str,
    store_setting: str,
    workers: int | None,
    port: int,
    precompute: str = "auto",
    default_graph: str = "data",
):
    from server import settings
    from server.app import create_app
    from server.publish.publication import build
    from shapes import Validation

    started = time.monotonic()
    resolved = settings.resolve(
        {
            "base": base,
            "store": store_setting,
            "workers": workers,
            "port": port,
            "host": "127.0.0.1",
            "precompute": precompute,
            "default_graph": default_graph,
        }
    )
    store = load_store(corpus, base, store_setting, resolved.default_graph == "data")
    loaded = time.monotonic()
    print(
        f"bench.pgserve: store ready in {loaded - started:.1f} s ({len(store):,} quads)",
        file=sys.stderr,
        flush=True,
    )
    validation = Validation(
        True,
        "",
        [],
        "synthetic benchmark corpus: generated conforming "
        "(bench/generate.py); not re-validated at startup",
    )
    publication = build(resolved, store=store, validation=validation)
    app = create_app(resolved, publication=publication)
    print(
        f"bench.pgserve: publication built in {time.monotonic() - loaded:.1f} s "
        f"({publication.rendering()})",
        file=sys.stderr,
        flush=True,
    )
    return app, resolved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pgserve", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8080/")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--store", default="memory")
    parser.add_argument(
        "--precompute",
        default="auto",
        choices=("auto", "true", "false"),
        help="the `precompute` setting (default auto)",
    )
    parser.add_argument(
        "--default-graph",
        default="data",
        choices=("data", "all"),
        help="the `default_graph` setting (default data)",
    )
    args = parser.parse_args(argv)
    from server.publish.publication import EXTENSION
    from server.run import serving

    app, resolved = build_app(
        args.corpus,
        args.base,
        args.store,
        args.workers,
        args.port,
        args.precompute,
        args.default_graph,
    )
    app.extensions[EXTENSION].store.before_fork()  # taken up again per worker (post_fork)
    gc.collect()
    gc.freeze()
    serving.PublisherApplication(app, resolved).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
