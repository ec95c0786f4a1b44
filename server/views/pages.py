"""Pages for people: the home page and label search (HTML, and JSON for search)."""

from __future__ import annotations

import heapq
import json
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, redirect, render_template, request
from rdflib.namespace import RDF, RDFS
from werkzeug.wrappers import Response

from server.errors import NotAcceptable
from server.publish.publication import Publication, publication
from server.render.html import Linker
from server.render.languages import LANGUAGES
from server.views.http import current_language, represent

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
#: Most instances of a class, source documents and graphs the home page lists; the rest are a
#: SPARQL query away (a page listing 500,000 things helps no one and takes seconds to build).
HOME_LIST = 100


def instances(pub: Publication) -> dict[str, set[str]]:
    """Class IRI → the things typed with it in the data graphs."""
    found: dict[str, set[str]] = {}
    for graph in pub.data_graphs:
        for quad in pub.store.quads_for_pattern(None, _type(), None, graph):
            if quad.subject.value in pub.things:
                found.setdefault(quad.object.value, set()).add(quad.subject.value)
    return found


def _first(linker, iris) -> list[str]:
    """The first :data:`HOME_LIST` IRIs by label (then IRI), without sorting them all."""
    return heapq.nsmallest(HOME_LIST, iris, key=lambda iri: (linker.label(iri).casefold(), iri))


def things_only(pub: Publication, under: str = "id/") -> str:
    """A FILTER keeping things (``{base}id/{kind}/{slug}``), not their hash sub-nodes
    (DESIGN.md § IRIs)."""
    return f'FILTER(STRSTARTS(STR(?thing), "{pub.base}{under}") && !CONTAINS(STR(?thing), "#"))'


def more_query(pub: Publication, pattern: str, lang: str) -> str:
    """A SPARQL query URL listing every ``?thing`` of ``pattern`` with its label in ``lang``."""
    query = (
        "SELECT DISTINCT ?thing ?label WHERE { "
        f"{pattern} OPTIONAL {{ ?thing <{RDFS.label}> ?label "
        f'FILTER(langMatches(lang(?label), "{lang}")) }} }} ORDER BY ?label ?thing'
    )
    return f"{pub.base}sparql?query={quote(query, safe='')}"


def home_html(pub: Publication, lang: str, classes_found: dict[str, set[str]] | None = None) -> str:
    """What the dataset is, counts, classes with their first instances, the first sources and
    graphs (each list capped at :data:`HOME_LIST`, with a query for the rest), a search box."""
    linker = Linker(pub, lang)
    classes = []
    for cls, members in (instances(pub) if classes_found is None else classes_found).items():
        classes.append(
            {
                "class": linker.term(_node(cls)),
                "count": len(members),
                "members": [linker.term(_node(iri)) for iri in _first(linker, members)],
                "more": more_query(pub, f"?thing a <{cls}> {things_only(pub)}", lang),
            }
        )
    classes.sort(key=lambda c: c["class"]["text"].casefold())
    documents = [iri for iri in pub.things if iri.startswith(f"{pub.base}id/document/")]
    return render_template(
        "home.html",
        title="policygraph",
        counts=pub.counts,
        classes=classes,
        sources=[linker.term(_node(iri)) for iri in _first(linker, documents)],
        sources_count=len(documents),
        sources_more=more_query(pub, f"?thing a ?type {things_only(pub, 'id/document/')}", lang),
        dumps=pub.dumps,
        graphs=[linker.term(g) for g in pub.data_graphs[:HOME_LIST]],
        graphs_count=len(pub.data_graphs),
        **linker.common("", ()),
    )


def _type() -> ox.NamedNode:
    return ox.NamedNode(str(RDF.type))


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def precompute_home(pub: Publication) -> None:
    found = instances(pub)
    for lang in LANGUAGES:
        pub.add_fixed(
            f"home:{lang}", home_html(pub, lang, found).encode("utf-8"), "text/html; charset=utf-8"
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


def search_results(pub: Publication, query: str, lang: str) -> list[dict]:
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
