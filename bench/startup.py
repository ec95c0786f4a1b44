"""Startup figures: time and peak memory to get a corpus served, and validation time.

Each measurement runs in a fresh child process (so peak RSS is that step's alone, from
``getrusage``): load N-Quads into the in-memory store; bulk-load an on-disk store; open an existing
on-disk store read-only and answer a first query; start policygraph's gunicorn deployment until
it answers (memory store, and on-disk store cold then warm); validate the curated graph and a
synthetic corpus in Turtle-folder form with pyshacl (with a time limit: pyshacl may not finish).

    python -m bench.startup --triples 1M --validate 10k,100k --serve
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import generate

HERE = Path(__file__).resolve().parent


def _child(step: str, target: str) -> dict:
    """One step, in this (child) process; returns its figures."""
    import pyoxigraph as ox

    started = time.perf_counter()
    out: dict = {}
    if step == "memory":
        from bench.progress import load_with_progress

        store = ox.Store()
        load_with_progress(store, Path(target) / "corpus.nq", label="memory store")
        out["quads"] = len(store)
    elif step == "disk-build":
        from bench.progress import load_with_progress

        folder = Path(target) / "oxigraph-store"
        shutil.rmtree(folder, ignore_errors=True)
        store = ox.Store(str(folder))
        load_with_progress(store, Path(target) / "corpus.nq", bulk=True, label="disk store")
        store.flush()
        store.optimize()
        out["quads"] = len(store)
    elif step == "disk-open":
        store = ox.Store.read_only(str(Path(target) / "oxigraph-store"))
        opened = time.perf_counter() - started
        first = list(store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 10"))
        out["first_query_rows"] = len(first)
        out["open_seconds"] = opened
    elif step == "validate":
        import graph

        paths = None if target == "curated" else sorted(Path(target).iterdir())
        base = graph.DEFAULT_BASE
        parsed = graph.parse(base, paths)
        out["parse_seconds"] = time.perf_counter() - started
        out["triples"] = len(parsed.union())
        report = graph.validate(parsed, base)
        out["conforms"] = report.conforms
        out["violations"] = report.count("Violation") if hasattr(report, "count") else None
    else:
        raise ValueError(step)
    out["seconds"] = time.perf_counter() - started
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measure(step: str, target: str, timeout: float) -> dict:
    command = [sys.executable, "-m", "bench.startup", "--child", step, target]
    started = time.perf_counter()
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent
        )
    except subprocess.TimeoutExpired:
        return {
            "step": step,
            "target": target,
            "finished": False,
            "note": f"did not finish within {timeout:.0f} s",
        }
    if result.returncode != 0:
        return {
            "step": step,
            "target": target,
            "finished": False,
            "note": result.stderr.strip()[-2000:],
        }
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures.update(
        {
            "step": step,
            "target": target,
            "finished": True,
            "wall_seconds": time.perf_counter() - started,
            "loadavg_after": os.getloadavg(),
        }
    )
    return figures


def serve(corpus: Path, store: str, timeout: float, options: tuple[str, ...] = ()) -> dict:
    """Start policygraph's deployment over the corpus; time to first answer, peak RSS, PSS."""
    from bench import systems

    logdir = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    manifest = generate.Manifest.read(corpus / "corpus.json")
    try:
        server = systems.start_policygraph(
            logdir, systems.gunicorn_settings(), corpus, manifest.base, store, timeout, options
        )
    except RuntimeError as error:
        return {"step": f"serve {store}", "finished": False, "note": str(error)[-2000:]}
    try:
        time.sleep(1)
        memory = server.memory()
        return {
            "step": f"serve {store}",
            "finished": True,
            "seconds": server.startup_seconds,
            "peak_rss_mb": server.peak_startup_rss_mb,
            "memory_when_ready": memory,
            "log_tail": server.log.read_text(errors="replace")[-1500:],
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--child", nargs=2, metavar=("STEP", "TARGET"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--triples",
        default="1M",
        help="comma-separated corpus sizes to load and serve (default 1M)",
    )
    parser.add_argument(
        "--validate",
        default="curated,10k,100k",
        help="what to validate: curated and/or sizes (default curated,10k,100k)",
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="also time policygraph's gunicorn deployment becoming ready",
    )
    parser.add_argument("--timeout", type=float, default=1200, help="limit per step, seconds")
    parser.add_argument(
        "--steps",
        default="memory,disk-build,disk-open",
        help="the loading steps measured before serving (default memory,disk-build,disk-open; "
        "'' for none)",
    )
    parser.add_argument(
        "--default-graph",
        default="data",
        choices=("data", "all"),
        help="the served publisher's `default_graph` setting (default data)",
    )
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora")
    parser.add_argument("--base", default="http://127.0.0.1:8080/")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    from bench.run import corpus_for

    results: list[dict] = []

    def report(figures: dict) -> None:
        results.append(figures)
        if figures.get("finished"):
            extra = ", ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in figures.items()
                if k
                in (
                    "quads",
                    "triples",
                    "open_seconds",
                    "parse_seconds",
                    "first_query_rows",
                    "conforms",
                    "violations",
                )
            )
            print(
                f"{figures['step']:12} {figures.get('target', ''):40} "
                f"{figures['seconds']:8.1f} s  peak RSS {figures['peak_rss_mb']:7.0f} MB  "
                f"{extra}  (load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        else:
            print(
                f"{figures['step']:12} {figures.get('target', ''):40} not finished: "
                f"{figures.get('note', '')[:300]}",
                flush=True,
            )

    for size in [generate.parse_size(s) for s in args.triples.split(",") if s]:
        corpus = corpus_for(args.corpora, size, args.seed, args.base)
        for step in [s for s in args.steps.split(",") if s]:
            report(measure(step, str(corpus), args.timeout))
        if args.serve:
            shutil.rmtree(corpus / "served-store", ignore_errors=True)
            disk = f"oxigraph:{corpus}/served-store"
            for label, store in (
                ("memory store", "memory"),
                ("disk, cold (builds)", disk),
                ("disk, warm (opens)", disk),
            ):
                figures = serve(
                    corpus, store, args.timeout, ("--default-graph", args.default_graph)
                )
                figures["step"] = "serve"
                figures["target"] = f"{size:,} triples, {label}, {args.default_graph}"
                report(figures)
            shutil.rmtree(corpus / "served-store", ignore_errors=True)
        shutil.rmtree(corpus / "oxigraph-store", ignore_errors=True)
    for item in [s for s in args.validate.split(",") if s]:
        if item == "curated":
            report(measure("validate", "curated", args.timeout))
            continue
        size = generate.parse_size(item)
        folder = args.corpora / f"turtle-{size}-seed{args.seed}"
        if not (folder / "sources").is_dir():
            generate.generate(folder, size, args.base, args.seed, turtle=True, nquads=False)
        report(measure("validate", str(folder / "sources"), args.timeout))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"startup-{stamp}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
