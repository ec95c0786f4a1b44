"""Per-query cost of running SPARQL in the forked child pool versus in-process.

Usage: python bench/sparql_overhead.py [--triples N] [--queries N]

Loads a synthetic store, then times the same queries (a one-resource lookup, a 100-row SELECT, a
COUNT) executed and serialized in-process (server.sparql.engine.execute) and through the pool
(server.sparql.engine.Pool.run: pickle the job, send it to a child, serialize there, send bytes
back). Prints medians and p95 in milliseconds, and the difference: the pool's overhead.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pyoxigraph as ox

from server.sparql.engine import Job, Pool, execute

BASE = "http://bench.example/"


def build(triples: int) -> ox.Store:
    store = ox.Store()
    graph = ox.NamedNode(BASE + "graph/bench")
    p = [ox.NamedNode(f"{BASE}p{i}") for i in range(10)]
    store.extend(
        ox.Quad(ox.NamedNode(f"{BASE}s{i // 10}"), p[i % 10], ox.Literal(f"value {i}"), graph)
        for i in range(triples)
    )
    return store


QUERIES = {
    "one resource": f"SELECT ?p ?o WHERE {{ <{BASE}s42> ?p ?o }}",
    "100 rows": f"SELECT ?s ?o WHERE {{ ?s <{BASE}p3> ?o }} LIMIT 100",
    "count": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{BASE}p3> ?o }}",
}


def timings(run, job: Job, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        run(job)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    store = build(args.triples)
    pool = Pool(store, 2)
    print(f"{args.triples} triples, {args.queries} runs each; milliseconds")
    print(
        f"{'query':14} {'in-process p50':>15} {'pool p50':>9} {'overhead p50':>13} "
        f"{'in-process p95':>15} {'pool p95':>9}"
    )
    try:
        for name, text in QUERIES.items():
            job = Job(text, BASE, [BASE + "graph/bench"], None, "json", "turtle", 10000, 10000)
            local = timings(lambda j: execute(store, j), job, args.queries)
            pooled = timings(lambda j: pool.run(j, 10.0), job, args.queries)
            p50_local, p50_pool = statistics.median(local), statistics.median(pooled)
            p95 = [statistics.quantiles(s, n=20)[18] for s in (local, pooled)]
            print(
                f"{name:14} {p50_local:15.3f} {p50_pool:9.3f} {p50_pool - p50_local:13.3f} "
                f"{p95[0]:15.3f} {p95[1]:9.3f}"
            )
    finally:
        pool.close()


if __name__ == "__main__":
    main()
