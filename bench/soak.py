"""Soak test: many concurrent clients on a mixed workload against the gunicorn deployment.

Starts ``python -m server.cli.serve`` (the real deployment: gunicorn, preloaded app, gthread
workers, SPARQL query children) on a free loopback port with the curated essay graph and a short
``sparql_timeout``, then drives it for a fixed time with N closed-loop clients (several processes,
each with threads holding one keep-alive HTTP/1.1 connection) on a mix drawn at random per request:
dereferencing ``/id/…`` (303) and ``/doc/…`` in every RDF format and in HTML in several languages,
conditional GETs (304), the home page, search, VoID, the ontology, the SPARQL example queries and
parameterised ones, and about 1% of deliberately explosive queries that must be stopped (503).
With ``--crash-mix N``, 1 request in N is a query that crashes the engine (nested thousands of
levels deep, or chaining thousands of operators): refused with 400 by the structural limits, or,
with ``--lift-limits``, sent past them to kill its query process (400, the process replaced; 503
when its deadline comes first).

Every response is classified: expected (2xx, 3xx, 304; 503 only for the explosive queries, 400
only for the crash-inducing ones) or an error (any other status, a connection failure, a client
timeout). The server's memory (RSS summed over the gunicorn master, its workers and their query
children; PSS from ``smaps_rollup``) is sampled every half second. RSS at rest after the run is
compared with RSS right after warm-up (with every process present); no runaway or crashing query
is sent in the few seconds before either, since a query child running one grows by hundreds of
MB until it is killed or dies.

    python -m bench.soak                                      # 64 clients, 60 s, 10 s warm-up
    python -m bench.soak --clients 64 --seconds 10 --warmup 3 # the short form (tests/test_soak.py)
    python -m bench.soak --crash-mix 200                      # 1 request in 200 crash-inducing

Exit status: 0 when every response was expected and RSS grew at most 10%, 1 otherwise, 2 when the
harness itself failed (the server did not start).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "server" / "queries"
HOST = "127.0.0.1"  # loopback only: the server binds here and every client connects here
RSS_LIMIT = 10.0  # per cent of growth between warm-up and end that fails the run
STARTUP_LIMIT = 120.0  # seconds for the server to answer its first request
SAMPLE_EVERY = 0.5  # seconds between memory samples
SAMPLE_WINDOW = 1.0  # seconds before a boundary whose samples' median is the RSS there
ERROR_SAMPLES = 20  # failing requests kept verbatim per client process

RDF_TYPES = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
SUFFIXES = (".ttl", ".jsonld", ".nt", ".rdf", ".html")
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
ACCEPT_LANGUAGES = ("en-GB,en;q=0.9", "zh-CN,zh;q=0.9", "zh-TW,zh;q=0.8,en;q=0.5", "fr, *;q=0.1")
SEARCH_TERMS = ("china", "chin", "korea", "kim", "中国", "朝鲜", "日本", "claim", "un", "island")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

#: Queries that cannot finish within any sane deadline on ~4k triples (a cubic or worse cross
#: product that must be fully evaluated: COUNT, ORDER BY, GROUP BY), so the row cap never cuts
#: them short. The server must stop each at ``sparql_timeout`` and answer 503.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(?i) ?f ?c LIMIT 1",
    "SELECT ?b (COUNT(?g) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?c } GROUP BY ?b",
)

#: Queries past the depth at which the engine crashes on an 8 MiB stack (measured by
#: tests/test_sparql_limits.py): what ``--crash-mix`` sends to a server with the default
#: structural limits, which refuse them.
CRASHING = (
    lambda: "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    lambda: "ASK { FILTER(" + "STR(" * 1000 + "1" + ")" * 1000 + ") }",
    lambda: "ASK { " + "FILTER EXISTS { " * 900 + "}" * 900 + " }",
    lambda: "ASK { FILTER(" + "1+" * 7000 + "1) }",
    lambda: "ASK { ?s " + "a|" * 11000 + "a ?o }",
)
#: Queries past the stack of a query process (200 KB each): what ``--crash-mix`` sends with
#: ``--lift-limits``. The process dies (400), unless the deadline comes first (503).
ENGINE_KILLING = (
    lambda: "SELECT * WHERE " + "{" * 100_000 + "}" * 100_000,
    lambda: "ASK { FILTER(" + "STR(" * 40_000 + "1" + ")" * 40_000 + ") }",
)
#: The settings ``--lift-limits`` gives the server, so that every crash-inducing query runs.
LIFTED = {
    "POLICYGRAPH_SPARQL_MAX_NESTING": str(10**7),
    "POLICYGRAPH_SPARQL_MAX_CHAIN": str(10**7),
    "POLICYGRAPH_SPARQL_MAX_QUERY_LENGTH": str(4 * 2**20),
    "POLICYGRAPH_SPARQL_MAX_BODY": str(4 * 2**20),
}

#: Request classes and their share of the mix (relative weights; ``runaway`` is ~1%).
MIX = {
    "id_303": 14,
    "doc_rdf": 22,
    "doc_suffix": 4,
    "doc_html": 14,
    "revalidate_304": 4,
    "home": 4,
    "search": 6,
    "void": 3,
    "vocabulary": 2,
    "sparql_example": 15,
    "sparql_param": 11,
    "runaway": 1,
}


@dataclass
class Request:
    """One request to send: what it is, how to send it, and which statuses are expected."""

    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    expected: frozenset[int] = frozenset()  # empty: any 2xx or 3xx

    def ok(self, status: int) -> bool:
        if self.expected:
            return status in self.expected
        return 200 <= status < 400

    def line(self) -> str:
        """The request for a report: method, path (or form body), Accept."""
        accept = self.headers.get("Accept", "")
        target = self.path
        if self.body:
            target += " " + urllib.parse.unquote_plus(self.body.decode("ascii", "replace"))
        elif "?" in target:
            target = urllib.parse.unquote_plus(target)
        target = " ".join(line for line in target.splitlines() if not line.startswith("#"))
        return f"{self.method} {target[:240]} (Accept: {accept})"


@dataclass
class Workload:
    """What the mix draws from: the published things and the example queries."""

    base: str
    things: list[str]  # paths below the base: "actor/china", …
    examples: dict[str, str]  # file name → query text
    weights: dict[str, float] = field(default_factory=lambda: dict(MIX))
    lifted: bool = False  # the server's structural limits are lifted: crash queries kill

    def draw(self, rng: random.Random, etags: dict[str, str], quiet: bool = False) -> Request:
        """A random request; ``quiet``: no runaway or crashing query (memory is about to be
        measured)."""
        kinds = [k for k in self.weights if not (quiet and k in ("runaway", "crash"))]
        kind = rng.choices(kinds, weights=[self.weights[k] for k in kinds])[0]
        return getattr(self, "_" + kind)(rng, etags)

    def _thing(self, rng: random.Random) -> str:
        return rng.choice(self.things)

    def _id_303(self, rng, etags) -> Request:
        accept = rng.choice([*RDF_TYPES.values(), BROWSER])
        return Request(
            "id_303", "GET", f"/id/{self._thing(rng)}", {"Accept": accept}, None, frozenset({303})
        )

    def _doc_rdf(self, rng, etags) -> Request:
        name = rng.choice(list(RDF_TYPES))
        return Request("doc_rdf", "GET", f"/doc/{self._thing(rng)}", {"Accept": RDF_TYPES[name]})

    def _doc_suffix(self, rng, etags) -> Request:
        path = f"/doc/{self._thing(rng)}{rng.choice(SUFFIXES)}"
        return Request("doc_suffix", "GET", path, {"Accept": "*/*"})

    def _doc_html(self, rng, etags) -> Request:
        headers = {"Accept": BROWSER}
        path = f"/doc/{self._thing(rng)}"
        if rng.random() < 0.5:
            path += f"?lang={rng.choice(LANGUAGES)}"
        else:
            headers["Accept-Language"] = rng.choice(ACCEPT_LANGUAGES)
        return Request("doc_html", "GET", path, headers)

    def _revalidate_304(self, rng, etags) -> Request:
        path = f"/doc/{self._thing(rng)}.ttl"
        headers = {"Accept": "text/turtle"}
        if path in etags:
            headers["If-None-Match"] = etags[path]
            return Request("revalidate_304", "GET", path, headers, None, frozenset({304}))
        return Request("revalidate_304", "GET", path, headers, None, frozenset({200}))

    def _home(self, rng, etags) -> Request:
        path = "/" + (f"?lang={rng.choice(LANGUAGES)}" if rng.random() < 0.7 else "")
        return Request("home", "GET", path, {"Accept": BROWSER})

    def _search(self, rng, etags) -> Request:
        query = {"q": rng.choice(SEARCH_TERMS), "lang": rng.choice(LANGUAGES)}
        accept = rng.choice(("application/json", BROWSER))
        return Request(
            "search", "GET", "/search?" + urllib.parse.urlencode(query), {"Accept": accept}
        )

    def _void(self, rng, etags) -> Request:
        path = rng.choice(("/.well-known/void", "/dataset"))
        return Request("void", "GET", path, {"Accept": rng.choice(list(RDF_TYPES.values()))})

    def _vocabulary(self, rng, etags) -> Request:
        path = rng.choice(("/ontology", "/shapes", "/context.jsonld", "/sitemap.xml"))
        return Request("vocabulary", "GET", path, {"Accept": rng.choice(("text/turtle", BROWSER))})

    def _sparql(self, kind: str, rng: random.Random, query: str, accept: str, expected=()):
        if rng.random() < 0.3:  # form-encoded POST (SPARQL 1.1 Protocol §2.1.2)
            body = urllib.parse.urlencode({"query": query}).encode()
            headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
            return Request(kind, "POST", "/sparql", headers, body, frozenset(expected))
        path = "/sparql?" + urllib.parse.urlencode({"query": query})
        return Request(kind, "GET", path, {"Accept": accept}, None, frozenset(expected))

    def _sparql_example(self, rng, etags) -> Request:
        query = self.examples[rng.choice(sorted(self.examples))]
        return self._sparql("sparql_example", rng, query, rng.choice(RESULT_TYPES))

    def _sparql_param(self, rng, etags) -> Request:
        iri = f"<id/{self._thing(rng)}>"
        lang = rng.choice(LANGUAGES)
        limit = rng.choice((5, 20, 100))
        prefixes = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        choices = [
            (f"SELECT ?p ?o WHERE {{ {iri} ?p ?o }} LIMIT {limit}", rng.choice(RESULT_TYPES)),
            (f"ASK {{ {iri} ?p ?o }}", "application/sparql-results+json"),
            (f"DESCRIBE {iri}", rng.choice(list(RDF_TYPES.values()))),
            (f"CONSTRUCT {{ {iri} ?p ?o }} WHERE {{ {iri} ?p ?o }}", "text/turtle"),
            (
                f"{prefixes}SELECT ?s ?label WHERE {{ ?s skos:prefLabel ?label "
                f'FILTER(langMatches(lang(?label), "{lang}")) }} ORDER BY ?label LIMIT {limit}',
                rng.choice(RESULT_TYPES),
            ),
            (
                f"SELECT ?type (COUNT(?s) AS ?n) WHERE {{ ?s a ?type }} GROUP BY ?type "
                f"ORDER BY DESC(?n) LIMIT {limit}",
                "application/sparql-results+json",
            ),
        ]
        query, accept = rng.choice(choices)
        return self._sparql("sparql_param", rng, query, accept)

    def _runaway(self, rng, etags) -> Request:
        query = rng.choice(RUNAWAY)
        return self._sparql("runaway", rng, query, "application/sparql-results+json", {503})

    def _crash(self, rng, etags) -> Request:
        query = rng.choice(ENGINE_KILLING if self.lifted else CRASHING)()
        headers = {"Accept": "application/sparql-results+json"}
        headers["Content-Type"] = "application/sparql-query"  # SPARQL 1.1 Protocol §2.1.3
        expected = frozenset({400, 503} if self.lifted else {400})
        return Request("crash", "POST", "/sparql", headers, query.encode(), expected)


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """``python -m server.cli.serve`` on loopback, in its own session, with its log in a file."""

    def __init__(self, folder: Path, workers: int, sparql_timeout: float, data: list[str],
                 sparql_workers: int | None = None, env_extra: dict | None = None):  # fmt: skip
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}/"
        env = dict(os.environ)
        env.update(
            {
                "POLICYGRAPH_SPARQL_TIMEOUT": f"{sparql_timeout:g}",
                "POLICYGRAPH_DUMPS_DIR": str(folder / "dumps"),
                "POLICYGRAPH_DATA": os.pathsep.join(data),
            }
        )
        if sparql_workers is not None:
            env["POLICYGRAPH_SPARQL_WORKERS"] = str(sparql_workers)
        env.update(env_extra or {})
        self.log_path = folder / "server.log"
        self.log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "server.cli.serve", "--host", HOST, "--port"]
        command += [str(self.port), "--base", self.base, "--workers", str(workers)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait(self, timeout: float = STARTUP_LIMIT) -> float:
        """Seconds until the server answered ``/robots.txt``; raises when it never does."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.output()[-4000:]}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/robots.txt")
                if connection.getresponse().status == 200:
                    connection.close()
                    return time.monotonic() - started
                connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer in {timeout:g} s:\n{self.output()[-4000:]}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text("utf-8", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own session only
                self.process.wait(timeout=10)
        self.log.close()


def fetch(port: int, path: str, accept: str = "*/*") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def discover(port: int, base: str) -> Workload:
    """The things to dereference (from the sitemap) and the example queries (from the repo)."""
    status, body = fetch(port, "/sitemap.xml")
    if status != 200:
        raise RuntimeError(f"/sitemap.xml answered {status}")
    prefix = re.escape(base + "doc/")
    things = sorted(set(re.findall(prefix + r"([^<\s]+)</loc>", body.decode("utf-8"))))
    if not things:
        raise RuntimeError("the sitemap lists no /doc/ pages")
    examples = {path.name: path.read_text("utf-8") for path in sorted(QUERIES.glob("*.rq"))}
    return Workload(base, things, examples)


# --- memory ----------------------------------------------------------------------------------


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


# --- the clients -----------------------------------------------------------------------------


def _client_thread(
    port: int, work: Workload, seed: int, start: float, warm: float, end: float, timeout: float,
    quiet: float, out: dict, lock: threading.Lock,
) -> None:  # fmt: skip
    rng = random.Random(seed)
    etags: dict[str, str] = {}
    connection: http.client.HTTPConnection | None = None
    sent = 0
    while time.monotonic() < start:
        time.sleep(min(0.05, max(0.0, start - time.monotonic())))
    while time.monotonic() < end and sent < 10_000_000:
        now = time.monotonic()
        request = work.draw(rng, etags, warm - quiet <= now < warm or now >= end - quiet)
        sent += 1
        status, kind, body = None, None, b""
        began = time.monotonic()
        for attempt in (1, 2):
            fresh = connection is None
            if fresh:
                connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
            try:
                connection.request(request.method, request.path, request.body, request.headers)
                response = connection.getresponse()
                body = response.read()
                status = response.status
                if status == 200 and request.path.endswith(".ttl"):
                    etag = response.getheader("ETag")
                    if etag:
                        etags[request.path] = etag
                if response.will_close:
                    connection.close()
                    connection = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                connection.close()
                connection = None
                if fresh or attempt == 2:
                    kind = type(e).__name__
                    break
                # The server closed an idle keep-alive connection as we reused it: retry once on a
                # new connection, as HTTP clients (urllib3, browsers) do. Counted, not an error.
                with lock:
                    out["stale_retries"] += 1
                began = time.monotonic()
            except TimeoutError:
                connection.close()
                connection = None
                kind = "client timeout"
                break
            except (OSError, http.client.HTTPException) as e:
                connection.close()
                connection = None
                kind = type(e).__name__
                break
        elapsed = time.monotonic() - began
        if status is not None and not request.ok(status):
            kind = f"HTTP {status}"
            if status == 503 and b"stayed busy" in body:
                kind += " (query processes busy)"
        elif status == 200 and not body and request.method != "HEAD":
            kind = "empty 200"
        phase = "warmup" if began < warm else "measured"
        with lock:
            if phase == "measured":
                out["latency"].setdefault(request.kind, []).append(elapsed)
                if status is not None:
                    key = f"{request.kind} {status}"
                    out["statuses"][key] = out["statuses"].get(key, 0) + 1
            if kind is not None:
                key = f"{kind} [{request.kind}]"
                out["errors"][key] = out["errors"].get(key, 0) + 1
                out["error_phase"][phase] = out["error_phase"].get(phase, 0) + 1
                if len(out["samples"]) < ERROR_SAMPLES:
                    out["samples"].append(
                        {
                            "request": request.line(),
                            "status": status,
                            "error": kind,
                            "phase": phase,
                            "seconds": round(elapsed, 3),
                            "body": body[:300].decode("utf-8", "replace"),
                        }
                    )
            elif request.kind == "runaway" and phase == "measured":
                out["expected_503"] += 1
        if kind is not None and status is None:
            time.sleep(0.05)  # a refused connection must not turn into a busy loop
    if connection is not None:
        connection.close()


def empty_tally() -> dict:
    """What one load process, and the merge of all of them, counts."""
    return {
        "latency": {},
        "statuses": {},
        "errors": {},
        "error_phase": {},
        "samples": [],
        "expected_503": 0,
        "stale_retries": 0,
    }


def client_process(args: tuple) -> dict:
    """One load process: ``threads`` clients, each with its own keep-alive connection."""
    port, work, threads, seed, start, warm, end, timeout, quiet = args
    out = empty_tally()
    lock = threading.Lock()
    workers = [
        threading.Thread(
            target=_client_thread,
            args=(port, work, seed * 1000 + n, start, warm, end, timeout, quiet, out, lock),
            daemon=True,
        )
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(0.0, end - time.monotonic()) + timeout + 10)
    out["cpu_seconds"] = sum(os.times()[:2])
    return out


def split(clients: int, processes: int) -> list[int]:
    """Threads per process, as even as possible."""
    processes = max(1, min(processes, clients))
    return [clients // processes + (1 if n < clients % processes else 0) for n in range(processes)]


def merge(parts: list[dict]) -> dict:
    total = {**empty_tally(), "client_cpu_seconds": 0.0}
    for part in parts:
        for name, values in part["latency"].items():
            total["latency"].setdefault(name, []).extend(values)
        for key in ("statuses", "errors", "error_phase"):
            for name, count in part[key].items():
                total[key][name] = total[key].get(name, 0) + count
        total["samples"].extend(part["samples"])
        total["expected_503"] += part["expected_503"]
        total["stale_retries"] += part["stale_retries"]
        total["client_cpu_seconds"] += part["cpu_seconds"]
    return total


# --- the report ------------------------------------------------------------------------------


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


def change(before: float | None, after: float | None) -> float | None:
    if not before or after is None:
        return None
    return (after - before) / before * 100


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
        f"{_pct(mem['rss_change_pct'])} (run min {mib(mem['rss_min_kib'])}, max "
        f"{mib(mem['rss_max_kib'])}); PSS {mib(mem['pss_warm_kib'])} -> {mib(mem['pss_end_kib'])} "
        f"({_pct(mem['pss_change_pct'])})",
        file=out,
    )
    log = result["server_log"]
    print(
        f"server log: {log['tracebacks']} tracebacks, {log['errors']} [ERROR] lines, "
        f"{log['worker_boots']} worker boots ({p['workers']} at start)",
        file=out,
    )
    print(f"\n{result['verdict']}", file=out)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def scan_log(text: str) -> dict:
    lines = text.splitlines()
    return {
        "tracebacks": sum(1 for line in lines if line.startswith("Traceback")),
        "errors": sum(1 for line in lines if "[ERROR]" in line or "[CRITICAL]" in line),
        "worker_boots": sum(1 for line in lines if "Booting worker" in line),
        "tail": [line for line in lines if "ERROR" in line or "CRITICAL" in line][:20],
    }


def soak(options: argparse.Namespace) -> dict:
    """Start the server, load it, sample its memory, and return every figure."""
    loadavg_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="policygraph-soak-") as tmp:
        server = Server(
            Path(tmp), options.workers, options.sparql_timeout, options.data or [],
            options.sparql_workers, LIFTED if options.lift_limits else None,
        )  # fmt: skip
        try:
            startup = server.wait()
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
            sampler = Sampler(server.process.pid, t0, limit=int((end - t0) / SAMPLE_EVERY) + 600)
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
                sample = memory_sample(server.process.pid)
                sample["t"] = round(time.monotonic() - t0, 2)
                settled.append(sample)
            alive = server.process.poll() is None
        finally:
            server.stop()
            text = server.output()
    total = merge(parts)
    samples = sampler.samples
    rel_warm, rel_end = warm - t0, end - t0
    # The full set of server processes: the count the settled samples agree on.
    full = statistics.mode(s["processes"] for s in settled)
    at_warm = (rel_warm - SAMPLE_WINDOW, rel_warm, full, rel_warm - quiet)
    memory = {
        "rss_warm_kib": window(samples, "rss_kib", *at_warm),
        "rss_end_kib": statistics.median(s["rss_kib"] for s in settled),
        "pss_warm_kib": window(samples, "pss_kib", *at_warm),
        "pss_end_kib": window(settled, "pss_kib", 0, float("inf")),
        "processes_warm": full if window(samples, "rss_kib", *at_warm) else None,
        "processes_end": full,
    }
    samples = samples + [{**s, "settled": True} for s in settled]
    during = [s["rss_kib"] for s in samples if rel_warm <= s["t"] <= rel_end]
    memory["rss_min_kib"] = min(during) if during else None
    memory["rss_max_kib"] = max(during) if during else None
    memory["rss_change_pct"] = change(memory["rss_warm_kib"], memory["rss_end_kib"])
    memory["pss_change_pct"] = change(memory["pss_warm_kib"], memory["pss_end_kib"])
    error_count = sum(total["errors"].values())
    problems = []
    if error_count:
        problems.append(f"{error_count} unexpected errors")
    if memory["rss_change_pct"] is None:
        problems.append("RSS not measured")
    elif memory["rss_change_pct"] > RSS_LIMIT:
        problems.append(f"RSS grew {memory['rss_change_pct']:.1f}% (limit {RSS_LIMIT:g}%)")
    if not alive:
        problems.append("the server died during the run")
    log = scan_log(text)
    rows = latency_rows(total["latency"], options.seconds)
    verdict = "PASS" if not problems else "FAIL: " + "; ".join(problems)
    if not problems:
        every = next((r for r in rows if r["class"] == "all"), None)
        verdict += (
            f": 0 unexpected errors, RSS {_pct(memory['rss_change_pct'])} "
            f"(limit +{RSS_LIMIT:g}%)"
            + (f", p99 {every['p99_ms']:.0f} ms at {every['rps']:.0f} req/s" if every else "")
        )
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
        "server_log": log,
        "passed": not problems,
        "verdict": verdict,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients [64]")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds [60]")
    parser.add_argument("--warmup", type=float, default=10, help="warm-up seconds [10]")
    parser.add_argument(
        "--sparql-timeout", type=float, default=2.0, help="the server's sparql_timeout [2]"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers [2]")
    parser.add_argument(
        "--sparql-workers", type=int, default=None, help="query processes per worker [server's]"
    )
    parser.add_argument(
        "--runaway-weight",
        type=float,
        default=MIX["runaway"],
        help=f"weight of runaway queries in the mix (of {sum(MIX.values())}) [{MIX['runaway']}]",
    )
    parser.add_argument(
        "--crash-mix",
        type=int,
        default=0,
        metavar="N",
        help="1 request in N is a query that crashes the engine, answered 400 [0: none]",
    )
    parser.add_argument(
        "--lift-limits",
        action="store_true",
        help="with --crash-mix: lift the server's structural and length limits, so that each "
        "crash-inducing query kills its query process (400; 503 if the deadline comes first) "
        "instead of being refused (400)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=max(2, min(4, os.cpu_count() or 2)),
        help="client processes the clients are spread over [CPUs, 2 to 4]",
    )
    parser.add_argument("--data", action="append", help="publish this instead of the essay graph")
    parser.add_argument("--json", metavar="OUT", help="write every figure to this JSON file")
    options = parser.parse_args(argv)
    if options.clients < 1 or options.seconds <= 0 or options.warmup < 0:
        parser.error("--clients must be positive, --seconds positive, --warmup not negative")
    if options.crash_mix == 1 or options.crash_mix < 0:
        parser.error("--crash-mix must be 0 (none) or at least 2")
    if options.seconds > 3600 or options.clients > 1024:
        parser.error("bounded: at most 3600 s and 1024 clients")
    try:
        result = soak(options)
    except (RuntimeError, OSError, multiprocessing.TimeoutError) as error:
        print(f"bench.soak: the harness failed: {error}", file=sys.stderr)
        return 2
    print_report(result)
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
