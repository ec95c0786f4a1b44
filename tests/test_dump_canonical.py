"""One canonical form for every dump (graph/dump.py): what ``policygraph dump`` writes locally is
byte for byte what a server publishes under /dumps/ for the same data, whatever its store."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import subprocess
import sys

import pyld.jsonld
import pyoxigraph as ox
import pytest
import requests
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from bench.servers import Server
from graph import dump
from graph.store import EmbeddedStore

SPDX = "http://spdx.org/rdf/terms#"
#: The published dumps and the ``policygraph dump`` arguments that write the same bytes.
PUBLISHED = {
    "policygraph.nq.gz": ["--format", "nq", "-o", "policygraph.nq.gz"],
    "policygraph.ttl": ["--format", "ttl", "-o", "policygraph.ttl"],
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The bundled essay served twice, from the memory store and from an on-disk store."""
    memory_tmp = tmp_path_factory.mktemp("canon-memory")
    disk_tmp = tmp_path_factory.mktemp("canon-disk")
    started = [
        Server.serving(memory_tmp, [], precompute="false"),
        Server.serving(disk_tmp, [], precompute="false", store=f"oxigraph:{disk_tmp / 'store'}"),
    ]
    try:
        yield [server.wait(120) for server in started]
    finally:
        for server in started:
            server.stop()


def cli_dump(base: str, folder, arguments: list[str]) -> bytes:
    """``policygraph dump … --base BASE`` run as a user would, in ``folder``; the file it wrote."""
    subprocess.run(
        [sys.executable, "-m", "server.cli", "dump", *arguments, "--base", base],
        check=True,
        cwd=folder,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return (folder / arguments[-1]).read_bytes()


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_a_local_dump_is_the_published_dump(servers, name, tmp_path):
    """The CLI's file, the served file, its ``.sha256`` and the VoID's ``spdx:checksumValue``
    and ``dcat:byteSize`` all agree, for the memory store and for an on-disk store."""
    for server in servers:
        local = cli_dump(server.base, tmp_path, PUBLISHED[name])
        served = requests.get(f"{server.base}dumps/{name}", timeout=30)
        assert served.status_code == 200
        assert served.content == local, f"{name} from {server.base} differs from the CLI's"
        digest = hashlib.sha256(local).hexdigest()
        checksum = requests.get(f"{server.base}dumps/{name}.sha256", timeout=30).text
        assert checksum == f"{digest}  {name}\n"
        void = Graph().parse(
            data=requests.get(f"{server.base}dataset.ttl", timeout=30).content, format="turtle"
        )
        node = URIRef(f"{server.base}dumps/{name}")
        spdx = void.value(node, URIRef(SPDX + "checksum"))
        assert str(void.value(spdx, URIRef(SPDX + "checksumValue"))) == digest
        assert int(void.value(node, URIRef("http://www.w3.org/ns/dcat#byteSize"))) == len(local)


@pytest.mark.server
def test_the_plain_nquads_dump_is_the_published_one_uncompressed(servers, tmp_path):
    server = servers[0]
    local = cli_dump(server.base, tmp_path, ["--format", "nq", "-o", "dump.nq"])
    served = requests.get(f"{server.base}dumps/policygraph.nq.gz", timeout=30).content
    assert gzip.decompress(served) == local
    # Language tags in the store's (lower) case, as every other representation writes them.
    assert b'"@zh-hans <' in local and b'"@zh-Hans <' not in local


def test_canonical_nquads_are_rdfc_1_0(tmp_path):
    """Sorted, the N-Quads dump's lines are the W3C RDF Dataset Canonicalization (RDFC-1.0) of the
    dataset as an independent implementation (pyld's URDNA2015) writes it: the same blank node
    labels and term syntax."""
    base = "http://127.0.0.1:8080/"
    local = cli_dump(base, tmp_path, ["--format", "nq", "-o", "dump.nq"])
    assert b"_:c14n0 " in local  # the shapes' lists: blank nodes are there to label
    normalized = pyld.jsonld.normalize(
        local.decode("utf-8"),
        {
            "algorithm": "URDNA2015",
            "inputFormat": "application/n-quads",
            "format": "application/n-quads",
        },
    )
    assert sorted(local.splitlines()) == sorted(normalized.encode("utf-8").splitlines())


def _quads(seed: int) -> list[ox.Quad]:
    """Two graphs, one with blank nodes (a list), in an order drawn from ``seed``."""
    ex = "http://example.org/"
    g1, g2 = ox.NamedNode(ex + "graph/a"), ox.NamedNode(ex + "graph/b")
    first, rest = ox.NamedNode(ex + "first"), ox.NamedNode(ex + "rest")
    node, tail = ox.BlankNode(), ox.BlankNode()
    quads = [
        ox.Quad(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), node, g2),
        ox.Quad(node, first, ox.Literal("x", language="EN-gb"), g2),
        ox.Quad(node, rest, tail, g2),
        ox.Quad(tail, first, ox.Literal("y"), g2),
        ox.Quad(tail, rest, ox.NamedNode(ex + "nil"), g2),
    ] + [ox.Quad(ox.NamedNode(f"{ex}id/{n}"), first, ox.Literal(str(n)), g1) for n in range(50)]
    random.Random(seed).shuffle(quads)
    return quads


