"""Where a workload's time goes in the served publisher: py-spy sampling under wrk's load.

Starts policygraph under gunicorn on a corpus (as ``bench/run`` does), and for each chosen
workload drives it with wrk while py-spy samples every process of the deployment (the gunicorn
master, its workers, their query processes). For each workload it prints the share of samples
spent in each of the publisher's own functions (inclusive: the function or anything it called,
native code included), the leaf frames by self time, and writes py-spy's collapsed stacks
(``--format raw``, for flamegraph tools) beside the results.

    python -m bench.profile --triples 1M --workloads claims_by_claimant,describe,deref_html

py-spy leaves out threads it finds idle; some waits (``select``, a socket ``send``) still show
as leaf frames, so read the leaf column to tell waiting from work.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench import generate, load, queries, run, systems
from bench.budget import budget, parse_collapsed, print_budget
from bench.generate import Manifest

#: A frame of py-spy's raw output: ``function (path:line)``.
FRAME = re.compile(r"^(?P<function>.+?) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")


def frame_name(frame: str) -> str:
    """``module.function`` for a frame of our own code (``server/…``, ``bench/…``), else the
    frame's function and file name."""
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["path"].replace("\\", "/")
    for package in ("server", "bench", "graph"):
        marker = f"/{package}/"
        if marker in path or path.startswith(f"{package}/"):
            module = path.rsplit(f"{package}/", 1)[1].removesuffix(".py").replace("/", ".")
            return f"{package}.{module}.{match['function']}"
    return f"{match['function']} ({Path(path).name})"


#: The main function of a query process (:mod:`server.sparql.engine`).
CHILD_MAIN = "server.sparql.engine._child_main"


def role(names: list[str]) -> str:
    """Which process of the deployment a sample is from (a query process is forked from a
    worker's request thread, so its stack starts with that request's frames; py-spy starts a
    stack with one ``process PID:…`` frame per process from the one it was given, so a worker's
    thread-pool threads, whose stacks hold no gunicorn frame, count as the worker's too)."""
    if CHILD_MAIN in names:
        return "query process"
    if sum(name.startswith("process ") for name in names) >= 2:
        return "worker"
    if any(name.startswith(("ThreadWorker.", "Worker.")) for name in names):
        return "worker"
    return "master"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process and its living descendants."""
    total = 0.0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return total
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def cpu_per_request(server, requests, args) -> tuple[float, float]:
    """(requests per second, CPU µs per request of the whole deployment) under wrk alone, with
    no profiler running (py-spy takes CPU from the same cores)."""
    before = cpu_seconds(server.pid)
    figures = load.run_wrk(server.url, requests, args.connections, args.seconds)
    spent = cpu_seconds(server.pid) - before
    server.settle()
    done = max(1, figures["requests"])
    return figures["rps"], 1e6 * spent / done


def summarize(stacks: list[tuple[list[str], int]], top: int = 12) -> dict:
    """Total samples; their split by process; our functions by inclusive share (a query
    process's from its main function on); leaf frames by self share."""
    total = sum(count for _, count in stacks)
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    for frames, count in stacks:
        names = [frame_name(frame) for frame in frames]
        kind = role(names)
        roles[kind] += count
        if kind == "query process":
            names = names[names.index(CHILD_MAIN) :]
        for name in set(names):
            if name.startswith("server."):
                inclusive[name] += count
        if names:
            leaves[names[-1]] += count
    share = lambda n: round(100.0 * n / total, 1) if total else 0.0  # noqa: E731
    return {
        "samples": total,
        "processes": {name: share(n) for name, n in roles.most_common()},
        "ours_inclusive": [(name, share(n)) for name, n in inclusive.most_common(top)],
        "leaves": [(name, share(n)) for name, n in leaves.most_common(top)],
    }


def record(pid: int, seconds: float, rate: int, out: Path) -> subprocess.Popen:
    """Start py-spy sampling ``pid`` and its children for ``seconds`` into ``out``."""
    command = [
        shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--nonblocking",
        "--rate",
        str(rate),
        "--duration",
        str(max(1, round(seconds))),
        "--format",
        "raw",
        "--output",
        str(out),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def profile_workload(server, name, requests, args, folder: Path) -> dict:
    rps, cpu_us = cpu_per_request(server, requests, args)
    out = folder / f"{name}.txt"
    spy = record(server.pid, args.seconds, args.rate, out)
    figures = load.run_wrk(server.url, requests, args.connections, args.seconds)
    _, errors = spy.communicate(timeout=args.seconds + 120)
    if spy.returncode != 0 or not out.is_file():
        raise RuntimeError(f"py-spy failed ({spy.returncode}): {errors.strip()[-2000:]}")
    stacks = parse_collapsed(out.read_text(encoding="utf-8"))
    summary = summarize(stacks)
    summary["rps"] = round(figures["rps"], 1)
    summary["p50_ms"] = figures["p50_ms"]
    summary["rps_unprofiled"] = round(rps, 1)
    summary["budget"] = budget(stacks, round(cpu_us, 1))
    return summary


def print_summary(name: str, summary: dict) -> None:
    print(
        f"\n{name}: {summary['rps']} req/s under py-spy, p50 {summary['p50_ms']} ms, "
        f"{summary['samples']:,} samples"
    )
    print("  by process: " + ", ".join(f"{n} {v}%" for n, v in summary["processes"].items()))
    print("  ours, inclusive %            | leaf frames, self %")
    rows = max(len(summary["ours_inclusive"]), len(summary["leaves"]))
    for i in range(rows):
        left = summary["ours_inclusive"][i] if i < len(summary["ours_inclusive"]) else ("", "")
        right = summary["leaves"][i] if i < len(summary["leaves"]) else ("", "")
        print(f"  {left[1]:>5} {left[0][:48]:48} | {right[1]:>5} {right[0][:60]}")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--triples", type=generate.parse_size, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", default=run.DEFAULT_BASE)
    parser.add_argument("--corpora", type=Path, default=run.HERE / "corpora")
    parser.add_argument("--results", type=Path, default=run.HERE / "results")
    parser.add_argument(
        "--workloads",
        default=",".join(["deref_html", *queries.SPARQL_MIX]),
        help="comma-separated: deref_turtle, deref_jsonld, deref_html, or a query of the mix",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not load.wrk_available():
        print("bench.profile: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    corpus = run.corpus_for(args.corpora, args.triples, args.seed, args.base)
    manifest = Manifest.read(corpus / "corpus.json")
    settings = systems.gunicorn_settings(args.workers)
    logdir = Path(tempfile.mkdtemp(prefix="bench-profile-logs-"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = args.results / f"profile-{stamp}-{manifest.triples}"
    folder.mkdir(parents=True, exist_ok=True)
    server = systems.start_policygraph(logdir, settings, corpus, args.base)
    try:
        work = run.workloads_for(server, manifest, args.pool, args.seed)
        wanted = [name.strip() for name in args.workloads.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in work]
        if unknown:
            print(f"bench.profile: unknown workloads {unknown}; known: {list(work)}")
            return 2
        summaries = {}
        for name in wanted:
            server.settle()
            summaries[name] = profile_workload(server, name, work[name], args, folder)
            print_summary(name, summaries[name])
            print(f"  without py-spy: {summaries[name]['rps_unprofiled']} req/s")
            print_budget(name, summaries[name]["budget"])
        (folder / "summary.json").write_text(json.dumps(summaries, indent=1), encoding="utf-8")
    finally:
        server.stop()
    print(f"\ncollapsed stacks in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
