"""Releases, Memento and claim content hashes (issue 20 §1–§3), end to end.

Contract: ``policygraph release`` freezes only data that passes the server's SHACL gate, never
overwrites a version, writes dumps that verify by SHA-256 and a changelog that lists exactly
what changed; every document of every release stays reachable at its release IRI and by
``Accept-Datetime`` (RFC 7089) on the current document; a claim's content hash can be checked
from its downloaded Turtle with code that does not import policygraph; two starts on the same
data publish the same ETags and ``dcterms:modified``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from helpers import ROOT, TINY
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, XSD

import graph
from bench.servers import Server, free_port
from graph.release import freeze, hashes
from server.app import create_app

CLAIM_SLUG = "china-balked"
OLD_LABEL = '"China balks at tighter sanctions"@en'
NEW_LABEL = '"China balks at tougher sanctions"@en'
CS = "http://purl.org/vocab/changeset/schema#"
SPDX = "http://spdx.org/rdf/terms#"


# -- what a user of the data does, with no policygraph code ---------------------------------------


def claim_hash_of(turtle: bytes, claim: str, base: str) -> str:
    """The content hash of ``claim`` from its document's Turtle, as the ontology defines
    pg:contentHash: the triples whose subject is the claim or ``claim#…``, without the hash
    itself, as N-Triples lines, each once, sorted bytewise, each ending in a newline."""
    hash_property = f"{base}ontology#contentHash"
    lines = set()
    for triple in ox.parse(turtle, ox.RdfFormat.TURTLE, base_iri=base):
        subject = triple.subject.value
        if (subject == claim or subject.startswith(claim + "#")) and (
            triple.predicate.value != hash_property
        ):
            lines.add(f"{triple} .\n".encode())
    return hashlib.sha256(b"".join(sorted(lines))).hexdigest()


def published_hash(turtle: bytes, claim: str, base: str) -> str:
    found = [
        t.object.value
        for t in ox.parse(turtle, ox.RdfFormat.TURTLE, base_iri=base)
        if t.subject.value == claim and t.predicate.value == f"{base}ontology#contentHash"
    ]
    assert len(found) == 1, found
    return found[0]


def links(header: str) -> dict[str, list[str]]:
    """rel → targets of an RFC 8288 ``Link`` header (each rel of a multi-rel value)."""
    found: dict[str, list[str]] = {}
    for target, params in re.findall(r"<([^>]*)>((?:\s*;\s*[^;,<]+=\"[^\"]*\")*)", header):
        rel = re.search(r'rel="([^"]*)"', params)
        for name in rel.group(1).split() if rel else []:
            found.setdefault(name, []).append(target)
    return found


def release_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "release", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def sources_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "sources" / TINY.name
    shutil.copytree(TINY, folder)
    return folder


# -- the release command ------------------------------------------------------------------------


def test_release_refuses_invalid_empty_and_existing(tmp_path):
    """Exit 1 with the report on a Violation; 2 on no data, an existing version, a bad
    version; nothing is left behind by a refusal."""
    base = "http://example.org/"
    releases = tmp_path / "releases"
    source = sources_copy(tmp_path)
    done = release_cli("1.0", "--data", str(source), "--releases", str(releases), "--base", base)
    assert done.returncode == 0, done.stderr
    again = release_cli("1.0", "--data", str(source), "--releases", str(releases), "--base", base)
    assert again.returncode == 2 and "exists already" in again.stderr
    bad = release_cli("../x", "--data", str(source), "--releases", str(releases), "--base", base)
    assert bad.returncode == 2 and "not a release version" in bad.stderr
    empty = tmp_path / "empty" / "nothing"
    empty.mkdir(parents=True)
    (empty / "things.ttl").write_text("# no triple\n", encoding="utf-8")
    none = release_cli("2.0", "--data", str(empty), "--releases", str(releases), "--base", base)
    assert none.returncode == 2 and "no data" in none.stderr
    broken = sources_copy(tmp_path / "broken")
    turtle = broken / "things.ttl"
    text = turtle.read_text(encoding="utf-8")
    turtle.write_text(re.sub(r"pg:claimant <[^>]+>", "pg:claimant 42", text, count=1), "utf-8")
    invalid = release_cli("3.0", "--data", str(broken), "--releases", str(releases), "--base", base)
    assert invalid.returncode == 1 and "Violation" in invalid.stdout + invalid.stderr
    assert sorted(p.name for p in releases.iterdir()) == ["1.0"]


def test_release_files_verify_and_describe_themselves(tmp_path):
    """``sha256sum -c SHA256SUMS`` passes; release.ttl gives version, issue time, the shapes
    and each file's size and checksum (DCAT 2, SPDX)."""
    base = "http://example.org/"
    releases = tmp_path / "releases"
    source = sources_copy(tmp_path)
    done = release_cli("1.0", "--data", str(source), "--releases", str(releases), "--base", base)
    assert done.returncode == 0, done.stderr
    folder = releases / "1.0"
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True)
    assert check.returncode == 0, check.stdout
    listed = [line.split()[1] for line in (folder / "SHA256SUMS").read_text().splitlines()]
    assert sorted(listed) == sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")
    described = Graph().parse(folder / "release.ttl", format="turtle")
    release = URIRef(f"{base}release/1.0/")
    assert (release, URIRef(f"{DCAT}version"), Literal("1.0")) in described
    assert (release, DCTERMS.conformsTo, URIRef(f"{base}shapes")) in described
    assert isinstance(described.value(release, DCTERMS.issued).toPython(), datetime)
    for name in ("policygraph.nq.gz", "policygraph.ttl", "changelog.ttl", "changelog.md"):
        node = URIRef(f"{base}release/1.0/{name}")
        assert (release, DCAT.distribution, node) in described, name
        size = described.value(node, DCAT.byteSize).toPython()
        checksum = described.value(node, URIRef(f"{SPDX}checksum"))
        value = str(described.value(checksum, URIRef(f"{SPDX}checksumValue")))
        data = (folder / name).read_bytes()
        assert size == len(data) and value == hashlib.sha256(data).hexdigest(), name
    dump = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "dump",
            "--format",
            "ttl",
            "--base",
            base,
            str(source),
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    assert dump.stdout == (folder / "policygraph.ttl").read_bytes(), "not the canonical dump"


