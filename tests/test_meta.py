"""Dataset metadata and crawler support: VoID/DCAT, dumps, sitemap, robots, validation, settings."""

from __future__ import annotations

import gzip
import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import BASE, ROOT
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from server.publish import sitemap
from server.settings import SETTINGS, resolve, settings_markdown

DS = URIRef(f"{BASE}dataset")


@pytest.fixture(scope="module")
def void(app) -> Graph:
    return Graph().parse(data=app.test_client().get("/dataset.ttl").get_data(), format="turtle")


@pytest.mark.parametrize(
    "predicate",
    [
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.source,
        VOID.sparqlEndpoint,
        VOID.dataDump,
        VOID.uriSpace,
        VOID.exampleResource,
        VOID.triples,
        VOID.entities,
        VOID.vocabulary,
        VOID.classPartition,
        VOID.propertyPartition,
        DCTERMS.conformsTo,
        VOID.subset,
        DCAT.distribution,
    ],
)
def test_void_has(void, predicate):
    assert (DS, predicate, None) in void


def test_void_is_void_and_dcat(void):
    assert (DS, RDF.type, VOID.Dataset) in void and (DS, RDF.type, DCAT.Dataset) in void
    assert (DS, DCTERMS.conformsTo, URIRef(f"{BASE}shapes")) in void
    assert (DS, VOID.uriSpace, Literal(f"{BASE}id/")) in void


def test_void_counts_match_the_publication(void, pub):
    assert void.value(DS, VOID.triples).toPython() == pub.counts["triples"]
    assert void.value(DS, VOID.entities).toPython() == len(pub.things)
    classes = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
        for p in void.objects(DS, VOID.classPartition)
    }
    assert classes == {URIRef(k): v for k, v in pub.counts["classes"].items()}
    triples = sum(
        void.value(p, VOID.triples).toPython() for p in void.objects(DS, VOID.propertyPartition)
    )
    assert triples == pub.counts["triples"]


def test_dumps_match_their_size_and_checksum(client, void):
    """Each void:dataDump is served, with the byte size and SHA-256 the VoID states."""
    spdx = "http://spdx.org/rdf/terms#"
    dumps = list(void.objects(DS, VOID.dataDump))
    assert len(dumps) == 2
    for dump in dumps:
        path = str(dump)[len(BASE) - 1 :]
        with client.get(path) as response:
            body = response.get_data()
        assert len(body) == void.value(dump, DCAT.byteSize).toPython()
        checksum = void.value(dump, URIRef(spdx + "checksum"))
        value = str(void.value(checksum, URIRef(spdx + "checksumValue")))
        assert hashlib.sha256(body).hexdigest() == value
        with client.get(path + ".sha256") as response:
            assert response.get_data(as_text=True).split()[0] == value


def test_nquads_dump_holds_every_graph(client, pub):
    with client.get("/dumps/policygraph.nq.gz") as response:
        text = gzip.decompress(response.get_data()).decode("utf-8")
    graphs = set(re.findall(r"<([^>]+)> \.$", text, re.M))
    assert {g.value for g in pub.data_graphs} | {pub.ontology_graph.value} <= graphs


def test_turtle_dump_is_the_union_of_the_data_graphs(client, pub):
    with client.get("/dumps/policygraph.ttl") as response:
        dump = Graph().parse(data=response.get_data(), format="turtle")
    assert len(dump) == pub.counts["triples"]


def test_dumps_are_written_at_startup(pub, dumps_dir):
    """The RDF dumps and the research exports, each with its checksum, and nothing else."""
    written = sorted(p.name for p in Path(dumps_dir).iterdir() if not p.name.startswith("."))
    assert {"policygraph.nq.gz", "policygraph.ttl"} <= {d.name for d in pub.dumps}
    assert written == sorted(n for d in pub.dumps for n in (d.name, d.checksum_name))


def test_sitemap_lists_every_document(client, pub):
    text = client.get("/sitemap.xml").get_data(as_text=True)
    locations = set(re.findall(r"<loc>([^<]+)</loc>", text))
    assert {f"{BASE}{key}" for key in pub.things.values()} <= locations
    assert {f"{BASE}ontology", f"{BASE}shapes", f"{BASE}dataset", BASE} <= locations


def test_robots_points_to_the_sitemap(client):
    assert f"Sitemap: {BASE}sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


def test_validation_report_conforms(client):
    report = Graph().parse(data=client.get("/validation.ttl").get_data(), format="turtle")
    sh = "http://www.w3.org/ns/shacl#"
    assert (None, URIRef(sh + "conforms"), Literal(True, datatype=XSD.boolean)) in report


def test_every_setting_is_documented_in_the_readme():
    """Each setting in server.settings.SETTINGS appears in the README's settings section."""
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.fail("README.md is missing")
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^#+ [^\n]*[Ss]ettings[^\n]*$(.*?)(?=^#+ |\Z)", text, re.M | re.S)
    assert match, "README.md has no settings section"
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in match.group(1)]
    assert not missing, f"settings missing from the README: {missing}\n{settings_markdown()}"


def test_settings_resolve_config_then_environment_then_default():
    env = {"POLICYGRAPH_PORT": "9000", "POLICYGRAPH_BASE": "http://example.org/pg"}
    resolved = resolve({"port": 7000}, env)
    assert resolved.port == 7000
    assert resolved.base == "http://example.org/pg/"
    assert resolve({}, {}).sparql_timeout == 10.0
    assert resolve({}, {"POLICYGRAPH_DEV": "yes"}).dev is True
    with pytest.raises(ValueError, match="POLICYGRAPH_PORT"):
        resolve({}, {"POLICYGRAPH_PORT": "eighty"})


def test_many_documents_make_a_sitemap_index(pub):
    """Sitemaps protocol 0.9: past the URL limit of one sitemap, an index of several, which
    together list every document once (the limit is lowered here to split the curated graph)."""
    files = sitemap.sitemaps(pub, limit=10)
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{{{sitemap.SITEMAP_NS}}}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{{{sitemap.SITEMAP_NS}}}loc")]
    assert parts == [f"{pub.base}sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    listed = []
    for url in parts:
        part = ET.fromstring(files[url[len(pub.base) :]])
        urls = [loc.text for loc in part.iter(f"{{{sitemap.SITEMAP_NS}}}loc")]
        assert part.tag == f"{{{sitemap.SITEMAP_NS}}}urlset" and 0 < len(urls) <= 10
        listed += urls
    assert sorted(listed) == sorted([pub.base] + [pub.doc_url(key) for key in pub.documents])
    assert sitemap.sitemaps(pub).keys() == {"sitemap.xml"}  # the curated graph fits in one


def test_a_missing_sitemap_part_is_404(client):
    assert client.get("/sitemap-1.xml").status_code == 404
