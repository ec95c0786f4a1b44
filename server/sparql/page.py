"""The query page: a form (enhanced by the vendored YASQE editor), results, example queries, code
snippets for the query shown (:mod:`server.sparql.snippets`) and its share link
(:mod:`server.sparql.share`), in English, simplified and traditional Chinese
(:mod:`server.sparql.page_text`).

Works without JavaScript: the form GETs or POSTs to ``{base}sparql`` and the answer comes back as
this page with an HTML table (IRIs shown by label and linked to their pages), the snippets and
the share link. With it, ``static/sparql/editor.js`` completes as one types (from
:mod:`server.views.completion`) and keeps the snippets and the link in step with the editor.
Example queries are the ``server/queries/*.rq`` files; each opens with a comment header
(``# title:``, ``# description:``, ``# expect-…:`` lines a test checks against the data).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import render_template, request

from server.errors import BadRequest
from server.publish.publication import Publication
from server.render.html import Linker
from server.render.languages import LANGUAGE_NAMES, LANGUAGES, choose_language
from server.sparql import page_text as sparql_page_text
from server.sparql import share as sparql_share
from server.sparql import snippets as sparql_snippets

_HEADER = re.compile(r"#\s*([a-z][a-z-]*)\s*:\s*(.*)")

DEFAULT_QUERY = """PREFIX pg: <ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

# Relative IRIs resolve against the base of this server.
SELECT ?thing ?label WHERE {
  ?thing a pg:Claim ; skos:prefLabel ?label .
  FILTER(langMatches(lang(?label), "en"))
}
ORDER BY ?thing
LIMIT 20
"""

RESULT_DOWNLOADS = (("json", "JSON"), ("xml", "XML"), ("csv", "CSV"), ("tsv", "TSV"))
GRAPH_DOWNLOADS = (
    ("turtle", "Turtle"),
    ("jsonld", "JSON-LD"),
    ("ntriples", "N-Triples"),
    ("rdfxml", "RDF/XML"),
)


@dataclass
class Example:
    """One example query file: its name (file stem), header fields and text."""

    name: str
    title: str
    description: str
    text: str
    expectations: list[tuple[str, str]] = field(default_factory=list)


def parse_example(name: str, text: str) -> Example:
    """Read the comment header of an example query (lines ``# key: value`` before the query)."""
    fields: dict[str, str] = {}
    expectations = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER.fullmatch(stripped)
        if match is None:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key.startswith("expect"):
            expectations.append((key, value))
        elif key in fields:
            fields[key] += " " + value
        else:
            fields[key] = value
    return Example(
        name, fields.get("title", name), fields.get("description", ""), text, expectations
    )


@cache
def examples() -> tuple[Example, ...]:
    """Every example query shipped in ``server/queries``, by file name."""
    folder = resources.files("server").joinpath("queries")
    found = []
    for item in sorted(folder.iterdir(), key=lambda item: item.name):
        if item.name.endswith(".rq"):
            found.append(parse_example(item.name[:-3], item.read_text(encoding="utf-8")))
    return tuple(found)


def permalink(pub: Publication, query: str) -> str:
    return f"{pub.base}sparql?" + urlencode({"query": query}, quote_via=quote)


def _cell(linker: Linker, value: dict | None) -> dict | None:
    """A SPARQL JSON binding as a template value: text, link, language, datatype."""
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        iri = value["value"]
        label = linker.pub.labels.get(iri, linker.lang)
        return {"href": linker.href(iri), "text": label or iri, "iri": iri}
    if kind == "bnode":
        return {"text": "_:" + value["value"]}
    return {
        "text": value["value"],
        "lang": value.get("xml:lang"),
        "datatype": value.get("datatype"),
    }


def _term(linker: Linker, term) -> dict | None:
    if isinstance(term, ox.NamedNode):
        return _cell(linker, {"type": "uri", "value": term.value})
    if isinstance(term, ox.BlankNode):
        return {"text": "_:" + term.value}
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else None
        return {"text": term.value, "lang": term.language, "datatype": datatype}
    return {"text": str(term)}


def table(pub: Publication, answer, linker: Linker) -> dict:
    """The view model of an answer: columns and rows of cells, or a boolean."""
    if answer.kind == "boolean":
        return {"boolean": answer.boolean}
    if answer.kind == "solutions":
        data = json.loads(answer.body)
        columns = data["head"]["vars"]
        rows = [
            [_cell(linker, binding.get(column)) for column in columns]
            for binding in data["results"]["bindings"]
        ]
        return {"columns": columns, "rows": rows}
    triples = ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)
    rows = [
        [_term(linker, t.subject), _term(linker, t.predicate), _term(linker, t.object)]
        for t in triples
    ]
    return {"columns": ["subject", "predicate", "object"], "rows": rows}


