"""The publication as static files, and the tables a web server needs to answer for them as the
publisher does.

Every document (:class:`server.publish.documents.Documents`) is rendered in every format it
offers, HTML in every published language, by the publisher's own code
(:meth:`server.publish.publication.Publication.representation`), so each file holds the bytes
``policygraph serve`` answers and each ETag is the publisher's (the digest of those bytes).

Content negotiation is not reimplemented: the Accept and Accept-Language values the web server
answers by itself are listed here (:data:`ACCEPTS`, :data:`ACCEPT_LANGUAGES`, :data:`LANG_QUERIES`)
and each is resolved by the publisher's own functions (RFC 9110 §12.5.1 through
:func:`server.render.formats.negotiate`, §12.5.4 through
:func:`server.render.languages.choose_language`), once, at export. A value outside these
tables is left to the publisher (proxied): exact string tables cannot weigh q-values, so anything
else would risk an answer the publisher would not give. So is every value the publisher answers
with 406, since the error's shape is negotiated too.

Left out (answered by the publisher): the dataset description and the dumps' index, which
state the time the running server loaded the data and the dumps it wrote; and every document
holding blank nodes (the shapes, the validation report), which each load of the data names
afresh.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from flask import current_app
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from server.errors import PolicygraphError
from server.publish.dumps import INDEX_KEY
from server.publish.publication import Publication
from server.render.formats import BY_NAME, negotiate
from server.render.languages import LANGUAGES, choose_language, publication_language

#: Documents the web server does not answer (see the module's docstring).
LEFT_OUT = ("dataset", INDEX_KEY)
#: Fixed resources (one representation) the web server does not answer: the home page has its
#: own negotiation (HTML or JSON by Accept, a language by Accept-Language).
FIXED_LEFT_OUT = ("home:",)

_BROWSERS = (
    # Chromium, Firefox, Safari: their navigation Accept headers.
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
)
_LINKED_DATA_CLIENTS = (
    # rapper, rdflib, Apache Jena, Comunica, pyld, crawlers: what linked-data clients send.
    "text/turtle, application/rdf+xml;q=0.9, */*;q=0.1",
    "application/rdf+xml, text/turtle;q=0.9, */*;q=0.1",
    "application/rdf+xml,text/rdf+n3;q=0.9,application/xhtml+xml;q=0.5,*/*;q=0.1",
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,"
    "*/*;q=0.5",
    "text/turtle;q=1.0,application/rdf+xml;q=0.9,application/n-triples;q=0.8,*/*;q=0.1",
    "application/ld+json, application/json;q=0.9, */*;q=0.1",
    "application/ld+json, application/json",
    "application/ld+json,application/json;q=0.9",
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
    "application/n-triples;q=0.8,text/turtle;q=0.6,application/rdf+xml;q=0.5,*/*;q=0.1",
    "text/turtle;q=0.5, application/ld+json;q=0.9",
    "application/n-triples;q=0.1, text/html;q=0.2",
    "application/json, text/plain, */*",
    "text/html, */*",
    "text/html;q=0.9, */*;q=0.8",
)


def _accepts() -> tuple[str, ...]:
    """Each media type and alias alone, with ``;q=1`` and with ``*/*``; wildcards; browsers and
    linked-data clients as they send it."""
    types = sorted({fmt.media_type for fmt in BY_NAME.values()} | _aliases())
    values = ["", "*/*", "*/*;q=0.8", "text/*", "application/*"]
    for media_type in types:
        values += [media_type, f"{media_type};q=1.0", f"{media_type}, */*;q=0.1"]
        values += [f"{media_type},*/*;q=0.8", f"{media_type};q=0.9, */*;q=0.1"]
    return tuple(dict.fromkeys([*values, *_BROWSERS, *_LINKED_DATA_CLIENTS]))


def _aliases() -> set[str]:
    return {alias for fmt in BY_NAME.values() for alias in fmt.aliases}


