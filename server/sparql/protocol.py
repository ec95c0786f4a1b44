"""Reading a SPARQL 1.1 Protocol query request (§2.1) and choosing its result format.

The three query operations (§2.1.1 GET, §2.1.2 POST form, §2.1.3 POST direct), the dataset
parameters (``default-graph-uri``, ``named-graph-uri``), the limits on length and body size, and
negotiation: ``?format=`` overrides ``Accept``; SELECT/ASK offer the four result formats,
CONSTRUCT/DESCRIBE the publisher's RDF formats; both offer HTML for browsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import (
    BadRequest,
    NotAcceptable,
    PayloadTooLarge,
    UnsupportedMediaType,
    URITooLong,
)
from server.render import formats
from server.sparql.results import RESULT_FORMATS

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


def utf8(raw: bytes, what: str) -> str:
    """Bytes as UTF-8 text, or a 400 naming ``what`` and the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {error.start})") from None


def form_pairs(raw: bytes, what: str) -> list[tuple[str, str]]:
    """Decode ``application/x-www-form-urlencoded`` bytes strictly (WHATWG URL §5.1): invalid
    UTF-8, raw or percent-encoded, is a 400 rather than silently replaced by U+FFFD."""
    return list(_decoded_pairs(raw, what))


@lru_cache(maxsize=256)
def _decoded_pairs(raw: bytes, what: str) -> tuple[tuple[str, str], ...]:
    """Memoized (a failure is not): every request's query string is read before the view
    (:func:`server.views.http.check_request_target`) and again by the SPARQL endpoint, and
    clients repeat queries."""
    try:
        return tuple(parse_qsl(utf8(raw, what), keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise BadRequest(f"{what} has percent-encoded bytes that are not UTF-8") from None


class UpdateRefused(BadRequest):
    """SPARQL Update sent to this read-only endpoint (§2.2 is not offered): 403 Forbidden."""

    status, title = 403, "Forbidden"


@dataclass
class QueryRequest:
    """A query operation as the protocol defines it."""

    query: str | None
    default_graph_uri: list[str] = field(default_factory=list)
    named_graph_uri: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=list)  # ?format= overrides, first known wins
    operation: str = "GET"  # GET, POST form, POST direct


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in pairs if key == name]
    if len(values) > 1:
        raise BadRequest(f"the '{name}' parameter must be given at most once (got {len(values)})")
    return values[0] if values else None


def _url_pairs(raw_url: bytes, max_query_length: int) -> list[tuple[str, str]]:
    """The parameters of the request URI's query string (refusing Update and over-long URIs)."""
    # Percent-encoding at most triples a query; 4 KB more leave room for the other parameters.
    if len(raw_url) > 3 * max_query_length + 4096:
        raise URITooLong(
            f"the request URI is longer than {max_query_length} bytes; send the query by POST"
        )
    url_pairs = form_pairs(raw_url, "the query string")
    if _one(url_pairs, "update") is not None:
        raise UpdateRefused("SPARQL Update is not supported: this endpoint is read-only")
    return url_pairs


def read_get(raw_url: bytes, max_query_length: int) -> QueryRequest:
    """§2.1.1 query via GET (and HEAD): everything is in the query string ``raw_url``."""
    url_pairs = _url_pairs(raw_url, max_query_length)
    query = _one(url_pairs, "query")
    if query is not None and len(query.encode("utf-8")) > max_query_length:
        raise URITooLong(f"the query is longer than {max_query_length} bytes; send it by POST")
    return _finish(QueryRequest(query, operation="GET"), url_pairs, url_pairs)


def read(request: Request, max_query_length: int, max_body: int) -> QueryRequest:
    """Parse the request into a :class:`QueryRequest`, or raise the protocol's 4xx."""
    raw_url = request.query_string or b""
    if request.method in ("GET", "HEAD"):
        return read_get(raw_url, max_query_length)
    url_pairs = _url_pairs(raw_url, max_query_length)
    # POST (§2.1.2, §2.1.3)
    length = request.content_length
    if length is not None and length > max_body:
        raise PayloadTooLarge(f"the request body is larger than {max_body} bytes")
    mimetype = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if mimetype == UPDATE:
        raise UpdateRefused("SPARQL Update is not supported: this endpoint is read-only")
    if mimetype not in (FORM, DIRECT):
        given = f"'{mimetype}'" if mimetype else "no Content-Type"
        raise UnsupportedMediaType(
            f"a SPARQL query is POSTed as {FORM} or {DIRECT} (SPARQL 1.1 Protocol §2.1); "
            f"got {given}"
        )
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"a SPARQL query must be sent in UTF-8, not {charset}")
    body = request.get_data(cache=True)
    if len(body) > max_body:
        raise PayloadTooLarge(f"the request body is larger than {max_body} bytes")
    if mimetype == FORM:
        body_pairs = form_pairs(body, "the form body")
        if _one(body_pairs, "update") is not None:
            raise UpdateRefused("SPARQL Update is not supported: this endpoint is read-only")
        if _one(url_pairs, "query") is not None:
            raise BadRequest("a form POST carries the query in its body, not in the URL")
        query = _one(body_pairs, "query")
        if query is None:
            raise BadRequest("the form body has no 'query' parameter")
        operation, dataset_pairs = "POST form", url_pairs + body_pairs
    else:
        if _one(url_pairs, "query") is not None:
            raise BadRequest("a direct POST carries the query as its body, not in the URL")
        query = utf8(body, "the query")
        operation, dataset_pairs = "POST direct", url_pairs
    if len(query.encode("utf-8")) > max_query_length:
        raise PayloadTooLarge(f"the query is longer than {max_query_length} bytes")
    return _finish(QueryRequest(query, operation=operation), dataset_pairs, url_pairs)


