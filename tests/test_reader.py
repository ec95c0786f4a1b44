"""The annotated reader and query by span (issue 18 §1) on the real app: every anchor of the
source is a link whose text, read back from the page, is its exact quote at its offsets; real
overlaps render; /spans answers JSON and HTML, and 400/404 in the one error shape."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import BASE, BROWSER, ROOT, TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.app import create_app
from server.render import reader as reader_page

SLUG = "north-korea-opportunity"
TEXT = (ROOT / "graph" / "sources" / SLUG / "source.txt").read_bytes().decode("utf-8")
OA = "http://www.w3.org/ns/oa#"
LANGUAGES = ("en", "zh-Hans", "zh-Hant")


class ReaderPage(HTMLParser):
    """The text of ``#source-text`` as the page holds it, its segments (offsets read from the
    page, text, anchors listed) and fragment targets, and every link of the anchor list."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.text, self.segments, self.targets, self.list_links = "", [], {}, []
        self._depth, self._segment, self._in_list, self._link = 0, None, False, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._depth:
            self._depth += tag not in ("br",)
            if tag == "span" and attrs.get("id", "").startswith("a-"):
                self.targets[attrs["id"]] = len(self.text)
            if tag == "a":
                self._segment = {
                    "start": int(attrs["data-start"]),
                    "end": int(attrs["data-end"]),
                    "at": len(self.text),
                    "spans": [int(i) for i in attrs["data-spans"].split()],
                    "href": attrs["href"],
                    "class": attrs["class"].split(),
                    "text": "",
                }
        elif attrs.get("id") == "source-text":
            self._depth = 1
        if attrs.get("class") == "properties anchors":
            self._in_list = True
        if self._in_list and tag == "a" and attrs.get("class") == "supports":
            self._link = [attrs["href"], ""]

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if tag == "a" and self._segment is not None:
                self.segments.append(self._segment)
                self._segment = None
        if tag == "table":
            self._in_list = False
        if tag == "a" and self._link is not None:
            self.list_links.append(tuple(self._link))
            self._link = None

    def handle_data(self, data):
        if self._depth:
            self.text += data
            if self._segment is not None:
                self._segment["text"] += data
        if self._link is not None:
            self._link[1] += data


def anchors(pub) -> list[tuple[str, int, int, str]]:
    """(owner, start, end, exact) of every anchor in the source, by SPARQL on the store."""
    rows = pub.store.rows(
        f"SELECT ?owner ?start ?end ?exact WHERE {{ ?owner <{BASE}ontology#evidence> ?e . "
        f"?e <{OA}hasSource> <{BASE}id/document/{SLUG}> ; <{OA}hasSelector> ?q, ?p . "
        f"?q <{OA}exact> ?exact . ?p <{OA}start> ?start ; <{OA}end> ?end }}"
    )
    found = [(r[0].value, int(r[1].value), int(r[2].value), r[3].value) for r in rows]
    assert len(found) > 100
    return found


