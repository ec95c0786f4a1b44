"""The JSON-LD compactor gives the bytes rdflib's ``from_rdf`` compaction gives (the oracle).

Every document of the curated graph, a synthetic corpus, hand-made edge cases and random graphs
(hypothesis) go through both :func:`server.render.jsonld._compact_fast`
(:mod:`server.render.compaction`) and :func:`server.render.jsonld._compact_rdflib`; where the fast
compactor declines, :func:`compact` must still answer rdflib's bytes.
"""

from __future__ import annotations

import difflib
import json
import random
import re
from collections import Counter

import pyoxigraph as ox
import pytest
from helpers import BASE, local_loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from bench import generate, pgserve
from ontology import OA, SCHEMA, pg
from server.publish.publication import build
from server.render import compaction
from server.render.jsonld import _compact_fast, _compact_rdflib, compact, context_document
from server.settings import resolve
from shapes import Validation

CONTEXT = context_document(BASE)
CONTEXT_URL = f"{BASE}context.jsonld"
PG = pg(BASE)
#: How many documents of the synthetic corpus are compared (rdflib takes ~2 ms each).
SYNTHETIC_SAMPLE = 300


def iri(value) -> ox.NamedNode:
    return ox.NamedNode(str(value))


def literal(value: str, datatype=None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=iri(datatype or XSD.string))


def triple(subject, predicate, obj) -> ox.Triple:
    subject = subject if isinstance(subject, ox.BlankNode | ox.NamedNode) else iri(subject)
    obj = obj if isinstance(obj, ox.Literal | ox.BlankNode | ox.NamedNode) else iri(obj)
    return ox.Triple(subject, iri(predicate), obj)


def assert_like_rdflib(triples, context=CONTEXT, url=CONTEXT_URL, fast: bool | None = True):
    """``compact`` gives rdflib's bytes; ``fast``: whether the fast compactor must (True) or
    must not (False) handle the document, None: either. Returns the parsed document."""
    expected = _compact_rdflib(triples, context, url)
    ours = _compact_fast(triples, context, url)
    if fast is not None:
        assert (ours is not None) == fast, "fast path taken" if ours else "fell back to rdflib"
    if ours is not None:
        assert ours == expected, "".join(
            difflib.unified_diff(
                expected.decode().splitlines(True), ours.decode().splitlines(True), "rdflib", "ours"
            )
        )
    assert compact(triples, context, url) == expected
    return json.loads(expected)


def has_list(triples) -> bool:
    return any(t.predicate.value == str(RDF.first) for t in triples)


# ---- real data --------------------------------------------------------------------------------


def test_the_published_context_is_compiled_with_its_aliases():
    tables = compaction.compiled(CONTEXT_URL, CONTEXT)
    assert tables is not None
    assert (tables.id_key, tables.type_key) == ("id", "type")
    assert tables.language[str(RDFS.label)] == "label"
    assert tables.typed[str(OWL.sameAs), "@id"] == "sameAs"
    assert tables.typed[str(OA.start), str(XSD.integer)] == "start"
    assert tables.prefixes[str(PG)] == "pg"


def test_every_curated_thing_document_compacts_like_rdflib(pub):
    assert pub.things
    for key in pub.things.values():
        document = pub.documents[key]
        assert_like_rdflib(document.triples, document.context, document.context_url)


