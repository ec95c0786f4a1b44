"""The soak's load: what each request is (a mix drawn at random per request) and the clients that
send it (several processes, each with threads holding one keep-alive HTTP/1.1 connection).

Every response is classified: expected (2xx, 3xx, 304; 503 only for the runaway queries) or an
error (any other status, a connection failure, a client timeout).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from bench.servers import HOST, ROOT

QUERIES = ROOT / "server" / "queries"
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

#: Request classes and their share of the mix (relative weights; ``runaway`` is ~1%).
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
    "sparql_max_nesting": str(10**7),
    "sparql_max_chain": str(10**7),
    "sparql_max_query_length": str(4 * 2**20),
    "sparql_max_body": str(4 * 2**20),
}

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


# --- the clients -------------------------------------------------------------------------------


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
