"""Issue 17 on the pages: a claim's page shows its modality (and its proposition's, and its
condition), an event's its status and place in time, in three languages with the SKOS schemes'
labels; curator facts are marked "added context" with their citation; VoID describes each
curator graph and how to leave it out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from helpers import BASE, BROWSER
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, VOID

PG = Namespace(f"{BASE}ontology#")
WD = "http://www.wikidata.org/entity/"
SCHEMA = "http://schema.org/"
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
ADDED = {"en": "added context", "zh-Hans": "补充背景", "zh-Hant": "補充背景"}


class Sections(HTMLParser):
    """The text of each ``<section class=…>`` of a page, and the links in it."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.links: dict[str, list[str]] = {}
        self._open: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._open.append(attrs.get("class", ""))
            self.text.setdefault(self._open[-1], "")
            self.links.setdefault(self._open[-1], [])
        elif tag == "a" and self._open:
            self.links[self._open[-1]].append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "section" and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            self.text[self._open[-1]] += data


def pref_label(pub, iri: str, lang: str) -> str:
    rows = pub.store.rows(
        f"SELECT ?l WHERE {{ GRAPH ?g {{ <{iri}> <{SKOS.prefLabel}> ?l }} "
        f'FILTER(langMatches(lang(?l), "{lang}")) }}'
    )
    assert rows, (iri, lang)
    return rows[0][0].value


def page(client, path: str) -> Sections:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return Sections(response.get_data(as_text=True))


def one(pub, query: str) -> str:
    rows = pub.store.rows(query)
    assert rows, query
    return rows[0][0].value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_hedged_claim_shows_its_modality(client, pub, lang):
    claim = one(
        pub,
        f"PREFIX pg: <{PG}> SELECT ?c WHERE {{ ?c a pg:Claim ; pg:modality pg:modality-hedged }} "
        "ORDER BY ?c",
    )
    path = claim.replace(f"{BASE}id/", "/doc/") + f".html?lang={lang}"
    model = page(client, path).text["model"]
    assert pref_label(pub, PG["modality-hedged"], lang) in model
    assert pref_label(pub, PG["modality-asserted"], lang) not in model.split("·")[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_conditional_claim_shows_its_condition_and_proposition(client, pub, lang):
    claim = one(pub, f"SELECT ?c WHERE {{ ?c <{PG.condition}> ?x }} ORDER BY ?c")
    sections = page(client, claim.replace(f"{BASE}id/", "/doc/") + f".html?lang={lang}")
    model = sections.text["model"]
    assert pref_label(pub, PG["modality-conditional"], lang) in model
    assert any("#condition" in link for link in sections.links["model"])
    assert "2013-01-25" in model  # said on the essay's date


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_event_shows_its_status_and_inferred_time(client, pub, lang):
    event, words = pub.store.rows(
        f"PREFIX pg: <{PG}> PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> "
        "SELECT ?e ?w WHERE { ?e a pg:Event ; pg:timeWords ?w ; sem:hasLatestEndTimeStamp ?late "
        "FILTER NOT EXISTS { ?e sem:hasTimeStamp ?t } } ORDER BY ?e LIMIT 1"
    )[0]
    status = one(pub, f"SELECT ?s WHERE {{ <{event.value}> <{PG.status}> ?s }}")
    model = page(client, event.value.replace(f"{BASE}id/", "/doc/") + f".html?lang={lang}").text[
        "model"
    ]
    assert pref_label(pub, status, lang) in model
    assert words.value in model
    assert {"en": "inferred from the words", "zh-Hans": "推断自", "zh-Hant": "推斷自"}[
        lang
    ] in model


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_curator_fact_is_marked_as_added_context_with_its_citation(client, pub, lang):
    source_graph = URIRef(f"{BASE}graph/north-korea-opportunity")
    curator = URIRef(f"{BASE}graph/north-korea-opportunity--curator")
    thing = f"{BASE}id/actor/kim-jong-il"
    parent = one(
        pub,
        f"SELECT ?p WHERE {{ GRAPH <{curator}> {{ <{thing}> <http://schema.org/parent> ?p }} }}",
    )
    assert not pub.store.rows(
        f"SELECT ?p WHERE {{ GRAPH <{source_graph}> {{ <{thing}> <{SCHEMA}parent> ?p }} }}"
    ), "a curator fact, not the essay's"
    response = client.get(f"/doc/actor/kim-jong-il.html?lang={lang}", headers={"Accept": BROWSER})
    body = response.get_data(as_text=True)
    row = re.search(r'<tr><th scope="row">.*?schema:parent.*?</tr>', body, re.S)
    assert row and ADDED[lang] in row.group(0) and "#cite-" in row.group(0)
    assert parent.replace(f"{BASE}id/", f"{BASE}doc/") in row.group(0)
    sections = Sections(body)
    citations = sections.text["citations"]
    assert "policygraph" in citations  # who added it
    assert any(link.startswith(WD) for link in sections.links["citations"]), "its source"
    number = re.search(r'href="#cite-(\d+)"', row.group(0)).group(1)
    assert f'id="cite-{number}"' in body


def test_the_essays_own_facts_are_not_marked(client):
    body = client.get("/doc/actor/china.html", headers={"Accept": BROWSER}).get_data(as_text=True)
    properties = Sections(body).text["subject"]
    assert "added context" not in properties


def test_void_describes_each_curator_graph(client):
    response = client.get("/dataset", headers={"Accept": "text/turtle"})
    void = Graph().parse(data=response.get_data(), format="turtle")
    curator = URIRef(f"{BASE}graph/north-korea-opportunity--curator")
    source = f"{BASE}graph/north-korea-opportunity"
    assert (URIRef(f"{BASE}dataset"), VOID.subset, curator) in void
    assert (curator, RDF.type, PG.CuratorGraph) in void
    assert (curator, RDF.type, VOID.Dataset) in void
    assert (curator, PG.addsContextTo, URIRef(f"{BASE}id/document/north-korea-opportunity")) in void
    description = str(void.value(curator, DCTERMS.description))
    assert f"FROM <{source}>" in description and "FILTER NOT EXISTS" in description
    assert (URIRef(source), RDF.type, PG.CuratorGraph) not in void
    assert isinstance(void.value(curator, DCTERMS.description), Literal)


def test_the_exclusion_void_describes_leaves_the_curator_facts_out(client):
    """The query the description gives finds a curator fact with the default graph and not
    with the source graph alone."""
    source = f"FROM <{BASE}graph/north-korea-opportunity>"
    for dataset, expected in (("", True), (source, False)):
        query = (
            f"ASK {dataset} WHERE {{ <{BASE}id/actor/kim-jong-il> <http://schema.org/parent> ?p }}"
        )
        response = client.get(
            "/sparql",
            query_string={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["boolean"] is expected, dataset


def test_a_name_the_essay_does_not_use_is_marked_as_added_context(client, pub):
    rows = pub.store.rows(
        f"SELECT ?name WHERE {{ GRAPH <{BASE}graph/north-korea-opportunity--curator> "
        f"{{ <{BASE}id/place/diaoyu-islands> <{SKOS.altLabel}> ?name }} }}"
    )
    assert rows, "the curator graph gives the islands a name"
    body = client.get("/doc/place/diaoyu-islands.html", headers={"Accept": BROWSER}).get_data(
        as_text=True
    )
    names = body.split('<ul class="names">', 1)[1].split("</ul>", 1)[0]
    for item in names.split("<li")[1:]:
        curator = any(f">{row[0].value}<" in item for row in rows)
        assert (ADDED["en"] in item) is curator, item
