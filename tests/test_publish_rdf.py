"""Every RDF representation parses (rdflib, raptor's rapper, pyld) and all formats agree."""

from __future__ import annotations

import json
import subprocess
import warnings

import pyoxigraph as ox
import pytest
from helpers import BASE, local_loader, need_binary, sample_things
from pyld import jsonld
from rdflib import BNode, Graph, Literal
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import XSD

from server.render.jsonld import to_rdflib

RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}
RAPPER_FORMATS = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml"}


def document_keys(pub) -> list[str]:
    keys = [
        pub.things[iri]
        for iri in sample_things(pub, ("actor", "claim", "event", "relation", "document", "place"))
    ]
    return keys + ["ontology", "shapes", "dataset", "validation"]


def fetch(client, key: str, suffix: str) -> bytes:
    response = client.get(f"/{key}.{suffix}")
    assert response.status_code == 200, (key, suffix)
    return response.get_data()


def parse(data: bytes, fmt: str) -> Graph:
    """rdflib's parse; its JSON-LD parser uses its own deprecated ConjunctiveGraph internally."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=data, format=fmt)


def inline_context(client, body: bytes) -> bytes:
    """The document with its context URL replaced by the context itself (rdflib would fetch)."""
    document = json.loads(body)
    assert document["@context"] == f"{BASE}context.jsonld"
    document["@context"] = json.loads(client.get("/context.jsonld").get_data())["@context"]
    return json.dumps(document).encode()


def diff(expected: Graph, actual: Graph) -> str:
    """The triples only in one graph, for a readable failure."""
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["only in expected:"] + sorted(f"  {t}" for t in only_expected)
    lines += ["only in actual:"] + sorted(f"  {t}" for t in only_actual)
    return "\n".join(lines[:80])


def has_blank_nodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)


def assert_same(expected: Graph, actual: Graph, what: str) -> None:
    """Equal graphs: set equality without blank nodes (fast), else isomorphism."""
    if not has_blank_nodes(expected) and not has_blank_nodes(actual):
        same = set(expected) == set(actual)
    else:
        same = canonical(expected) == canonical(actual)
        if not same:  # confirm with rdflib's own isomorphism before failing
            same = isomorphic(expected, actual)
    assert same, f"{what}\n{diff(expected, actual)}"


def canonical(graph: Graph) -> set[str]:
    """The graph after RDF Dataset Canonicalization (RDFC-1.0), by pyoxigraph."""
    dataset = ox.Dataset()
    for triple in graph:
        dataset.add(ox.Quad(*(from_rdflib(term) for term in triple)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


def from_rdflib(term):
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    return ox.NamedNode(str(term))


@pytest.fixture(scope="module")
def keys(pub):
    return document_keys(pub)


def test_sample_covers_several_kinds(keys):
    assert len(keys) >= 7


@pytest.mark.parametrize("suffix", sorted(RDFLIB_FORMATS))
def test_every_format_is_isomorphic_to_turtle(client, keys, suffix):
    """All formats of one document give the same graph (rdflib parses each)."""
    for key in keys:
        turtle = Graph().parse(data=fetch(client, key, "ttl"), format="turtle")
        body = fetch(client, key, suffix)
        if suffix == "jsonld":
            body = inline_context(client, body)
        other = parse(body, RDFLIB_FORMATS[suffix])
        assert len(turtle) > 0 or key == "shapes", key
        assert_same(turtle, other, f"{key}.{suffix} differs from {key}.ttl")


def test_dataset_level_formats_agree(client):
    turtle = Graph().parse(data=fetch(client, "dataset", "ttl"), format="turtle")
    for suffix, fmt in (("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG)):
        merged = Graph()
        for quad in ox.parse(fetch(client, "dataset", suffix), fmt):
            merged.add(tuple(to_rdflib(term) for term in quad.triple))
        assert_same(turtle, merged, f"dataset.{suffix}")


@pytest.mark.parametrize("suffix", sorted(RAPPER_FORMATS))
def test_rapper_parses_and_agrees(client, keys, tmp_path, suffix):
    """An independent parser (raptor's rapper) reads Turtle, N-Triples and RDF/XML alike."""
    rapper = need_binary("rapper")
    for key in keys:
        path = tmp_path / f"doc.{suffix}"
        path.write_bytes(fetch(client, key, suffix))
        result = subprocess.run(
            [
                rapper,
                "-q",
                "-i",
                RAPPER_FORMATS[suffix],
                "-o",
                "ntriples",
                str(path),
                f"{BASE}{key}",
            ],
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 0, (key, result.stderr.decode())
        theirs = Graph().parse(data=result.stdout, format="nt")
        ours = Graph().parse(data=fetch(client, key, "ttl"), format="turtle")
        assert_same(ours, theirs, f"rapper's reading of {key}.{suffix}")


def test_jsonld_expands_with_pyld_to_the_turtle_triples(client, keys):
    """Compact JSON-LD (context by URL) expands with pyld to exactly the Turtle's triples."""
    context = client.get("/context.jsonld").get_data()
    options = {
        "documentLoader": local_loader(context),
        "format": "application/n-quads",
        "base": BASE,
    }
    for key in keys:
        document = json.loads(fetch(client, key, "jsonld"))
        assert document["@context"] == f"{BASE}context.jsonld", key
        nquads = jsonld.to_rdf(document, options)
        theirs = Graph().parse(data=nquads, format="nt")
        ours = Graph().parse(data=fetch(client, key, "ttl"), format="turtle")
        assert_same(ours, theirs, f"pyld's expansion of {key}.jsonld")


def test_jsonld_advertises_context_link(client):
    response = client.get("/doc/actor/china.jsonld")
    assert (
        f'<{BASE}context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"'
        in (response.headers["Link"])
    )
