"""The annotated reader ``{base}reader/{slug}`` and query by span ``{base}spans`` (issue 18 §1).

The reader shows a source's text with every anchored span (Web Annotation TextPositionSelector,
§4.2.5) marked and linked to the claim, event, relation or dispute it supports: the text is cut
at every anchor boundary (:func:`graph.research.reader.segments`) and each segment is one ``<a>``
listing the anchors covering it (``data-spans``), so overlapping and nested anchors stay valid
HTML. Without JavaScript a segment links to the one thing it supports, or to ``{base}spans`` for
that segment when several cover it; ``static/reader/reader.js`` adds the hover card and a link
to ``{base}spans`` for a selection. With the setting ``reader_full_text`` off, the reader shows
the anchored quotes only, and ``{base}spans`` gives no text beyond them.

The source texts are read once from the source folders the app publishes (the setting ``data``)
and used only when their SHA-256 is the one the document records, and every anchor's quote is
the text at its offsets (else the reader shows the quotes, saying why).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

import ontology
from graph import discovery
from graph.research import reader as model
from graph.store.base import value_of
from ontology import SPDX, terms
from server.errors import BadRequest, NotAcceptable, NotFound
from server.publish.publication import Publication, publication
from server.render import reader as page
from server.render.html import Linker
from server.render.reader import Source
from server.views.http import current_language, not_modified

blueprint = Blueprint("reader", __name__)

EXTENSION = "policygraph-reader"
HTML, JSON = "text/html", "application/json"
SPANS_TYPES = (HTML, JSON)
SUFFIXES = {"html": HTML, "json": JSON}
#: Longest decimal offset accepted (a text of 10^12 code points is not a source).
MAX_DIGITS = 12


class Sources:
    """The publication's source documents, each read and checked on first use."""

    def __init__(self, pub: Publication):
        self.pub = pub
        self._lock = threading.Lock()
        self._texts: dict[str, str] | None = None
        self._sources: dict[str, Source] = {}

    def texts(self) -> dict[str, str]:
        if self._texts is None:
            paths = [Path(p) for p in self.pub.settings.data] or None
            try:
                self._texts = model.load_texts(paths)
            except (OSError, ValueError, discovery.SourceError):
                self._texts = {}
        return self._texts

    def get(self, slug: str) -> Source | None:
        """The source ``slug`` (a document ``{base}id/document/{slug}``), or None."""
        document = f"{self.pub.base}id/document/{slug}"
        if document not in self.pub.things:
            return None
        with self._lock:
            if slug not in self._sources:
                self._sources[slug] = self._read(slug, document)
            return self._sources[slug]

    def _read(self, slug: str, document: str) -> Source:
        pub = self.pub
        pg = str(ontology.pg(pub.base))
        rows = [
            tuple(None if term is None else value_of(term) for term in row)
            for row in pub.store.rows(model.spans_query(pg, document))
        ]
        spans = model.spans_from_rows(rows, pub.base)
        text = self.texts().get(slug)
        recorded = _recorded(pub, document, pg)
        length = recorded["length"] or (len(text) if text is not None else None)
        source = Source(slug, document, spans, length or max((s.end for s in spans), default=0))
        if text is None or (recorded["sha256"] and model.sha256(text) != recorded["sha256"]):
            source.note = "text_unverified"
        elif model.mismatches(text, spans) or len(text) != source.length:
            source.note = "text_unverified"
        elif not pub.settings.reader_full_text:
            source.note = "quotes_only"
        else:
            source.text = text
        return source


def _recorded(pub: Publication, document: str, pg: str) -> dict[str, Any]:
    """The length (pg:textLength) and SHA-256 (spdx:checksum) the document records."""
    found: dict[str, Any] = {"length": None, "sha256": None}
    node = ox.NamedNode(document)
    for quad in pub.store.quads_for_pattern(node, ox.NamedNode(pg + terms.textLength), None):
        found["length"] = int(value_of(quad.object))
    for quad in pub.store.quads_for_pattern(node, ox.NamedNode(str(SPDX.checksum)), None):
        if not isinstance(quad.object, ox.NamedNode | ox.BlankNode):
            continue
        checksum = ox.NamedNode(str(SPDX.checksumValue))
        for value in pub.store.quads_for_pattern(quad.object, checksum, None):
            found["sha256"] = value_of(value.object).lower()
    return found


