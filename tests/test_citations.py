"""Citations of claims, events and source documents (issue 19 §1), read by their real consumers.

Contract: every claim, event and source document answers CSL-JSON, BibTeX and RIS, negotiated
and by suffix, with ``Vary``, ``Content-Location`` and ``Link`` alternates like every other
format; anything else answers 406 for those types, in the one error shape. citeproc-py renders
each CSL item with a bundled style, bibtexparser parses each BibTeX entry, a strict reader and
rispy read each RIS record, and the page's ``citation_*`` meta tags say what the CSL item says.
A claim's citation holds the words of the source at the offsets it states.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import bibtexparser
import pyoxigraph as ox
import pytest
import rispy
from bibtexparser import middlewares
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from helpers import BASE, BROWSER, ROOT, TINY, USE_TINY, sample_things
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.research.citation import CITABLE, Dataset, cite
from graph.store import EmbeddedStore
from server.app import create_app
from server.publish import citations as published
from server.render import citations as write

CSL = "application/vnd.citationstyles.csl+json"
BIBTEX = "application/x-bibtex"
RIS = "application/x-research-info-systems"
TYPES = {"csl.json": CSL, "bib": BIBTEX, "ris": RIS}
OA = "http://www.w3.org/ns/oa#"
STYLE = CitationStylesStyle("harvard-cite-them-right", validate=False)
SOURCE_TEXT = (
    TINY / "source.txt"
    if USE_TINY
    else ROOT / "graph" / "sources" / "north-korea-opportunity" / "source.txt"
).read_text(encoding="utf-8")


def citable(pub, kind: str) -> list[str]:
    """Every thing of ``kind`` in the publication; fails when there is none to check."""
    found = sorted(iri for iri in pub.things if f"/id/{kind}/" in iri)
    assert found, f"the published data has no {kind} to cite"
    return found


def get(client, iri: str, suffix: str | None = None, accept: str | None = None):
    path = iri[len(BASE) - 1 :].replace("/id/", "/doc/", 1) + (f".{suffix}" if suffix else "")
    response = client.get(path, headers={"Accept": accept} if accept else {})
    body = response.get_data()
    response.close()
    return response, body


def anchors(pub, iri: str) -> list[tuple[str, int, int]]:
    """(exact, start, end) of each anchor of ``iri``, asked of the store in SPARQL."""
    query = f"""PREFIX oa: <{OA}>
        SELECT ?exact ?start ?end WHERE {{
          <{iri}> <{BASE}ontology#evidence> ?e . ?e oa:hasSelector ?q, ?p .
          ?q oa:exact ?exact . ?p oa:start ?start ; oa:end ?end }} ORDER BY ?start"""
    rows = pub.store.rows(query)
    return [(r[0].value, int(r[1].value), int(r[2].value)) for r in rows]


def render(item: dict) -> str:
    """The bibliography entry citeproc-py writes for one CSL item."""
    bibliography = CitationStylesBibliography(STYLE, CiteProcJSON([item]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return str(bibliography.bibliography()[0])


# -- negotiation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CITABLE)
@pytest.mark.parametrize(("suffix", "media"), sorted(TYPES.items()))
def test_citable_things_answer_each_citation_format(client, pub, kind, suffix, media):
    """Negotiated: the type, ``Vary: Accept``, ``Content-Location`` naming the suffix URL, and
    ``Link`` alternates to every citation format; by suffix: the same type, whatever Accept."""
    iri = citable(pub, kind)[0]
    response, body = get(client, iri, accept=media)
    assert response.status_code == 200, body[:300]
    assert response.mimetype == media and "Accept" in response.headers["Vary"]
    key = pub.things[iri]
    assert response.headers["Content-Location"] == f"{BASE}{key}.{suffix}"
    for other, other_media in TYPES.items():
        link = f'<{BASE}{key}.{other}>; rel="alternate"; type="{other_media}"'
        assert link in response.headers["Link"]
    by_suffix, same = get(client, iri, suffix, accept="text/turtle")
    assert by_suffix.status_code == 200 and by_suffix.mimetype == media and same == body
    if media != CSL:
        assert by_suffix.headers["Content-Type"] == f"{media}; charset=utf-8"


@pytest.mark.parametrize("media", [CSL, BIBTEX, RIS])
@pytest.mark.parametrize(
    "path", ["/doc/actor/china", "/ontology", "/dataset", "/graph/north-korea-opportunity"]
)
def test_other_documents_answer_406_for_citation_types(client, path, media):
    """What is not a claim, event or source document has no citation: 406 in the one error
    shape, listing what it offers (none of the citation types)."""
    response = client.get(path, headers={"Accept": media})
    assert response.status_code == 406
    error = response.get_json()["error"]
    assert error["status"] == 406 and set(error) >= {"title", "message"}
    assert error["offered"] and media not in error["offered"]


def test_other_things_have_no_citation_suffix(client):
    for suffix in TYPES:
        response = client.get(f"/doc/actor/china.{suffix}")
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_a_thing_page_links_its_citation_formats(client, pub):
    for kind in CITABLE:
        iri = citable(pub, kind)[0]
        _, body = get(client, iri, accept=BROWSER)
        for suffix, media in TYPES.items():
            link = f'<link rel="alternate" type="{media}" href="{BASE}{pub.things[iri]}.{suffix}">'
            assert link in body.decode("utf-8")
    _, body = get(client, sample_things(pub, ("actor",))[0], accept=BROWSER)
    assert BIBTEX not in body.decode("utf-8") and "citation_title" not in body.decode("utf-8")


# -- CSL-JSON, with citeproc-py --------------------------------------------------------------------


def csl(client, iri: str) -> dict:
    response, body = get(client, iri, "csl.json")
    items = json.loads(body)
    assert response.status_code == 200 and isinstance(items, list) and len(items) == 1
    return items[0]


def test_every_claim_renders_with_its_author_year_and_quote(client, pub):
    """citeproc-py (Harvard, bundled) writes the essay's author, year and the quoted words; the
    item's title holds each anchor's words, which are the source text at the offsets the note
    states, and its URL is the claim's IRI."""
    for iri in citable(pub, "claim"):
        item = csl(client, iri)
        assert item["URL"] == iri and item["type"] == "entry"
        assert item["container-title"] == "North Korea as an Opportunity for China-US Cooperation"
        assert item["issued"] == {"date-parts": [[2013, 1, 25]]}
        text = render(item)
        assert "Carpenter, T.G." in text and "(2013)" in text and iri in text
        spans = anchors(pub, iri)
        assert spans, f"{iri} has no anchor to cite"
        for exact, start, end in spans:
            assert SOURCE_TEXT[start:end] == exact
            assert exact in item["title"] and exact in text
            assert f"{start}–{end}" in item["note"]
        assert "policygraph" in item["note"] and item["abstract"]


