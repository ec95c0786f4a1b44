"""Dereferencing: thing IRIs answer 303 to their documents; documents are content-negotiated.

Cool URIs for the Semantic Web §4.3 (303 URIs forwarding to one generic document) and Best
Practice Recipes for Publishing RDF Vocabularies, Recipe 3 (hash namespace, negotiated).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response

import graph
from server.errors import NotFound
from server.publish.publication import publication
from server.views.http import serve_document, serve_fixed, split_suffix

blueprint = Blueprint("resources", __name__)


@blueprint.get("/id/<kind>/<slug>")
def thing(kind: str, slug: str) -> Response:
    """303 See Other from the thing to its description (Cool URIs §4.3, RFC 9110 §15.4.4)."""
    pub = publication()
    iri = f"{pub.base}id/{kind}/{slug}"
    key = pub.things.get(iri)
    if key is None:
        raise NotFound(
            f"Nothing is published as {iri}.",
            extra={"search": f"{pub.base}search", "home": pub.base},
        )
    target = pub.doc_url(key)
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/doc/<kind>/<name>")
def document(kind: str, name: str) -> Response:
    """The description of one thing, negotiated, or in the format its suffix names."""
    slug, suffix = split_suffix(name)
    key = f"doc/{kind}/{slug}"
    if key not in publication().documents:
        pub = publication()
        raise NotFound(
            f"Nothing is published as {pub.base}id/{kind}/{slug}.",
            extra={"search": f"{pub.base}search", "home": pub.base},
        )
    return serve_document(key, suffix)


@blueprint.get("/ontology")
@blueprint.get("/ontology.<suffix>")
def vocabulary(suffix: str | None = None) -> Response:
    """The vocabulary (hash namespace ``{base}ontology#``), negotiated (Recipe 3)."""
    return serve_document("ontology", suffix)


@blueprint.get("/shapes")
@blueprint.get("/shapes.<suffix>")
def shapes(suffix: str | None = None) -> Response:
    """The SHACL shapes the data conforms to (``{base}shapes#``), negotiated."""
    return serve_document("shapes", suffix)


@blueprint.get("/graph/<name>")
def named_graph(name: str) -> Response:
    """A named graph of the dataset, described as a VoID subset; the ontology and shapes
    graphs answer 303 to the vocabulary and shapes documents they hold."""
    slug, suffix = split_suffix(name)
    if slug in (graph.ONTOLOGY_GRAPH, graph.SHAPES_GRAPH) and suffix is None:
        response = redirect(f"{publication().base}{slug}", code=303)
        response.headers["Vary"] = "Accept"
        return response
    return serve_document(f"graph/{slug}", suffix)


@blueprint.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD context every JSON-LD document references (JSON-LD 1.1 §3.1)."""
    return serve_fixed("context.jsonld")
