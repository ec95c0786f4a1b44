"""The research pages over HTTP, as a client without JavaScript reads them (issue 18 §2): the
timeline as a table in time order, the network as a table of edges with their evidence, the
stance matrix as a table and as CSV (read by the csv module and by pandas); filters as GET
parameters; the JSON behind each page; negotiation, validators and errors; three languages; the
links from the home page and from each resource the pages show."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pandas
import pytest
from helpers import BASE, BROWSER, USE_TINY

from graph.research.stances import DISPUTE
from server.render.languages import LANGUAGES
from server.views import research_text
from server.views import stances as stances_view
from server.views.research import EXTENSION

PAGES = ("timeline", "network", "stances")
TITLES = {page: {lang: research_text.texts(lang)[page] for lang in LANGUAGES} for page in PAGES}

pytestmark = pytest.mark.skipif(
    USE_TINY,
    reason="names the curated essay's actors, claims and events (tests/data/tiny has one claim)",
)


class Page(HTMLParser):
    """What a client without JavaScript sees: the heading, table rows (id, class, cells, links),
    links, the options of the filter form, and the language of the document."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.lang, self.h1, self.rows, self.links, self.options = "", "", [], [], {}
        self._h1 = False
        self._row: dict | None = None
        self._cell: list[str] | None = None
        self._select: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        elif tag == "h1":
            self._h1 = True
        elif tag == "tr" and self._in_body:
            self._row = {"id": attrs.get("id"), "class": attrs.get("class", ""), "cells": []}
            self._row["links"] = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a":
            self.links.append(attrs.get("href"))
            if self._row is not None:
                self._row["links"].append(attrs.get("href"))
        elif tag == "select":
            self._select = attrs["name"]
            self.options[self._select] = []
        elif tag == "option" and self._select and attrs.get("value"):
            self.options[self._select].append(attrs["value"])
        elif tag == "tbody":
            self._in_body = True

    _in_body = False

    def handle_endtag(self, tag):
        if tag == "h1":
            self._h1 = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "select":
            self._select = None
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._h1:
            self.h1 += data
        if self._cell is not None:
            self._cell.append(data)


def get(client, path: str, accept: str = BROWSER, status: int = 200, **headers):
    response = client.get(path, headers={"Accept": accept, **headers})
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response


def html(client, path: str) -> Page:
    response = get(client, path)
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def data(client, path: str) -> dict:
    response = get(client, path, "application/json")
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture(scope="module")
def models(app):
    """The models the pages were computed from (the first request computes them)."""
    assert app.test_client().get("/timeline.json").status_code == 200
    return app.extensions[EXTENSION]


# -- negotiation, validators, errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        ("/timeline", BROWSER, "text/html"),
        ("/timeline", "application/json", "application/json"),
        ("/timeline.json", BROWSER, "application/json"),
        ("/timeline.html", "application/json", "text/html"),
        ("/network", "application/json;q=0.9, text/html;q=0.5", "application/json"),
        ("/network.json", "*/*", "application/json"),
        ("/stances", "text/csv", "text/csv"),
        ("/stances.csv", BROWSER, "text/csv"),
        ("/stances", "*/*", "text/html"),
        ("/stances.json", "text/csv", "application/json"),
    ],
)
def test_each_page_is_negotiated_and_a_suffix_picks_the_format(client, path, accept, expected):
    response = get(client, path, accept)
    assert response.mimetype == expected
    assert "Accept-Language" in response.headers["Vary"]
    assert ("Accept" in response.headers["Vary"].split(", ")) == ("." not in path)
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert 'rel="alternate"' in response.headers["Link"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = get(client, path, accept, 304, **{"If-None-Match": response.headers["ETag"]})
    assert again.data == b""


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        ("/timeline", "image/png", 406),
        ("/network", "text/csv", 406),
        ("/timeline.csv", "*/*", 404),
        ("/network.ttl", "*/*", 404),
        ("/timeline?actor=atlantis", "application/json", 400),
        ("/timeline?modality=certain", "application/json", 400),
        ("/timeline?clock=tomorrow", "application/json", 400),
        ("/network?stance=sings", "application/json", 400),
        ("/stances?matrix=colour", "application/json", 400),
        ("/stances?layout=round", "application/json", 400),
        ("/stances?matrix=proposition&dispute=diaoyu-islands", "application/json", 400),
    ],
)
def test_bad_requests_get_the_one_error_shape(client, path, accept, status):
    response = get(client, path, accept, status)
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]


def test_an_unknown_filter_value_lists_the_values_there_are(client):
    message = get(client, "/timeline?actor=atlantis", "application/json", 400).get_json()
    assert "atlantis" in message["error"]["message"] and "china" in message["error"]["message"]


# -- the timeline --------------------------------------------------------------------------------