def test_dataset_level_documents_compact_like_rdflib(pub):
    """The ontology, shapes, dataset, named graph and validation documents; only RDF lists
    (the shapes' ``sh:in``) are left to rdflib."""
    fixed = [key for key in pub.documents if not key.startswith("doc/")]
    assert {"ontology", "shapes", "dataset", "validation"} <= set(fixed)
    for key in fixed:
        document = pub.documents[key]
        triples = document.triples
        assert_like_rdflib(
            triples, document.context, document.context_url, fast=not has_list(triples)
        )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A 10k-triple synthetic corpus (bench/generate.py) published as the benchmark serves it."""
    folder = tmp_path_factory.mktemp("jsonld-corpus")
    generate.generate(folder, 10_000, BASE, seed=3)
    settings_ = resolve(
        {"base": BASE, "dumps_dir": str(folder / "dumps"), "precompute": False}, environ={}
    )
    store = pgserve.load_store(folder, BASE, "memory")
    validation = Validation(True, "", [], "synthetic corpus: generated conforming")
    return build(settings_, store=store, validation=validation)


def test_synthetic_documents_compact_like_rdflib(synthetic):
    """Trilingual labels, dates at three precisions, integers, many claims and events."""
    keys = list(synthetic.things.values())
    assert len(keys) > 100
    for key in random.Random(0).sample(keys, min(SYNTHETIC_SAMPLE, len(keys))):
        document = synthetic.documents[key]
        assert_like_rdflib(document.triples, document.context, document.context_url)


# ---- edge cases -------------------------------------------------------------------------------

X = f"{BASE}id/actor/x"
Y = f"{BASE}id/actor/y"
EX = "http://example.org/vocabulary/"
B1, B2 = ox.BlankNode("b1"), ox.BlankNode("b2")

EDGE_CASES = {
    "language on a language-map term, and on a plain term": [
        triple(X, RDFS.label, literal("China", language="en")),
        triple(X, RDFS.label, literal("中国", language="zh-Hans")),
        triple(X, SKOS.notation, literal("CN", language="en")),
        triple(X, SCHEMA.alternateName, literal("PRC", language="en")),
    ],
    "a string without language on a language-map term": [
        triple(X, RDFS.label, literal("plain")),
        triple(X, RDFS.label, literal("tagged", language="en")),
    ],
    "a datatype that differs from the term's": [
        triple(X, OA.start, literal("12.5", XSD.decimal)),
        triple(X, OA.end, literal("12", XSD.integer)),
        triple(X, SCHEMA.datePublished, literal("2013", XSD.gYear)),
        triple(X, PG.recurring, literal("1", XSD.integer)),
    ],
    "native integers, booleans and doubles": [
        triple(X, f"{EX}count", literal("42", XSD.integer)),
        triple(X, f"{EX}count", literal("-7", XSD.integer)),
        triple(X, f"{EX}flag", literal("true", XSD.boolean)),
        triple(X, f"{EX}ratio", literal("0.25", XSD.double)),
        triple(X, f"{EX}size", literal("135011", XSD.nonNegativeInteger)),
        triple(X, f"{EX}when", literal("2026-11-29T07:23:15+00:00", XSD.dateTime)),
        triple(X, f"{EX}digest", literal("089094b4c9", XSD.hexBinary)),
        triple(X, f"{EX}custom", literal("POINT(1 2)", "http://www.opengis.net/ont/geosparql#wkt")),
    ],
    "IRI values with and without a term": [
        triple(X, f"{EX}knows", Y),
        triple(X, OWL.sameAs, "http://www.wikidata.org/entity/Q148"),
        triple(X, RDF.object, Y),
        triple(X, RDFS.label, Y),
        triple(X, PG.allyOf, "urn:isbn:0451450523"),
    ],
    "types: class terms, compact IRIs, IRIs, a prefix's own IRI": [
        triple(X, RDF.type, PG.Actor),
        triple(X, RDF.type, OWL.Class),
        triple(X, RDF.type, f"{EX}Thing"),
        triple(X, RDF.type, SCHEMA),
    ],
    "several subjects and several values, in order": [
        triple(Y, PG.party, X),
        triple(X, PG.party, Y),
        triple(X, PG.party, f"{BASE}id/actor/a"),
        triple(X, SCHEMA.name, literal("b")),
        triple(X, SCHEMA.name, literal("a")),
        triple(X, SCHEMA.name, literal("a")),
        triple(f"{X}#evidence", OA.exact, literal("words")),
    ],
    "a property no prefix covers": [
        triple(X, "http://example.com/p", literal("v")),
        triple(X, "urn:example:q", literal("w")),
        triple(X, f"{EX}with/slash#and-hash", literal("z")),
    ],
    "blank nodes: unreferenced, referenced without a term, through an @id term": [
        triple(B1, RDFS.label, literal("anonymous", language="en")),
        triple(X, f"{EX}part", B2),
        triple(B2, f"{EX}name", literal("inner")),
        triple(X, f"{EX}part", ox.BlankNode("b3")),
        triple(X, PG.evidence, ox.BlankNode("b4")),
    ],
    "a falsy value alone, and after a truthy one": [
        triple(X, f"{EX}empty", literal("")),
        triple(X, f"{EX}zero", literal("0", XSD.integer)),
        triple(X, f"{EX}two", literal("1", XSD.integer)),
        triple(X, f"{EX}two", literal("0", XSD.integer)),
        triple(X, OA.start, literal("0", XSD.integer)),
    ],
    "nothing": [],
}

#: Documents the fast compactor leaves to rdflib, and why.
FALLBACKS = {
    "a lexical form rdflib rewrites": [triple(X, f"{EX}n", literal("01", XSD.integer))],
    "a dateTime in Z": [triple(X, f"{EX}t", literal("2026-11-29T07:23:15Z", XSD.dateTime))],
    "a datatype rdflib converts that we do not": [
        triple(X, f"{EX}d", literal("P1D", XSD.duration))
    ],
    "a blank node as a type": [triple(X, RDF.type, B1)],
    "an RDF list": [
        triple(X, f"{EX}list", B1),
        triple(B1, RDF.first, literal("a")),
        triple(B1, RDF.rest, RDF.nil),
    ],
}

#: Documents rdflib's converter loses a value of: the fast compactor keeps every triple.
LOSSY = {
    "rdflib overwrites a falsy first value": [
        triple(X, f"{EX}v", literal("")),
        triple(X, f"{EX}v", literal("x")),
        triple(X, f"{EX}v", literal("y")),
    ],
    "rdflib overwrites a falsy first value of a typed term": [
        triple(X, PG.recurring, literal("false", XSD.boolean)),
        triple(X, PG.recurring, literal("true", XSD.boolean)),
    ],
    "rdflib overwrites an empty first string of a language map": [
        triple(X, RDFS.label, literal("", language="en")),
        triple(X, RDFS.label, literal("China", language="en")),
    ],
    "rdflib drops a blank node reached through an @id term": [
        triple(X, PG.evidence, B1),
        triple(B1, OA.hasSource, Y),
    ],
    "rdflib drops blank nodes that only name each other": [
        triple(B1, f"{EX}next", B2),
        triple(B2, f"{EX}next", B1),
    ],
}


def expanded_triples(document: bytes) -> set[str]:
    """The distinct N-Quads lines pyld (an independent JSON-LD processor) reads in a document
    whose ``@context`` is the published context's URL."""
    context = json.dumps(CONTEXT).encode()
    options = {"format": "application/n-quads", "documentLoader": local_loader(context)}
    return set(filter(None, jsonld.to_rdf(json.loads(document), options).splitlines()))


