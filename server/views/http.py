"""HTTP plumbing shared by every view: conditional requests, representation responses, CORS."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

from server.errors import NotFound, URITooLong
from server.publish.publication import Publication, Representation, publication
from server.render.cors import CORS_HEADERS, PREFLIGHT_HEADERS
from server.render.formats import by_suffix, negotiate
from server.render.languages import choose_language
from server.sparql.protocol import form_pairs


def not_modified(etag: str, last_modified) -> bool:
    """RFC 9110 §13.1.2 If-None-Match first; If-Modified-Since only without it (§13.1.3)."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified <= since


def current_language() -> str:
    return choose_language(request.args.get("lang"), request.accept_languages)


def _timegated(pub: Publication, location: str) -> bool:
    """Whether ``location`` is a representation of a thing's document (``{base}doc/{kind}/
    {slug}``, not a page of its incoming links), which negotiates by datetime."""
    return location.startswith(f"{pub.base}doc/") and location.count("/", len(pub.base)) == 2


def representation_headers(
    pub: Publication, rep: Representation, negotiated: bool, html: bool
) -> dict:
    """Validators (RFC 9110 §8.8), ``Content-Location``, ``Link`` alternates and ``Vary``."""
    headers = {
        "ETag": f'"{rep.etag}"',
        "Last-Modified": pub.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Content-Location": rep.content_location,
        "Link": rep.links,
        "Cache-Control": "public, max-age=300",
    }
    vary = (["Accept"] if negotiated else []) + (["Accept-Language"] if html else [])
    if pub.releases and _timegated(pub, rep.content_location):
        vary.append("Accept-Datetime")  # RFC 7089 §4.1.1: a thing's document is its own TimeGate
    if vary:
        headers["Vary"] = ", ".join(vary)
    return headers


def represent(rep: Representation, negotiated: bool, html: bool) -> Response:
    """A representation with validators, ``Content-Location``, ``Link`` and ``Vary``."""
    pub = publication()
    headers = representation_headers(pub, rep, negotiated, html)
    if not_modified(rep.etag, pub.modified):
        return Response(status=304, headers=headers)
    headers["Content-Type"] = rep.content_type
    return Response(rep.body, status=200, headers=headers)


def serve_document(key: str, suffix: str | None = None) -> Response:
    """Serve document ``key``: the format a suffix names, else the one Accept prefers.

    Cool URIs for the Semantic Web §4.3 (negotiated generic document) and RFC 9110 §12.5.1.
    """
    pub = publication()
    formats = pub.documents.formats(key)  # a thing is described only if it must be rendered
    if formats is None:
        raise NotFound(f"There is no document at {pub.base}{key}.")
    if suffix is None:
        fmt = negotiate(formats)
    else:
        fmt = by_suffix(suffix, formats)
        if fmt is None:
            raise NotFound(f"{pub.base}{key} is not available as .{suffix}.")
    lang = current_language() if fmt.per_language else None
    return represent(pub.representation(key, fmt, lang), suffix is None, fmt.per_language)


def serve_fixed(name: str) -> Response:
    """A resource with a single representation, with validators and CORS."""
    rep = publication().fixed.get(name)
    if rep is None:
        raise NotFound(f"There is no {name} here.")
    response = represent(rep, negotiated=False, html=False)
    response.headers.pop("Link", None)
    response.headers.pop("Content-Location", None)
    return response


def split_suffix(name: str) -> tuple[str, str | None]:
    """``china.ttl`` → (``china``, ``ttl``); slugs contain no dots."""
    stem, dot, suffix = name.partition(".")
    return (stem, suffix) if dot else (name, None)


def add_cors(response: Response) -> Response:
    """CORS on every response (Fetch Standard §3.2); preflight requests get the allow lists."""
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.method == "OPTIONS":
        for name, value in PREFLIGHT_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


#: Longest request target outside ``/sparql`` (RFC 9112 §3: at least 8000 octets should be
#: supported); the SPARQL endpoint has its own limit, the setting ``sparql_max_query_length``.
MAX_URI_LENGTH = 8190


def check_request_target() -> None:
    """Refuse an over-long target (414) and a query string that is not UTF-8 (400) before any
    view reads ``request.args``."""
    target = request.environ.get("RAW_URI") or request.full_path
    if len(target) > MAX_URI_LENGTH and request.path != "/sparql":
        raise URITooLong(f"the request target is longer than {MAX_URI_LENGTH} bytes")
    if request.query_string:
        form_pairs(request.query_string, "the query string")


def register(app: Flask) -> None:
    app.before_request(check_request_target)
    app.after_request(add_cors)
