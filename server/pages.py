"""Pages for people: the home page and label search (HTML, and JSON for search)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, redirect, render_template, request
from rdflib.namespace import RDF
from werkzeug.wrappers import Response

from server.errors import NotAcceptable
from server.html import Linker
from server.http import current_language, represent
from server.labels import LANGUAGES
from server.publication import publication

blueprint = Blueprint("pages", __name__)

HOME_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/n-quads",
    "application/trig",
)
SEARCH_TYPES = ("text/html", "application/json")
SEARCH_LIMIT = 50


def home_html(pub, lang: str) -> str:
    """What the dataset is, counts, classes with their instances, the sources, a search box."""
    linker = Linker(pub, lang)
    instances: dict[str, list[str]] = {}
    for graph in pub.data_graphs:
        for quad in pub.store.quads_for_pattern(None, _type(), None, graph):
            if quad.subject.value in pub.things:
                instances.setdefault(quad.object.value, []).append(quad.subject.value)
    classes = []
    for cls, members in instances.items():
        members = sorted(set(members), key=lambda iri: linker.label(iri).casefold())
        classes.append(
            {
                "class": linker.term(_node(cls)),
                "count": len(members),
                "members": [linker.term(_node(iri)) for iri in members],
            }
        )
    classes.sort(key=lambda c: c["class"]["text"].casefold())
    sources = [
        linker.term(_node(iri)) for iri in pub.things if iri.startswith(f"{pub.base}id/document/")
    ]
    return render_template(
        "home.html",
        title="policygraph",
        counts=pub.counts,
        classes=classes,
        sources=sources,
        dumps=pub.dumps,
        graphs=[linker.term(g) for g in pub.data_graphs],
        **linker.common("", ()),
    )


def _type() -> ox.NamedNode:
    return ox.NamedNode(str(RDF.type))


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def precompute_home(pub) -> None:
    for lang in LANGUAGES:
        pub.add_fixed(
            f"home:{lang}", home_html(pub, lang).encode("utf-8"), "text/html; charset=utf-8"
        )


@blueprint.get("/")
def home() -> Response:
    """The home page; RDF clients are sent to the dataset description (303)."""
    pub = publication()
    accept = request.accept_mimetypes
    best = accept.best_match(HOME_TYPES) if request.headers.get("Accept") else HOME_TYPES[0]
    if best is None:
        raise NotAcceptable(list(HOME_TYPES))
    if best not in HOME_TYPES[:2]:
        response = redirect(f"{pub.base}dataset", code=303)
        response.headers["Vary"] = "Accept"
        return response
    lang = current_language()
    key = f"home:{lang}"
    if key not in pub.fixed:
        pub.add_fixed(key, home_html(pub, lang).encode("utf-8"), "text/html; charset=utf-8")
    response = represent(pub.fixed[key], negotiated=True, html=True)
    response.headers["Link"] = f'<{pub.base}dataset>; rel="describedby"; type="text/turtle"'
    response.headers.pop("Content-Location", None)
    return response


def search_results(pub, query: str, lang: str) -> list[dict]:
    linker = Linker(pub, lang)
    results = []
    for iri, matched, matched_lang, rank in pub.labels.search(query, SEARCH_LIMIT):
        results.append(
            {
                "iri": iri,
                "label": linker.label(iri),
                "matched": matched,
                "language": matched_lang or None,
                "rank": rank,
                "page": linker.href(iri),
            }
        )
    return results


@blueprint.get("/search")
def search() -> Response:
    """Labels matching ``q`` in any language, ranked: exact, prefix, word prefix, substring."""
    pub = publication()
    query = request.args.get("q", "")[:200]
    wanted = request.args.get("format")
    if wanted == "json":
        kind = "application/json"
    elif request.headers.get("Accept"):
        kind = request.accept_mimetypes.best_match(SEARCH_TYPES)
        if kind is None:
            raise NotAcceptable(list(SEARCH_TYPES))
    else:
        kind = "text/html"
    lang = current_language()
    results = search_results(pub, query, lang)
    if kind == "application/json":
        body = json.dumps(
            {"query": query, "language": lang, "results": results}, ensure_ascii=False, indent=2
        )
        response = Response(body + "\n", content_type="application/json")
    else:
        linker = Linker(pub, lang)
        page = render_template(
            "search.html", title="Search", query=query, results=results, **linker.common(None, ())
        )
        response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