def assert_keeps_what_rdflib_loses(triples):
    """The fast compactor answers, and every distinct triple survives its JSON-LD, where fewer
    survive rdflib's."""
    assert compaction.rdflib_loses(triples, CONTEXT, CONTEXT_URL)
    ours = _compact_fast(triples, CONTEXT, CONTEXT_URL)
    assert ours is not None and compact(triples, CONTEXT, CONTEXT_URL) == ours
    wanted = datatypes(t.object.datatype.value for t in set(triples) if _typed_literal(t))
    kept = expanded_triples(ours)
    assert len(kept) == len(set(triples)) and datatypes_of(kept) == wanted
    lost = expanded_triples(_compact_rdflib(triples, CONTEXT, CONTEXT_URL))
    assert len(lost) < len(set(triples)) or datatypes_of(lost) != wanted
    return json.loads(ours)


def _typed_literal(t) -> bool:
    return isinstance(t.object, ox.Literal) and not t.object.language


def datatypes(iris) -> Counter:
    return Counter(iri for iri in iris if iri != str(XSD.string))


def datatypes_of(lines: set[str]) -> Counter:
    """The datatypes of the literals in N-Quads lines (``xsd:string`` left out, as it is unsaid)."""
    return datatypes(re.findall(r'"\^\^<([^>]+)>', line)[0] for line in lines if '"^^<' in line)