def test_timeline_table_lists_every_item_in_time_order(client, models):
    page = html(client, "/timeline?lang=en")
    rows = [row for row in page.rows if row["id"]]
    assert len(rows) == len(models.timeline) > 50
    assert {row["id"] for row in rows} == {
        f"{i.kind}-{i.iri.rsplit('/', 1)[1]}" for i in models.timeline.items
    }
    froms = [row["cells"][0] for row in rows]
    keys = [
        (f if f != "not given" else row["cells"][1]) for f, row in zip(froms, rows, strict=True)
    ]
    assert keys == sorted(keys), "rows in time order (an open start sorts by its end)"
    assert all(f"{BASE}doc/" in " ".join(map(str, row["links"])) for row in rows)
    inferred = [row for row in rows if "inferred" in row["class"]]
    assert inferred and all(row["cells"][3] for row in inferred), "inferred rows name words"


def test_timeline_filters_work_without_javascript(client, models):
    china = f"{BASE}id/actor/china"
    expected = models.timeline.filter(actor=[china], kind=["claim"])
    page = html(client, "/timeline?actor=china&kind=claim&lang=en")
    rows = [row for row in page.rows if row["id"]]
    assert len(rows) == len(expected) > 3
    assert all(row["id"].startswith("claim-") for row in rows)
    assert "china" in page.options["actor"] and "hedged" in page.options["modality"]
    shown = data(client, "/timeline.json?actor=china&kind=claim")
    assert [i["iri"] for i in shown["items"]] == [i.iri for i in expected.items]
    assert shown["filters"] == {"actor": [china], "kind": ["claim"]}
    both = data(client, "/timeline.json?modality=hedged&modality=hoped")
    assert {i["modality"]["iri"].rsplit("-", 1)[1] for i in both["items"]} == {"hedged", "hoped"}


def test_timeline_json_gives_each_placement_and_where_it_is_drawn(client):
    shown = data(client, "/timeline.json")
    assert shown["count"] == shown["total"] == len(shown["items"])
    exact = [i for i in shown["items"] if i["when"]["exact"]]
    bounded = [i for i in shown["items"] if not i["when"]["exact"]]
    assert exact and bounded
    for item in exact:
        kind = "point" if item["when"]["precision"] == "day" else "range"
        assert item["display"]["type"] == kind
    for item in bounded:
        open_start = item["when"]["earliest"] is None
        assert ("open-start" in item["display"]["classes"]) == open_start
        assert ("inferred" in item["display"]["classes"]) == item["when"]["inferred"]


def test_the_second_clock_places_claims_by_what_they_are_about(client):
    about = data(client, "/timeline.json?clock=about&kind=claim")
    placed = [i for i in about["items"] if i["display"]]
    unplaced = [i for i in about["items"] if not i["display"]]
    assert placed and unplaced, "claims naming events, and claims naming none"
    assert all(i["about"] for i in placed) and not any(i["about"] for i in unplaced)
    assert about["items"][-len(unplaced) :] == unplaced, "claims off this clock come last"
    starts = [i["display"]["start"] for i in placed]
    assert starts == sorted(starts) or any("open-start" in i["display"]["classes"] for i in placed)


# -- the stance matrix -----------------------------------------------------------------------------


def test_stance_matrix_table_is_the_json_and_links_each_claim(client):
    page = html(client, "/stances?lang=en")
    shown = data(client, "/stances.json")
    assert shown["matrix"] == DISPUTE
    rows = [row for row in page.rows if row["links"]]
    assert len(rows) == len(shown["rows"]) > 3
    claim_links = [link for row in rows for link in row["links"] if "/doc/claim/" in link]
    assert len(claim_links) == sum(len(c["entries"]) for c in shown["cells"]) > 10


def test_stance_matrix_as_csv_reads_in_csv_and_pandas(client, models):
    wide = get(client, "/stances.csv").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(wide)))
    matrix = models.stances.matrix(DISPUTE)
    assert table[0][:2] == ["actor", "actor_label"] and len(table[0]) == 2 + len(matrix.columns)
    assert [row[0] for row in table[1:]] == list(matrix.rows)
    long = get(client, "/stances.csv?layout=long&lang=zh-Hans").get_data(as_text=True)
    frame = pandas.read_csv(io.StringIO(long))
    assert len(frame) == len(matrix.entries()) > 10
    assert frame["claim"].str.startswith(f"{BASE}id/claim/").all()
    assert set(frame["actor"]) == set(matrix.rows)
    pivot = frame.pivot_table(index="actor", columns="dispute", values="claim", aggfunc="count")
    assert int(pivot.fillna(0).to_numpy().sum()) == len(matrix.entries())
    assert "中国" in set(frame["actor_label"]), "labels in the language asked for"


def test_actor_by_proposition_has_a_row_per_statement(client, models):
    shown = data(client, "/stances.json?matrix=proposition")
    matrix = models.stances.matrix("proposition")
    assert len(shown["columns"]) == len(matrix.columns) > 10
    page = html(client, "/stances?matrix=proposition&lang=zh-Hant")
    assert len([row for row in page.rows if row["links"]]) == len(matrix.columns)
    frame = pandas.read_csv(io.StringIO(get(client, "/stances.csv?matrix=proposition").text))
    assert list(frame.columns[:2]) == ["actor", "actor_label"]
    assert len(frame) == len(matrix.rows)


