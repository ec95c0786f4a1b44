"""The exports the publisher serves: written at start beside the dumps, under ``/dumps/``,
described in VoID/DCAT as distributions, linked from the home page, the bytes
``policygraph export`` writes for the same data."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser

import frictionless
import pytest
from helpers import BASE, BROWSER, USE_TINY, data_paths
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from graph.research import exports
from server.cli import main as cli
from server.publish.dumps import HOME_EXPORTS

MEDIA_TYPES = {
    exports.GRAPHML: "application/graphml+xml",
    exports.GEXF: "application/gexf+xml",
    exports.NODES: "text/csv",
    exports.EDGES: "text/csv",
    exports.DATAPACKAGE: "application/json",
    exports.CROISSANT: "application/ld+json",
    "claims.csv": "text/csv",
}


def _body(client, path: str) -> bytes:
    with client.get(path) as response:
        assert response.status_code == 200, path
        return response.get_data()


@pytest.fixture()
def void(client) -> Graph:
    return Graph().parse(data=_body(client, "/dataset.ttl"), format="turtle")


@pytest.mark.parametrize(("name", "media_type"), sorted(MEDIA_TYPES.items()))
def test_each_export_is_a_dcat_distribution_that_downloads(client, void, name, media_type):
    node = URIRef(f"{BASE}dumps/{name}")
    assert (URIRef(f"{BASE}dataset"), DCAT.distribution, node) in void
    assert (URIRef(f"{BASE}dataset"), VOID.dataDump, node) not in void, "not RDF"
    assert str(void.value(node, DCAT.mediaType)) == media_type
    assert void.value(node, DCAT.downloadURL) == node
    with client.get(f"/dumps/{name}") as response:
        assert response.status_code == 200 and response.mimetype == media_type
        body = response.get_data()
    assert int(void.value(node, DCAT.byteSize)) == len(body) > 0
    assert response.headers["ETag"].strip('"') == hashlib.sha256(body).hexdigest()


def test_the_descriptions_say_what_they_conform_to(void):
    expected = {
        exports.DATAPACKAGE: "https://specs.frictionlessdata.io/tabular-data-package/",
        exports.CROISSANT: "http://mlcommons.org/croissant/1.0",
        exports.GRAPHML: "http://graphml.graphdrawing.org/xmlns",
    }
    for name, spec in expected.items():
        node = URIRef(f"{BASE}dumps/{name}")
        assert str(void.value(node, DCTERMS.conformsTo)) == spec


def test_the_served_data_package_validates(client, tmp_path):
    """Downloaded file by file as a researcher's tool would, the package is valid."""
    descriptor = _body(client, f"/dumps/{exports.DATAPACKAGE}")
    (tmp_path / exports.DATAPACKAGE).write_bytes(descriptor)
    for resource in json.loads(descriptor)["resources"]:
        (tmp_path / resource["path"]).write_bytes(_body(client, f"/dumps/{resource['path']}"))
    report = frictionless.validate(str(tmp_path / exports.DATAPACKAGE))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.skipif(USE_TINY, reason="compares with an export of the bundled sources")
def test_the_served_exports_are_what_the_command_writes(client, tmp_path, capsys):
    code = cli.main(
        ["export", "--base", BASE, "--format", "all", "-o", str(tmp_path), *data_paths()]
    )
    assert code == 0
    capsys.readouterr()
    for name in (exports.GRAPHML, exports.EDGES, exports.DATAPACKAGE, exports.CROISSANT):
        assert _body(client, f"/dumps/{name}") == (tmp_path / name).read_bytes(), name


class Links(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.links: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_the_home_page_links_the_exports(client, lang):
    with client.get("/", headers={"Accept": BROWSER, "Accept-Language": lang}) as response:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
    links = Links(page).links
    assert {"en": "Exports", "zh-Hans": "导出", "zh-Hant": "匯出"}[lang] in page
    for name in HOME_EXPORTS:
        assert f"{BASE}dumps/{name}" in links, name
    assert f"{BASE}dumps/claims.csv" not in links, "the tables are listed by their package"