def _shown(pub: Publication, query: str | None) -> str:
    """The query the page shows: the one it ran, else a share link's (``z``), else an example."""
    token = request.args.get(sparql_share.QUERY)
    if token is None:
        return query if query is not None else DEFAULT_QUERY
    if query is not None:
        raise BadRequest("give the query either in 'query' (to run it) or in 'z', not both")
    return sparql_share.decode(token, pub.settings.sparql_max_query_length)


def _downloads(pub: Publication, query: str | None, answer) -> list[tuple[str, str]]:
    if not query:
        return []
    graph = answer is not None and answer.kind == "triples"
    names = GRAPH_DOWNLOADS if graph else RESULT_DOWNLOADS
    return [(label, permalink(pub, query) + f"&format={name}") for name, label in names]


def _switch(pub: Publication, text: str, ran: bool, chosen: str) -> list[dict]:
    """The language links: each keeps the query (run again, or restored unrun) and format."""
    links = []
    for code in LANGUAGES:
        pairs = [("lang", code)]
        if ran:
            pairs += [("f", chosen)] if chosen != "html" else []
            pairs += [("query", text)]
            href = "?" + urlencode(pairs, quote_via=quote)
        elif text != DEFAULT_QUERY or chosen != "html":
            href = sparql_share.link(pub.base, text, chosen, code)
        else:
            href = "?" + urlencode(pairs)
        links.append({"code": code, "name": LANGUAGE_NAMES[code], "href": href})
    return links


def render(pub: Publication, query: str | None, answer) -> str:
    """The query page, with the results of ``query`` when there are some; without a query, the
    one a share link holds (``z``, :mod:`server.sparql.share`), else an example."""
    lang = choose_language(request.args.get("lang"), request.accept_languages)
    chosen = sparql_share.page_format(request.args.get(sparql_share.FORMAT))
    text = _shown(pub, query)
    linker = Linker(pub, lang)
    words = sparql_page_text.texts(lang)
    endpoint = f"{pub.base}sparql"
    # The query shown is never longer than sparql_max_query_length (the protocol and the share
    # link refuse longer ones), so it always has a share link.
    share = sparql_share.link(pub.base, text, chosen, lang)
    labels = {key[8:]: value for key, value in words.items() if key.startswith("snippet-")}
    snippets = sparql_snippets.render(text, chosen, endpoint, labels)
    client = {
        "endpoint": endpoint,
        "base": pub.base,
        "lang": lang,
        "vocabulary": f"{pub.base}sparql/vocabulary",
        "things": f"{pub.base}sparql/things",
        "maxQueryLength": pub.settings.sparql_max_query_length,
        "portableLink": sparql_share.PORTABLE_LINK,
        "text": words,
        "tables": sparql_snippets.client_tables(),
    }
    return render_template(
        "sparql.html",
        base=pub.base,
        endpoint=endpoint,
        query=text,
        ran=query is not None,
        chosen=chosen,
        formats=sparql_share.PAGE_FORMATS,
        result=table(pub, answer, linker) if answer is not None else None,
        answer=answer,
        settings=pub.settings,
        examples=[(example, permalink(pub, example.text)) for example in examples()],
        permalink=permalink(pub, query) if query else None,
        downloads=_downloads(pub, query, answer),
        share=share,
        share_long=len(share) > sparql_share.PORTABLE_LINK,
        snippets=snippets,
        client=client,
        t=words,
        lang=lang,
        languages=_switch(pub, text, query is not None, chosen),
    )