@pytest.mark.parametrize("lexical", ["1e+20", "0.0", "-300.0"])
def test_a_double_with_no_fractional_part_keeps_its_type(lexical):
    """JSON-LD 1.1 §8.6: a JSON number without a fractional part reads back as xsd:integer; such
    a double is written ``{"@value", "type"}`` where rdflib writes a bare number. (Lexical forms
    rdflib rewrites, ``INF`` and ``NaN`` among them, are left to rdflib.)"""
    document = assert_keeps_what_rdflib_loses([triple(X, f"{EX}big", literal(lexical, XSD.double))])
    assert document[f"{EX}big"] == {"@value": lexical, "type": "xsd:double"}


@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_case_compacts_like_rdflib(name):
    assert_like_rdflib(EDGE_CASES[name])


@pytest.mark.parametrize("name", FALLBACKS)
def test_what_the_fast_compactor_declines_still_gets_rdflibs_bytes(name):
    assert not compaction.rdflib_loses(FALLBACKS[name], CONTEXT, CONTEXT_URL)
    assert_like_rdflib(FALLBACKS[name], fast=False)


@pytest.mark.parametrize("name", LOSSY)
def test_values_rdflib_drops_are_kept(name):
    assert_keeps_what_rdflib_loses(LOSSY[name])


def test_a_value_after_a_falsy_one_makes_an_array():
    document = assert_keeps_what_rdflib_loses(LOSSY["rdflib overwrites a falsy first value"])
    assert document["id"] == X and document[f"{EX}v"] == ["", "x", "y"]
    label = assert_keeps_what_rdflib_loses(
        LOSSY["rdflib overwrites an empty first string of a language map"]
    )["label"]
    assert label == {"en": ["", "China"]}


def test_languages_make_a_language_map_and_value_objects_elsewhere():
    """A term with ``"@container": "@language"`` maps each language to its string (an array
    when there are several); elsewhere a language gives a value object (JSON-LD 1.1 §4.6.2)."""
    document = assert_like_rdflib(
        [
            triple(X, RDFS.label, literal("China", language="en")),
            triple(X, RDFS.label, literal("PRC", language="en")),
            triple(X, RDFS.label, literal("中国", language="zh-Hans")),
            triple(X, SKOS.notation, literal("CN", language="en")),
        ]
    )
    assert document["label"] == {"en": ["China", "PRC"], "zh-hans": "中国"}
    assert document["notation"] == {"@language": "en", "@value": "CN"}
    assert document["id"] == X and "@graph" not in document


def test_term_types_decide_between_bare_strings_and_typed_values():
    """A value whose datatype is its term's ``@type`` is a bare string; any other keeps its type
    (under the context's alias ``type``) or, for xsd:integer/boolean/double, becomes native."""
    document = assert_like_rdflib(
        [
            triple(X, OA.start, literal("12", XSD.integer)),
            triple(X, OA.end, literal("12.5", XSD.decimal)),
            triple(X, SCHEMA.datePublished, literal("2013", XSD.gYear)),
            triple(X, f"{EX}count", literal("3", XSD.integer)),
            triple(X, RDF.type, PG.Claim),
            triple(X, OWL.sameAs, "http://www.wikidata.org/entity/Q148"),
        ]
    )
    assert document["start"] == "12"
    assert document["oa:end"] == {"type": "xsd:decimal", "@value": "12.5"}
    assert document["schema:datePublished"] == {"type": "xsd:gYear", "@value": "2013"}
    assert document[f"{EX}count"] == 3
    assert document["type"] == "Claim"
    assert document["sameAs"] == "wd:Q148"