ACCEPTS = _accepts()
#: Accept-Language values the web server answers by itself (the publisher's choice, resolved).
ACCEPT_LANGUAGES = (
    "",
    "*",
    "en",
    "en-US",
    "en-GB",
    "en-US,en;q=0.9",
    "en-GB,en;q=0.9",
    "en-GB,en-US;q=0.9,en;q=0.8",
    "en-US,en;q=0.5",
    "zh",
    "zh-CN",
    "zh-TW",
    "zh-HK",
    "zh-Hans",
    "zh-Hant",
    "zh-CN,zh;q=0.9",
    "zh-CN,zh;q=0.9,en;q=0.8",
    "zh-TW,zh;q=0.9",
    "zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7",
    "zh-HK,zh;q=0.9,en;q=0.8",
    "fr",
    "fr-FR,fr;q=0.9",
    "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7",
    "de",
    "de-DE,de;q=0.9,en;q=0.8",
    "ja",
    "ja,en-US;q=0.9,en;q=0.8",
    "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7",
    "es-ES,es;q=0.9",
    "ru-RU,ru;q=0.9,en;q=0.8",
)
#: Query strings the web server answers by itself: ``lang=`` with each tag the publisher knows.
LANG_QUERIES = ("lang=",) + tuple(
    f"lang={tag}"
    for tag in dict.fromkeys(
        [*LANGUAGES, "zh", "zh-cn", "zh-sg", "zh-tw", "zh-hk", "zh-mo", "en-us", "en-gb"]
    )
)


@dataclass(frozen=True)
class File:
    """One exported representation: where its bytes are (relative to the export's ``files``
    folder), and the publisher's ETag for them."""

    path: str
    etag: str


@dataclass
class Site:
    """What :func:`export` wrote, and what the web server's configuration is made from."""

    base: str
    files: list[File] = field(default_factory=list)
    #: Document key → its ``Link`` header value, for each exported document.
    links: dict[str, str] = field(default_factory=dict)
    #: Offered-format tuple → its position in ``offers``; document key → that position.
    offers: list[tuple[str, ...]] = field(default_factory=list)
    offer_of: dict[str, int] = field(default_factory=dict)
    #: (offer position, Accept) → the suffix of the format the publisher chooses.
    negotiated: dict[tuple[int, str], str] = field(default_factory=dict)
    #: Accept-Language → language; ``lang=`` query → language ("" : use Accept-Language).
    languages: dict[str, str] = field(default_factory=dict)
    lang_queries: dict[str, str] = field(default_factory=dict)
    #: Thing path (``id/…``) → its document's key.
    things: dict[str, str] = field(default_factory=dict)
    #: Fixed resource name → (content type, ETag).
    fixed: dict[str, tuple[str, str]] = field(default_factory=dict)
    loaded_at: float = 0.0
    #: Documents not exported (blank nodes), answered by the publisher.
    left_out: list[str] = field(default_factory=list)


def data_path(key: str, suffix: str) -> str:
    """Where a representation that is the same in every language lives."""
    return f"data/{key}.{suffix}"


def html_path(key: str, lang: str) -> str:
    """Where the HTML of a document in one language lives."""
    return f"{lang}/{key}.html"


def fixed_path(name: str) -> str:
    return f"fixed/{name}"


def exported_keys(pub: Publication) -> Iterator[str]:
    """Every document key but :data:`LEFT_OUT`: things (and their pages of incoming links),
    the vocabulary, the shapes, the validation report and the data graphs."""
    for key in pub.documents:
        if key in LEFT_OUT:
            continue
        yield key
        # Pages of incoming links, for the things that have more than one (a thing's only page
        # is left to the publisher: the description holds its links already).
        if pub.documents.iri(key) is not None and pub.documents.incoming_page(f"{key}/incoming/2"):
            number = 1
            while pub.documents.incoming_page(f"{key}/incoming/{number}") is not None:
                yield f"{key}/incoming/{number}"
                number += 1


