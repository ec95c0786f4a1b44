"""Dereferencing: thing IRIs answer 303 to their documents; documents are content-negotiated.

Cool URIs for the Semantic Web §4.3 (303 URIs forwarding to one generic document) and Best
Practice Recipes for Publishing RDF Vocabularies, Recipe 3 (hash namespace, negotiated).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request
from werkzeug.wrappers import Response

import graph
from server.errors import NotFound
from server.publish.documents import GRAPH_KEY
from server.publish.incoming import page_key
from server.publish.publication import publication
from server.views.http import serve_document, serve_fixed, split_suffix
from server.views.memento import timegate

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
    if "Accept-Datetime" in request.headers:  # RFC 7089 §4.1.1: its own TimeGate
        return timegate(key, suffix)
    if key not in publication().documents:
        pub = publication()
        raise NotFound(
            f"Nothing is published as {pub.base}id/{kind}/{slug}.",
            extra={"search": f"{pub.base}search", "home": pub.base},
        )
    return serve_document(key, suffix)


@blueprint.get("/doc/<kind>/<slug>/incoming")
def incoming_links(kind: str, slug: str) -> Response:
    """The collection of a thing's incoming links: 303 See Other to its first page."""
    pub = publication()
    key = page_key(f"doc/{kind}/{slug}", 1)
    if key not in pub.documents:
        raise NotFound(f"Nothing is published as {pub.base}id/{kind}/{slug}.")
    response = redirect(pub.doc_url(key), code=303)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.get("/doc/<kind>/<slug>/incoming/<name>")
def incoming_page(kind: str, slug: str, name: str) -> Response:
    """One page of a thing's incoming links (:mod:`server.publish.incoming`), negotiated, or in
    the format its suffix names."""
    pub = publication()
    number, suffix = split_suffix(name)
    key = f"doc/{kind}/{slug}/incoming/{number}"
    if key not in pub.documents:
        raise NotFound(
            f"There is no page {number} of the incoming links of {pub.base}id/{kind}/{slug}.",
            extra={"first": pub.doc_url(page_key(f"doc/{kind}/{slug}", 1))},
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


@blueprint.get("/graph/<path:name>")
def named_graph(name: str) -> Response:
    """A data graph ``{base}graph/{name}``: all its triples, negotiated (N-Quads and TriG name
    the graph); its HTML page is the graph's VoID description. Any data graph of the store is
    served, names with a slash included (``graph/{slug}/curator``); a name that is not a graph
    is read as a graph and a format suffix (``graph/{slug}.trig``). The ontology and shapes
    graphs answer 303 to the vocabulary and shapes documents they hold."""
    pub = publication()
    stem, dot, suffix = name.rpartition(".")
    if f"{GRAPH_KEY}{name}" in pub.documents or not dot:
        stem, suffix = name, None
    if stem in (graph.ONTOLOGY_GRAPH, graph.SHAPES_GRAPH):
        response = redirect(pub.doc_url(stem, suffix), code=303)
        response.headers["Vary"] = "Accept"
        return response
    key = f"{GRAPH_KEY}{stem}"
    if not pub.documents.is_graph(key):
        raise NotFound(
            f"There is no named graph {pub.base}{GRAPH_KEY}{name}; the dataset's graphs are "
            f"listed at {pub.base}dataset.",
            extra={"dataset": f"{pub.base}dataset"},
        )
    return serve_document(key, suffix)


@blueprint.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD context every JSON-LD document references (JSON-LD 1.1 §3.1)."""
    return serve_fixed("context.jsonld")
