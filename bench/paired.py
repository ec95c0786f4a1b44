"""Two systems measured in alternation: policygraph and Oxigraph server, case by case.

``bench/run`` measures one system after the other, so on a shared machine a change of load
between them lands in their ratio. Here both run at once, and every case (workload,
concurrency) is measured on each in turn, ``--rounds`` times (A B A B …); the report gives each
system's median per case, the ratio of the medians, and the load average during each case.

    python -m bench.paired --triples 1M --workloads claims_by_claimant,describe,resource_construct \
        --connections 1,16,32 --unique --rounds 2 --seconds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import generate, load, peers, queries, run, systems
from bench.generate import Manifest


def pools(manifest: Manifest, names: list[str], unique: bool, pool: int, seed: int) -> dict:
    """Each workload's requests, per system (their SPARQL paths differ)."""
    out = {}
    for name in names:
        for path in ("/sparql", "/query"):
            out[(name, path)] = queries.sparql_requests(manifest, name, path, pool, seed)
            if unique:
                out[(name + queries.UNIQUE, path)] = queries.unique_requests(
                    manifest, name, path, pool, seed
                )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.paired", description=__doc__)
    parser.add_argument("--triples", type=generate.parse_size, default=1_000_000)
    parser.add_argument("--workloads", default="claims_by_claimant,describe,resource_construct")
    parser.add_argument("--connections", default="1,16,32")
    parser.add_argument("--unique", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", default=run.DEFAULT_BASE)
    parser.add_argument("--corpora", type=Path, default=run.HERE / "corpora")
    parser.add_argument("--results", type=Path, default=run.HERE / "results")
    args = parser.parse_args(argv)
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    levels = [int(c) for c in args.connections.split(",")]
    corpus = run.corpus_for(args.corpora, args.triples, args.seed, args.base)
    manifest = Manifest.read(corpus / "corpus.json")
    logdir = Path(tempfile.mkdtemp(prefix="bench-paired-logs-"))
    work = pools(manifest, names, args.unique, args.pool, args.seed)
    settings = systems.gunicorn_settings()
    started = []
    results: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.paired", *(argv or sys.argv[1:])]),
        "machine": run.machine(),
        "cases": {},
    }
    try:
        started.append(systems.start_policygraph(logdir, settings, corpus, manifest.base))
        started.append(peers.start_oxigraph(logdir, corpus))
        for server in started:
            run.log(f"{server.name} ready in {server.startup_seconds:.1f} s")
        workloads = sorted({name for name, _ in work}, key=lambda n: (n.endswith("unique"), n))
        for name in workloads:
            unique = name.endswith(queries.UNIQUE)
            for server in started:
                problems, rows = load.check(server.url, work[(name, server.sparql_path)])
                if problems:
                    run.log(f"{server.name} {name}: {problems[0]}")
            for level in levels:
                figures: dict[str, list] = {server.name: [] for server in started}
                loads = []
                for _ in range(args.rounds):
                    for server in started:
                        server.settle()
                        requests = work[(name, server.sparql_path)]
                        figures[server.name].append(
                            load.run_wrk(server.url, requests, level, args.seconds, unique=unique)
                        )
                        loads.append(os.getloadavg()[0])
                case = {
                    system: {
                        "rps": statistics.median(f["rps"] for f in runs),
                        "p50_ms": statistics.median(f["p50_ms"] for f in runs),
                        "errors": sum(f["error_count"] for f in runs),
                        "runs": [(round(f["rps"], 1), f["p50_ms"]) for f in runs],
                    }
                    for system, runs in figures.items()
                }
                case["loadavg_1min"] = [min(loads), max(loads)]
                results["cases"][f"{name} c={level}"] = case
                ours, theirs = case["policygraph"], case["oxigraph"]
                run.log(
                    f"{name:28} c={level:<3} policygraph {ours['rps']:8.1f} req/s p50 "
                    f"{ours['p50_ms']:6.2f} ms | oxigraph {theirs['rps']:8.1f} req/s p50 "
                    f"{theirs['p50_ms']:6.2f} ms | rps ratio {ours['rps'] / theirs['rps']:.2f} "
                    f"p50 ratio {ours['p50_ms'] / theirs['p50_ms']:.2f} | load "
                    f"{min(loads):.1f}–{max(loads):.1f}"
                )
    finally:
        for server in started:
            server.stop()
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results / f"paired-{stamp}-{manifest.triples}.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"raw numbers: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