# -- content hashes -----------------------------------------------------------------------------


def test_a_claim_hash_verifies_from_its_turtle_without_our_code(tmp_path):
    base = "http://localhost/"
    app = create_app({"base": base, "data": [str(TINY)], "dumps_dir": str(tmp_path / "d")})
    client = app.test_client()
    claim = f"{base}id/claim/{CLAIM_SLUG}"
    turtle = client.get(f"/doc/claim/{CLAIM_SLUG}", headers={"Accept": "text/turtle"}).data
    expected = claim_hash_of(turtle, claim, base)
    assert published_hash(turtle, claim, base) == expected
    graphs = client.get(f"/doc/claim/{CLAIM_SLUG}", headers={"Accept": "application/n-quads"})
    held = {
        q.graph_name.value
        for q in ox.parse(graphs.data, ox.RdfFormat.N_QUADS)
        if q.predicate.value == f"{base}ontology#contentHash"
    }
    assert held == {f"{base}graph/content-hashes"}, "the hash must stay out of the source's graph"


def test_a_blank_node_in_a_claim_is_refused_not_hashed():
    """The canonical form needs no RDFC-1.0 because the data names every node; a blank node in
    a claim's content is an error rather than a hash that would change with its label."""
    claim = "http://example.org/id/claim/x"
    triple = ox.Triple(
        ox.NamedNode(claim), ox.NamedNode("http://example.org/p"), ox.BlankNode("b0")
    )
    with pytest.raises(hashes.BlankNodeInClaim):
        hashes.content_hash(claim, [triple], "http://example.org/ontology#contentHash")


