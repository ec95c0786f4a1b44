"""Dataset metadata and crawler support: VoID discovery, dumps, sitemap, robots.txt, validation."""

from __future__ import annotations

from flask import Blueprint, redirect, send_file
from werkzeug.wrappers import Response

from server.errors import NotFound
from server.publish.dumps import INDEX_KEY
from server.publish.publication import publication
from server.views.http import serve_document, serve_fixed

blueprint = Blueprint("meta", __name__)


@blueprint.get("/.well-known/void")
def well_known_void() -> Response:
    """VoID §7.2 (RFC 8615 well-known URI): 303 to the dataset description."""
    response = redirect(f"{publication().base}dataset", code=303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/dataset")
@blueprint.get("/dataset.<suffix>")
def dataset(suffix: str | None = None) -> Response:
    """The VoID + DCAT description of the dataset, negotiated (N-Quads and TriG too)."""
    return serve_document("dataset", suffix)


@blueprint.get("/validation")
@blueprint.get("/validation.<suffix>")
def validation(suffix: str | None = None) -> Response:
    """The SHACL report (SHACL §3.6) of the published data: HTML or RDF."""
    return serve_document("validation", suffix)


@blueprint.get("/dumps/")
@blueprint.get("/dumps/index")
@blueprint.get("/dumps/index.<suffix>")
def dumps_index(suffix: str | None = None) -> Response:
    """The dumps' index, negotiated (HTML, JSON): each dump with its media type, size, SHA-256
    and link, as ``{base}dataset`` describes it."""
    return serve_document(INDEX_KEY, suffix)


@blueprint.get("/dumps/<name>")
def dump(name: str) -> Response:
    """A dump file or its ``.sha256``, with validators and range support (RFC 9110 §14)."""
    pub = publication()
    for item in pub.dumps:
        if name == item.name:
            return send_file(
                item.path,
                mimetype=item.media_type,
                etag=item.sha256,
                last_modified=pub.modified,
                conditional=True,
                max_age=300,
            )
        if name == item.checksum_name:
            return send_file(
                item.path.with_name(name),
                mimetype="text/plain",
                last_modified=pub.modified,
                conditional=True,
                max_age=300,
            )
    raise NotFound(
        f"There is no dump named {name!r}; the dumps are listed at {pub.base}dumps/.",
        extra={"dumps": f"{pub.base}dumps/"},
    )


@blueprint.get("/sitemap.xml")
def sitemap() -> Response:
    """Sitemaps protocol 0.9: every document, or an index of sitemaps when they are many."""
    return serve_fixed("sitemap.xml")


@blueprint.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """One sitemap of the index (at most :data:`server.publish.sitemap.SITEMAP_URLS` documents)."""
    return serve_fixed(f"sitemap-{number}.xml")


@blueprint.get("/robots.txt")
def robots() -> Response:
    """Robots Exclusion Protocol (RFC 9309), pointing to the sitemap."""
    return serve_fixed("robots.txt")