def test_an_unsupported_context_falls_back_to_rdflib():
    context = {"@context": {"@vocab": str(SCHEMA), "label": str(RDFS.label)}}
    url = "http://localhost/other-context.jsonld"
    assert compaction.compiled(url, context) is None
    assert_like_rdflib(
        EDGE_CASES["several subjects and several values, in order"], context, url, fast=False
    )


def test_a_compact_iri_naming_a_typed_term_is_not_used_as_a_key():
    """rdflib writes the full IRI where the compact IRI is itself a term with ``@type``."""
    context = {
        "@context": {
            "schema": str(SCHEMA),
            "schema:name": {"@id": str(SCHEMA.name), "@type": "@id"},
        }
    }
    url = "http://localhost/typed-compact-iri.jsonld"
    document = assert_like_rdflib([triple(X, SCHEMA.name, literal("China"))], context, url)
    assert document[str(SCHEMA.name)] == "China"


# ---- random graphs ----------------------------------------------------------------------------

PREDICATES = [
    RDF.type, RDFS.label, SKOS.prefLabel, SKOS.notation, OWL.sameAs, OA.start, OA.exact,
    SCHEMA.datePublished, PG.recurring, PG.party, PG.evidence, RDF.object, SCHEMA.name,
    f"{EX}p", "http://example.com/q", SCHEMA,
]  # fmt: skip
NODES = [iri(X), iri(Y), iri(f"{X}#evidence"), B1, B2, ox.BlankNode("b3")]
LITERALS = {
    XSD.integer: ("0", "7", "-3"),
    XSD.boolean: ("true", "false"),
    XSD.double: ("1.5", "0.0", "-0.0"),
    XSD.decimal: ("1.50", "0"),
    XSD.date: ("2013-01-25",),
    XSD.gYear: ("2008",),
    XSD.dateTime: ("2013-01-25T10:00:00",),
    f"{EX}datatype": ("x", ""),
}
#: Lexical forms rdflib rewrites or cannot read: the fast compactor declines them.
ODD_LITERALS = {
    XSD.integer: ("007", "+1"),
    XSD.boolean: ("1", "0"),
    XSD.double: ("1E3",),
    XSD.decimal: ("1.",),
    XSD.date: ("2013-02-30",),
    XSD.dateTime: ("2013-01-25T10:00:00Z",),
}
OBJECTS = (
    NODES
    + [iri(term) for term in (PG.Actor, OWL.Class, SCHEMA, f"{EX}C", "urn:x:y", RDF.nil)]
    + [literal(text, language=lang) for text in ("a", "", "中国") for lang in ("en", "zh-hans")]
    + [literal(text) for text in ("a", "", "0")]
    + [literal(lexical, datatype) for datatype, forms in LITERALS.items() for lexical in forms]
)
ODD_OBJECTS = [
    literal(lexical, datatype) for datatype, forms in ODD_LITERALS.items() for lexical in forms
]


def rows(objects, max_size):
    return st.lists(
        st.tuples(st.sampled_from(NODES), st.sampled_from(PREDICATES), st.sampled_from(objects)),
        max_size=max_size,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows(OBJECTS, 12), rows(ODD_OBJECTS, 1))
def test_random_graphs_compact_like_rdflib(common, odd):
    """Whatever the graph, ``compact`` answers rdflib's bytes (fast, or by falling back), but
    where rdflib drops a value: then every triple is kept."""
    triples = [triple(s, p, o) for s, p, o in common + odd]
    if compaction.rdflib_loses(triples, CONTEXT, CONTEXT_URL):
        assert_keeps_what_rdflib_loses(triples)
    else:
        assert_like_rdflib(triples, fast=None)