@pytest.fixture(scope="module")
def page(client) -> ReaderPage:
    response = client.get(f"/reader/{SLUG}?lang=en", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return ReaderPage(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def test_the_reader_shows_the_source_text_exactly(page):
    assert page.text == TEXT
    for segment in page.segments:
        assert TEXT[segment["start"] : segment["end"]] == segment["text"]
        assert segment["at"] == segment["start"], "offsets on the page are code points of the text"


def test_every_anchor_is_marked_and_linked_at_its_offsets(page, pub):
    for owner, start, end, exact in anchors(pub):
        assert TEXT[start:end] == exact
        assert page.targets.get(f"a-{start}-{end}") == start, (owner, start, end)
        covering = [s for s in page.segments if s["start"] >= start and s["end"] <= end]
        assert "".join(s["text"] for s in covering) == exact, owner
        thing = owner.split("#", 1)[0].replace(f"{BASE}id/", f"{BASE}doc/")
        listed = {text for href, text in page.list_links if href.split("?")[0] == thing}
        assert listed, f"{owner} is not in the anchor list"
        single = [s for s in covering if len(s["spans"]) == 1]
        for segment in single:
            assert segment["href"].startswith(BASE + "doc/")


def test_overlapping_anchors_render_as_one_link_per_segment(page, pub):
    found = anchors(pub)
    nested = [
        (a, b)
        for a in found
        for b in found
        if a[1] <= b[1] and b[2] <= a[2] and (a[1], a[2]) != (b[1], b[2])
    ]
    crossing = [(a, b) for a in found for b in found if a[1] < b[1] < a[2] < b[2]]
    assert nested, "the essay's anchors nest"
    shared = [s for s in page.segments if len(s["spans"]) > 1]
    assert shared
    for outer, inner in nested[:20] + crossing[:20]:
        start, end = max(outer[1], inner[1]), min(outer[2], inner[2])
        inside = [s for s in page.segments if s["start"] >= start and s["end"] <= end]
        assert inside and all(len(s["spans"]) >= 2 for s in inside), (outer, inner)
    for segment in shared:  # several anchors: the link lists them all on /spans
        query = parse_qs(urlsplit(segment["href"]).query)
        assert urlsplit(segment["href"]).path == "/spans"
        assert query["start"] == [str(segment["start"])] and query["end"] == [str(segment["end"])]
        assert any(
            c.startswith("d") and c[1:].isdigit() and int(c[1:]) >= 2 for c in segment["class"]
        )


def test_a_hedged_claim_looks_hedged(page, pub):
    rows = pub.store.rows(
        f"PREFIX pg: <{BASE}ontology#> PREFIX oa: <{OA}> SELECT ?start ?end WHERE {{ "
        "?c pg:modality pg:modality-hedged ; pg:evidence/oa:hasSelector ?p . "
        "?p oa:start ?start ; oa:end ?end }"
    )
    assert rows
    hedged = [s for s in page.segments if "m-hedged" in s["class"]]
    assert hedged
    for start, end in ((int(r[0].value), int(r[1].value)) for r in rows):
        assert any(start <= s["start"] and s["end"] <= end for s in hedged), (start, end)


@pytest.mark.parametrize("lang,words", [("en", "Legend"), ("zh-Hans", "图例"), ("zh-Hant", "圖例")])
def test_the_reader_speaks_three_languages(client, lang, words):
    page = client.get(f"/reader/{SLUG}?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and words in page
    assert ReaderPage(page).text == TEXT
    assert "static/reader/reader.js" in page and "reader-data" in page
    data = page.split('id="reader-data">', 1)[1].split("</script>", 1)[0]
    client_data = json.loads(data)
    assert client_data["lang"] == lang and client_data["source"] == SLUG
    assert any(span["claimants"] for span in client_data["spans"])


def test_an_unknown_source_has_no_reader(client):
    response = client.get("/reader/no-such-source", headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == "text/html"
    response = client.get(f"/reader/{SLUG}", headers={"Accept": "application/json"})
    assert response.status_code == 406 and "text/html" in response.json["error"]["message"]


def test_the_home_page_and_a_claim_link_the_reader(client, page):
    home = client.get("/?lang=zh-Hans", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert f"{BASE}reader/{SLUG}?lang=zh-Hans" in home
    claim = client.get("/doc/claim/reuters-reports-tentative-deal.html").get_data(as_text=True)
    links = [part.split('"', 1)[0] for part in claim.split(f'href="{BASE}reader/{SLUG}')[1:]]
    assert links, "the claim's page links its span in the reader"
    for link in links:
        fragment = link.split("#", 1)[1]
        assert fragment in page.targets
    document = client.get(f"/doc/document/{SLUG}.html").get_data(as_text=True)
    assert f'href="{BASE}reader/{SLUG}?lang=en"' in document


# -- /spans ----------------------------------------------------------------------------------


def test_spans_lists_what_is_anchored_in_a_range_as_sparql_finds_it(client, pub):
    start = TEXT.index("apparently agreed")
    end = start + len("apparently agreed")
    response = client.get(
        f"/spans?source={SLUG}&start={start}&end={end}", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
    answer = response.json
    assert answer["text"] == "apparently agreed"
    expected = {(o, s, e) for o, s, e, _ in anchors(pub) if s < end and e > start}
    got = {(a["owner"], a["start"], a["end"]) for a in answer["anchors"]}
    assert got == expected and len(got) >= 2
    for item in answer["anchors"]:
        assert TEXT[item["start"] : item["end"]] == item["exact"]
        assert item["href"].startswith(BASE + "doc/") and item["label"]
    assert any(a["modality"] and a["modality"]["label"] for a in answer["anchors"])
    sparql = client.get(
        "/sparql",
        query_string={"query": answer["query"]},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert sparql.status_code == 200
    bindings = sparql.json["results"]["bindings"]
    assert {
        (b["owner"]["value"], int(b["start"]["value"]), int(b["end"]["value"])) for b in bindings
    } == expected
    assert answer["sparql"].startswith(f"{BASE}sparql?query=")


def test_spans_answers_html_and_suffixes(client):
    start = TEXT.index("apparently agreed")
    query = f"source={SLUG}&start={start}&end={start + 5}&lang=zh-Hant"
    html = client.get(f"/spans?{query}", headers={"Accept": BROWSER})
    assert html.status_code == 200 and html.mimetype == "text/html"
    body = html.get_data(as_text=True)
    assert "apparently agreed" in body and "在閱讀器中" in body and f"{BASE}sparql?query=" in body
    assert f"spans?source={SLUG}&amp;start={start}&amp;end={start + 5}&amp;lang=en" in body
    assert (
        client.get(f"/spans.json?{query}", headers={"Accept": BROWSER}).mimetype
        == "application/json"
    )
    assert client.get(f"/spans.html?{query}").mimetype == "text/html"
    assert client.get(f"/spans?{query}&format=json").mimetype == "application/json"
    assert client.get(f"/spans.xml?{query}").status_code == 404
    assert client.get(f"/spans?{query}", headers={"Accept": "text/turtle"}).status_code == 406


@pytest.mark.parametrize(
    "query,status,words",
    [
        (f"source={SLUG}&start=5&end=2", 400, "after end"),
        (f"source={SLUG}&start=0&end={len(TEXT) + 1}", 400, "past the end"),
        (f"source={SLUG}&start=-1&end=2", 400, "whole number"),
        (f"source={SLUG}&start=x&end=2", 400, "whole number"),
        (f"source={SLUG}&start=1", 400, "end is required"),
        ("start=1&end=2", 400, "source is required"),
        (f"source={SLUG}&start=1&end=99999999999999999999", 400, "whole number"),
        ("source=no-such-source&start=1&end=2", 404, "no-such-source"),
    ],
)
def test_bad_span_requests_get_the_error_shape(client, query, status, words):
    response = client.get(f"/spans?{query}", headers={"Accept": "application/json"})
    assert response.status_code == status
    error = response.json["error"]
    assert error["status"] == status and words in error["message"]


def test_a_deployment_can_switch_the_full_text_off(tmp_path, pub):
    app = create_app(
        {"base": BASE, "reader_full_text": False, "dumps_dir": str(tmp_path), "precompute": False}
    )
    client = app.test_client()
    body = client.get(f"/reader/{SLUG}").get_data(as_text=True)
    page = ReaderPage(body)
    assert page.text == "" and page.segments == [] and 'id="source-text"' not in body
    assert "full text" in body
    found = anchors(pub)
    for _, _, _, exact in found:
        assert (
            exact.replace("&", "&amp;").replace('"', "&#34;").replace("'", "&#39;") in body
            or exact in body
        )
    assert len(page.list_links) == len(found)
    never = TEXT.index("Ted Galen Carpenter, a senior")  # the byline: no anchor covers it all
    answer = client.get(f"/spans.json?source={SLUG}&start=0&end=10").json
    assert answer["text"] is None
    assert TEXT[never : never + 200] not in body


def test_the_reader_and_spans_revalidate(client):
    for path in (f"/reader/{SLUG}?lang=zh-Hans", f"/spans.json?source={SLUG}&start=0&end=300"):
        first = client.get(path)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and first.headers["Last-Modified"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""


def test_data_in_the_page_cannot_end_its_script_element():
    hostile = {"label": "</script><script>alert(1)</script>\u2028"}
    text = str(reader_page.script_json(hostile))
    assert "</" not in text and "\u2028" not in text
    assert json.loads(text) == hostile


def test_the_reader_of_another_corpus_shows_its_own_text(tiny_app):
    text = (TINY / "source.txt").read_bytes().decode("utf-8")
    response = tiny_app.test_client().get(f"/reader/{SLUG}", headers={"Accept": BROWSER})
    page = ReaderPage(response.get_data(as_text=True))
    assert page.text == text and page.segments
    for segment in page.segments:
        assert text[segment["start"] : segment["end"]] == segment["text"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.one_of(st.integers(-5, len(TEXT) + 5).map(str), st.text(max_size=6)),
    end=st.one_of(st.integers(-5, len(TEXT) + 5).map(str), st.text(max_size=6)),
)
def test_any_range_is_answered_or_refused_never_failed(client, start, end):
    response = client.get(
        "/spans",
        query_string={"source": SLUG, "start": start, "end": end},
        headers={"Accept": "application/json"},
    )
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        answer = response.json
        assert answer["text"] == TEXT[int(start) : int(end)]
        assert all(a["start"] < max(int(end), int(start) + 1) for a in answer["anchors"])
    else:
        assert response.json["error"]["status"] == 400
