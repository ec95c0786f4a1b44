"""The report of a benchmark run: one table of every case, startup lines, the targets as MET or
MISS with their ratios, and whether the systems gave the same answers."""

from __future__ import annotations

SYSTEMS = (
    "engine",
    "hello",
    "policygraph",
    "rdflib-endpoint",
    "virtuoso",
    "oxigraph",
    "nginx-site",
    "nginx-files",
)


def table(results: dict, connections: list[int]) -> str:
    lines = [
        f"{'system':16} {'workload':28} {'conn':>4} {'req/s':>9} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'RSS MB':>7} {'PSS MB':>7}"
    ]
    lines.append("-" * len(lines[0]))
    engine = results["systems"].get("engine")
    if engine:
        for name, f in engine["workloads"].items():
            lines.append(
                f"{'engine (1 thread)':16} {name:22} {'-':>4} "
                f"{f['rps_one_thread']:9.1f} {f['p50_ms']:8.3f} {f['p95_ms']:8.3f} "
                f"{f['p99_ms']:8.3f} {0:6d} {'-':>7} {'-':>7}"
            )
    for system in SYSTEMS[1:]:
        record = results["systems"].get(system)
        if not record or "cases" not in record:
            continue
        for workload, cases in record["cases"].items():
            for connections in connections_list(cases):
                c = cases[str(connections)]
                pss = c["memory"]["pss_mb"]
                latency = (
                    f"{c['p50_ms']:8.2f} {c['p95_ms']:8.2f} {c['p99_ms']:8.2f}"
                    if c["requests"]
                    else f"{'>' + str(c['seconds']) + ' s':>26}"
                )
                lines.append(
                    f"{system:16} {workload:28} {connections:4d} {c['rps']:9.1f} {latency} "
                    f"{c['error_count']:6.0f} {c['memory']['rss_mb']:7.0f} "
                    f"{'-' if pss is None else f'{pss:.0f}':>7}"
                )
    lines.append("")
    for system in SYSTEMS[1:]:
        record = results["systems"].get(system)
        if record and record.get("extra", {}).get("attached"):
            lines.append(f"startup {system}: attached to a server started outside the harness")
        elif record and "startup_seconds" in record:
            lines.append(
                f"startup {system}: {record['startup_seconds']:.1f} s, "
                f"peak RSS while starting {record['peak_startup_rss_mb']:.0f} MB"
            )
        elif record and "skipped" in record:
            lines.append(f"skipped {system}: {record['skipped']}")
    lines.append("")
    for item in results.get("ratios", []):
        value = "—" if item["value"] is None else f"{item['value']:.2f}"
        lines.append(
            f"{'MET ' if item['met'] else 'MISS'} {value:>8}  {item['target']}"
            + (f" ({item['note']})" if item.get("note") else "")
        )
    mismatches = same_answers(results)
    lines.append("")
    lines.append(
        "same answers (rows of the first 3 queries of each workload): "
        + ("all systems agree" if not mismatches else "MISMATCH")
    )
    lines.extend(f"  {line}" for line in mismatches)
    return "\n".join(lines)


def same_answers(results: dict) -> list[str]:
    """Workloads where the systems' SELECT answers to the same queries differ in row count
    (a query a system did not answer, e.g. a timeout, is reported by the check, not here)."""
    by_workload: dict[str, dict[str, list]] = {}
    for system, record in results["systems"].items():
        for workload, cases in record.get("cases", {}).items():
            if any(count is not None for count in cases.get("rows", [])):
                by_workload.setdefault(workload, {})[system] = cases["rows"]
    out = []
    for workload, rows in by_workload.items():
        width = min(len(r) for r in rows.values())
        for index in range(width):
            counts = {system: r[index] for system, r in rows.items() if r[index] is not None}
            if len(set(counts.values())) > 1:
                out.append(
                    f"{workload} query {index + 1}: "
                    + ", ".join(f"{s} {n}" for s, n in counts.items())
                )
    return out


def connections_list(cases: dict) -> list[int]:
    return sorted(int(key) for key in cases if key.isdigit() and "rps" in cases[key])


def print_report(results: dict) -> None:
    machine_info = results["machine"]
    print(
        f"\npolicygraph benchmark: {results['corpus']['triples']:,} triples, "
        f"{machine_info.get('nproc')} CPUs, {machine_info.get('cpu', '?')}, "
        f"{machine_info.get('ram_gb', '?')} GB RAM"
    )
    print(f"command: {results['command']}")
    loads = [machine_info.get(key) for key in ("loadavg_at_start", "loadavg_at_end")]
    print(
        "load average (1, 5, 15 min) at start {} and at end {}: figures are only comparable "
        "on an otherwise idle machine\n".format(
            *(" / ".join(f"{x:.1f}" for x in load) if load else "?" for load in loads)
        )
    )
    print(table(results, results["settings"]["connections"]))