def test_every_event_renders_as_an_entry_of_the_dataset(client, pub):
    for iri in citable(pub, "event"):
        item = csl(client, iri)
        assert item["author"] == [{"literal": "policygraph"}]
        assert item["container-title"].startswith("policygraph")
        text = render(item)
        assert item["title"] in text and "policygraph" in text and iri in text
        for exact, start, end in anchors(pub, iri):
            assert f"“{exact}” (code points {start}–{end} of" in item["note"]
        if "event-date" in item:
            assert all(isinstance(part, int) for part in item["event-date"]["date-parts"][0])


def test_the_source_document_renders_as_the_essay(client, pub):
    """The essay as its description records it: author, headline, date, language, section
    (the curated graph records no venue and no publisher, so none is written)."""
    for iri in citable(pub, "document"):
        item = csl(client, iri)
        assert item["type"] == "article-newspaper"
        assert item["author"] == [{"family": "Carpenter", "given": "Ted Galen"}]
        assert item["title"] == "North Korea as an Opportunity for China-US Cooperation"
        assert item["issued"] == {"date-parts": [[2013, 1, 25]]} and item["language"] == "en"
        assert "publisher" not in item and "container-title" not in item
        if not USE_TINY:
            assert item["section"] == "Foreign Policy"
        text = render(item)
        assert text.startswith("Carpenter, T.G. (2013)") and item["title"] in text


# -- BibTeX, with bibtexparser ---------------------------------------------------------------------


def parse_bibtex(text: str):
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    assert not library.failed_blocks, [block.raw for block in library.failed_blocks]
    assert len(library.entries) == 1
    return library.entries[0]