def test_a_release_whose_data_changed_is_not_served(tmp_path):
    """A release is immutable: if its dump no longer has the SHA-256 it recorded, the server
    leaves it out (and still starts); the other releases are served."""
    base = "http://localhost/"
    releases = tmp_path / "releases"
    dataset = graph.load(base, [TINY])
    freeze.freeze(dataset, base, releases, "1.0")
    freeze.freeze(dataset, base, releases, "1.1")
    dump = releases / "1.0" / "policygraph.nq.gz"
    dump.chmod(0o644)
    dump.write_bytes(gzip.compress(b""))
    app = create_app(
        {
            "base": base,
            "data": [str(TINY)],
            "dumps_dir": str(tmp_path / "d"),
            "releases_dir": str(releases),
        }
    )
    client = app.test_client()
    assert [r.release.version for r in app.extensions["policygraph"].releases.served] == ["1.1"]
    assert client.get("/release/1.0/").status_code == 404
    assert client.get("/release/1.1/", headers={"Accept": "text/turtle"}).status_code == 200


# -- modified and ETags -------------------------------------------------------------------------


def _validators(app, paths):
    client = app.test_client()
    out = {}
    for path in paths:
        response = client.get(path, headers={"Accept": "*/*"})
        assert response.status_code == 200, path
        out[path] = (response.headers["ETag"], response.headers["Last-Modified"])
    void = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    modified = void.value(URIRef("http://localhost/dataset"), DCTERMS.modified)
    return out, modified.toPython()


def test_two_starts_on_the_same_data_give_the_same_etags_and_modified(tmp_path):
    """dcterms:modified is the sources' newest modification, not the start time; ETags and
    Last-Modified are the same for a second app started later on the same data."""
    source = sources_copy(tmp_path)
    changed = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    for path in source.iterdir():
        os.utime(path, (changed.timestamp(), changed.timestamp()))
    paths = ["/dataset", f"/doc/claim/{CLAIM_SLUG}", "/dumps/", "/"]
    config = {"base": "http://localhost/", "data": [str(source)]}
    first = create_app({**config, "dumps_dir": str(tmp_path / "one")})
    time.sleep(1.1)  # a later start, to the second
    second = create_app({**config, "dumps_dir": str(tmp_path / "two")})
    one, modified = _validators(first, paths)
    two, again = _validators(second, paths)
    assert one == two
    assert modified == again == changed
    assert first.extensions["policygraph"].loaded_at != second.extensions["policygraph"].loaded_at


# -- end to end: two releases, a real server ----------------------------------------------------


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    """Release 1.0, one claim's English label changed, release 1.1; a real server on the
    changed data with both releases."""
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    releases = tmp / "releases"
    source = sources_copy(tmp)
    first = release_cli("1.0", "--data", str(source), "--releases", str(releases), "--base", base)
    assert first.returncode == 0, first.stderr
    turtle = source / "things.ttl"
    text = turtle.read_text(encoding="utf-8")
    assert text.count(OLD_LABEL) >= 1
    # rdfs:label and skos:prefLabel together (a shape requires they agree)
    turtle.write_text(text.replace(OLD_LABEL, NEW_LABEL), encoding="utf-8")
    second = release_cli("1.1", "--data", str(source), "--releases", str(releases), "--base", base)
    assert second.returncode == 0, second.stderr
    server = Server.serving(tmp, source, workers=1, port=port, releases_dir=str(releases))
    try:
        server.wait(timeout=180)
        yield server, base, releases
    finally:
        server.stop()


def test_both_releases_dumps_verify_by_sha256(two_releases):
    server, base, releases = two_releases
    for version in ("1.0", "1.1"):
        sums = requests.get(f"{base}release/{version}/SHA256SUMS", timeout=30)
        assert sums.status_code == 200
        expected = {line.split()[1]: line.split()[0] for line in sums.text.splitlines()}
        for name in ("policygraph.nq.gz", "policygraph.ttl"):
            body = requests.get(f"{base}release/{version}/{name}", timeout=30).content
            assert hashlib.sha256(body).hexdigest() == expected[name], (version, name)
    old = gzip.decompress(requests.get(f"{base}release/1.0/policygraph.nq.gz", timeout=30).content)
    new = gzip.decompress(requests.get(f"{base}release/1.1/policygraph.nq.gz", timeout=30).content)
    assert old != new


