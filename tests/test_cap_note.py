"""A SPARQL result cut at the row cap says so in its body, where the format has a place for it.

Contract (issue 19 §2): a capped SELECT answered as SPARQL JSON results carries ``head.link``
(SPARQL 1.1 Query Results JSON Format §3), and as SPARQL XML results a ``<link href>`` in its
``<head>`` (SPARQL Query Results XML Format §2), naming the note on the cap at
``{base}sparql#row-cap``, which is a section of the query page that explains how to page; a
result under the cap carries neither. The query page's notice of a cut links to that section.
Read with the formats' consumers: ``json``, ``xml.etree``, SPARQLWrapper; against a real gunicorn
process over tests/data/sparql, with a row cap of 5.
"""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import requests
from browser import CHROMEDRIVER, CHROMIUM, WebDriver
from helpers import BROWSER, sparql_app
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from server.sparql.results import cap_note, serialize_solutions

pytestmark = pytest.mark.server

CAP = 5
SRX = "{http://www.w3.org/2005/sparql-results#}"
OVER = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
UNDER = "SELECT ?claim WHERE { ?claim a <ontology#Claim> } ORDER BY ?claim"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = sparql_app(
        tmp_path_factory.mktemp("cap-note"),
        {"sparql_row_cap": CAP, "sparql_workers": 1},
        workers=1,
        threads=2,
    )
    try:
        yield process.wait(timeout=30).base
    finally:
        process.stop()


def ask(base: str, query: str, accept: str) -> requests.Response:
    response = requests.post(base + "sparql", data={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return response


def test_capped_json_results_link_to_the_note(server):
    response = ask(server, OVER, "application/sparql-results+json")
    body = response.json()
    assert response.headers["X-Policygraph-Truncated"] == "true"
    assert body["head"]["link"] == [f"{server}sparql#row-cap"]
    assert body["head"]["vars"] == ["s", "p", "o"]
    assert len(body["results"]["bindings"]) == CAP


def test_capped_xml_results_link_to_the_note(server):
    response = ask(server, OVER, "application/sparql-results+xml")
    root = ET.fromstring(response.content)
    head = root.find(f"{SRX}head")
    assert [link.get("href") for link in head.findall(f"{SRX}link")] == [f"{server}sparql#row-cap"]
    # the XML format's schema: the variables come first, then the links
    assert [child.tag for child in head] == [f"{SRX}variable"] * 3 + [f"{SRX}link"]
    assert len(root.find(f"{SRX}results").findall(f"{SRX}result")) == CAP


def test_results_under_the_cap_have_no_link(server):
    body = ask(server, UNDER, "application/sparql-results+json").json()
    assert "link" not in body["head"] and len(body["results"]["bindings"]) == 2
    root = ET.fromstring(ask(server, UNDER, "application/sparql-results+xml").content)
    assert root.find(f"{SRX}head/{SRX}link") is None


def test_a_result_of_exactly_the_cap_is_not_cut():
    """Cut means more rows existed than were sent: CAP rows out of CAP is whole."""
    store = ox.Store()
    for i in range(CAP):
        store.add(ox.Quad(ox.NamedNode(f"http://x/{i}"), ox.NamedNode("http://x/p"), ox.Literal(i)))
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    exact = serialize_solutions(store.query(query), "json", CAP, cap_note("http://x/"))
    assert not exact.truncated and "link" not in json.loads(exact.body)["head"]
    cut = serialize_solutions(store.query(query), "xml", CAP - 1, cap_note("http://x/"))
    assert cut.truncated and b'<link href="http://x/sparql#row-cap"/>' in cut.body


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_reads_capped_results(server, fmt):
    client = SPARQLWrapper(server + "sparql")
    client.setQuery(OVER)
    client.setReturnFormat(fmt)
    client.setMethod("POST")
    converted = client.query().convert()
    if fmt == JSON:
        assert converted["head"]["link"] == [f"{server}sparql#row-cap"]
        assert len(converted["results"]["bindings"]) == CAP
    else:  # a DOM document
        links = converted.getElementsByTagName("link")
        assert [node.getAttribute("href") for node in links] == [f"{server}sparql#row-cap"]
        assert len(converted.getElementsByTagName("result")) == CAP


def test_csv_is_cut_silently_but_for_its_header(server):
    """CSV has no head to say it in: only the header does."""
    response = ask(server, OVER, "text/csv")
    assert response.headers["X-Policygraph-Truncated"] == "true"
    assert len(response.text.strip().splitlines()) == CAP + 1


class _Sections(HTMLParser):
    """The text and the link targets inside each element that has an ``id``."""

    VOID = {"br", "img", "input", "link", "meta", "hr", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str | None] = []
        self.text: dict[str, str] = {}
        self.hrefs: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        inside = [name for name in self.open if name]
        if tag == "a" and attrs.get("href"):
            for name in inside:
                self.hrefs[name].append(attrs["href"])
        if tag in self.VOID:
            return
        name = attrs.get("id")
        if name:
            self.text[name], self.hrefs[name] = "", []
        self.open.append(name)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data):
        for name in self.open:
            if name:
                self.text[name] += data


def sections(html: str) -> _Sections:
    reader = _Sections()
    reader.feed(html)
    reader.close()
    return reader


def test_the_query_page_notice_links_to_the_note_that_explains_paging(server):
    response = requests.post(server + "sparql", data={"query": OVER, "format": "html"})
    page = sections(response.text)
    assert page.hrefs["truncated"] == ["#row-cap"]
    assert "cut" in page.text["truncated"]
    note = " ".join(page.text["row-cap"].split())
    assert all(word in note for word in ("ORDER BY", f"LIMIT {CAP}", f"OFFSET {CAP}"))
    # The link in the results leads a browser to the same note, on the page /sparql shows.
    shown = sections(requests.get(f"{server}sparql", headers={"Accept": BROWSER}).text)
    assert "OFFSET" in shown.text["row-cap"]
    whole = requests.post(server + "sparql", data={"query": UNDER, "format": "html"})
    assert "truncated" not in sections(whole.text).text


VISIBLE = """
const notice = document.getElementById("truncated");
const box = notice.getBoundingClientRect(), style = getComputedStyle(notice);
return box.width > 0 && box.height > 0 && style.visibility === "visible"
    && style.display !== "none" && notice.textContent.includes("OFFSET");
"""
NOTE_IN_VIEW = """
const top = document.getElementById("row-cap").getBoundingClientRect().top;
return location.hash === "#row-cap" && top > -1 && top < innerHeight;  // in view (subpixels)
"""


@pytest.mark.browser
def test_chromium_shows_the_notice_and_its_link_leads_to_the_note(server, tmp_path):
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) or shutil.which(binary)):
            pytest.skip(f"{binary} is not installed (Debian chromium, chromium-driver)")
    driver = WebDriver(tmp_path / "profile")
    try:
        driver.get(f"{server}sparql?" + urlencode({"query": OVER, "format": "html"}))
        assert driver.run(VISIBLE)
        driver.click(driver.find("#truncated a"))
        assert driver.wait_for(NOTE_IN_VIEW)
    finally:
        driver.quit()
