"""Headless Chromium renders our pages from a real server: text, links, Chinese labels; the
query page's editor completes terms and labels, its snippets and share link follow the query."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import requests
from browser import CHROMEDRIVER, CHROMIUM, WebDriver, render
from query_page import read_page

from server.sparql import page_text as sparql_page_text
from server.sparql import share as sparql_share
from server.sparql import snippets as sparql_snippets

pytestmark = [pytest.mark.browser, pytest.mark.server]


class Dom(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.links, self.text, self.title, self._title = [], [], "", False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._title = tag == "title"
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        self._title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._title:
            self.title += data

    @property
    def body(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_resource_page_in_chromium(live_server, tmp_path):
    dom = Dom(render(live_server.base + "id/actor/china", tmp_path / "profile"))
    assert dom.title.startswith("China")
    assert live_server.base + "doc/actor/china.ttl" in dom.links
    assert live_server.base + "doc/actor/china?lang=zh-Hans" in dom.links
    assert any(
        link and link.startswith(live_server.base + "doc/") and "china" not in link
        for link in dom.links
    ), "links to other things"


def test_resource_page_in_simplified_chinese(live_server, tmp_path):
    dom = Dom(render(live_server.base + "doc/actor/china?lang=zh-Hans", tmp_path / "profile"))
    assert dom.title.startswith("中国")
    assert "中国" in dom.body and "简体" in dom.body
    assert live_server.base + "doc/actor/china?lang=zh-Hant" in dom.links


def test_home_page_in_chromium(live_server, tmp_path):
    dom = Dom(render(live_server.base, tmp_path / "profile"))
    assert "policygraph" in dom.title
    assert "linked data" in dom.body
    assert live_server.base + "dataset?lang=en" in dom.links
    zh = Dom(render(live_server.base + "?lang=zh-Hans", tmp_path / "profile"))
    assert "关联数据" in zh.body and "中国" in zh.body


# -- the query page, driven through chromedriver ---------------------------------------------------

QUERY_LANGUAGES = ["en", "zh-Hans", "zh-Hant"]
#: A label fragment of China in each language, and China's label there.
CHINA = {"en": ("Chin", "China"), "zh-Hans": ("中国", "中国"), "zh-Hant": ("中國", "中國")}
CLAIM = {"en": "Claim", "zh-Hans": "主张", "zh-Hant": "主張"}
ENTER = "\ue007"

HINTS = "return Array.from(document.querySelectorAll('.CodeMirror-hints li'), li => li.textContent)"
#: Put ``arguments[0]`` in the editor, the cursor at line ``arguments[1]``, column ``arguments[2]``.
SET_QUERY = """
const editor = window.policygraphEditor;
editor.setValue(arguments[0]);
editor.focus();
editor.setCursor({line: arguments[1], ch: arguments[2]});
"""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) or shutil.which(binary)):
            pytest.skip(f"{binary} is not installed (Debian chromium, chromium-driver)")
    driver = WebDriver(tmp_path_factory.mktemp("query-page-profile"))
    yield driver
    driver.quit()


def open_query_page(chromium, url: str) -> None:
    """Load ``url`` and wait for the editor; the console must stay free of errors."""
    chromium.console()  # forget what earlier pages logged
    chromium.get(url)
    chromium.wait_for("return !!window.policygraphEditor")


def console_errors(chromium) -> list[str]:
    return [entry["message"] for entry in chromium.console() if entry["level"] == "SEVERE"]


def offsite(chromium, base: str) -> list[str]:
    """What the page fetched from anywhere but this server (the editor must ask no one else)."""
    fetched = chromium.run(
        "return performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    assert fetched, "the page fetched its scripts, at least"
    return [url for url in fetched if not url.startswith(base)]


def clean(chromium, base: str) -> None:
    """No console error, nothing fetched from a third party."""
    assert console_errors(chromium) == []
    assert offsite(chromium, base) == []


def type_at(chromium, query: str, line: int, column: int, text: str) -> None:
    chromium.run(SET_QUERY, query, line, column)
    chromium.type(chromium.find(".CodeMirror textarea"), text)


@pytest.mark.parametrize("lang", QUERY_LANGUAGES)
def test_query_page_in_chromium_without_console_errors(live_server, chromium, lang):
    open_query_page(chromium, f"{live_server.base}sparql?lang={lang}")
    texts = sparql_page_text.texts(lang)
    state = chromium.run(
        "return {lang: document.documentElement.lang, h1: document.querySelector('h1').textContent,"
        " tabs: Array.from(document.querySelectorAll('#code .tabs button'), b => b.textContent),"
        " help: !document.getElementById('editor-help').hidden,"
        " completers: Object.keys(window.policygraphEditor.autocompleters)}"
    )
    # only ours: YASQE's own class, property and prefix completers ask LOV and prefix.cc
    assert state["completers"] == ["variables", "pg-prefixes", "pg-names"]
    assert state["lang"] == lang and state["h1"] == texts["title"] and state["help"]
    assert state["tabs"] == [texts[f"snippet-{s['id']}"] for s in sparql_snippets.SNIPPETS]
    # completion fetches its two endpoints; they must not fail either
    type_at(chromium, "SELECT * WHERE {\n  ?x ?p \n}", 1, 9, CHINA[lang][0])
    chromium.wait_for(HINTS + ".length")
    clean(chromium, live_server.base)


@pytest.mark.parametrize("lang", QUERY_LANGUAGES)
def test_typing_a_prefixed_name_offers_the_ontology_term(live_server, chromium, lang):
    open_query_page(chromium, f"{live_server.base}sparql?lang={lang}")
    type_at(chromium, "PREFIX pg: <ontology#>\nSELECT * WHERE {\n  ?x a \n}", 2, 7, "pg:Cl")
    hints = chromium.wait_for(HINTS)
    assert hints[0].startswith("pg:Claim"), hints
    assert CLAIM[lang] in hints[0], "the hint shows the class's label in the page's language"
    chromium.type(chromium.find(".CodeMirror textarea"), ENTER)
    assert "?x a pg:Claim" in chromium.run("return window.policygraphEditor.getValue()")
    clean(chromium, live_server.base)


@pytest.mark.parametrize("lang", QUERY_LANGUAGES)
def test_typing_a_label_offers_the_thing(live_server, chromium, lang):
    fragment, label = CHINA[lang]
    open_query_page(chromium, f"{live_server.base}sparql?lang={lang}")
    type_at(chromium, "SELECT * WHERE {\n  ?claim ?p \n}", 1, 13, fragment)
    hints = chromium.wait_for(HINTS)
    china = f"{live_server.base}id/actor/china"
    assert hints[0].startswith(label) and china in hints[0], hints
    chromium.type(chromium.find(".CodeMirror textarea"), ENTER)
    assert f"?claim ?p <{china}>" in chromium.run("return window.policygraphEditor.getValue()")
    clean(chromium, live_server.base)


@pytest.mark.parametrize("lang", QUERY_LANGUAGES)
def test_prefixes_complete_and_declare_themselves(live_server, chromium, lang):
    """After PREFIX, this dataset's prefixes with their IRIs; a known prefix used undeclared is
    declared, and its terms offered (here from a reused vocabulary, by the data's use)."""
    open_query_page(chromium, f"{live_server.base}sparql?lang={lang}")
    type_at(chromium, "\nSELECT * WHERE { ?x ?p ?o }", 0, 0, "PREFIX p")
    hints = chromium.wait_for(HINTS)
    assert f"pg: <{live_server.base}ontology#>" in hints, hints
    assert "prov: <http://www.w3.org/ns/prov#>" in hints
    type_at(chromium, "SELECT * WHERE {\n  ?x a \n}", 1, 7, "schema:Coun")
    hints = chromium.wait_for(HINTS)
    assert hints[0].startswith("schema:Country"), hints
    assert chromium.run("return window.policygraphEditor.getValue()").startswith(
        "PREFIX schema: <http://schema.org/>\n"
    )
    clean(chromium, live_server.base)


def server_snippets(live_server, query: str, fmt: str) -> dict[str, str]:
    """The snippets the server renders (the page without JavaScript) for ``query``."""
    url = live_server.base + "sparql?" + urlencode({"f": fmt, "z": sparql_share.encode(query)})
    return read_page(requests.get(url, headers={"Accept": "text/html"}, timeout=30).text).snippets


@pytest.mark.parametrize("lang", QUERY_LANGUAGES)
def test_snippets_and_share_link_follow_the_query_and_format(live_server, chromium, lang):
    """Edit the query and choose CSV: every snippet shows the edited query in CSV (as the
    server renders it), and the share link, opened in a fresh page, restores both."""
    open_query_page(chromium, f"{live_server.base}sparql?lang={lang}")
    before = chromium.run("return document.getElementById('share-link').value")
    query = "SELECT ?name WHERE {\n  ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?name .\n}"
    type_at(chromium, query, 2, 0, '# 注释 "quoted"\n')
    chromium.click(chromium.find("#format option[value=csv]"))
    edited = query.replace("\n}", '\n# 注释 "quoted"\n}')
    assert chromium.run("return window.policygraphEditor.getValue()") == edited
    link = chromium.wait_for(
        "const v = document.getElementById('share-link').value; return v !== arguments[0] && v",
        10,
        before,
    )
    shown = chromium.wait_for(
        "const codes = {}; document.querySelectorAll('#code .snippet').forEach("
        "s => codes[s.dataset.snippet] = s.querySelector('code').textContent);"
        "return codes.curl.includes('text/csv') && codes",
    )
    assert shown == server_snippets(live_server, edited, "csv")
    assert link.startswith(live_server.base + "sparql?f=csv&lang=" + lang + "&z=")
    open_query_page(chromium, link)
    restored = chromium.run(
        "return {query: window.policygraphEditor.getValue(),"
        " format: document.getElementById('format').value, lang: document.documentElement.lang}"
    )
    assert restored == {"query": edited, "format": "csv", "lang": lang}
    clean(chromium, live_server.base)
    plain = read_page(requests.get(link, headers={"Accept": "text/html"}, timeout=30).text)
    assert (plain.query, plain.selected, plain.lang) == (edited, ["csv"], lang)


def test_a_query_too_long_for_the_endpoint_has_no_share_link(live_server, chromium):
    open_query_page(chromium, f"{live_server.base}sparql")
    chromium.run(SET_QUERY, "ASK {}\n#" + "x" * 40_000, 0, 0)
    warning = chromium.wait_for(
        "const w = document.getElementById('share-warning');"
        "return !w.hidden && document.getElementById('share-link').hidden && w.textContent"
    )
    assert "32768" in warning
