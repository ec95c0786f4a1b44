"""The crawl of one checkout, through its own app: every URL of the curated graph, each answer
recorded as its status, significant headers and the SHA-256 of its body, normalised.

This file is run by :mod:`bench.crawl` as a script inside the checkout under test (that
checkout's code first on ``sys.path``), so it imports nothing of this repository but the
checkout's ``server``: only the standard library and rdflib. What it requests, and what it
normalises (and why), is said in :mod:`bench.crawl`.

    python -m bench.snapshot OUT.json [--source DIR]   # crawl the checkout in the working folder
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph

BASE = "http://127.0.0.1:8080/"
#: Headers compared as they are (after normalisation of stamps and blank nodes).
HEADERS = (
    "Content-Type",
    "Content-Location",
    "Content-Language",
    "Content-Encoding",
    "Content-Disposition",
    "Location",
    "Vary",
    "Link",
    "Allow",
    "Cache-Control",
    "Retry-After",
    "Accept-Ranges",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "X-Policygraph-Truncated",
    "X-Policygraph-Result-Count",
    "X-Content-Type-Options",
    "Last-Modified",
    "ETag",
)
SUFFIXES = ("ttl", "nt", "rdf", "jsonld", "html", "nq", "trig", "json", "xyz")
ACCEPTS = (
    "",
    "*/*",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/n-quads",
    "application/trig",
    "application/json",
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "image/png",
)
LANGUAGES = (("lang", "en"), ("lang", "zh-Hans"), ("lang", "zh-Hant"), ("accept", "zh-TW,zh;q=0.8"))
RESULT_ACCEPTS = (
    "",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/ld+json",
    "text/html",
    "image/png",
)
FIXED = (
    "/",
    "/search",
    "/search?q=china",
    "/search?q=%E4%B8%AD%E5%9B%BD",
    "/search?q=korea&lang=zh-Hant",
    "/search?q=kim&format=json",
    "/context.jsonld",
    "/sitemap.xml",
    "/sitemap-1.xml",
    "/robots.txt",
    "/.well-known/void",
    "/graph/ontology",
    "/graph/shapes",
    "/graph/north-korea-opportunity",
    "/dumps/",
    "/dumps/policygraph.ttl",
    "/dumps/policygraph.ttl.sha256",
    "/dumps/policygraph.nq.gz",
    "/dumps/policygraph.nq.gz.sha256",
    "/dumps/nothing.nq",
    "/sparql",
    "/sparql?lang=zh-Hans",
    "/sparql/static/editor.js",
    "/sparql/static/yasgui.min.css",
    "/static/style.css",
    "/id/actor/nowhere",
    "/doc/actor/nowhere",
    "/doc/nowhere/china",
    "/nowhere",
    "/favicon.ico",
)
#: Documents named outside the sitemap that take a suffix.
NAMED = ("ontology", "shapes", "dataset", "validation")
QUERIES = (
    "ASK { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40",
    "DESCRIBE <id/actor/china>",
    "SELECT ?e ?d WHERE { ?e <http://semanticweb.cs.vu.nl/2009/11/sem/hasTimeStamp> ?d "
    'FILTER(?d >= "2012-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } ORDER BY ?d ?e',
    "SELECT * FROM <graph/ontology> WHERE { ?s a ?c } ORDER BY ?s LIMIT 20",
    # errors: a syntax error, an update, SERVICE, a graph outside the dataset
    "SELECT * WHERE { ?s ?p }",
    "DELETE WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }",
)

ISO = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
HTTP_DATE = re.compile(rb"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
BLANK = re.compile(rb"_:([A-Za-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9_\-]|[A-Za-z0-9])")
LOADED = "⟨loaded⟩".encode()
#: The query page's "in 0.6 ms" (用时 … 毫秒, 耗時 … 毫秒): the time the query took.
ELAPSED = re.compile("(\\sin |用时 |耗時 )\\d+(?:\\.\\d+)?( ms| 毫秒)".encode())
#: Media type → rdflib parser name, for the bodies compared as canonical N-Quads.
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
#: Headers whose comma-separated values are a set (RFC 9110 §10.2.1 Allow, §12.5.5 Vary).
UNORDERED = ("Allow", "Vary", "Access-Control-Allow-Methods")
NODE_ID = re.compile(rb'(rdf:nodeID=")([^"]+)(")')


# -- normalisation --------------------------------------------------------------------------------


def _seconds(text: bytes) -> float | None:
    """The POSIX time of an ISO 8601 or HTTP date, to the second; None if unreadable."""
    try:
        if HTTP_DATE.fullmatch(text):
            return parsedate_to_datetime(text.decode("ascii")).timestamp() // 1
        value = text.decode("ascii").replace("Z", "+00:00")
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp() // 1
    except ValueError:
        return None


@dataclass
class Normaliser:
    """What differs between two starts of the same data, made equal (see the module docstring).

    ``loaded`` is the POSIX second the data was loaded; ``checksums`` maps a dump's SHA-256 (hex)
    to that of its normalised content, ``sizes`` its byte size to the normalised one.
    """

    loaded: float | None = None
    checkout: bytes = b""  # the folder of the checkout (the validation page names its files)
    checksums: dict[bytes, bytes] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)
    context: dict | None = None  # the published JSON-LD context, for JSON-LD bodies
    canonical: dict[tuple[bytes, str], bytes] = field(default_factory=dict)  # already computed

    def __call__(self, body: bytes) -> bytes:
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        if self.checkout:
            body = body.replace(self.checkout, "⟨checkout⟩".encode())
        if self.loaded is not None:
            body = HTTP_DATE.sub(self._stamp, ISO.sub(self._stamp, body))
        for raw, normal in self.checksums.items():
            body = body.replace(raw, normal)
        for raw_size, size in self.sizes.items():
            body = re.sub(
                rb"(?<![0-9])%d(?![0-9])" % raw_size, b"size-of-normalised:%d" % size, body
            )
        names: dict[bytes, bytes] = {}

        def rename(label: bytes) -> bytes:
            return names.setdefault(label, b"b%d" % (len(names) + 1))

        body = BLANK.sub(lambda m: b"_:" + rename(m.group(1)), body)
        return NODE_ID.sub(lambda m: m.group(1) + rename(m.group(2)) + m.group(3), body)

    def _stamp(self, match: re.Match) -> bytes:
        seconds = _seconds(match.group(0))
        near = seconds is not None and abs(seconds - self.loaded) <= 1
        return LOADED if near else match.group(0)

    def body(self, body: bytes, content_type: str) -> bytes:
        """A response body: normalised, and an RDF body holding blank nodes as its canonical
        N-Quads (its serializer orders statements by their random labels)."""
        body = self(body)
        media = content_type.split(";")[0].strip()
        if media == "text/html":
            body = ELAPSED.sub("\\1⟨elapsed⟩\\2".encode(), body)
        if media in RDF_FORMATS and (BLANK.search(body) or NODE_ID.search(body)):
            key = (hashlib.sha256(body).digest(), media)
            if key not in self.canonical:
                self.canonical[key] = canonical(body, RDF_FORMATS[media], self.context)
            return self.canonical[key]
        return body

    def header(self, name: str, value: str) -> str:
        """A header value: ETags masked, lists whose order means nothing sorted."""
        if name == "ETag":
            return "⟨etag⟩"
        if name in UNORDERED:
            return ", ".join(sorted(part.strip() for part in value.split(",")))
        return self(value.encode("utf-8")).decode("utf-8")


def canonical(body: bytes, rdf_format: str, context: dict | None) -> bytes:
    """The statements of an RDF body, blank nodes canonically labelled (rdflib's
    :func:`~rdflib.compare.to_canonical_graph`, graph by graph), as sorted N-Quads."""
    if rdf_format == "json-ld":
        document = json.loads(body)
        if isinstance(document, dict) and document.get("@context") == f"{BASE}context.jsonld":
            document["@context"] = context  # never fetched: the crawl is offline
        body = json.dumps(document).encode()
    dataset = Dataset()
    dataset.parse(data=body, format=rdf_format, publicID=BASE)
    lines = []
    for graph in dataset.graphs():
        name = graph.identifier.n3() if not isinstance(graph.identifier, BNode) else ""
        plain = Graph()
        for triple in graph:
            plain.add(triple)
        for s, p, o in to_canonical_graph(plain):
            lines.append(f"{s.n3()} {p.n3()} {o.n3()} {name}".rstrip() + " .")
    return ("canonical N-Quads\n" + "\n".join(sorted(lines)) + "\n").encode("utf-8")


# -- the crawl (runs in the checkout under test) ---------------------------------------------------


def requests_for(client, queries_folder: Path) -> list[dict]:
    """Every request of the crawl: method, path, headers, body; the documents from the sitemap."""
    sitemap = fetch(client, "/sitemap.xml")[1].decode("utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    documents = sorted({loc[len(BASE) - 1 :] for loc in locations if loc.startswith(BASE)})
    if len(documents) < 10:
        raise RuntimeError(f"the sitemap lists {len(documents)} documents: {documents}")
    out: list[dict] = []

    def get(path: str, accept: str = "", **headers: str) -> None:
        if accept:
            headers["Accept"] = accept
        out.append({"method": "GET", "path": path, "headers": headers})

    paths = [*FIXED, *documents, *(f"/{name}" for name in NAMED)]
    for path in dict.fromkeys(paths):
        for accept in ACCEPTS:
            get(path, accept)
        if path.startswith("/doc/") or path.lstrip("/") in NAMED:
            for suffix in SUFFIXES:
                get(f"{path}.{suffix}")
            for how, language in LANGUAGES:
                if how == "lang":
                    get(f"{path}?lang={language}", "text/html")
                else:
                    get(path, "text/html", **{"Accept-Language": language})
        if path.startswith("/doc/"):
            thing = "/id/" + path[len("/doc/") :]
            for accept in ("", "text/turtle", "text/html"):
                get(thing, accept)
        out.append({"method": "HEAD", "path": path, "headers": {"Accept": "text/turtle"}})
    queries = [*QUERIES, *(p.read_text("utf-8") for p in sorted(queries_folder.glob("*.rq")))]
    for query in queries:
        for accept in RESULT_ACCEPTS:
            get("/sparql?" + urlencode({"query": query}), accept)
        for fmt in ("json", "xml", "csv", "tsv"):
            get("/sparql?" + urlencode({"query": query, "format": fmt}))
        form = urlencode({"query": query})
        out.append(
            {
                "method": "POST",
                "path": "/sparql",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "body": form,
            }
        )
        out.append(
            {
                "method": "POST",
                "path": "/sparql",
                "headers": {"Content-Type": "application/sparql-query; charset=utf-8"},
                "body": query,
            }
        )
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 40_000
    get("/sparql?query=" + quote(long_query))
    for content_type, body in (
        ("application/x-www-form-urlencoded", urlencode({"query": long_query + "x" * 40_000})),
        ("text/plain", "ASK {}"),
        ("application/x-www-form-urlencoded", "query=ASK%7B%7D&query=ASK%7B%7D"),
        ("application/x-www-form-urlencoded", "default-graph-uri=x"),
    ):
        out.append(
            {"method": "POST", "path": "/sparql", "headers": {"Content-Type": content_type},
             "body": body}
        )  # fmt: skip
    get("/sparql?" + urlencode({"query": "ASK {}", "default-graph-uri": f"{BASE}graph/shapes"}))
    get("/sparql?" + urlencode({"query": "ASK {}", "named-graph-uri": "file:///etc/passwd"}))
    out.append({"method": "DELETE", "path": "/doc/actor/china", "headers": {}})
    out.append({"method": "OPTIONS", "path": "/doc/actor/china", "headers": {
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"}})  # fmt: skip
    return out


def crawl(data: list[str], dumps: str, queries_folder: Path) -> dict:
    """Build the app of the checkout on ``sys.path`` and answer every request of the crawl."""
    try:
        from server.app import create_app
    except ImportError:  # before the re-lay (issue 16): the factory was in server/__init__.py
        from server import create_app
    import server

    app = create_app({"base": BASE, "dumps_dir": dumps, "data": data})
    client = app.test_client()
    modified = fetch(client, "/")[0].headers.get("Last-Modified")
    normalise = Normaliser(
        _seconds(modified.encode("ascii")) if modified else None,
        str(Path(server.__file__).resolve().parent.parent).encode(),
    )
    for name in ("policygraph.nq.gz", "policygraph.ttl"):
        raw = fetch(client, f"/dumps/{name}")[1]
        normal = normalise(raw)
        digest = hashlib.sha256(normal).hexdigest().encode()
        normalise.checksums[hashlib.sha256(raw).hexdigest().encode()] = b"sha256:" + digest
        normalise.sizes[len(raw)] = len(normal)
    normalise.context = json.loads(fetch(client, "/context.jsonld")[1])["@context"]
    answers: dict[str, list] = {}
    bodies: dict[str, str] = {}
    etags: dict[str, str] = {}
    for request in requests_for(client, queries_folder):
        key = " ".join(
            [request["method"], request["path"]]
            + [f"{k}: {v}" for k, v in sorted(request["headers"].items())]
            + ([f"body: {request['body'][:120]}"] if request.get("body") else [])
        )
        response, body = fetch(
            client, request["path"], request["method"], request["headers"], request.get("body")
        )
        answers[key] = record(response, body, normalise, bodies)
        etag = response.headers.get("ETag")
        if request["method"] == "GET" and response.status_code == 200 and etag:
            etags.setdefault(request["path"], etag)
    for path, etag in sorted(etags.items()):
        response, body = fetch(client, path, headers={"If-None-Match": etag})
        answers[f"GET {path} If-None-Match: (its own ETag)"] = record(
            response, body, normalise, bodies
        )
    return {
        "server": str(Path(server.__file__).resolve().parent),
        "loaded": normalise.loaded,
        "answers": answers,
        "bodies": bodies,
    }


def fetch(client, path: str, method: str = "GET", headers=None, data=None) -> tuple:
    """The response and its body, the response closed (a static file holds an open file)."""
    response = client.open(path, method=method, headers=headers or {}, data=data)
    try:
        return response, response.get_data()
    finally:
        response.close()


def record(response, body: bytes, normalise: Normaliser, bodies: dict[str, str]) -> list:
    """[status, significant headers (normalised), SHA-256 of the normalised body]."""
    body = normalise.body(body, response.headers.get("Content-Type", ""))
    digest = hashlib.sha256(body).hexdigest()
    if digest not in bodies:
        bodies[digest] = body.decode("utf-8", "replace")[:200_000]
    headers = {}
    for name in HEADERS:
        value = response.headers.get(name)
        if value is None:
            continue
        headers[name] = normalise.header(name, value)
    return [response.status_code, headers, digest]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.snapshot", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out", type=Path, help="the JSON file to write")
    parser.add_argument("--dumps", help="the folder for the dumps [a temporary one]")
    parser.add_argument("--source", action="append", default=[], help="a source folder to publish")
    args = parser.parse_args(argv)
    dumps = args.dumps or tempfile.mkdtemp(prefix="crawl-dumps-")
    result = crawl(args.source, dumps, Path.cwd() / "server" / "queries")
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
