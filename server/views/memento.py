"""Memento (RFC 7089) for the things' documents: datetime negotiation and TimeMaps.

Each ``{base}doc/{kind}/{slug}`` is an Original Resource that is its own TimeGate (RFC 7089
§4.1.1, Pattern 1.1, 302-style negotiation): a request with ``Accept-Datetime`` is answered
``302 Found`` to the Memento in force at that time, ``{base}release/{v}/doc/{kind}/{slug}``
(the latest release issued at or before it; before the first release, the first), with ``Vary:
accept-datetime`` and ``Link`` to the original and the TimeMap; without the header the current
document is answered as always, its ``Link`` naming it ``original timegate`` and its TimeMap.
Pattern 1.1 rather than a separate TimeGate (Pattern 2.x): the original is under our control, so
a client that holds a thing's document IRI can negotiate by datetime at that very IRI, with no
second URI space to discover or keep stable. The TimeMap of ``{base}doc/…`` is
``{base}timemap/doc/…`` (RFC 7089 §5, ``application/link-format``, RFC 6690).
"""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, request
from werkzeug.http import parse_date
from werkzeug.wrappers import Response

from server.errors import BadRequest, NotFound
from server.publish.publication import publication
from server.publish.releases import LINK_FORMAT

blueprint = Blueprint("memento", __name__)


def requested_datetime(header: str):
    """The ``Accept-Datetime`` value (RFC 7089 §2.1.1: an HTTP-date, RFC 9110 §5.6.7) as an
    aware datetime; :class:`BadRequest` when it is not one (RFC 7089 §4.5.3: 400)."""
    moment = parse_date(header.strip())
    if moment is None:
        raise BadRequest(
            f"Accept-Datetime must be an HTTP date such as 'Thu, 31 May 2007 20:35:00 GMT', "
            f"not {header[:64]!r}."
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def timegate(key: str, suffix: str | None) -> Response:
    """RFC 7089 §4.1.1: 302 to the memento of ``key`` selected by ``Accept-Datetime``; the
    format suffix, if any, is kept (the memento offers the same formats)."""
    pub = publication()
    moment = requested_datetime(request.headers["Accept-Datetime"])
    releases = pub.releases
    chosen = releases.select(key, moment)
    if chosen is None:
        raise NotFound(
            f"{pub.base}{key} has no memento: no release holds it (releases: {pub.base}release/)."
        )
    location = releases.memento_url(chosen, key)
    if suffix:
        location += f".{suffix}"
    links = [
        f'<{pub.base}{key}>; rel="original timegate"',
        f'<{releases.timemap_url(key)}>; rel="timemap"; type="{LINK_FORMAT}"',
    ]
    headers = {
        "Location": location,
        "Vary": "Accept, Accept-Datetime",
        "Link": ", ".join(links),
        "Content-Length": "0",
    }
    return Response(status=302, headers=headers)


@blueprint.get("/timemap/doc/<kind>/<slug>")
def timemap(kind: str, slug: str) -> Response:
    """The TimeMap of ``{base}doc/{kind}/{slug}`` (RFC 7089 §5.1.1): its original, its
    TimeGate and every memento with its datetime; 404 when no release holds it."""
    pub = publication()
    key = f"doc/{kind}/{slug}"
    if not pub.releases.mementos(key):
        raise NotFound(f"No release holds {pub.base}{key}: it has no TimeMap.")
    body = pub.releases.timemap(key)
    response = Response(body, status=200, content_type=LINK_FORMAT)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