@pytest.mark.parametrize("kind", CITABLE)
def test_every_bibtex_entry_parses_with_its_fields(client, pub, kind):
    types = {"claim": "misc", "event": "misc", "document": "online"}
    for iri in citable(pub, kind):
        _, body = get(client, iri, "bib")
        entry = parse_bibtex(body.decode("utf-8"))
        item = csl(client, iri)
        assert entry.entry_type == types[kind] and entry.key == f"{kind}-{iri.rsplit('/', 1)[1]}"
        assert entry["title"] == item["title"] and entry["url"] == iri
        assert entry["note"] == item["note"]
        if "issued" in item:
            assert entry["date"] == "-".join(f"{p:02d}" for p in item["issued"]["date-parts"][0])
            assert entry["year"] == str(item["issued"]["date-parts"][0][0])
        names = entry["author"]
        if kind == "event":
            assert [n.last for n in names] == [["policygraph"]]
        else:
            assert [(n.last, n.first) for n in names] == [(["Carpenter"], ["Ted", "Galen"])]


# -- RIS, with a strict reader and rispy -----------------------------------------------------------

RIS_LINE = re.compile(r"([A-Z][A-Z0-9])  - (.*)")


def read_ris(body: bytes) -> list[tuple[str, str]]:
    """The tags of one RIS record, read strictly: CR LF line ends, ``TAG  - value`` lines,
    ``TY`` first and ``ER`` last, no empty value but ER's."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    tags = []
    for line in text.split("\r\n")[:-1]:
        match = RIS_LINE.fullmatch(line)
        assert match, f"not a RIS line: {line!r}"
        tags.append((match[1], match[2]))
    assert tags[0][0] == "TY" and tags[-1] == ("ER", "")
    assert all(value for tag, value in tags[:-1]), tags
    return tags


@pytest.mark.parametrize("kind", CITABLE)
def test_every_ris_record_reads_strictly_and_with_rispy(client, pub, kind):
    types = {"claim": "DBASE", "event": "DBASE", "document": "NEWS"}
    for iri in citable(pub, kind):
        _, body = get(client, iri, "ris")
        tags = dict(read_ris(body))
        item = csl(client, iri)
        assert tags["TY"] == types[kind] and tags["TI"] == item["title"]
        assert tags["UR"] == iri and tags["N1"] == item["note"]
        (record,) = rispy.loads(body.decode("utf-8"))
        assert record["type_of_reference"] == types[kind] and record["urls"] == [iri]
        assert record["authors"] == [
            a.get("literal") or f"{a['family']}, {a['given']}" for a in item["author"]
        ]
        if "issued" in item:
            parts = item["issued"]["date-parts"][0]
            assert record["year"] == str(parts[0])
            assert (
                record["date"] == "/".join([str(parts[0])] + [f"{p:02d}" for p in parts[1:]]) + "/"
            )


# -- the page's citation_* meta tags ---------------------------------------------------------------


class MetaTags(HTMLParser):
    """The ``<meta name=… content=…>`` of a page's head, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and values.get("name", "").startswith("citation_"):
            self.tags.append((values["name"], values["content"]))


def meta_tags(client, iri: str) -> list[tuple[str, str]]:
    _, body = get(client, iri, "html")
    parser = MetaTags()
    parser.feed(body.decode("utf-8"))
    return parser.tags


def highwire_date(parts: list[int]) -> str:
    return "/".join([str(parts[0])] + [f"{p:02d}" for p in parts[1:]])


@pytest.mark.parametrize("kind", CITABLE)
def test_citation_meta_tags_say_what_the_csl_item_says(client, pub, kind):
    """Google Scholar's Highwire Press tags, as Zotero's Embedded Metadata translator reads them:
    one ``citation_author`` per author ("Family, Given"), dates as YYYY/MM/DD."""
    for iri in citable(pub, kind):
        tags = meta_tags(client, iri)
        found = dict(tags)
        item = csl(client, iri)
        assert found["citation_title"] == item["title"]
        assert found["citation_public_url"] == item["URL"] == iri
        assert found["citation_language"] == item["language"]
        authors = [value for name, value in tags if name == "citation_author"]
        assert authors == [
            a.get("literal") or f"{a['family']}, {a['given']}" for a in item["author"]
        ]
        if "issued" in item:
            date = highwire_date(item["issued"]["date-parts"][0])
            assert found["citation_publication_date"] == found["citation_date"] == date
        else:
            assert "citation_date" not in found
        assert found.get("citation_book_title") == item.get("container-title")
        assert found.get("citation_publisher") == item.get("publisher")
        assert found.get("citation_abstract") == item.get("abstract")