def test_the_changelog_lists_exactly_the_change(two_releases):
    server, base, releases = two_releases
    claim = f"{base}id/claim/{CLAIM_SLUG}"
    body = requests.get(f"{base}release/1.1/changelog.ttl", timeout=30).content
    log = Graph().parse(data=body, format="turtle")
    sets = list(log.subjects(URIRef(f"{CS}subjectOfChange"), None))
    assert [str(log.value(s, URIRef(f"{CS}subjectOfChange"))) for s in sets] == [claim]
    (change,) = sets
    assert str(log.value(change, URIRef(f"{CS}changeReason"))) == "changed"

    def statements(kind):
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        return {
            (str(log.value(s, URIRef(f"{rdf}predicate"))), log.value(s, URIRef(f"{rdf}object")))
            for s in log.objects(change, URIRef(f"{CS}{kind}"))
        }

    label = "http://www.w3.org/2000/01/rdf-schema#label"
    pref_label = "http://www.w3.org/2004/02/skos/core#prefLabel"
    content_hash = f"{base}ontology#contentHash"
    added, removed = statements("addition"), statements("removal")
    assert len(added) == len(removed) == 3
    assert {p for p, _ in added} == {p for p, _ in removed} == {label, pref_label, content_hash}
    for name in (label, pref_label):
        assert (name, Literal("China balks at tougher sanctions", lang="en")) in added
        assert (name, Literal("China balks at tighter sanctions", lang="en")) in removed
    old_hash = published_hash(
        requests.get(f"{base}release/1.0/doc/claim/{CLAIM_SLUG}.ttl", timeout=30).content,
        claim,
        base,
    )
    new_hash = published_hash(
        requests.get(f"{base}doc/claim/{CLAIM_SLUG}.ttl", timeout=30).content, claim, base
    )
    assert old_hash != new_hash
    assert {str(o) for p, o in removed if p == content_hash} == {old_hash}
    assert {str(o) for p, o in added if p == content_hash} == {new_hash}
    markdown = requests.get(f"{base}release/1.1/changelog.md", timeout=30).text
    assert "0 added, 0 removed, 1 changed" in markdown and claim in markdown


