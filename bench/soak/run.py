"""One soak, start to end: the server started (:mod:`bench.servers`), the clients run while its
memory is sampled, then the figures gathered and judged."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from bench.servers import Server
from bench.soak.checks import (
    SAMPLE_EVERY,
    Sampler,
    memory_figures,
    memory_sample,
    scan_log,
    verdict,
)
from bench.soak.load import LIFTED, client_process, discover, merge, split
from bench.soak.report import latency_rows, machine

STARTUP_LIMIT = 120.0  # seconds for the server to answer its first request


def start_server(folder: Path, options: argparse.Namespace) -> Server:
    """``python -m server.cli.serve`` over the data, with the soak's short ``sparql_timeout``."""
    settings = {"sparql_timeout": f"{options.sparql_timeout:g}"}
    if options.sparql_workers is not None:
        settings["sparql_workers"] = options.sparql_workers
    if options.lift_limits:
        settings.update(LIFTED)
    return Server.serving(folder, options.data or [], workers=options.workers, **settings)


def soak(options: argparse.Namespace) -> dict:
    """Start the server, load it, sample its memory, and return every figure."""
    loadavg_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="policygraph-soak-") as tmp:
        server = start_server(Path(tmp), options)
        try:
            startup = server.wait(STARTUP_LIMIT).ready_seconds
            work = discover(server.port, server.base)
            work.weights["runaway"] = options.runaway_weight
            if options.crash_mix:  # 1 request in crash_mix
                work.weights["crash"] = sum(work.weights.values()) / (options.crash_mix - 1)
                work.lifted = options.lift_limits
            t0 = time.monotonic()
            start = t0 + 1.0  # the client processes start meanwhile
            warm = start + options.warmup
            end = warm + options.seconds
            timeout = options.sparql_timeout + 20
            # No runaway query is sent in the last `quiet` seconds before the end of the warm-up
            # and of the run, so none is in flight (a runaway's query child grows by hundreds of
            # MB until it is killed) when the memory is measured: RSS is compared at equal state.
            # The margin covers the time a request can queue in gunicorn before it runs.
            quiet = options.sparql_timeout + 3.0
            shares = split(options.clients, options.processes)
            jobs = [
                (server.port, work, threads, n + 1, start, warm, end, timeout, quiet)
                for n, threads in enumerate(shares)
            ]
            sampler = Sampler(server.pid, t0, limit=int((end - t0) / SAMPLE_EVERY) + 600)
            context = multiprocessing.get_context("spawn")
            with context.Pool(len(jobs)) as pool:
                pending = pool.map_async(client_process, jobs)
                sampler.start()
                parts = pending.get(timeout=end - time.monotonic() + timeout + 60)
            sampler.halt.set()
            sampler.join(timeout=5)
            # At the end every request has been answered, so every query child that ran a
            # runaway has been killed and replaced: the server is measured at rest.
            settled = []
            for _ in range(3):
                time.sleep(0.3)
                sample = memory_sample(server.pid)
                sample["t"] = round(time.monotonic() - t0, 2)
                settled.append(sample)
            alive = server.process.poll() is None
        finally:
            server.stop()
            text = server.output()
    total = merge(parts)
    memory = memory_figures(sampler.samples, settled, warm - t0, end - t0, quiet)
    samples = sampler.samples + [{**s, "settled": True} for s in settled]
    rows = latency_rows(total["latency"], options.seconds)
    passed, summary = verdict(total["errors"], memory, alive, rows)
    return {
        "parameters": {
            "clients": options.clients,
            "processes": len(shares),
            "seconds": options.seconds,
            "warmup": options.warmup,
            "workers": options.workers,
            "sparql_timeout": options.sparql_timeout,
            "sparql_workers": options.sparql_workers,
            "runaway_weight": options.runaway_weight,
            "crash_mix": options.crash_mix,
            "lift_limits": options.lift_limits,
            "quiet_seconds": quiet,
            "startup_seconds": round(startup, 2),
            "things": len(work.things),
            "examples": len(work.examples),
            "mix": work.weights,
        },
        "machine": {**machine(), "loadavg_start": loadavg_start},
        "latency": rows,
        "statuses": total["statuses"],
        "errors": total["errors"],
        "error_phase": total["error_phase"],
        "samples": total["samples"],
        "expected_503": total["expected_503"],
        "stale_retries": total["stale_retries"],
        "client_cpu_seconds": total["client_cpu_seconds"],
        "client_cpu_share": 100
        * total["client_cpu_seconds"]
        / ((end - start) * (os.cpu_count() or 1)),
        "memory": memory,
        "memory_samples": samples,
        "server_log": scan_log(text),
        "passed": passed,
        "verdict": summary,
    }
