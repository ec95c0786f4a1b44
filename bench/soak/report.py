"""The soak's report: latency by request class, the server's memory and log, the verdict."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from bench.soak.load import MIX


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_rows(latency: dict[str, list[float]], seconds: float) -> list[dict]:
    rows = []
    everything: list[float] = []
    for name in [*MIX, "crash", "all"]:
        values = sorted(everything) if name == "all" else sorted(latency.get(name, []))
        if name != "all":
            everything.extend(values)
        if not values:
            continue
        rows.append(
            {
                "class": name,
                "requests": len(values),
                "rps": len(values) / seconds,
                "p50_ms": percentile(values, 50) * 1e3,
                "p95_ms": percentile(values, 95) * 1e3,
                "p99_ms": percentile(values, 99) * 1e3,
                "max_ms": values[-1] * 1e3,
            }
        )
    return rows


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = round(int(line.split()[1]) / 2**20, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["loadavg_end"] = os.getloadavg()
    return info


def mib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def print_report(result: dict, out=sys.stdout) -> None:
    p = result["parameters"]
    m = result["machine"]
    print(
        f"\npolicygraph soak: {p['clients']} clients ({p['processes']} processes), "
        f"{p['seconds']:g} s measured after {p['warmup']:g} s warm-up; gunicorn "
        f"{p['workers']} workers; sparql_timeout {p['sparql_timeout']:g} s; sparql_workers "
        f"{p['sparql_workers'] or 'default'}; runaway weight {p['runaway_weight']:g} of "
        f"{sum(p['mix'].values()):g} (none sent in the {p['quiet_seconds']:g} s before each "
        "memory measurement)",
        file=out,
    )
    print(
        f"machine: {m['nproc']} CPUs ({m.get('cpu', '?')}), {m.get('ram_gib', '?')} GiB RAM, "
        f"load average {m['loadavg_start'][0]:.1f} before, {m['loadavg_end'][0]:.1f} after; "
        f"the load generator shares the CPUs with the server (client CPU "
        f"{result['client_cpu_seconds']:.1f} CPU-s, {result['client_cpu_share']:.0f}% of the "
        "machine over the run); closed-loop clients, so "
        "latency is per request as the client saw it (no coordinated-omission correction)",
        file=out,
    )
    header = f"{'class':<16}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
    header += f"{'p99 ms':>9}{'max ms':>9}"
    print("\n" + header, file=out)
    print("-" * len(header), file=out)
    for row in result["latency"]:
        if row["class"] == "all":
            print("-" * len(header), file=out)
        print(
            f"{row['class']:<16}{row['requests']:>10}{row['rps']:>9.1f}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>9.0f}",
            file=out,
        )
    print(f"\nexpected 503s (runaway queries stopped): {result['expected_503']}", file=out)
    if p.get("crash_mix"):
        crashes = {k[6:]: n for k, n in result["statuses"].items() if k.startswith("crash ")}
        how = "past the lifted limits" if p["lift_limits"] else "refused by the limits"
        print(f"crash-inducing queries (1 in {p['crash_mix']}, {how}): {crashes}", file=out)
    print(
        f"stale keep-alive connections retried once (not errors): {result['stale_retries']}",
        file=out,
    )
    errors = result["errors"]
    if errors:
        print(f"unexpected errors: {sum(errors.values())} {result['error_phase']}", file=out)
        for name, count in sorted(errors.items(), key=lambda item: -item[1]):
            print(f"  {count:>7}  {name}", file=out)
        for sample in result["samples"][:8]:
            print(f"  e.g. {sample['request']} -> {sample['status']} {sample['error']} "
                  f"after {sample['seconds']} s: {sample['body'][:160]!r}", file=out)  # fmt: skip
    else:
        print("unexpected errors: 0", file=out)
    mem = result["memory"]
    print(
        f"server memory ({mem['processes_end']} processes; after warm-up: the median of the "
        "samples of the last second with every process present; at end: at rest once the last "
        "request was answered): RSS after warm-up "
        f"{mib(mem['rss_warm_kib'])}, at end {mib(mem['rss_end_kib'])}, change "
        f"{percent(mem['rss_change_pct'])} (run min {mib(mem['rss_min_kib'])}, max "
        f"{mib(mem['rss_max_kib'])}); PSS {mib(mem['pss_warm_kib'])} -> {mib(mem['pss_end_kib'])} "
        f"({percent(mem['pss_change_pct'])})",
        file=out,
    )
    log = result["server_log"]
    print(
        f"server log: {log['tracebacks']} tracebacks, {log['errors']} [ERROR] lines, "
        f"{log['worker_boots']} worker boots ({p['workers']} at start)",
        file=out,
    )
    print(f"\n{result['verdict']}", file=out)


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"
