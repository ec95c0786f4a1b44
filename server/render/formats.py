"""Output formats: one table (media type, suffix, serializer) and content negotiation.

Negotiation follows RFC 9110 §12.5.1 through Werkzeug's Accept parser (q-values honoured); the
first format a document offers wins ties, so ``Accept: */*`` gets Turtle for data documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from flask import request

from graph.research.citation import Citation
from server.errors import NotAcceptable
from server.render import citations, jsonld
from server.render.document import Document
from server.render.languages import DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Format:
    """One output format: ``serialize(document, lang) -> bytes``."""

    name: str
    media_type: str
    suffix: str
    serialize: Callable[[Document, str | None], bytes]
    charset: bool = False
    per_language: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


def _triples(rdf_format: ox.RdfFormat, prefixed: bool = True):
    def serialize(document: Document, lang: str | None) -> bytes:
        prefixes = document.prefixes if prefixed else None
        return ox.serialize(document.triples, format=rdf_format, prefixes=prefixes) or b""

    return serialize


def _quads(rdf_format: ox.RdfFormat, prefixed: bool = True):
    def serialize(document: Document, lang: str | None) -> bytes:
        prefixes = document.prefixes if prefixed else None
        quads = document.dataset_quads()
        return ox.serialize(quads, format=rdf_format, prefixes=prefixes) or b""

    return serialize


def _jsonld(document: Document, lang: str | None) -> bytes:
    if document.context is None or document.context_url is None:
        raise LookupError(f"{document.key} has no JSON-LD context")
    return jsonld.compact(document.triples, document.context, document.context_url)


def _jsonld_dataset(document: Document, lang: str | None) -> bytes:
    """JSON-LD 1.1 in expanded form with named graphs (§4.9), for documents whose quads'
    graphs matter (a pattern fragment's metadata graph); pyoxigraph's writer."""
    return ox.serialize(document.dataset_quads(), format=ox.RdfFormat.JSON_LD) or b"[]"


def _html(document: Document, lang: str | None) -> bytes:
    return document.render_html(lang or DEFAULT_LANGUAGE).encode("utf-8")


def _json(document: Document, lang: str | None) -> bytes:
    """Plain JSON (RFC 8259, UTF-8), for the few documents that are lists, not RDF."""
    if document.render_json is None:
        raise LookupError(f"{document.key} is not offered as plain JSON")
    return (json.dumps(document.render_json(), ensure_ascii=False, indent=2) + "\n").encode()


def _citation(write: Callable[[Citation], bytes]):
    def serialize(document: Document, lang: str | None) -> bytes:
        if document.citation is None:
            raise LookupError(f"{document.key} has no citation")
        return write(document.citation)

    return serialize


FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", _triples(ox.RdfFormat.TURTLE), charset=True),
    Format("ntriples", "application/n-triples", "nt", _triples(ox.RdfFormat.N_TRIPLES, False)),
    Format("rdfxml", "application/rdf+xml", "rdf", _triples(ox.RdfFormat.RDF_XML)),
    Format("jsonld", "application/ld+json", "jsonld", _jsonld, aliases=("application/json",)),
    Format(
        "html",
        "text/html",
        "html",
        _html,
        charset=True,
        per_language=True,
        aliases=("application/xhtml+xml",),
    ),
    Format(
        "nquads",
        "application/n-quads",
        "nq",
        _quads(ox.RdfFormat.N_QUADS, False),
    ),
    Format("trig", "application/trig", "trig", _quads(ox.RdfFormat.TRIG)),
    Format("json", "application/json", "json", _json),
    # Citations (issue 19 §1): CSL-JSON as ``.csl.json`` (``.csl`` is a CSL style's suffix).
    Format(
        "csl", "application/vnd.citationstyles.csl+json", "csl.json", _citation(citations.csl_json)
    ),
    Format("bibtex", "application/x-bibtex", "bib", _citation(citations.bibtex), charset=True),
    Format(
        "ris", "application/x-research-info-systems", "ris", _citation(citations.ris), charset=True
    ),
    # No suffix of its own: ``.jsonld`` stays the compacted JSON-LD of every other document.
    Format(
        "jsonld-dataset",
        "application/ld+json",
        "",
        _jsonld_dataset,
        aliases=("application/json",),
    ),
)

BY_NAME = {fmt.name: fmt for fmt in FORMATS}
BY_SUFFIX = {fmt.suffix: fmt for fmt in FORMATS}

#: What a citable thing (claim, event, source document) is offered as besides RESOURCE_FORMATS.
CITATION_FORMATS = ("csl", "bibtex", "ris")
#: What a description of one thing is offered as (Turtle first: the ``*/*`` default); N-Quads
#: and TriG keep each triple in the named graph it comes from (the document's own statements,
#: such as an ``rdfs:seeAlso`` to more incoming links, in the default graph).
RESOURCE_FORMATS = ("turtle", "html", "jsonld", "ntriples", "rdfxml", "nquads", "trig")
#: The dataset-level documents (ontology, shapes, dataset, validation): the same.
DATASET_FORMATS = RESOURCE_FORMATS
#: A named graph's document (every triple of the graph; HTML: its VoID description): the same.
GRAPH_FORMATS = RESOURCE_FORMATS
#: A citable thing's description: the description's formats, then the citations.
CITABLE_FORMATS = RESOURCE_FORMATS + CITATION_FORMATS
#: A listing for people and scripts (the dumps' index): HTML, and plain JSON.
LISTING_FORMATS = ("html", "json")
#: A pattern fragment (TPF, QPF): quad formats keep its metadata in a graph of its own.
FRAGMENT_FORMATS = ("turtle", "trig", "nquads", "ntriples", "jsonld-dataset", "html")


def negotiate(offered: Sequence[str]) -> Format:
    """The offered format the client's ``Accept`` prefers; no header means the first offered.

    Raises :class:`NotAcceptable` listing the offered media types (RFC 9110 §15.5.7).
    """
    formats = [BY_NAME[name] for name in offered]
    if not request.headers.get("Accept", "").strip():
        return formats[0]
    accept = request.accept_mimetypes
    by_type = {fmt.media_type: fmt for fmt in formats}
    best = accept.best_match(list(by_type))
    quality = accept[best] if best else 0
    exact = {value.lower() for value, _ in accept}
    # Aliases (application/json for JSON-LD) count only when named, never through a wildcard.
    aliases = {alias: fmt for fmt in formats for alias in fmt.aliases}
    for value, q in accept:
        fmt = aliases.get(value.lower())
        if fmt and q > 0 and (q > quality or (q == quality and best not in exact)):
            best, quality = fmt.media_type, q
    if best is None:
        raise NotAcceptable([fmt.media_type for fmt in formats])
    return by_type[best]


def by_suffix(suffix: str, offered: Sequence[str]) -> Format | None:
    """The format a suffix URL names, if the document offers it."""
    fmt = BY_SUFFIX.get(suffix)
    return fmt if fmt is not None and fmt.name in offered else None
