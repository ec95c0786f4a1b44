"""The HTTP layer by measurement: the same WSGI apps under gunicorn's sync and gthread workers
and under granian, driven by wrk with the benchmark's pools, one host after the other.

A host is ``APP:SERVER[:THREADS]``: APP ``hello`` (the Flask hello-world, the HTTP floor) or
``policygraph`` (the publisher over the corpus, loaded before fork); SERVER ``gunicorn-gthread``
(for policygraph its own deployment, ``bench.pgserve``: ``server.run.serving`` with its worker
class; for hello the floor of ``bench/run``), ``gunicorn-sync`` or ``granian`` (``bench.hosts``);
THREADS per worker where the server has threads (granian's default is its own: half its
per-worker backpressure, 256 with two workers). Every host runs one worker per CPU.

    python -m bench.httplayer --triples 1M --workloads describe,claims_by_claimant,deref_turtle \
        --hosts hello:gunicorn-sync,hello:gunicorn-gthread,hello:granian,\
policygraph:gunicorn-gthread,policygraph:granian --connections 1,16,32 --seconds 5

The hello-world answers every path, so its one workload is the Turtle dereference's pool. The
table and the raw figures (``bench/results/httplayer-*.json``) follow.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import generate, load, queries, run, systems
from bench.generate import Manifest
from bench.servers import Server, free_port

DEFAULT_HOSTS = (
    "hello:gunicorn-sync,hello:gunicorn-gthread,hello:granian,"
    "policygraph:gunicorn-gthread,policygraph:granian"
)


def start(spec: str, corpus: Path, base: str, logdir: Path, workers: int) -> systems.System:
    app, server, *rest = spec.split(":")
    threads = rest[0] if rest else None
    settings = systems.gunicorn_settings(workers)
    if server == "gunicorn-gthread" and threads:
        settings["threads"] = int(threads)
    if (app, server) == ("hello", "gunicorn-gthread"):
        return systems.start_hello(logdir, settings)
    if (app, server) == ("policygraph", "gunicorn-gthread") and not threads:
        return systems.start_policygraph(logdir, settings, corpus, base)
    port = free_port()
    command = [sys.executable, "-m", "bench.hosts", "--server", server, "--app", app]
    command += ["--port", str(port), "--workers", str(workers)]
    if app == "policygraph":
        command += ["--corpus", str(corpus), "--base", base]
    if threads:
        command += ["--threads", threads]
    probe = "sparql?query=ASK%7B%7D" if app == "policygraph" else ""
    process = Server(
        command,
        logdir,
        port=port,
        name=spec.replace(":", "-"),
        env={"PYTHONUNBUFFERED": "1"},
        probe=probe,
        accept="application/sparql-results+json",
    )
    return systems.System.started(process, "/sparql" if app == "policygraph" else None, True, 1800)


def measure(spec: str, corpus: Path, manifest: Manifest, args, logdir: Path) -> dict:
    app = spec.split(":")[0]
    server = start(spec, corpus, manifest.base, logdir, args.workers)
    record = {
        "startup_seconds": round(server.startup_seconds, 1),
        "memory_after_start": server.memory(),
        "cases": {},
    }
    try:
        if app == "hello":
            pools = {"hello": queries.deref_requests(manifest, "text/turtle", args.pool, args.seed)}
        else:
            pools = run.workloads_for(server, manifest, args.pool, args.seed)
        for name in ["hello"] if app == "hello" else args.workloads:
            if name not in pools:
                raise SystemExit(f"bench.httplayer: unknown workload {name}: {sorted(pools)}")
            requests = pools[name]
            problems, _ = load.check(server.url, requests)
            record["cases"][name] = {"check": problems}
            for connections in args.connections:
                server.settle()
                figures = [
                    load.run_wrk(server.url, requests, connections, args.seconds)
                    for _ in range(args.repeats)
                ]
                best = sorted(figures, key=lambda f: f["rps"])[len(figures) // 2]
                best["loadavg_1min_after"] = os.getloadavg()[0]
                record["cases"][name][str(connections)] = best
                run.log(
                    f"{spec:32} {name:20} c={connections:<3} {best['rps']:9.1f} req/s "
                    f"p50 {best['p50_ms']:7.2f} ms p99 {best['p99_ms']:7.2f} ms "
                    f"errors {best['error_count']} load {best['loadavg_1min_after']:.2f}"
                )
        record["memory_at_end"] = server.memory()
    finally:
        server.stop()
    return record


def print_table(results: dict) -> None:
    print("\n| host | workload | c | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for spec, record in results["hosts"].items():
        for name, case in record["cases"].items():
            for level, figures in case.items():
                if level == "check":
                    continue
                print(
                    f"| {spec} | {name} | {level} | {figures['rps']:.0f} | "
                    f"{figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} | "
                    f"{figures['error_count']} |"
                )
    for spec, record in results["hosts"].items():
        before, after = record["memory_after_start"], record.get("memory_at_end", {})
        print(
            f"{spec}: ready in {record['startup_seconds']} s, PSS {before['pss_mb'] or 0:.0f} MB "
            f"after start, {after.get('pss_mb') or 0:.0f} MB at the end "
            f"({after.get('processes', 0)} processes)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.httplayer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--triples", type=generate.parse_size, default=100_000)
    parser.add_argument("--hosts", default=DEFAULT_HOSTS)
    parser.add_argument("--workloads", default="describe,claims_by_claimant,deref_turtle")
    parser.add_argument("--connections", default="1,16,32")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=1, help="runs per case (the median)")
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", default=run.DEFAULT_BASE)
    parser.add_argument("--corpora", type=Path, default=run.HERE / "corpora")
    parser.add_argument("--results", type=Path, default=run.HERE / "results")
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    args.connections = [int(c) for c in args.connections.split(",")]
    if not load.wrk_available():
        print("bench.httplayer: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    corpus = run.corpus_for(args.corpora, args.triples, args.seed, args.base)
    manifest = Manifest.read(corpus / "corpus.json")
    logdir = Path(tempfile.mkdtemp(prefix="bench-httplayer-logs-"))
    results = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.httplayer", *(argv or sys.argv[1:])]),
        "machine": run.machine(),
        "corpus": {"path": str(corpus), "triples": manifest.triples},
        "hosts": {},
    }
    for spec in [h.strip() for h in args.hosts.split(",") if h.strip()]:
        run.log(f"starting {spec} (load average {os.getloadavg()[0]:.2f})")
        results["hosts"][spec] = measure(spec, corpus, manifest, args, logdir)
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results / f"httplayer-{stamp}-{manifest.triples}.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print_table(results)
    print(f"\nraw numbers: {out}; server logs in {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
