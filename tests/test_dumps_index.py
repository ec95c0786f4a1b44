"""``/dumps/``: an index of the dumps, HTML for people and JSON for scripts, negotiated, that
says of each dump what the VoID says (``void:dataDump``: link, media type, size, SHA-256)."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser

import pytest
import requests
from helpers import BASE, BROWSER
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, VOID

SPDX = "http://spdx.org/rdf/terms#"


def void_dumps(turtle: bytes, base: str) -> dict[str, dict]:
    """What the VoID says of each distribution (the RDF dumps and the exports), by URL."""
    void = Graph().parse(data=turtle, format="turtle")
    found = {}
    for node in void.objects(URIRef(f"{base}dataset"), DCAT.distribution):
        checksum = void.value(node, URIRef(SPDX + "checksum"))
        found[str(node)] = {
            "mediaType": str(void.value(node, DCAT.mediaType)),
            "size": int(void.value(node, DCAT.byteSize)),
            "sha256": str(void.value(checksum, URIRef(SPDX + "checksumValue"))),
        }
    return found


class Rows(HTMLParser):
    """The cells of each table row, and the links of the page."""

    def __init__(self, text: str):
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_the_json_index_says_what_the_void_says(client):
    listing = client.get("/dumps/", headers={"Accept": "application/json"}).get_json()
    described = void_dumps(client.get("/dataset.ttl").get_data(), BASE)
    assert len(listing["dumps"]) == len(described) > 2
    rdf = {
        str(n)
        for n in Graph()
        .parse(data=client.get("/dataset.ttl").get_data())
        .objects(None, VOID.dataDump)
    }
    assert rdf == {f"{BASE}dumps/policygraph.nq.gz", f"{BASE}dumps/policygraph.ttl"}
    assert listing["dataset"] == f"{BASE}dataset"
    for entry in listing["dumps"]:
        assert {k: entry[k] for k in ("mediaType", "size", "sha256")} == described[entry["url"]]
        with client.get(entry["url"][len(BASE) - 1 :]) as response:
            body = response.get_data()
            assert response.mimetype == entry["mediaType"]
        assert len(body) == entry["size"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        with client.get(entry["sha256Url"][len(BASE) - 1 :]) as response:
            assert response.get_data(as_text=True) == f"{entry['sha256']}  {entry['name']}\n"


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_the_page_lists_each_dump(client, lang):
    listing = client.get("/dumps/index.json").get_json()
    with client.get("/dumps/", headers={"Accept": BROWSER, "Accept-Language": lang}) as response:
        assert response.status_code == 200 and response.mimetype == "text/html"
        page = Rows(response.get_data(as_text=True))
    rows = [row for row in page.rows if row]
    assert [row[0] for row in rows] == [entry["name"] for entry in listing["dumps"]]
    for row, entry in zip(rows, listing["dumps"], strict=True):
        assert row[2] == entry["mediaType"]
        assert row[3].replace(",", "") == str(entry["size"])
        assert row[4].startswith(entry["sha256"])
        assert entry["url"] in page.links and entry["sha256Url"] in page.links


@pytest.mark.parametrize(
    ("path", "accept", "status", "mimetype", "location"),
    [
        ("/dumps/", None, 200, "text/html", f"{BASE}dumps/index.html"),
        ("/dumps/", BROWSER, 200, "text/html", f"{BASE}dumps/index.html"),
        ("/dumps/", "application/json", 200, "application/json", f"{BASE}dumps/index.json"),
        ("/dumps/", "application/json;q=0.9, text/html;q=0.5", 200, "application/json", None),
        ("/dumps/index.json", "text/html", 200, "application/json", f"{BASE}dumps/index.json"),
        ("/dumps/index.html", None, 200, "text/html", f"{BASE}dumps/index.html"),
        ("/dumps/", "text/turtle", 406, "application/json", None),
        ("/dumps/index.ttl", None, 404, "application/json", None),
        ("/dumps", None, 308, None, None),
    ],
)
def test_negotiation(client, path, accept, status, mimetype, location):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == status
    if mimetype:
        assert response.mimetype == mimetype
    if location:
        assert response.headers["Content-Location"] == location
    if status == 406:
        assert response.get_json()["error"]["offered"] == ["text/html", "application/json"]


def test_http_semantics(client):
    response = client.get("/dumps/", headers={"Accept": "application/json"})
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    link = response.headers["Link"]
    assert f'<{BASE}dumps/index.json>; rel="alternate"; type="application/json"' in link
    assert f'<{BASE}dumps/index.html>; rel="alternate"; type="text/html"' in link
    again = client.get(
        "/dumps/",
        headers={"Accept": "application/json", "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    head = client.head("/dumps/index.json")
    assert head.status_code == 200 and not head.get_data()
    assert int(head.headers["Content-Length"]) == len(response.get_data())


@pytest.mark.server
def test_a_script_downloads_every_dump_from_the_index(live_server):
    """requests follows the JSON index to each dump on a real server and checks it."""
    listing = requests.get(
        f"{live_server.base}dumps/", headers={"Accept": "application/json"}, timeout=30
    ).json()
    described = void_dumps(
        requests.get(f"{live_server.base}dataset.ttl", timeout=30).content, live_server.base
    )
    assert {entry["url"] for entry in listing["dumps"]} == set(described)
    for entry in listing["dumps"]:
        body = requests.get(entry["url"], timeout=60).content
        assert len(body) == entry["size"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
