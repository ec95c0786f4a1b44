"""Benchmark policygraph against its floors and peers, in one session, on this machine.

Generates (or reuses) a synthetic corpus, starts every system under test as a real server process
on loopback, drives each with wrk (random requests from a large pool of random parameters, over
keep-alive connections, at each concurrency level), and prints one table plus the ratios the
targets of bench/targets.toml are stated in. Raw numbers go to bench/results/*.json (gitignored).

Systems:
  policygraph      the publisher's app factory under gunicorn (data loaded before fork)
  hello            a Flask hello-world under the same gunicorn settings (the HTTP floor)
  engine           bare pyoxigraph running the same work in-process (the engine floor)
  rdflib-endpoint  rdflib-endpoint serving the same N-Quads (skipped if not installed)
  virtuoso         Virtuoso Open Source from Debian, private ini, bulk-loaded (skipped, with a
                   message, when virtuoso-t is not installed)
  oxigraph         Oxigraph's own server (PyPI oxigraph): oxigraph load, then serve-read-only
                   --union-default-graph (skipped, with a message, when not installed)
  nginx-site       nginx with the configuration of `policygraph export-site` over the corpus's
                   exported site, in front of policygraph (dereference only)
  nginx-files      nginx serving the same files plainly: the HTTP limit (dereference only)

Workloads: dereference of random resources ({base}doc/{kind}/{slug}) as Turtle, JSON-LD and
HTML; the SPARQL mix: claims_by_claimant, events_in_range, disputes_parties_lang, describe,
count_by_type, quote_text, and resource_construct (a dereference as one CONSTRUCT, for
SPARQL-only systems).

  bench/run --quick                  # 10k triples, ~1 s a case: the CI smoke test
  bench/run --triples 1M             # the full run: medians of 3, 1 and 32 connections

Exit status: 0 when the harness ran (whatever the speed), 1 when the harness itself broke.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import generate, load, peers, queries, report, systems, targets
from bench.generate import Manifest

HERE = Path(__file__).resolve().parent

SYSTEMS = report.SYSTEMS
DEFAULT_BASE = "http://127.0.0.1:8080/"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def corpus_for(folder: Path, triples: int, seed: int, base: str) -> Path:
    """The cached corpus of that size, seed and base, generated when absent."""
    path = folder / f"{triples}-seed{seed}"
    manifest = path / "corpus.json"
    if manifest.is_file() and (path / "corpus.nq").is_file():
        cached = Manifest.read(manifest)
        if (cached.requested, cached.seed, cached.base) == (triples, seed, base):
            log(f"reusing corpus {path} ({cached.triples:,} triples)")
            return path
    log(f"generating {triples:,} triples into {path}")
    made = generate.generate(path, triples, base, seed)
    log(f"generated {made.triples:,} triples in {made.seconds:.1f} s")
    return path


def machine() -> dict:
    info = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": os.getloadavg(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    versions = {}
    for package in ("pyoxigraph", "oxigraph", "flask", "gunicorn", "rdflib", "rdflib-endpoint"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001
            versions[package] = None
    for name, command in (
        ("wrk", ["wrk", "-v"]),
        ("virtuoso", ["virtuoso-t", "-?"]),
        ("nginx", ["nginx", "-v"]),
    ):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            text = (out.stdout + out.stderr).strip().splitlines()
            versions[name] = next(
                (line for line in text if "ersion" in line or "wrk" in line),
                text[0] if text else None,
            )
        except (OSError, subprocess.TimeoutExpired):
            versions[name] = None
    info["versions"] = versions
    try:
        info["commit"] = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        pass
    return info


def workloads_for(
    server: systems.System, manifest: Manifest, pool: int, seed: int, unique: bool = False
) -> dict[str, list[tuple[str, str]]]:
    """Each workload's pool of requests; ``unique``: the SPARQL mix once more, in unique mode
    (every request of a run differs: :func:`bench.queries.uniquify`), as ``{name}+unique``."""
    work: dict[str, list[tuple[str, str]]] = {}
    if server.name == "hello":
        work["hello"] = queries.deref_requests(manifest, "text/turtle", pool, seed)
        return work
    if server.deref:
        for name, accept in queries.DEREF_FORMATS.items():
            work[f"deref_{name}"] = queries.deref_requests(manifest, accept, pool, seed)
    if server.sparql_path:
        for name in queries.SPARQL_MIX:
            work[name] = queries.sparql_requests(manifest, name, server.sparql_path, pool, seed)
    if server.sparql_path and unique:
        for name in queries.SPARQL_MIX:
            work[name + queries.UNIQUE] = queries.unique_requests(
                manifest, name, server.sparql_path, pool, seed
            )
    return work


def median_case(runs: list[dict]) -> dict:
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "error_count")
    merged = {key: statistics.median(run[key] for run in runs) for key in keys}
    merged["requests"] = sum(run["requests"] for run in runs)
    merged["errors"] = {
        kind: sum(run["errors"][kind] for run in runs) for kind in runs[0]["errors"]
    }
    merged["runs"] = runs
    return merged


def bench_server(server: systems.System, manifest: Manifest, args, results: dict) -> None:
    record = results["systems"][server.name] = {
        "startup_seconds": server.startup_seconds,
        "peak_startup_rss_mb": server.peak_startup_rss_mb,
        "memory_after_start": server.memory(),
        "extra": dict(server.extra),
        "cases": {},
    }
    pools = workloads_for(server, manifest, args.pool, args.seed, args.unique)
    if args.workloads:
        pools = {
            name: requests
            for name, requests in pools.items()
            if name.removesuffix(queries.UNIQUE) in args.workloads or name == "hello"
        }
    for workload, requests in pools.items():
        unique = workload.endswith(queries.UNIQUE)
        problems, rows = load.check(server.url, requests)
        server.settle()
        if problems:
            log(f"{server.name} {workload}: check failed: {problems[0]}")
        record["cases"][workload] = {"check": problems, "rows": rows}
        if args.warmup and workload.startswith("deref_"):
            # Documents are rendered on their first request, each worker for itself, then
            # cached: a short run over a large pool would measure mostly first renderings.
            load.run_wrk(server.url, requests, max(args.connections), args.warmup)
            record["cases"][workload]["warmup_seconds"] = args.warmup + server.settle()
        slow = None
        for connections in sorted(args.connections):
            if slow is not None:
                # A system that needs over a second per query alone would only queue requests
                # at higher concurrency (and carry the backlog into the next case).
                record["cases"][workload][str(connections)] = {"skipped": slow}
                log(f"{server.name} {workload} c={connections}: skipped ({slow})")
                continue
            runs, memories = [], []
            for _ in range(args.repeats):
                try:
                    runs.append(
                        load.run_wrk(server.url, requests, connections, args.seconds, unique=unique)
                    )
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    log(f"{server.name} {workload} c={connections}: {error}")
                    continue
                runs[-1]["loadavg_1min_after"] = os.getloadavg()[0]
                memories.append(server.memory())
                runs[-1]["settle_seconds"] = server.settle()
            if not runs:
                continue
            case = median_case(runs)
            case["seconds"] = args.seconds
            if connections == 1 and (case["requests"] == 0 or case["p50_ms"] > 1000):
                slow = "over 1 s per query with one connection"
            case["memory"] = max(memories, key=lambda m: m["rss_mb"])
            record["cases"][workload][str(connections)] = case
            log(
                f"{server.name:16} {workload:28} c={connections:<3} {case['rps']:9.1f} req/s "
                f"p50 {case['p50_ms']:8.2f} ms p99 {case['p99_ms']:8.2f} ms "
                f"errors {case['error_count']:.0f} rss {case['memory']['rss_mb']:.0f} MB"
            )
    record["memory_at_end"] = server.memory()


def run_engine(corpus: Path, args, results: dict) -> None:
    seconds = max(0.3, args.seconds / 3)
    command = [
        sys.executable,
        "-m",
        "bench.engine",
        "--corpus",
        str(corpus),
        "--seconds",
        str(seconds),
        "--seed",
        str(args.seed),
    ]
    out = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
    if out.returncode != 0:
        raise RuntimeError(f"engine floor failed:\n{out.stderr[-3000:]}")
    results["systems"]["engine"] = json.loads(out.stdout)
    for name, figures in results["systems"]["engine"]["workloads"].items():
        log(
            f"{'engine':16} {name:22} 1 thread {figures['rps_one_thread']:9.1f} q/s "
            f"p50 {figures['p50_ms']:8.3f} ms p99 {figures['p99_ms']:8.3f} ms"
        )


def start(name: str, corpus: Path, manifest: Manifest, logdir: Path, args) -> systems.System:
    settings = systems.gunicorn_settings(args.workers)
    if name == "hello":
        return systems.start_hello(logdir, settings)
    if name == "policygraph" and args.attach:
        # A policygraph already serving this corpus (started by hand, e.g. bench.pgserve):
        # measured as is, never stopped by the harness.
        url, _, pid = args.attach.partition(",")
        return systems.attach(url, int(pid) if pid else None, args.attach_wait)
    if name == "policygraph":
        return systems.start_policygraph(logdir, settings, corpus, manifest.base, args.store)
    if name == "rdflib-endpoint":
        return systems.start_rdflib_endpoint(logdir, corpus)
    if name == "virtuoso":
        return systems.start_virtuoso(logdir, corpus, manifest.triples)
    if name == "oxigraph":
        return peers.start_oxigraph(logdir, corpus)
    if name == "nginx-site":
        return peers.start_nginx_site(logdir, settings, corpus, manifest.base)
    if name == "nginx-files":
        return peers.start_nginx_files(logdir, corpus, manifest.base)
    raise ValueError(name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 10k triples, 1 s a case, 16 connections, 1 repeat",
    )
    parser.add_argument(
        "--triples",
        type=generate.parse_size,
        default=None,
        help="corpus size: 10k, 100k, 1M, 5M or a number (default 1M; 10k with --quick)",
    )
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help=f"comma-separated subset of {','.join(SYSTEMS)}",
    )
    parser.add_argument(
        "--connections",
        default=None,
        help="comma-separated concurrency levels (default 1,32; 16 with --quick)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="duration of one case (default 10; 1 with --quick)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="runs per case, the median is reported (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="random requests pre-drawn per workload (default 5000; 100 quick)",
    )
    parser.add_argument(
        "--workloads",
        default=None,
        help="comma-separated subset of the workloads (deref_turtle, deref_jsonld, deref_html "
        "and the SPARQL mix; with --unique, a SPARQL workload's unique mode too); "
        "default: all. The HTTP floor's one workload is always run",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=0.0,
        help="seconds of unmeasured load on each dereference workload before it is measured, "
        "at the highest concurrency (documents are rendered on first request; default 0)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers for policygraph and hello (default: CPUs)",
    )
    parser.add_argument(
        "--store",
        default="memory",
        help="policygraph store: memory or oxigraph:PATH (built if absent)",
    )
    parser.add_argument(
        "--attach",
        metavar="URL[,PID]",
        help="measure an already running policygraph serving the same corpus "
        "(e.g. `python -m bench.pgserve`) instead of starting one; PID of its "
        "gunicorn master for memory figures",
    )
    parser.add_argument(
        "--attach-wait",
        type=float,
        default=60,
        help="seconds to wait for an attached server to answer (default 60)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="print the table and targets of a saved results file, without running anything",
    )
    parser.add_argument(
        "--unique",
        action="store_true",
        help="also measure the SPARQL mix in unique mode (no request repeats within a run), "
        "reported as WORKLOAD+unique beside the pooled figures",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--base",
        default=DEFAULT_BASE,
        help=f"base IRI of the corpus and of policygraph (default {DEFAULT_BASE})",
    )
    parser.add_argument(
        "--corpora",
        type=Path,
        default=HERE / "corpora",
        help="cache of generated corpora (default bench/corpora, gitignored)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=HERE / "results",
        help="where the JSON results go (default bench/results, gitignored)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.triples = args.triples or (10_000 if quick else 1_000_000)
    args.connections = [
        int(c) for c in (args.connections or ("16" if quick else "1,32")).split(",")
    ]
    args.seconds = args.seconds or (1.0 if quick else 10.0)
    args.repeats = args.repeats or (1 if quick else 3)
    args.pool = args.pool or (100 if quick else 5000)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    if args.workloads is not None:
        args.workloads = {w.strip() for w in args.workloads.split(",") if w.strip()}
        known = {f"deref_{name}" for name in queries.DEREF_FORMATS} | set(queries.SPARQL_MIX)
        if args.workloads - known:
            parser.error(f"unknown workloads: {', '.join(sorted(args.workloads - known))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        results = json.loads(args.report.read_text(encoding="utf-8"))
        results["ratios"] = targets.ratios(results, results["settings"]["connections"])
        report.print_report(results)
        return 0
    if not load.wrk_available():
        log("wrk is not installed (apt-get install wrk): cannot drive servers")
        return 1
    started = time.perf_counter()
    corpus = corpus_for(args.corpora, args.triples, args.seed, args.base)
    manifest = Manifest.read(corpus / "corpus.json")
    results: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/run", *(sys.argv[1:] if argv is None else argv)]),
        "machine": machine(),
        "corpus": {
            "path": str(corpus),
            "triples": manifest.triples,
            "documents": manifest.documents,
            "seed": manifest.seed,
        },
        "settings": {
            "connections": args.connections,
            "seconds": args.seconds,
            "repeats": args.repeats,
            "pool": args.pool,
            "store": args.store,
            "unique": args.unique,
            "workloads": sorted(args.workloads) if args.workloads else None,
            "warmup": args.warmup,
            "gunicorn": systems.gunicorn_settings(args.workers),
        },
        "systems": {},
    }
    logdir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    log(f"server logs in {logdir}")
    broken = False
    if "engine" in args.systems:
        try:
            run_engine(corpus, args, results)
        except RuntimeError as error:
            log(str(error))
            results["systems"]["engine"] = {"failed": str(error)}
            broken = True
    for name in args.systems:
        if name == "engine":
            continue
        log(f"starting {name}")
        try:
            server = start(name, corpus, manifest, logdir, args)
        except systems.Unavailable as error:
            log(f"skipping {name}: {error}")
            results["systems"][name] = {"skipped": str(error)}
            continue
        except RuntimeError as error:
            log(f"{name} failed to start: {error}")
            results["systems"][name] = {"failed": str(error)}
            broken = broken or name in ("hello",)
            continue
        memory = server.memory()
        ready = (
            "attached"
            if server.extra.get("attached")
            else f"ready in {server.startup_seconds:.1f} s"
        )
        log(
            f"{name} {ready} at {server.url} ({memory['rss_mb']:.0f} MB RSS summed over "
            f"{memory['processes']} processes, PSS {memory['pss_mb'] or 0:.0f} MB)"
        )
        try:
            bench_server(server, manifest, args, results)
        except Exception as error:  # noqa: BLE001 - record it, stop the server, go on
            log(f"{name}: harness error: {error!r}")
            results["systems"].setdefault(name, {})["failed"] = repr(error)
            broken = True
        finally:
            server.stop()
            # Keep what was measured so far, should a later system hang or the run be stopped.
            args.results.mkdir(parents=True, exist_ok=True)
            (args.results / "partial.json").write_text(
                json.dumps(results, indent=1), encoding="utf-8"
            )
    results["ratios"] = targets.ratios(results, args.connections)
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results / f"{stamp}-{manifest.triples}.json"
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    (args.results / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    report.print_report(results)
    print(f"\nraw numbers: {out} ({results['seconds']:.0f} s in all)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