def test_release_documents_stay_reachable_by_iri_and_by_datetime(two_releases):
    server, base, releases = two_releases
    key = f"doc/claim/{CLAIM_SLUG}"
    claim = f"{base}id/claim/{CLAIM_SLUG}"
    catalog = Graph().parse(data=requests.get(f"{base}release/", timeout=30).content)
    versions = {str(o) for o in catalog.objects(None, URIRef(f"{DCAT}version"))}
    assert versions == {"1.0", "1.1"}
    described = Graph().parse(data=requests.get(f"{base}release/1.1/", timeout=30).content)
    assert (
        URIRef(f"{base}release/1.1/"),
        PROV.wasRevisionOf,
        URIRef(f"{base}release/1.0/"),
    ) in described
    issued = {}
    for version, label in (("1.0", "tighter"), ("1.1", "tougher")):
        response = requests.get(f"{base}release/{version}/{key}.ttl", timeout=30)
        assert response.status_code == 200
        assert f"China balks at {label} sanctions" in response.text
        issued[version] = parsedate_to_datetime(response.headers["Memento-Datetime"])
        rels = links(response.headers["Link"])
        assert rels["original"] == rels["timegate"] == [f"{base}{key}"]
        assert rels["timemap"] == [f"{base}timemap/{key}"]
        for media in ("application/ld+json", "application/n-quads", "text/html"):
            negotiated = requests.get(
                f"{base}release/{version}/{key}", headers={"Accept": media}, timeout=30
            )
            assert negotiated.status_code == 200 and negotiated.headers["Content-Type"].startswith(
                media
            )
    assert issued["1.0"] < issued["1.1"]
    cases = (
        (issued["1.0"] - timedelta(days=365), "1.0"),  # before the first: the first
        (issued["1.0"], "1.0"),
        (issued["1.1"] - timedelta(seconds=1), "1.0"),
        (issued["1.1"], "1.1"),
        (issued["1.1"] + timedelta(days=30), "1.1"),
    )
    for moment, version in cases:
        response = requests.get(
            f"{base}{key}",
            headers={"Accept-Datetime": format_datetime(moment, usegmt=True)},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, (moment, response.text)
        assert response.headers["Location"] == f"{base}release/{version}/{key}"
        assert "accept-datetime" in response.headers["Vary"].lower()
        followed = requests.get(
            f"{base}{key}",
            headers={
                "Accept-Datetime": format_datetime(moment, usegmt=True),
                "Accept": "text/turtle",
            },
            timeout=30,
        )
        assert followed.status_code == 200 and followed.url == f"{base}release/{version}/{key}"
        assert claim in followed.text
    current = requests.get(f"{base}{key}", headers={"Accept": "text/turtle"}, timeout=30)
    rels = links(current.headers["Link"])
    assert rels["original"] == rels["timegate"] == [f"{base}{key}"]
    assert rels["first"] == [f"{base}release/1.0/{key}"]
    assert rels["last"] == [f"{base}release/1.1/{key}"]
    assert "accept-datetime" in current.headers["Vary"].lower()
    versions = Graph().parse(data=current.content, format="turtle", publicID=base)
    assert set(versions.objects(URIRef(f"{base}{key}"), DCTERMS.hasVersion)) == {
        URIRef(f"{base}release/1.0/{key}"),
        URIRef(f"{base}release/1.1/{key}"),
    }
    bad = requests.get(f"{base}{key}", headers={"Accept-Datetime": "yesterday"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["status"] == 400
    void = Graph().parse(data=requests.get(f"{base}dataset.ttl", timeout=30).content)
    modified = void.value(URIRef(f"{base}dataset"), DCTERMS.modified)
    assert modified.datatype == XSD.dateTime and modified.toPython() == issued["1.1"]


# -- RFC 7089's examples, structure for structure -----------------------------------------------

#: RFC 7089 §4.1.1 (Pattern 1.1), the TimeGate's answer to a request with Accept-Datetime.
RFC_TIMEGATE = {
    "status": 302,
    "Vary": "accept-datetime",
    "Location": "http://arxiv.example.net/web/20010321203610/http://a.example.org/",
    "Link": '<http://a.example.org/>; rel="original timegate", '
    '<http://arxiv.example.net/timemap/http://a.example.org/>; rel="timemap"; '
    'type="application/link-format"',
}
#: RFC 7089 §4.1.1 (Pattern 1.1), the Memento's answer.
RFC_MEMENTO = {
    "status": 200,
    "Memento-Datetime": "Wed, 21 Mar 2001 20:36:10 GMT",
    "Link": '<http://a.example.org/>; rel="original timegate", '
    '<http://arxiv.example.net/timemap/http://a.example.org/>; rel="timemap"; '
    'type="application/link-format"',
}
#: RFC 7089 §5.1.1: a TimeMap's rels.
RFC_TIMEMAP_RELS = {"original", "self", "timegate", "first", "last", "memento"}


def _shape(headers, status, example) -> None:
    assert status == example["status"]
    for name in example:
        if name != "status":
            assert name in headers, name
    assert set(links(headers["Link"])) >= set(links(example["Link"]))
    if "Memento-Datetime" in example:
        parsedate_to_datetime(headers["Memento-Datetime"])  # an HTTP-date
    if "Vary" in example:
        assert example["Vary"] in headers["Vary"].lower()


def test_headers_have_the_structure_of_the_rfc_examples(two_releases):
    server, base, releases = two_releases
    key = f"doc/claim/{CLAIM_SLUG}"
    moment = format_datetime(datetime.now(UTC), usegmt=True)
    gate = requests.get(
        f"{base}{key}", headers={"Accept-Datetime": moment}, allow_redirects=False, timeout=30
    )
    _shape(gate.headers, gate.status_code, RFC_TIMEGATE)
    memento = requests.get(gate.headers["Location"], timeout=30)
    _shape(memento.headers, memento.status_code, RFC_MEMENTO)
    timemap = requests.get(f"{base}timemap/{key}", timeout=30)
    assert timemap.status_code == 200
    assert timemap.headers["Content-Type"].startswith("application/link-format")
    body = timemap.text.replace("\n", " ")
    assert set(links(body)) == RFC_TIMEMAP_RELS
    assert len(links(body)["memento"]) == 2
    for datetime_value in re.findall(r'datetime="([^"]+)"', body):
        parsedate_to_datetime(datetime_value)
    missing = requests.get(f"{base}timemap/doc/claim/no-such-claim", timeout=30)
    assert missing.status_code == 404


def test_a_release_serves_its_named_graphs_and_vocabulary(two_releases):
    """Every document of a release has its IRI: its graphs, ontology and shapes too, each
    negotiated, each a Memento of the current one."""
    server, base, releases = two_releases
    for version, label in (("1.0", "tighter"), ("1.1", "tougher")):
        response = requests.get(
            f"{base}release/{version}/graph/{TINY.name}",
            headers={"Accept": "application/n-quads"},
            timeout=30,
        )
        assert response.status_code == 200
        quads = list(ox.parse(response.content, ox.RdfFormat.N_QUADS))
        assert {q.graph_name.value for q in quads} == {f"{base}graph/{TINY.name}"}
        assert f"China balks at {label} sanctions" in response.text
        assert "Memento-Datetime" in response.headers
        for path in ("ontology.ttl", "shapes.ttl"):
            vocabulary = requests.get(f"{base}release/{version}/{path}", timeout=30)
            assert vocabulary.status_code == 200 and len(Graph().parse(data=vocabulary.text)) > 100
    assert requests.get(f"{base}release/1.0/graph/no-such-graph", timeout=30).status_code == 404


def test_citations_name_the_release_the_data_is(two_releases, tmp_path):
    """The server's data is release 1.1: the dataset says so (``dcat:version``, DCAT 3), and a
    claim's CSL-JSON, BibTeX and RIS name that release; the working data after an edit is no
    release and names none."""
    server, base, releases = two_releases
    dataset = Graph().parse(
        data=requests.get(f"{base}dataset", headers={"Accept": "text/turtle"}, timeout=30).text,
        format="turtle",
    )
    version = URIRef(f"{DCAT}version")  # DCAT 3; rdflib's DCAT namespace is DCAT 2
    assert dataset.value(URIRef(f"{base}dataset"), version) == Literal("1.1")
    assert (URIRef(f"{base}dataset"), PROV.wasDerivedFrom, URIRef(f"{base}release/1.1/")) in dataset
    claim = f"{base}doc/claim/{CLAIM_SLUG}"
    csl = requests.get(f"{claim}.csl.json", timeout=30).json()
    assert [item.get("version") for item in csl] == ["1.1"]
    assert re.search(r"version\s*=\s*\{1\.1\}", requests.get(f"{claim}.bib", timeout=30).text)
    assert "ET  - 1.1" in requests.get(f"{claim}.ris", timeout=30).text.splitlines()
    source = sources_copy(tmp_path)
    turtle = source / "things.ttl"
    edited = NEW_LABEL.replace("tougher", "stronger")  # neither release has it
    turtle.write_text(turtle.read_text(encoding="utf-8").replace(OLD_LABEL, edited))
    app = create_app(
        {"base": base, "data": [str(source)], "releases_dir": str(releases),
         "dumps_dir": str(tmp_path / "dumps")}
    )  # fmt: skip
    working = app.test_client().get(f"/doc/claim/{CLAIM_SLUG}.csl.json").get_json()
    assert [item.get("version") for item in working] == [None]
