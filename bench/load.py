"""The load generator: wrk (Debian) with a Lua script that sends random requests from a pool.

Each wrk thread pre-formats every request of the pool (path + Accept header) and picks one at
random per request, over keep-alive connections. The Lua ``done`` hook prints one JSON line:
requests, duration, errors by kind, latency percentiles (µs) — wrk's own coordinated-omission
free histogram.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

LUA = r"""
local pool_file = nil
local requests = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  pool_file = args[1]
  for line in io.lines(pool_file) do
    local path, accept = line:match("^([^\t]*)\t(.*)$")
    if path then
      requests[#requests + 1] = wrk.format("GET", path, { ["Accept"] = accept })
    end
  end
  math.randomseed(os.time() * 1000 + (tonumber(seed) or 0) * 7919)
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
    .. '"latency_us":{"mean":%f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
"""

#: Unique mode: every request of a run differs. A pool entry holds :data:`PLACEHOLDER` (in a
#: variable's name, see :func:`bench.queries.uniquify`); each request replaces it with the wrk
#: thread's number and its own count, so no two requests of a run are the same.
LUA_UNIQUE = (
    LUA.replace(
        """function request()
  return requests[math.random(#requests)]
end""",
        """local sent = 0

function request()
  sent = sent + 1
  local entry = entries[math.random(#entries)]
  local path = string.gsub(entry[1], "zqUNIQzq", "u" .. (tonumber(seed) or 0) .. "n" .. sent)
  return wrk.format("GET", path, { ["Accept"] = entry[2] })
end""",
    )
    .replace(
        'requests[#requests + 1] = wrk.format("GET", path, { ["Accept"] = accept })',
        "entries[#entries + 1] = { path, accept }",
    )
    .replace("local requests = {}", "local entries = {}")
)
PLACEHOLDER = "zqUNIQzq"


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def check(
    url: str,
    requests: list[tuple[str, str]],
    sample: int = 3,
    timeout: float = 120.0,
) -> tuple[list[str], list[int | None]]:
    """Send the first requests of the pool once: (problems, rows of each SPARQL JSON answer).

    A problem is a non-2xx answer, an empty body or a failure; the row counts let the harness
    check that every system gives the same answers to the same queries.
    """
    problems: list[str] = []
    rows: list[int | None] = []
    for path, accept in requests[:sample]:
        request = urllib.request.Request(url + path, headers={"Accept": accept})
        count = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
                if response.status >= 300 or not body:
                    problems.append(f"{response.status} {len(body)} bytes for {path[:120]}")
                elif "sparql-results+json" in accept:
                    count = len(json.loads(body)["results"]["bindings"])
        except Exception as error:  # noqa: BLE001 - reported, not raised: the table shows it
            problems.append(f"{type(error).__name__}: {error} for {path[:120]}")
            rows.append(count)
            if "timed out" in str(error):
                break  # one answer slower than the timeout is enough to know
            continue
        rows.append(count)
    return problems, rows


def run_wrk(
    url: str,
    requests: list[tuple[str, str]],
    connections: int,
    seconds: float,
    threads: int | None = None,
    timeout: float = 30.0,
    unique: bool = False,
) -> dict:
    """Drive ``url`` with random requests from ``requests`` for ``seconds``: wrk's figures.

    ``unique``: each request is made unique (:data:`LUA_UNIQUE`)."""
    if not wrk_available():
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    threads = threads or max(1, min(connections, os.cpu_count() or 2))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, pool = Path(tmp, "random.lua"), Path(tmp, "pool.tsv")
        script.write_text(LUA_UNIQUE if unique else LUA, encoding="utf-8")
        pool.write_text(
            "".join(f"{path}\t{accept}\n" for path, accept in requests), encoding="utf-8"
        )
        command = [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            f"{timeout:g}s",
            "-s",
            str(script),
            url,
            "--",
            str(pool),
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + timeout + 60
        )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            figures = json.loads(line[len("BENCH-JSON ") :])
            break
    else:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    duration = figures["duration_us"] / 1e6
    errors = figures["errors"]
    completed = figures["requests"]
    figures.update(
        {
            "connections": connections,
            "threads": threads,
            # wrk counts non-2xx/3xx answers among its requests; throughput counts good ones only.
            "rps": max(0, completed - errors["status"]) / duration if duration else 0.0,
            "error_count": sum(errors.values()),
            "p50_ms": figures["latency_us"]["p50"] / 1e3,
            "p95_ms": figures["latency_us"]["p95"] / 1e3,
            "p99_ms": figures["latency_us"]["p99"] / 1e3,
        }
    )
    return figures