def test_the_form_depends_on_the_data_not_on_the_store_order():
    """Loaded in different orders (fresh blank node labels each time, another iteration order),
    a store dumps the same bytes; graphs with blank nodes come last, labelled ``c14n``."""
    outputs = set()
    for seed in range(5):
        store = ox.Store()
        store.extend(_quads(seed))
        out = {"nq": io.BytesIO()}
        dump.write(
            dump.store_graphs(EmbeddedStore(store)),
            ["http://example.org/graph/a"],
            "http://example.org/",
            out,
        )
        outputs.add(out["nq"].getvalue())
    assert len(outputs) == 1
    text = outputs.pop().decode()
    lines = text.splitlines()
    assert lines[0].endswith("<http://example.org/graph/a> .")
    assert lines[-1].endswith("<http://example.org/graph/b> .")
    assert '"x"@en-gb' in text and "_:c14n0" in text and "_:c14n1" in text


IRI_LOCAL = st.text(alphabet="abcXYZ_-019/.", min_size=0, max_size=8)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20
)


@st.composite
def triples(draw):
    namespaces = ["http://schema.org/", "http://www.w3.org/2001/XMLSchema#", "http://example.org/"]
    iri = st.builds(
        lambda ns, local: ox.NamedNode(ns + local), st.sampled_from(namespaces), IRI_LOCAL
    )
    literal = st.one_of(
        st.builds(ox.Literal, TEXT),
        st.builds(lambda v, t: ox.Literal(v, language=t), TEXT, st.sampled_from(["en", "zh-Hans"])),
        st.builds(lambda v, d: ox.Literal(v, datatype=d), TEXT, iri),
    )
    subject = st.one_of(iri, st.builds(lambda n: ox.BlankNode(f"b{n}"), st.integers(0, 3)))
    predicate = st.one_of(
        iri, st.just(ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
    )
    obj = st.one_of(iri, literal, subject)
    return draw(st.lists(st.builds(ox.Triple, subject, predicate, obj), max_size=25))


@settings(max_examples=200, deadline=None)
@given(triples())
def test_the_turtle_writer_round_trips(found):
    """Whatever the terms (local names that need escapes, quotes, newlines, datatypes in a known
    namespace), the Turtle of sorted N-Triples lines parses back to the same triples, in
    pyoxigraph and in rdflib."""
    lines = sorted(set(ox.serialize(found, format=ox.RdfFormat.N_TRIPLES).splitlines()))
    writer = dump.TurtleWriter(
        {"schema": "http://schema.org/", "xsd": "http://www.w3.org/2001/XMLSchema#"}
    )
    turtle = writer.header() + writer.block(lines)
    expected = set(ox.parse(b"\n".join(lines), ox.RdfFormat.N_TRIPLES))
    assert set(ox.parse(turtle, ox.RdfFormat.TURTLE)) == expected
    parsed = Graph().parse(data=turtle, format="turtle")
    assert len(parsed) == len(expected)