# -- the release a citation names ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return create_app(
        {"base": BASE, "data": [str(TINY)], "dumps_dir": str(tmp_path_factory.mktemp("cite"))}
    )


def test_a_citation_names_the_release_once_the_dataset_description_gives_one(tiny):
    """Working data is no release: no version. Once ``{base}dataset`` carries ``dcat:version``
    (what a release adds), every citation names it."""
    pub = tiny.extensions["policygraph"]
    claim = sorted(iri for iri in pub.things if "/id/claim/" in iri)[0]
    assert published.version(pub) is None
    assert published.citation(pub, claim).dataset.version is None
    event = sorted(iri for iri in pub.things if "/id/event/" in iri)[0]
    assert published.citation(pub, event).issued is None
    dataset = pub.documents["dataset"]
    release = [
        ox.Triple(
            ox.NamedNode(f"{BASE}dataset"),
            ox.NamedNode("http://www.w3.org/ns/dcat#version"),
            ox.Literal("2026.1"),
        ),
        ox.Triple(
            ox.NamedNode(f"{BASE}dataset"),
            ox.NamedNode("http://purl.org/dc/terms/issued"),
            ox.Literal(
                "2026-12-06", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
            ),
        ),
    ]
    dataset.triples.extend(release)
    try:
        citation = published.citation(pub, claim)
        event_citation = published.citation(pub, event)
    finally:
        for triple in release:
            dataset.triples.remove(triple)
    assert citation.dataset.version == "2026.1"
    assert citation.issued == (2013, 1, 25) and event_citation.issued == (2026, 12, 6)
    assert "(2026)" in render(write.csl_item(event_citation))
    item = write.csl_item(citation)
    assert item["version"] == "2026.1" and "policygraph, release 2026.1" in item["note"]
    assert parse_bibtex(write.bibtex(citation).decode())["version"] == "2026.1"
    assert ("ET", "2026.1") in read_ris(write.ris(citation))


# -- values TeX, RIS and HTML treat specially ------------------------------------------------------

#: A label with every TeX special character, a ligature, a backslash and Chinese.
EVENT_LABEL = "Sanctions {draft}: 100% & $5, 制裁 #1 a_b ~ back\\slash -- ``q''"
HOSTILE = """@prefix pg: <ontology#> . @prefix oa: <http://www.w3.org/ns/oa#> .
@prefix schema: <http://schema.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<id/document/d> a schema:OpinionNewsArticle ; schema:headline "Essay & {Title} 100%"@en ;
    schema:author <id/actor/wang>, <id/actor/zhao> ; schema:publisher <id/actor/press> ;
    schema:datePublished "2012-12"^^xsd:gYearMonth ; schema:inLanguage "zh-Hans" .
<id/actor/wang> a schema:Person ; rdfs:label "Wang Jisi"@en ;
    schema:familyName "Wang" ; schema:givenName "Jisi" .
<id/actor/zhao> a schema:Person ; rdfs:label "赵某"@zh-Hans .
<id/actor/press> rdfs:label "Press & Sons #1"@en .
<id/event/e> a pg:Event ; rdfs:label "EVENT_LABEL"@en ;
    pg:evidence <id/event/e#evidence> .
<id/event/e#evidence> oa:hasSource <id/document/d> ;
    oa:hasSelector <id/event/e#quote>, <id/event/e#position> .
<id/event/e#quote> oa:exact "a lone { brace" .
<id/event/e#position> oa:start 3 ; oa:end 17 .
<id/claim/c> a pg:Claim ; rdfs:label "A claim}"@en ; prov:hadPrimarySource <id/document/d> ;
    pg:evidence <id/claim/c#evidence> .
<id/claim/c#evidence> oa:hasSource <id/document/d> ;
    oa:hasSelector <id/claim/c#quote>, <id/claim/c#position> .
<id/claim/c#quote> oa:exact "制裁 & 100% {of} it" .
<id/claim/c#position> oa:start 20 ; oa:end 36 .
"""


