"""``{base}release/…``: the releases, read-only (issue 20 §1).

``/release/`` lists them (a DCAT catalog, negotiated); ``/release/{v}/`` describes one (its
VoID/DCAT description and changelog, negotiated); ``/release/{v}/{file}`` is one of its files
(dumps, ``SHA256SUMS``, changelogs), immutable; ``/release/{v}/graph/{slug}``,
``/release/{v}/ontology`` and ``/release/{v}/shapes`` are the graphs it froze; and
``/release/{v}/doc/{kind}/{slug}`` is a thing's
document as that release froze it, negotiated like ``/doc/…``, and a Memento (RFC 7089 §2.1) of
it: ``Memento-Datetime`` is the release's issue time, ``Link`` names the original (its
TimeGate) and the TimeMap (:mod:`server.views.memento`).
"""

from __future__ import annotations

from flask import Blueprint, send_file
from werkzeug.wrappers import Response

from graph.release import folder
from server.errors import NotFound
from server.publish.publication import publication
from server.publish.releases import http_date
from server.render.document import Document
from server.render.formats import by_suffix, negotiate
from server.views.http import current_language, represent, split_suffix

blueprint = Blueprint("releases", __name__)

#: A release's files never change: caches may keep them for a year (RFC 9111 §5.2.2.1).
IMMUTABLE = "public, max-age=31536000, immutable"
MEDIA_TYPES = {"release.json": "application/json", folder.SUMS_FILE: "text/plain"}
#: The vocabulary documents a release holds (``/release/{v}/ontology``, ``…/shapes``).
VOCABULARY = ("ontology", "shapes")


def _serve(document: Document | None, suffix: str | None, what: str) -> Response:
    pub = publication()
    if document is None:
        raise NotFound(f"There is no {what}; the releases are listed at {pub.base}release/.")
    if suffix is None:
        fmt = negotiate(document.formats)
    else:
        fmt = by_suffix(suffix, document.formats)
        if fmt is None:
            raise NotFound(f"{pub.base}{document.key} is not available as .{suffix}.")
    lang = current_language() if fmt.per_language else None
    rep = pub.releases.representation(pub, document, fmt, lang)
    return represent(rep, suffix is None, fmt.per_language)


@blueprint.get("/release/")
def catalog() -> Response:
    """Every release, newest first (DCAT 2 ``dcat:Catalog``), negotiated."""
    pub = publication()
    return _serve(pub.releases.catalog(pub), None, "release")


@blueprint.get("/release/<version>/")
def release(version: str) -> Response:
    """One release: its VoID/DCAT description and its changelog, negotiated."""
    pub = publication()
    response = _serve(pub.releases.document(pub, version, ""), None, f"release {version}")
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@blueprint.get("/release/<version>/<name>")
def release_file(version: str, name: str) -> Response:
    """One file of a release, as written (range requests and validators, RFC 9110 §13, §14),
    or its ontology or shapes (negotiated)."""
    pub = publication()
    stem, suffix = split_suffix(name)
    if stem in VOCABULARY:  # the ontology and shapes as the release froze them, negotiated
        return _frozen(version, stem, suffix)
    served = pub.releases.get(version)
    item = served.release.file(name) if served is not None else None
    known = item is not None or name in MEDIA_TYPES
    if served is None or not known:
        raise NotFound(f"Release {version} has no file {name!r}; see {pub.base}release/{version}/.")
    media = item.media_type if item is not None else MEDIA_TYPES[name]
    if name.endswith(".gz"):
        media = "application/gzip"
    response = send_file(
        served.release.path / name,
        mimetype=media,
        etag=item.sha256 if item is not None else True,
        last_modified=served.release.issued,
        conditional=True,
    )
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@blueprint.get("/release/<version>/graph/<name>")
def frozen_graph(version: str, name: str) -> Response:
    """A named graph as release ``version`` froze it, negotiated (RFC 7089 §2.1: a Memento of
    ``{base}graph/…``)."""
    stem, suffix = split_suffix(name)
    return _frozen(version, f"graph/{stem}", suffix)


def _frozen(version: str, key: str, suffix: str | None) -> Response:
    pub = publication()
    document = pub.releases.document(pub, version, key)
    response = _serve(document, suffix, f"{pub.base}{key} in release {version}")
    return _as_memento(response, version)


def _as_memento(response: Response, version: str) -> Response:
    served = publication().releases.get(version)
    if served is not None:
        response.headers["Memento-Datetime"] = http_date(served.release.issued)
        response.headers["Last-Modified"] = http_date(served.release.issued)
        response.headers["Cache-Control"] = IMMUTABLE
    return response


@blueprint.get("/release/<version>/doc/<kind>/<name>")
def memento(version: str, kind: str, name: str) -> Response:
    """A thing's document in release ``version`` (RFC 7089 §2.1: a Memento), negotiated, or in
    the format its suffix names."""
    pub = publication()
    slug, suffix = split_suffix(name)
    key = f"doc/{kind}/{slug}"
    document = pub.releases.document(pub, version, key)
    response = _serve(document, suffix, f"{pub.base}id/{kind}/{slug} in release {version}")
    return _as_memento(response, version)