def _finish(
    parsed: QueryRequest, dataset_pairs: list[tuple[str, str]], url_pairs: list[tuple[str, str]]
) -> QueryRequest:
    parsed.default_graph_uri = [v for k, v in dataset_pairs if k == "default-graph-uri"]
    parsed.named_graph_uri = [v for k, v in dataset_pairs if k == "named-graph-uri"]
    # Not a protocol parameter: some clients repeat it (SPARQLWrapper sends format=json-ld twice).
    parsed.format = [v for k, v in url_pairs if k == "format"] + [
        v for k, v in dataset_pairs if k == "format" and (k, v) not in url_pairs
    ]
    return parsed


# -- negotiation ---------------------------------------------------------------------------------

#: Extra media types clients send for the SPARQL result formats.
RESULT_ALIASES = {
    "json": ("application/json",),
    "xml": ("application/xml", "text/xml"),
    "csv": (),
    "tsv": (),
}
GRAPH_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld", "nquads", "trig")
#: ``?format=`` values clients send (SPARQLWrapper sends ``format=xml`` for RDF/XML graphs).
FORMAT_ALIASES = {
    "SELECT": {"srj": "json", "srx": "xml", "sparql-results+json": "json"},
    "GRAPH": {
        "xml": "rdfxml",
        "rdf": "rdfxml",
        "json": "jsonld",
        "json-ld": "jsonld",
        "ttl": "turtle",
        "n3": "turtle",
        "nt": "ntriples",
        "n-triples": "ntriples",
        "nq": "nquads",
    },
}


@dataclass(frozen=True)
class Choice:
    """The representation chosen: a result format name, an RDF format name, or ``html``."""

    name: str
    media_type: str  # the Content-Type sent


@cache
def offered(form: str | None) -> dict[str, Choice]:
    """Media type → choice for a query form (None: no query, i.e. the service description)."""
    table: dict[str, Choice] = {}
    if form in ("SELECT", "ASK"):
        for name, result in RESULT_FORMATS.items():
            choice = Choice(name, result.media_type)
            table[result.media_type.split(";")[0]] = choice
            for alias in RESULT_ALIASES[name]:
                table.setdefault(alias, choice)
    else:
        for name in GRAPH_FORMATS:
            fmt = formats.BY_NAME[name]
            choice = Choice(name, fmt.content_type)
            table[fmt.media_type] = choice
            for alias in fmt.aliases:
                table.setdefault(alias, choice)
    table["text/html"] = Choice("html", "text/html; charset=utf-8")
    table.setdefault("application/xhtml+xml", table["text/html"])
    return table


def choose(accept: str, form: str | None, overrides: list[str]) -> Choice:
    """Pick the representation for the ``Accept`` header ``accept``; 406 listing what is
    offered when nothing fits."""
    table = offered(form)
    by_name = _by_name(form)
    aliases = FORMAT_ALIASES["SELECT" if form in ("SELECT", "ASK") else "GRAPH"]
    for override in overrides:
        key = override.strip().lower()
        key = aliases.get(key, key)
        if key in by_name:
            return by_name[key]
        if key in table:
            return table[key]
    if overrides:
        raise NotAcceptable(
            sorted({c.media_type for c in table.values()}),
            f"unknown result format '{overrides[0]}' for this query; use one of: "
            + ", ".join(sorted(by_name)),
        )
    accept = accept.strip()
    default = next(iter(table.values()))
    if not accept:
        return default
    best = _best_match(accept, form)
    if best is None:
        raise NotAcceptable(sorted({c.media_type for c in table.values()}))
    return table[best]


@cache
def _by_name(form: str | None) -> dict[str, Choice]:
    return {choice.name: choice for choice in offered(form).values()}


@lru_cache(maxsize=512)
def _best_match(accept: str, form: str | None) -> str | None:
    """RFC 9110 §12.5.1 negotiation by Werkzeug, memoized by header: clients repeat theirs."""
    return parse_accept_header(accept, MIMEAccept).best_match(list(offered(form)))