@pytest.fixture(scope="module")
def hostile() -> dict:
    """Citations of a small graph whose values hold TeX's special characters and Chinese."""
    graph = ox.NamedNode(f"{BASE}graph/hostile")
    store = ox.Store()
    turtle = HOSTILE.replace("EVENT_LABEL", EVENT_LABEL.replace("\\", "\\\\"))
    for triple in ox.parse(turtle.encode(), ox.RdfFormat.TURTLE, base_iri=BASE):
        store.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    dataset = Dataset("policygraph", "policygraph: test", f"{BASE}dataset")
    found = {}
    for kind, slug in (("claim", "c"), ("event", "e"), ("document", "d")):
        citation = cite(
            EmbeddedStore.loaded(store), (graph,), BASE, f"{BASE}id/{kind}/{slug}", dataset
        )
        assert citation is not None
        found[kind] = citation
    return found


def test_bibtex_keeps_braces_percent_ampersand_and_chinese(hostile):
    """Every value decodes (LaTeX decoding, as bibtexparser reads it) to the data's text, and
    every value's braces pair up, as BibTeX requires; a lone brace is written as a command."""
    event = parse_bibtex(write.bibtex(hostile["event"]).decode())
    assert event["title"] == EVENT_LABEL
    document = parse_bibtex(write.bibtex(hostile["document"]).decode())
    assert (
        document["title"] == "Essay & {Title} 100%" and document["publisher"] == "Press & Sons #1"
    )
    assert [(n.last, n.first) for n in document["author"]] == [(["Wang"], ["Jisi"]), (["赵某"], [])]
    assert document["date"] == "2012-12" and document["month"] == "dec"
    claim_text = write.bibtex(hostile["claim"]).decode()
    assert parse_bibtex(claim_text)["title"] == "制裁 & 100% {of} it"
    assert r"A claim\textbraceright{}" in claim_text
    for citation in hostile.values():
        for field, value in write.bibtex_fields(citation):
            depth = 0
            for char in value:
                depth += {"{": 1, "}": -1}.get(char, 0)
                assert depth >= 0, (field, value)
            assert depth == 0, (field, value)


def test_csl_ris_and_meta_tags_keep_special_values(hostile):
    item = write.csl_item(hostile["document"])
    assert item["author"] == [{"family": "Wang", "given": "Jisi"}, {"literal": "赵某"}]
    assert item["issued"] == {"date-parts": [[2012, 12]]} and item["publisher"] == "Press & Sons #1"
    text = render(item)
    assert "Wang, J." in text and "赵某" in text and "(2012)" in text
    tags = dict(read_ris(write.ris(hostile["event"])))
    assert tags["TI"] == hostile["event"].title and tags["AU"] == "policygraph"
    assert "“a lone { brace” (code points 3–17 of “Essay & {Title} 100%”)" in tags["N1"]
    assert ("citation_date", "2012/12") in write.highwire(hostile["document"])
    assert "In Wang, Jisi; 赵某, “Essay & {Title} 100%”, December 2012." in tags["N1"]


def test_an_ill_typed_date_is_cited_at_the_precision_that_is_valid():
    """RDF keeps "2013-13-01"^^xsd:date; its citation has the year, and no month 13."""
    graph = ox.NamedNode(f"{BASE}graph/ill")
    store = ox.Store()
    turtle = (
        f"<{BASE}id/document/d> <http://schema.org/datePublished> "
        '"2013-13-01"^^<http://www.w3.org/2001/XMLSchema#date> .'
    )
    for triple in ox.parse(turtle.encode(), ox.RdfFormat.TURTLE):
        store.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    dataset = Dataset("policygraph", "policygraph: test", f"{BASE}dataset")
    citation = cite(EmbeddedStore.loaded(store), (graph,), BASE, f"{BASE}id/document/d", dataset)
    assert citation is not None and citation.issued == (2013,)
    entry = parse_bibtex(write.bibtex(citation).decode())
    assert entry["year"] == "2013" and "month" not in entry.fields_dict
    assert write.csl_item(citation)["issued"] == {"date-parts": [[2013]]}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ 1{}%&$#_~\\-`'!?,<>\"制裁中美")), max_size=40))
def test_any_text_survives_bibtex(text):
    """Whatever the characters, the entry parses, its braces pair up, and LaTeX decoding gives
    the text back (single-spaced; a lone brace, written as a command pylatexenc does not
    know, is the one thing its decoding drops)."""
    value = write.tex(text)
    entry = parse_bibtex(f"@misc{{k,\n  title = {{{value}}},\n}}\n")
    expected = " ".join(text.split())
    if not write.balanced(expected):
        expected = expected.replace("{", "").replace("}", "")
    assert entry["title"] == expected
