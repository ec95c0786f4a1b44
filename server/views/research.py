"""What the research pages (timeline, network, stance matrix) share: the models computed once per
publication, filters as GET parameters, content negotiation among a page's formats, responses.

Each page is one resource with several representations (RFC 9110 §12.5.1): HTML (the default,
usable without JavaScript), JSON (the data behind the page) and, for the matrix, CSV (RFC 4180);
a suffix (``/timeline.json``) picks one explicitly and overrides ``Accept``. Filters are GET
parameters, repeatable (values of one filter are alternatives, filters combine), and name a thing
by its slug (``actor=china``) and a concept by its local name without its scheme's prefix
(``modality=hedged``, ``type=veto``); a full IRI is accepted too. An unknown value is a 400 that
lists the values there are, never an empty page.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app, request
from werkzeug.wrappers import Response

from graph.research import network as network_model
from graph.research import stances as stances_model
from graph.research import timeline as timeline_model
from server.errors import BadRequest, NotAcceptable, NotFound
from server.publish.publication import Publication, publication
from server.render.html import Linker
from server.views.http import current_language, not_modified

EXTENSION = "policygraph.research"
#: Rendered bodies kept per publication (each page, filters, language and format), least
#: recently used first out: the pages are computed from the models on each miss.
CACHE_ENTRIES = 64
#: Concept schemes whose local names carry a prefix that a filter value may leave out.
SCHEME_PREFIXES = ("modality-", "status-", "stance-", "event-", "role-")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Models:
    """The research models of one publication, computed on first use."""

    pub: Publication
    timeline: timeline_model.Timeline
    stances: stances_model.Stances
    network: network_model.Network
    kinds: dict[str, str]  # IRI → actor, dispute or event: what a filter may name
    bodies: OrderedDict = field(default_factory=OrderedDict, compare=False, repr=False)

    def things(self, kind: str) -> set[str]:
        """Every thing of ``kind``, so that a filter naming one absent from a page shows an
        empty page (the resource pages link to every actor's and dispute's), not an error."""
        return {iri for iri, found in self.kinds.items() if found == kind}


def models() -> Models:
    """The models of the current publication (computed once; a reload brings a new one)."""
    pub = publication()
    found = current_app.extensions.get(EXTENSION)
    if found is None or found.pub is not pub:
        with _LOCK:
            found = current_app.extensions.get(EXTENSION)
            if found is None or found.pub is not pub:
                timeline = timeline_model.read(pub.store, pub.base)
                found = Models(
                    pub,
                    timeline,
                    stances_model.read(pub.store, pub.base, timeline),
                    network_model.network(pub.store, pub.base),
                    timeline_model.kinds_of(pub.store, pub.base),
                )
                current_app.extensions[EXTENSION] = found
    return found


def short(iri: str) -> str:
    """The short form of a filter value: a thing's slug, a concept's local name without its
    scheme's prefix (``…#modality-hedged`` → ``hedged``), or the value itself."""
    if "#" in iri:
        local = iri.rsplit("#", 1)[1]
        for prefix in SCHEME_PREFIXES:
            if local.startswith(prefix):
                return local[len(prefix) :]
        return local
    if "/" in iri:
        return iri.rstrip("/").rsplit("/", 1)[1]
    return iri


class Vocabulary:
    """The values a filter accepts: short forms (unique ones only) and full values."""

    def __init__(self, values: Iterable[str]):
        self.values = sorted(set(values))
        counts: dict[str, int] = {}
        for value in self.values:
            counts[short(value)] = counts.get(short(value), 0) + 1
        self.by_short = {short(v): v for v in self.values if counts[short(v)] == 1}

    def name(self, value: str) -> str:
        """What a link or a form uses for ``value``: its short form when unique."""
        return short(value) if self.by_short.get(short(value)) == value else value

    def resolve(self, facet: str, given: str) -> str:
        if given in self.by_short:
            return self.by_short[given]
        if given in self.values:
            return given
        shown = ", ".join(self.name(v) for v in self.values[:40])
        more = " …" if len(self.values) > 40 else ""
        raise BadRequest(
            f"{facet}={given!r} names nothing here; the values are: {shown}{more}",
            extra={"parameter": facet},
        )


def chosen(vocabularies: dict[str, Vocabulary]) -> dict[str, list[str]]:
    """The filter values of the request, resolved (an empty value, the form's "any", is none)."""
    found: dict[str, list[str]] = {}
    for facet, vocabulary in vocabularies.items():
        values = [v.strip() for v in request.args.getlist(facet) if v.strip()]
        if values:
            found[facet] = [vocabulary.resolve(facet, v) for v in values]
    return found