def export(pub: Publication, folder: Path, jobs: int = 1) -> Site:
    """Write every exported representation under ``folder`` (made if absent); call inside an
    app context (HTML renders with the app's templates). Each file's modification time is the
    publication's load time, the ``Last-Modified`` of the publisher.

    ``jobs`` > 1 renders in that many forked processes, each a share of the documents (the
    store, loaded before, is shared copy-on-write as the server's workers share it).
    """
    site = Site(pub.base, loaded_at=pub.modified.timestamp())  # the publisher's Last-Modified
    keys = list(exported_keys(pub))
    if jobs > 1 and len(keys) > jobs:
        app = cast(Any, current_app)._get_current_object()  # the app itself, not its proxy
        _FORKED.update(app=app, pub=pub, folder=folder, keys=keys)
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                shares = pool.map(_export_share, [(n, jobs) for n in range(jobs)])
        finally:
            _FORKED.clear()
        records = [record for share in shares for record in share]
    else:
        records = _export_keys(pub, keys, folder, site.loaded_at)
    for key, formats, files, links, thing in records:
        if formats is None:
            site.left_out.append(key)
            continue
        if formats not in site.offers:
            site.offers.append(formats)
        site.offer_of[key] = site.offers.index(formats)
        site.files += files
        site.links[key] = links
        if thing is not None:
            site.things[thing] = key
    for name, rep in sorted(pub.fixed.items()):
        if name.startswith(FIXED_LEFT_OUT):
            continue
        _write(folder / fixed_path(name), rep.body, site.loaded_at)
        site.fixed[name] = (rep.content_type, rep.etag)
    negotiate_all(site)
    return site


#: What forked export processes read (set just before the fork, cleared after).
_FORKED: dict = {}


def _export_share(share: tuple[int, int]) -> list:
    number, jobs = share
    pub, app = _FORKED["pub"], _FORKED["app"]
    with app.app_context():
        keys = _FORKED["keys"][number::jobs]
        return _export_keys(pub, keys, _FORKED["folder"], pub.loaded_at.timestamp())


def _export_keys(pub: Publication, keys: list[str], folder: Path, mtime: float) -> list:
    """(key, formats or None if left out, files, Link value, thing path or None) of each key,
    its representations written."""
    records: list[tuple[str, tuple[str, ...] | None, list[File], str, str | None]] = []
    for key in keys:
        formats = tuple(pub.documents.formats(key) or ())
        if not formats or _names_blank_nodes(pub, key, formats):
            records.append((key, None, [], "", None))
            continue
        files, links = [], ""
        for name in formats:
            fmt = BY_NAME[name]
            for lang in LANGUAGES if fmt.per_language else (None,):
                rep = pub.representation(key, fmt, lang)
                path = html_path(key, lang) if lang else data_path(key, fmt.suffix)
                _write(folder / path, rep.body, mtime)
                files.append(File(path, rep.etag))
                links = rep.links
        iri = pub.documents.iri(key)
        thing = iri[len(pub.base) :] if iri is not None else None
        records.append((key, formats, files, links, thing))
    return records


def _names_blank_nodes(pub: Publication, key: str, formats: tuple[str, ...]) -> bool:
    """Whether the document holds blank nodes, whose labels each load of the data draws afresh
    (so no file could hold the bytes a later ``serve`` answers): N-Triples writes every blank
    node as ``_:label`` (RDF 1.1 N-Triples §2.4)."""
    if "ntriples" not in formats:
        return False
    return b"_:" in pub.representation(key, BY_NAME["ntriples"], None).body


def _write(path: Path, body: bytes, mtime: float) -> None:
    """Write whole or not at all (a web server reading the file never sees part of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(body)
    os.utime(partial, (mtime, mtime))
    os.replace(partial, path)


def negotiate_all(site: Site) -> None:
    """Resolve every listed Accept for every offer, and every listed language choice, with the
    publisher's own functions."""
    app = current_app
    for position, offered in enumerate(site.offers):
        for accept in ACCEPTS:
            with app.test_request_context(headers={"Accept": accept} if accept else {}):
                try:
                    fmt = negotiate(offered)
                except PolicygraphError:  # 406: the publisher answers it, in its error shape
                    continue
            site.negotiated[(position, accept)] = fmt.suffix
    for header in ACCEPT_LANGUAGES:
        parsed = parse_accept_header(header, LanguageAccept)
        site.languages[header] = choose_language(None, parsed)
    for query in LANG_QUERIES:
        value = query.partition("=")[2]
        # A tag the publisher does not publish falls through to Accept-Language, as "" does.
        site.lang_queries[query] = publication_language(value) or ""