def sources() -> Sources:
    """The current app's :class:`Sources` (made on first use, one per app)."""
    extensions = current_app.extensions
    if EXTENSION not in extensions:
        extensions[EXTENSION] = Sources(publication())
    return extensions[EXTENSION]


def _wants(offered: tuple[str, ...], suffix: str | None) -> str:
    """The media type a suffix names, else ``format=``, else what Accept prefers."""
    wanted = SUFFIXES.get(suffix or request.args.get("format", ""))
    if suffix is not None and wanted is None:
        raise NotFound(f"{request.path} is not available as .{suffix}")
    if wanted in offered:
        return wanted
    if not request.headers.get("Accept"):
        return offered[0]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(list(offered))
    return best


def _answer(body: str, kind: str, negotiated: bool) -> Response:
    """``body`` with an ETag (its digest) and ``Last-Modified`` (the data's), 304 when the
    client holds it already (RFC 9110 §13.1), ``Vary`` and a cache lifetime like the pages'."""
    data = body.encode("utf-8")
    etag = hashlib.blake2b(data, digest_size=16).hexdigest()
    pub = publication()
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": pub.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Vary": "Accept, Accept-Language" if negotiated else "Accept-Language",
        "Cache-Control": "public, max-age=300",
    }
    if not_modified(etag, pub.modified):
        return Response(status=304, headers=headers)
    charset = "; charset=utf-8" if kind == HTML else ""
    return Response(data, headers=headers, content_type=kind + charset)


@blueprint.get("/reader/<slug>")
def reader(slug: str) -> Response:
    """The annotated reader of one source (HTML)."""
    _wants((HTML,), None)
    source = sources().get(slug)
    if source is None:
        raise NotFound(f"There is no source document {slug!r} here.")
    lang = current_language()
    if lang not in source.pages:
        source.pages[lang] = page.render_reader(publication(), source, lang)
    return _answer(source.pages[lang], HTML, negotiated=False)


def _offset(name: str) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        raise BadRequest(f"the parameter {name} is required: a code point offset (0 or more)")
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DIGITS:
        raise BadRequest(f"{name} must be a whole number of code points (0 or more), not {value!r}")
    return int(value)


@blueprint.get("/spans")
@blueprint.get("/spans.<suffix>")
def spans(suffix: str | None = None) -> Response:
    """Everything anchored in ``[start, end)`` of source ``source`` (JSON or HTML), with the
    SPARQL query that finds the same."""
    kind = _wants(SPANS_TYPES, suffix)
    slug = request.args.get("source")
    if not slug:
        raise BadRequest("the parameter source is required: a source's slug")
    start, end = _offset("start"), _offset("end")
    source = sources().get(slug)
    if source is None:
        raise NotFound(f"There is no source document {slug!r} here.")
    try:
        model.check_range(source.length, start, end)
    except model.RangeError as error:
        raise BadRequest(str(error)) from None
    pub, lang = publication(), current_language()
    linker = Linker(pub, lang)
    found = [
        page.describe_span(linker, source, s) for s in model.overlapping(source.spans, start, end)
    ]
    query = model.spans_query(str(ontology.pg(pub.base)), source.document, start, end)
    answer = {
        "source": slug,
        "document": source.document,
        "start": start,
        "end": end,
        "text": source.text[start:end] if source.text is not None else None,
        "reader": page.reader_url(pub.base, slug, lang) + f"#a-{start}-{end}",
        "query": query,
        "sparql": page.sparql_url(pub.base, query),
        "anchors": found,
    }
    if kind == JSON:
        body = json.dumps(answer, ensure_ascii=False, indent=2) + "\n"
    else:
        body = page.render_spans(pub, answer, lang)
    return _answer(body, kind, negotiated=suffix is None)
