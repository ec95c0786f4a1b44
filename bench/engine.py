"""The engine floor: bare pyoxigraph running the benchmark's work in-process, no HTTP.

Each query of the SPARQL mix is executed with fresh random parameters and its results are
serialized (SPARQL JSON for SELECT, Turtle for CONSTRUCT/DESCRIBE), which is the least any server
must do. Dereference is ``quads_for_pattern`` on the subject plus a Turtle serialization.
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


def execute(store: pyoxigraph.Store, text: str) -> bytes:
    """Run ``text`` on the union default graph and serialize the whole result."""
    result = store.query(text, use_default_graph_as_union=True)
    if isinstance(result, pyoxigraph.QuerySolutions):
        return result.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
    if isinstance(result, pyoxigraph.QueryTriples):
        return result.serialize(format=pyoxigraph.RdfFormat.TURTLE)
    return b"true" if result else b"false"


def describe_resource(store: pyoxigraph.Store, iri: str) -> bytes:
    subject = pyoxigraph.NamedNode(iri)
    triples = [quad.triple for quad in store.quads_for_pattern(subject, None, None)]
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE)


def measure(work, seconds: float, minimum: int = 20) -> dict:
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < minimum:
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
        if len(samples) >= 200_000:
            break
    return _percentiles(samples)


def run(corpus: Path, seconds: float, seed: int, names: list[str] | None = None) -> dict:
    manifest = Manifest.read(corpus / "corpus.json")
    store = pyoxigraph.Store()
    started = time.perf_counter()
    load_with_progress(store, corpus / "corpus.nq", label="engine floor: loading")
    results = {
        "load_seconds": time.perf_counter() - started,
        "triples": len(store),
        "workloads": {},
    }
    rng = random.Random(f"engine:{seed}")

    def deref() -> None:
        describe_resource(store, thing_iri(manifest, *random_thing(rng, manifest)))

    results["workloads"]["deref"] = measure(deref, seconds)
    for name, make in SPARQL_MIX.items():
        if names and name not in names:
            continue

        def work(make=make) -> None:
            execute(store, make(rng, manifest)[0])

        results["workloads"][name] = measure(work, seconds)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="names of SPARQL-mix queries to run")
    args = parser.parse_args(argv)
    json.dump(run(args.corpus, args.seconds, args.seed, args.only), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
