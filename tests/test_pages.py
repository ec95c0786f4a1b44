"""HTML pages: titles and labels per language, escaping, evidence, home, search."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from helpers import BASE, BROWSER, sample_things

from server.views import pages


class Page(HTMLParser):
    """Collects the links, the <title> and the visible text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.links, self.title, self.text, self._in_title = [], "", [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)

    @property
    def body(self) -> str:
        return " ".join(" ".join(self.text).split())


def page(client, path: str, **headers) -> Page:
    response = client.get(path, headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "China"), ("zh-Hans", "中国"), ("zh-Hant", "中國")]
)
def test_title_follows_lang_parameter(client, lang, expected):
    assert page(client, f"/doc/actor/china?lang={lang}").title.startswith(expected)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "中国"),
        ("zh-TW", "中國"),
        ("zh-Hant-HK", "中國"),
        ("fr, de;q=0.5", "China"),
        ("en-GB", "China"),
        ("", "China"),
    ],
)
def test_title_follows_accept_language(client, header, expected):
    assert page(client, "/doc/actor/china", **{"Accept-Language": header}).title.startswith(
        expected
    )


def test_lang_parameter_beats_accept_language(client):
    title = page(client, "/doc/actor/china?lang=en", **{"Accept-Language": "zh-CN"}).title
    assert title.startswith("China")


def test_html_varies_on_accept_language(client):
    response = client.get("/doc/actor/china", headers={"Accept": BROWSER})
    assert "Accept-Language" in response.headers["Vary"]
    assert "Accept" in response.headers["Vary"]


def test_language_switch_links_all_three(client):
    links = page(client, "/doc/actor/china").links
    for code in ("en", "zh-Hans", "zh-Hant"):
        assert f"{BASE}doc/actor/china?lang={code}" in links or code == "en"


def test_links_show_labels_of_linked_things(client, pub):
    claim = sample_things(pub, ("claim",))[0]
    html = page(client, f"/{pub.things[claim]}?lang=zh-Hans")
    linked = [
        iri for iri in pub.things if f"{BASE}doc/{iri[len(BASE) + 3 :]}?lang=zh-Hans" in html.links
    ]
    assert linked, "a claim page links to other things"
    for iri in linked:
        label = pub.labels.get(iri, "zh-Hans")
        if label:
            assert label in html.body


def test_claim_and_event_pages_show_evidence_quotes(client, pub):
    """Each claim and event page quotes its evidence span verbatim."""
    for iri in sample_things(pub, ("claim", "event")):
        response = client.get(f"/{pub.things[iri]}.html")
        text = response.get_data(as_text=True)
        assert '<section class="evidence">' in text
        assert "<mark>" in text


def test_every_value_is_escaped(tiny_app):
    """Values from the data reach the page escaped (a description with <, & and quotes)."""
    text = tiny_app.test_client().get("/doc/actor/china.html").get_data(as_text=True)
    assert "<escaping>" not in text
    assert "this text tests &lt;escaping&gt; &amp; &#34;quotes&#34;." in text


def test_pages_need_no_javascript(client, pub):
    for path in ["/", "/doc/actor/china", "/ontology", "/dataset", "/search?q=a"]:
        assert "<script" not in client.get(path, headers={"Accept": BROWSER}).get_data(as_text=True)


def test_home_lists_counts_classes_source_and_search(client, pub):
    home = page(client, "/")
    assert str(pub.counts["triples"]) in home.body
    assert f"{BASE}doc/document/north-korea-opportunity?lang=en" in home.links
    text = client.get("/", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert f'action="{BASE}search"' in text


def test_home_in_chinese(client):
    assert "关联数据" in page(client, "/?lang=zh-Hans").body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("China", "china"),
        ("中国", "china"),
        ("中國", "china"),
        ("beijing", "china"),
        ("chin", "china"),
    ],
)
def test_search_matches_any_language(client, query, expected):
    response = client.get(f"/search?q={query}", headers={"Accept": "application/json"})
    results = response.get_json()["results"]
    assert any(r["iri"] == f"{BASE}id/actor/{expected}" for r in results[:5]), results[:5]


def test_search_ranks_exact_matches_first(client):
    results = client.get("/search?q=china&format=json").get_json()["results"]
    assert results[0]["iri"] == f"{BASE}id/actor/china"
    assert [r["rank"] for r in results] == sorted(r["rank"] for r in results)


def test_search_escapes_the_query(client):
    text = client.get("/search?q=<script>x</script>", headers={"Accept": BROWSER}).get_data(
        as_text=True
    )
    assert "<script>x" not in text and "&lt;script&gt;x" in text


def test_ontology_page_documents_terms_in_three_languages(client, pub):
    for lang in ("en", "zh-Hans", "zh-Hant"):
        text = client.get(f"/ontology?lang={lang}", headers={"Accept": BROWSER}).get_data(
            as_text=True
        )
        claim = pub.labels.get(f"{BASE}ontology#Claim", lang)
        assert claim and claim in text
        assert 'id="Claim"' in text


def test_validation_page_says_conforms(client):
    assert "sh:conforms true" in page(client, "/validation").body


def test_home_lists_the_first_of_each_class_and_links_a_query_for_all(app, pub, monkeypatch):
    """With more instances than the home page lists (the limit is lowered here), each class
    shows the first few by label and a SPARQL query URL that lists every one."""
    monkeypatch.setattr(pages, "HOME_LIST", 2)
    with app.test_request_context("/"):
        html = pages.home_html(pub, "en")
    more = [unquote(href) for href in re.findall(r'<li class="more"><a href="([^"]+)"', html)]
    found = pages.instances(pub)
    big = {cls: members for cls, members in found.items() if len(members) > 2}
    assert big and len(more) >= len(big)
    client = app.test_client()
    listed = {}
    for url in more:
        query = url.split("?query=", 1)[1]
        response = client.get(
            "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
        )
        rows = response.get_json()["results"]["bindings"]
        listed[query] = {row["thing"]["value"] for row in rows}
    for cls, members in big.items():
        assert any(things == members for things in listed.values()), cls
