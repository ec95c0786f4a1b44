"""Does a store loaded before fork stay shared? Private memory a forked child dirties by reading.

Loads a corpus into pyoxigraph's in-memory store and builds the label index, freezes the
collector, then forks one child per kind of read and prints how many MB of the child's pages
became private (``Private_Dirty`` of ``/proc/self/smaps_rollup``) after ``--reads`` lookups:

- ``one subject``: ``quads_for_pattern`` on the same subject each time;
- ``random subjects``: on a random labelled subject each time (what dereference and SPARQL do);
- ``labels``: the Python label index only.

    python -m bench.forkcopy --corpus bench/corpora/1000000-seed1 --reads 20000
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
from pathlib import Path

import pyoxigraph as ox

from server.publish.labels import LabelIndex

LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def private_dirty_mb() -> int:
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Private_Dirty"):
                return int(line.split()[1]) // 1024
    return 0


def child(kind: str, reads: int, store: ox.Store, labels: LabelIndex, iris: list[str]) -> None:
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    before, rng = private_dirty_mb(), random.Random(1)
    for _ in range(reads):
        if kind == "labels":
            labels.get(rng.choice(iris), "en")
            continue
        iri = iris[0] if kind == "one subject" else rng.choice(iris)
        for _quad in store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
            pass
    print(f"{kind:16} {reads} reads: private dirty {before} -> {private_dirty_mb()} MB", flush=True)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.forkcopy", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--reads", type=int, default=20000)
    args = parser.parse_args(argv)
    store = ox.Store()
    store.load(path=str(args.corpus / "corpus.nq"), format=ox.RdfFormat.N_QUADS, lenient=True)
    labels = LabelIndex.from_store(store)
    iris = sorted({q.subject.value for q in store.quads_for_pattern(None, LABEL, None, None)})
    gc.collect()
    gc.freeze()
    print(f"{len(store):,} quads, {len(iris):,} labelled subjects", flush=True)
    for kind in ("one subject", "random subjects", "labels"):
        child(kind, args.reads, store, labels, iris)
    return 0


if __name__ == "__main__":
    sys.exit(main())
