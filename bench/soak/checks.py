"""The soak's checks: the server's memory sampled through the run and compared at rest, its log
scanned, and the verdict (every response expected, RSS grown at most RSS_LIMIT per cent, the
server alive).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

from bench.soak.report import percent

RSS_LIMIT = 10.0  # per cent of growth between warm-up and end that fails the run
SAMPLE_EVERY = 0.5  # seconds between memory samples
SAMPLE_WINDOW = 1.0  # seconds before a boundary whose samples' median is the RSS there


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo and len(found) < 10_000:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _fields(path: str, names: tuple[str, ...]) -> dict[str, int] | None:
    """Fields (KiB) of a /proc file in ``Name:  value kB`` lines; None when it is unreadable."""
    found = {}
    try:
        with open(path) as handle:
            for line in handle:
                name = line.split(":", 1)[0]
                if name in names:
                    found[name] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return found


def memory_sample(root: int) -> dict:
    """RSS and PSS (KiB) summed over ``root`` and its descendants; PSS is None when unreadable.

    A process that ends between the listing and the reading (a query child replaced after a
    timeout) is left out of the sample.
    """
    rss, pss, count = 0, 0, 0
    for pid in _descendants(root):
        rollup = _fields(f"/proc/{pid}/smaps_rollup", ("Rss", "Pss"))
        if rollup and "Rss" in rollup and "Pss" in rollup:
            rss, count = rss + rollup["Rss"], count + 1
            pss = None if pss is None else pss + rollup["Pss"]
            continue
        status = _fields(f"/proc/{pid}/status", ("VmRSS",))
        if not status or "VmRSS" not in status:
            continue  # gone meanwhile, or a kernel thread
        rss, count, pss = rss + status["VmRSS"], count + 1, None  # smaps_rollup not readable
    return {"rss_kib": rss, "pss_kib": pss, "processes": count}


class Sampler(threading.Thread):
    """Samples the server's memory every SAMPLE_EVERY s until stopped (at most ``limit``)."""

    def __init__(self, root: int, t0: float, limit: int):
        super().__init__(daemon=True)
        self.root, self.t0, self.limit = root, t0, limit
        self.samples: list[dict] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set() and len(self.samples) < self.limit:
            sample = memory_sample(self.root)
            sample["t"] = round(time.monotonic() - self.t0, 2)
            self.samples.append(sample)
            self.halt.wait(SAMPLE_EVERY)


def window(
    samples: list[dict], key: str, start: float, end: float, processes: int | None = None,
    earliest: float = 0.0,
) -> float | None:  # fmt: skip
    """The median of ``key`` over the samples taken in [start, end], else the last two before.

    With ``processes``, only samples that counted that many server processes are used (not one
    taken while a query child was being replaced). Fallback samples are taken from ``earliest``
    on, else the first two after ``end``. None when there is no such sample or a value is
    unknown.
    """
    fit = [s for s in samples if processes is None or s["processes"] == processes]
    values = [s[key] for s in fit if start <= s["t"] <= end]
    if not values:
        values = [s[key] for s in fit if earliest <= s["t"] <= end][-2:]
    if not values:  # a worker forked its query children late (it got its first query late)
        values = [s[key] for s in fit if s["t"] > end][:2]
    if not values or any(v is None for v in values):
        return None
    return statistics.median(values)


def change(before: float | None, after: float | None) -> float | None:
    if not before or after is None:
        return None
    return (after - before) / before * 100


def memory_figures(
    samples: list[dict], settled: list[dict], warm: float, end: float, quiet: float
) -> dict:
    """RSS and PSS after warm-up (the median of the samples of the last second in which every
    process was present) and at rest at the end, their change, and the range during the run;
    ``warm`` and ``end`` are seconds from the first sample's origin."""
    # The full set of server processes: the count the settled samples agree on.
    full = statistics.mode(s["processes"] for s in settled)
    at_warm = (warm - SAMPLE_WINDOW, warm, full, warm - quiet)
    memory = {
        "rss_warm_kib": window(samples, "rss_kib", *at_warm),
        "rss_end_kib": statistics.median(s["rss_kib"] for s in settled),
        "pss_warm_kib": window(samples, "pss_kib", *at_warm),
        "pss_end_kib": window(settled, "pss_kib", 0, float("inf")),
        "processes_warm": full if window(samples, "rss_kib", *at_warm) else None,
        "processes_end": full,
    }
    during = [s["rss_kib"] for s in samples + settled if warm <= s["t"] <= end]
    memory["rss_min_kib"] = min(during) if during else None
    memory["rss_max_kib"] = max(during) if during else None
    memory["rss_change_pct"] = change(memory["rss_warm_kib"], memory["rss_end_kib"])
    memory["pss_change_pct"] = change(memory["pss_warm_kib"], memory["pss_end_kib"])
    return memory


def scan_log(text: str) -> dict:
    lines = text.splitlines()
    return {
        "tracebacks": sum(1 for line in lines if line.startswith("Traceback")),
        "errors": sum(1 for line in lines if "[ERROR]" in line or "[CRITICAL]" in line),
        "worker_boots": sum(1 for line in lines if "Booting worker" in line),
        "tail": [line for line in lines if "ERROR" in line or "CRITICAL" in line][:20],
    }


def verdict(errors: dict, memory: dict, alive: bool, rows: list[dict]) -> tuple[bool, str]:
    """(passed, the verdict line): no unexpected error, RSS within the limit, the server alive."""
    error_count = sum(errors.values())
    problems = []
    if error_count:
        problems.append(f"{error_count} unexpected errors")
    if memory["rss_change_pct"] is None:
        problems.append("RSS not measured")
    elif memory["rss_change_pct"] > RSS_LIMIT:
        problems.append(f"RSS grew {memory['rss_change_pct']:.1f}% (limit {RSS_LIMIT:g}%)")
    if not alive:
        problems.append("the server died during the run")
    if problems:
        return False, "FAIL: " + "; ".join(problems)
    every = next((r for r in rows if r["class"] == "all"), None)
    return True, (
        f"PASS: 0 unexpected errors, RSS {percent(memory['rss_change_pct'])} "
        f"(limit +{RSS_LIMIT:g}%)"
        + (f", p99 {every['p99_ms']:.0f} ms at {every['rps']:.0f} req/s" if every else "")
    )
