"""The engine floor: bare pyoxigraph running the benchmark's work in-process, no HTTP.

Each query of the SPARQL mix is executed with fresh random parameters (drawn before the clock
starts) and its results are serialized (SPARQL JSON for SELECT, Turtle for CONSTRUCT/DESCRIBE),
which is the least any server must do. Dereference is ``quads_for_pattern`` on the subject plus a
Turtle serialization.

The queries read the union of the corpus's graphs as their default graph. By default
(``--layout union-flag``) the store holds the corpus's named graphs and the queries read them
with pyoxigraph's ``use_default_graph_as_union``, which yields a triple once per graph holding
it: the same answers as the publisher's default graph (a set) on these corpora, where no triple
is in two graphs, with each triple stored once. ``--layout`` measures the alternatives
(:data:`LAYOUTS`), among them the publisher's own (``copy``).
Run in its own process so its memory does not count against any server:

    python -m bench.engine --corpus bench/corpora/1m --seconds 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph

from bench.generate import Manifest
from bench.progress import load_with_progress
from bench.queries import SPARQL_MIX, random_thing, thing_iri


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {
        "n": len(ordered),
        "mean_ms": statistics.fmean(ordered) * 1e3,
        "p50_ms": at(50) * 1e3,
        "p95_ms": at(95) * 1e3,
        "p99_ms": at(99) * 1e3,
        "rps_one_thread": len(ordered) / sum(ordered) if sum(ordered) else 0.0,
    }


#: How the engine floor's store holds the corpus: ``union-flag``, the named graphs, read with
#: pyoxigraph's union flag (the floor); ``copy``, the named graphs and their union copied into
#: the default graph (the publisher's layout: every triple twice); ``alone``, only the union.
LAYOUTS = ("union-flag", "copy", "alone")


def load(corpus: Path, layout: str) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    load_with_progress(store, corpus / "corpus.nq", label="engine floor: loading")
    if layout == "copy":
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    elif layout == "alone":
        union = pyoxigraph.Store()
        union.bulk_extend(
            pyoxigraph.Quad(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None)
        )
        store = union
    return store


def execute(store: pyoxigraph.Store, text: str, union_flag: bool = False) -> bytes:
    """Run ``text`` on the default graph (or with pyoxigraph's union flag) and serialize the
    whole result."""
    result = store.query(text, use_default_graph_as_union=union_flag)
    if isinstance(result, pyoxigraph.QuerySolutions):
        return result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
    if isinstance(result, pyoxigraph.QueryTriples):
        return result.serialize(format=pyoxigraph.RdfFormat.TURTLE)
    return b"true" if result else b"false"


def describe_resource(store: pyoxigraph.Store, iri: str) -> bytes:
    subject = pyoxigraph.NamedNode(iri)
    triples = [quad.triple for quad in store.quads_for_pattern(subject, None, None)]
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE)


def measure(work, draw, seconds: float, minimum: int = 20, drawn: int = 5_000) -> dict:
    """Time ``work(x)`` over ``x`` from ``drawn`` values of ``draw()``, cycled, drawn beforehand."""
    inputs = [draw() for _ in range(drawn)]
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < minimum:
        value = inputs[len(samples) % drawn]
        started = time.perf_counter()
        work(value)
        samples.append(time.perf_counter() - started)
        if len(samples) >= 200_000:
            break
    return _percentiles(samples)


def run(
    corpus: Path,
    seconds: float,
    seed: int,
    names: list[str] | None = None,
    layout: str = "union-flag",
) -> dict:
    manifest = Manifest.read(corpus / "corpus.json")
    started = time.perf_counter()
    store = load(corpus, layout)
    union_flag = layout == "union-flag"
    results = {
        "load_seconds": time.perf_counter() - started,
        "triples": len(store),
        "layout": layout,
        "workloads": {},
    }
    rng = random.Random(f"engine:{seed}")

    def thing() -> str:
        return thing_iri(manifest, *random_thing(rng, manifest))

    results["workloads"]["deref"] = measure(
        lambda iri: describe_resource(store, iri), thing, seconds
    )
    for name, make in SPARQL_MIX.items():
        if names and name not in names:
            continue
        results["workloads"][name] = measure(
            lambda text: execute(store, text, union_flag),
            lambda make=make: make(rng, manifest)[0],
            seconds,
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="names of SPARQL-mix queries to run")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="union-flag",
        help="how the store holds the corpus (default: union-flag, the engine floor)",
    )
    args = parser.parse_args(argv)
    json.dump(run(args.corpus, args.seconds, args.seed, args.only, args.layout), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