def one_of(name: str, allowed: tuple[str, ...]) -> str:
    """A single-valued parameter from ``allowed`` (its first value is the default)."""
    value = request.args.get(name, "").strip() or allowed[0]
    if value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def query_string(filters: dict[str, list[str]], vocabularies, **extra: str) -> str:
    """The GET parameters that reproduce ``filters`` (short forms), plus ``extra``."""
    pairs = [
        (facet, vocabularies[facet].name(v)) for facet, values in filters.items() for v in values
    ]
    pairs += [(k, v) for k, v in extra.items() if v]
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs)


#: Media type → suffix, for the formats a research page may offer.
SUFFIXES = {"text/html": "html", "application/json": "json", "text/csv": "csv"}


def choose(offered: tuple[str, ...], suffix: str | None) -> str:
    """The media type to answer: the suffix's, else the one ``Accept`` prefers (no header:
    the first offered); 404 for a suffix not offered, 406 when nothing is acceptable."""
    if suffix is not None:
        for media_type in offered:
            if SUFFIXES[media_type] == suffix:
                return media_type
        raise NotFound(f"{request.path} is not available; try {', '.join(_alternates(offered))}")
    if not request.headers.get("Accept", "").strip():
        return offered[0]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(list(offered))
    return best


def _alternates(offered: tuple[str, ...]) -> list[str]:
    stem = request.path.rsplit(".", 1)[0]
    return [f"{stem}.{SUFFIXES[m]}" for m in offered]


#: What renders a page: (media type, language) → (body, file name for a download or "").
Render = Callable[[str, str], tuple[str, str]]


def serve(offered: tuple[str, ...], suffix: str | None, render: Render) -> Response:
    """Negotiate, render (or take the rendering of the same request from the cache) and answer.
    A request that fails (a bad filter) raises before anything is kept."""
    media_type = choose(offered, suffix)
    lang = current_language()
    found = models()
    key = (request.path, request.query_string, lang, media_type)
    with _LOCK:
        kept = found.bodies.get(key)
        if kept is not None:
            found.bodies.move_to_end(key)
    if kept is None:
        kept = render(media_type, lang)
        with _LOCK:
            found.bodies[key] = kept
            while len(found.bodies) > CACHE_ENTRIES:
                found.bodies.popitem(last=False)
    body, filename = kept
    return respond(body, media_type, offered, suffix, filename)


def respond(
    body: str, media_type: str, offered: tuple[str, ...], suffix: str | None, filename: str = ""
) -> Response:
    """A representation with a strong ETag of its bytes, ``Last-Modified`` of the data, ``Vary``
    (RFC 9110 §12.5.5) and ``Link`` to the other formats of the same filters."""
    pub = publication()
    data = body.encode("utf-8")
    etag = hashlib.sha256(data).hexdigest()[:32]
    stem = request.path.rsplit(".", 1)[0] if suffix else request.path
    query = request.query_string.decode("utf-8")
    links = [
        f"<{pub.base}{stem.lstrip('/')}.{SUFFIXES[m]}{'?' + query if query else ''}>; "
        f'rel="alternate"; type="{m}"'
        for m in offered
        if m != media_type
    ]
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": pub.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept, Accept-Language" if suffix is None else "Accept-Language",
        "Link": ", ".join(links),
    }
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if not_modified(etag, pub.modified):
        return Response(status=304, headers=headers)
    charset = "; charset=utf-8"
    headers["Content-Type"] = media_type + charset
    if media_type == "text/csv":
        headers["Content-Type"] += "; header=present"
    return Response(data, status=200, headers=headers)


def labelled(linker: Linker) -> Callable[[str | None], dict | None]:
    """``iri`` → ``{"iri", "label", "page"}`` in the linker's language (None stays None)."""

    def one(iri: str | None) -> dict | None:
        if not iri:
            return None
        return {"iri": iri, "label": linker.label(iri), "page": linker.href(iri)}

    return one


def common(linker: Linker, page: str) -> dict:
    """The template values every page needs (:meth:`server.render.html.Linker.common`), with
    the language switch keeping the request's filters."""
    values = linker.common(page, ())
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    query = "".join(f"{quote(k, safe='')}={quote(v, safe='')}&" for k, v in kept)
    for item in values["languages"]:
        item["href"] = f"{linker.base}{page}?{query}lang={item['code']}"
    return values
