"""The curated graph: it conforms, quotes are verbatim, links are pinned, loading is stable."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import OWL, RDF, SH

import graph
import ontology
import shapes
from graph import anchor, dump
from ontology import OA

BASE = "http://localhost/"
REPO = Path(__file__).resolve().parents[1]
ESSAY = REPO / "graph" / "sources" / "north-korea-opportunity" / "source.txt"
AUTHORITIES = REPO / "graph" / "authorities.tsv"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return graph.load(BASE)


@pytest.fixture(scope="module")
def data(dataset) -> Graph:
    merged = Graph()
    for name in graph.data_graph_names(dataset, BASE):
        merged += dataset.graph(name)
    return merged


def _show_diff(expected: Graph, actual: Graph) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {t}" for t in sorted(only_expected)][:20] + [
        f"+ {t}" for t in sorted(only_actual)
    ][:20]
    return "\n".join(lines)


def test_curated_graph_conforms():
    """The bundled graph has no SHACL Violation (warnings are advice)."""
    parsed = graph.parse(BASE)
    report = graph.validate(parsed, BASE)
    assert report.conforms, report.text


def test_dataset_has_one_named_graph_per_source_and_its_curator_graph(dataset):
    """Each source folder is a named graph; its curator.ttl, when it has one, is another; the
    claims' content hashes are one more (graph.release.hashes), computed, never a source's."""
    names = graph.data_graph_names(dataset, BASE)
    hashes = graph.graph_name(BASE, "content-hashes")
    assert hashes in names and len(dataset.graph(hashes)) > 0
    names.remove(hashes)
    sources = [graph.graph_name(BASE, folder.name) for folder in graph.bundled_sources()]
    curators = [
        graph.curator_graph_name(BASE, folder.name)
        for folder in graph.bundled_sources()
        if (folder / graph.CURATOR_FILE).is_file()
    ]
    assert curators and names == sorted(sources + curators)
    assert all(len(dataset.graph(name)) > 500 for name in sources)
    assert all(len(dataset.graph(name)) > 20 for name in curators)


def test_no_blank_nodes_in_curated_data(data):
    """DESIGN.md: anything a report, link or citation may point at has an IRI."""
    blank = [t for t in data if any(isinstance(term, BNode) for term in t)]
    assert blank == []


def test_relative_iris_resolve_under_the_base(data):
    """Every project IRI sits under the base: curated Turtle uses relative IRIs only."""
    other_base = "https://policygraph.example/pub/"
    moved = graph.load(other_base)
    own = {str(term) for triple in data for term in triple if isinstance(term, URIRef)}
    assert not any(iri.startswith(other_base) for iri in own)
    assert any(str(quad[0]).startswith(other_base + "id/") for quad in moved.quads())
    assert sum(1 for _ in moved.quads()) == sum(1 for _ in graph.load(BASE).quads())


def test_every_quote_occurs_verbatim_at_its_offsets(data):
    """Web Annotation §4.2.4/§4.2.5: exact = text[start:end]; prefix/suffix surround it."""
    text = ESSAY.read_text(encoding="utf-8")
    quotes = list(data.subjects(OA.exact, None))
    assert len(quotes) >= 50
    problems = []
    for quote in quotes:
        evidence = next(data.subjects(OA.hasSelector, quote))
        positions = [
            s for s in data.objects(evidence, OA.hasSelector) if (s, OA.start, None) in data
        ]
        assert len(positions) == 1, f"{evidence} needs one TextPositionSelector"
        start = int(data.value(positions[0], OA.start))
        end = int(data.value(positions[0], OA.end))
        found = anchor.verify(
            text,
            str(data.value(quote, OA.exact)),
            str(data.value(quote, OA.prefix) or ""),
            str(data.value(quote, OA.suffix) or ""),
            start,
            end,
        )
        problems += [f"{quote}: {p}" for p in found]
    assert problems == []


def _pinned() -> dict[str, str]:
    with AUTHORITIES.open(encoding="utf-8") as handle:
        rows = list(
            csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        )
    pinned = {}
    for row in rows:
        iri = row["iri"].strip()
        if row.get("wikidata", "").strip():
            pinned[str(ontology.WD[row["wikidata"].strip()])] = iri
        if row.get("geonames", "").strip():
            pinned[f"{ontology.GEONAMES}{row['geonames'].strip()}/"] = iri
    return pinned


def test_every_same_as_link_is_in_the_pinned_table(data):
    """owl:sameAs only to identifiers pinned in graph/authorities.tsv, on the node pinned."""
    pinned = _pinned()
    links = list(data.subject_objects(OWL.sameAs))
    assert links, "the graph links its actors to Wikidata"
    wrong = [
        (str(s), str(o))
        for s, o in links
        if str(o) not in pinned or str(s) != BASE + pinned[str(o)]
    ]
    assert wrong == []


RDFLIB_FORMATS = {"ttl": "turtle", "nq": "nquads", "trig": "trig", "jsonld": "json-ld", "nt": "nt"}


def _lower_case_tags(source: Graph) -> Graph:
    """``source`` with its language tags in lower case: the dumps' canonical form (graph/dump.py,
    RDF 1.1 Concepts §3.3), which rdflib's isomorphism test tells apart from the mixed case the
    curated Turtle writes."""
    lowered = Graph()
    for s, p, o in source:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        lowered.add((s, p, o))
    return lowered


@pytest.mark.parametrize("name", sorted(RDFLIB_FORMATS))
def test_round_trip_through_each_format(dataset, name):
    """Serialized and parsed back, the dataset is isomorphic to the original (graph by graph),
    but for the case of language tags, which every dump writes in lower case."""
    data = dump.serialize(dataset, BASE, name)
    back = Dataset()
    back.parse(data=data, format=RDFLIB_FORMATS[name], publicID=BASE)
    if name in ("ttl", "nt"):
        expected = Graph()
        for name_ in graph.data_graph_names(dataset, BASE):
            expected += dataset.graph(name_)
        actual = Graph()
        for quad in back.quads():
            actual.add(quad[:3])
        expected = _lower_case_tags(expected)
        assert isomorphic(expected, actual), _show_diff(expected, actual)
        return
    for context in dataset.graphs():
        if not len(context):
            continue
        expected = _lower_case_tags(context)
        actual = back.graph(context.identifier)
        assert isomorphic(expected, actual), f"{context.identifier}\n" + _show_diff(
            expected, actual
        )


def test_two_loads_are_isomorphic(dataset):
    again = graph.load(BASE)
    for context in dataset.graphs():
        assert isomorphic(context, again.graph(context.identifier))


@pytest.mark.parametrize("name", sorted(dump.FORMATS))
def test_dump_is_byte_stable_across_processes(name, tmp_path):
    """Two runs with different hash seeds write identical bytes."""
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"dump-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "server.cli",
                "dump",
                "--format",
                name,
                "-o",
                str(target),
                "--base",
                BASE,
            ],
            check=True,
            env=env,
            cwd=REPO,
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000


def test_python_api_validates_a_loaded_dataset(dataset):
    """`shapes.validate(dataset)` checks the data graphs and returns conforms, graph and text."""
    report = shapes.validate(dataset, BASE)
    assert report.conforms
    assert (None, SH.conforms, Literal(True)) in report.graph
    assert report.text.startswith("Conforms: yes")
    broken = Dataset()
    target = broken.graph(graph.graph_name(BASE, "broken"))
    target.add((URIRef(BASE + "id/claim/x"), RDF.type, ontology.pg(BASE).Claim))
    assert not shapes.validate(broken, BASE).conforms