def test_stance_filters_keep_what_they_name(client):
    shown = data(client, "/stances.json?actor=china&stance=believes")
    assert [r["iri"] for r in shown["rows"]] == [f"{BASE}id/actor/china"]
    stances = {e["stance"]["iri"] for c in shown["cells"] for e in c["entries"]}
    assert stances == {f"{BASE}ontology#stance-believes"}


# -- the network ----------------------------------------------------------------------------------


def test_network_edge_table_links_every_edge_to_its_evidence(client, models):
    page = html(client, "/network?lang=en")
    shown = data(client, "/network.json")
    rows = [row for row in page.rows if row["id"]]
    assert len(rows) == len(shown["edges"]) > 10
    for row, edge in zip(rows, shown["edges"], strict=True):
        evidence = [link for link in row["links"] if "/doc/claim/" in link or "/doc/event/" in link]
        assert len(evidence) == edge["weight"] == len(edge["evidence"])
    assert sum(e["weight"] for e in shown["edges"]) == len(
        {
            (e.source, e.target, e.kind, e.stance or e.event_type, e.iri)
            for e in models.network.edges
        }
    )
    nodes = {n["iri"] for n in shown["nodes"]}
    assert nodes == {e["source"] for e in shown["edges"]} | {e["target"] for e in shown["edges"]}


def test_network_filters_keep_edges_touching_the_actor(client):
    shown = data(client, "/network.json?actor=xinhua&kind=claim")
    xinhua = f"{BASE}id/actor/xinhua"
    assert shown["edges"] and all(xinhua in (e["source"], e["target"]) for e in shown["edges"])
    assert all(e["kind"] == "claim" for e in shown["edges"])


# -- languages and links ---------------------------------------------------------------------------


def test_every_interface_text_is_in_three_languages():
    assert research_text.check() == []


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_page_in_each_language(client, page, lang):
    shown = html(client, f"/{page}?lang={lang}")
    assert (shown.lang, shown.h1) == (lang, TITLES[page][lang])
    assert any(link and link.endswith(f"?lang={lang}") for link in shown.links if "/doc/" in link)


def test_the_language_switch_keeps_the_filters(client):
    page = html(client, "/network?actor=china&stance=asserts&lang=en")
    assert f"{BASE}network?actor=china&stance=asserts&lang=zh-Hant" in page.links
    switched = html(client, "/network?actor=china&stance=asserts&lang=zh-Hant")
    assert len(switched.rows) == len(page.rows) > 0


def test_home_page_links_to_the_three_pages(client):
    page = html(client, "/?lang=zh-Hans")
    for name in PAGES:
        assert f"{BASE}{name}?lang=zh-Hans" in page.links


def test_resource_pages_link_to_where_the_pages_show_them(client):
    actor = html(client, "/doc/actor/china?lang=en")
    for name in PAGES:
        link = f"{BASE}{name}?actor=china&lang=en"
        assert link in actor.links
        get(client, link[len(BASE) - 1 :])
    claim = html(client, "/doc/claim/rice-condemns-vetoes?lang=en")
    link = f"{BASE}timeline?lang=en#claim-rice-condemns-vetoes"
    assert link in claim.links
    timeline = html(client, "/timeline?lang=en")
    assert "claim-rice-condemns-vetoes" in {row["id"] for row in timeline.rows}
    dispute = html(client, "/doc/dispute/diaoyu-islands?lang=en")
    assert f"{BASE}stances?dispute=diaoyu-islands&lang=en" in dispute.links


def test_the_chart_data_is_json_a_script_can_read_and_markup_in_it_is_escaped(client):
    body = get(client, "/timeline?lang=en").get_data(as_text=True)
    start = body.index('<script type="application/json" id="timeline-data">') + 51
    chart = json.loads(body[start : body.index("</script>", start)])
    assert len(chart["items"]) == len(data(client, "/timeline.json")["items"])
    assert "</" not in body[start : body.index("</script>", start)]


def test_a_large_matrix_table_shows_the_rows_with_the_most_claims_in_their_order():
    data = {
        "rows": [{"iri": f"actor-{n}"} for n in range(5)],
        "cells": [
            {"row": "actor-3", "column": "d", "entries": ["a", "b", "c"]},
            {"row": "actor-1", "column": "d", "entries": ["a", "b"]},
            {"row": "actor-4", "column": "d", "entries": ["a"]},
        ],
    }
    kept = stances_view._busiest(data, "rows", "row", 2)
    assert [row["iri"] for row in kept] == ["actor-1", "actor-3"]
    assert stances_view._busiest(data, "rows", "row", 5) == data["rows"]
