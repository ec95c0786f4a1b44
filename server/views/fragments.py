"""``{base}fragments``: Triple (and Quad) Pattern Fragments over HTTP.

TPF §Triple Pattern Fragments servers: one canonical IRI per fragment page, every representation
negotiated from it (Turtle, TriG, N-Quads, N-Triples, JSON-LD, HTML with the search form), CORS on
every answer (:func:`server.views.http.add_cors`), ``GET`` and ``HEAD``. A page's ``ETag`` is the
digest of its bytes (RFC 9110 §8.8.3), so it names the data served, the same in every worker and
across restarts; revalidation answers 304. A bad term is a 400, an unacceptable ``Accept`` a 406,
a store that does not answer a 503, each in the one error shape (:mod:`server.errors`).
"""

from __future__ import annotations

import re
from functools import partial

import pyoxigraph as ox
from flask import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from graph.store import StoreError
from server.errors import NotFound, ServiceUnavailable
from server.publish import fragments
from server.publish.publication import Publication, digest, publication
from server.render.formats import FRAGMENT_FORMATS, negotiate
from server.render.html import Linker
from server.views.http import current_language, not_modified

blueprint = Blueprint("fragments", __name__)


@blueprint.get("/fragments")
def fragment() -> Response:
    """One page of the fragment the query string names (:mod:`server.publish.fragments`)."""
    pub = publication()
    selector = fragments.parse_selector(pub, request.args.to_dict(flat=False))
    fmt = negotiate(FRAGMENT_FORMATS)
    requested = fragments.page_iri(pub, request.query_string.decode("utf-8"))
    try:
        page = fragments.select(pub, selector, requested)
    except StoreError:
        raise ServiceUnavailable(
            "The store behind this server did not answer; try again shortly.",
            headers={"Retry-After": "10"},
        ) from None
    document = fragments.document(pub, page)
    lang = current_language() if fmt.per_language else None
    document.render_html = partial(render_page, pub, page)
    body = fmt.serialize(document, lang)
    etag = digest(body).hex()
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": pub.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept, Accept-Language" if fmt.per_language else "Accept",
        "Link": link_header(pub, page),
    }
    if not_modified(etag, pub.modified):
        return Response(status=304, headers=headers)
    headers["Content-Type"] = fmt.content_type
    return Response(body, status=200, headers=headers)


#: The local part of a skolem IRI this server mints (:func:`server.publish.fragments.skolem`).
SKOLEM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@blueprint.get("/.well-known/genid/<identifier>")
def skolem_iri(identifier: str) -> Response:
    """A skolem IRI names a blank node (RDF 1.1 Concepts §3.5), not a document: 303 See Other
    to the fragment of the triples it is the subject of, so a crawler following it learns them."""
    if not SKOLEM_ID.fullmatch(identifier):
        raise NotFound(f"No blank node is named {identifier!r} here.")
    pub = publication()
    iri = ox.NamedNode(f"{pub.base}{fragments.GENID}{identifier}")
    return redirect(fragments.fragment_iri(pub, (iri, None, None, None)), code=303)


def link_header(pub: Publication, page: fragments.Fragment) -> str:
    """RFC 8288 links: the dataset, and the first, previous and next pages."""
    links = [f'<{fragments.dataset_iri(pub)}>; rel="collection"', f'<{page.iri}>; rel="first"']
    if page.page > 1:
        previous = fragments.fragment_iri(pub, page.pattern, page.page - 1)
        links.append(f'<{previous}>; rel="prev"')
    if page.has_next:
        links.append(f'<{fragments.fragment_iri(pub, page.pattern, page.page + 1)}>; rel="next"')
    return ", ".join(links)


def render_page(pub: Publication, page: fragments.Fragment, lang: str) -> str:
    """The page for people: the search form, the estimate, the quads, links to other pages."""
    link = Linker(pub, lang)
    values = []
    for name, term in zip(fragments.PARAMETERS, page.pattern, strict=True):
        if isinstance(term, ox.DefaultGraph):
            values.append((name, fragments.default_graph_iri(pub)))
        else:
            shown = None if term is None else fragments.skolem(pub, term)
            values.append((name, "" if shown is None else fragments.explicit(shown)))
    skolems = f"{pub.base}{fragments.GENID}"

    def shown(term) -> dict:
        """A term as the page shows it; a skolem IRI (a blank node, not a document) links to
        the fragment of its triples instead of to itself."""
        value = link.term(term)
        if isinstance(term, ox.NamedNode) and term.value.startswith(skolems):
            value["href"] = fragments.fragment_iri(pub, (term, None, None, None))
        return value

    rows = [
        {
            "subject": shown(quad.subject),
            "predicate": shown(quad.predicate),
            "object": shown(quad.object),
            "graph": None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name,
        }
        for quad in page.quads
    ]
    previous = next_ = None
    if page.page > 1:
        previous = fragments.fragment_iri(pub, page.pattern, page.page - 1)
    if page.has_next:
        next_ = fragments.fragment_iri(pub, page.pattern, page.page + 1)
    common = link.common(None)
    here = fragments.fragment_iri(pub, page.pattern, page.page)
    for item in common["languages"]:  # the same page in another language
        item["href"] = f"{here}{'&' if '?' in here else '?'}lang={item['code']}"
    return render_template(
        "fragments.html",
        **common,
        title="Triple pattern fragments",
        action=f"{pub.base}{fragments.PATH}",
        values=values,
        default_graph=fragments.default_graph_iri(pub),
        rows=rows,
        page=page,
        pattern=fragments.pattern_text(page.pattern),
        previous=previous,
        next=next_,
    )
