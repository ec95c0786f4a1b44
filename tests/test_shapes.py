"""Shape tests driven by data: each SHACL node shape has a conforming and a violating example.

Examples live in ``tests/data/shapes/{Shape}.conforms.ttl`` and ``{Shape}.violates.ttl``, where
``{Shape}`` is the local name of a node shape in ``shapes/*.ttl``. Each is validated together with
``_world.ttl`` (a small conforming graph of actors, a place and a document) the way the publisher
validates: the ontology as pyshacl's ``ont_graph`` and no inference (SHACL §2.1.3.3: subclass
targets work through the ``rdfs:subClassOf`` triples the ontology brings; RDFS inference would
also infer types from domains and ranges, hiding missing ``rdf:type`` triples from ``sh:class``).
The rules of one named graph (``source-graph.ttl``, ``curator-graph.ttl``) are checked on their
example alone, as that graph, the way :func:`graph.validate` checks each source and curator graph.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

import ontology
import shapes
from ontology import SH

BASE = "http://localhost/"
DATA = Path(__file__).parent / "data" / "shapes"
SHAPES_DIR = Path(shapes.__file__).parent
ONTOLOGY_DIR = Path(ontology.__file__).parent
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning"}
EXAMPLES = sorted(DATA.glob("*.conforms.ttl")) + sorted(DATA.glob("*.violates.ttl"))


def parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=BASE)
    return graph


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return shapes.load(BASE)


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return ontology.load(BASE)


@pytest.fixture(scope="module")
def world() -> Graph:
    return parse(DATA / "_world.ttl")


def node_shapes(shapes_graph: Graph) -> dict[str, URIRef]:
    """Every named node shape, by local name."""
    namespace = str(ontology.shapes_namespace(BASE))
    return {
        str(shape).removeprefix(namespace): shape
        for shape in shapes_graph.subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, URIRef) and str(shape).startswith(namespace)
    }


def validate(data: Graph, shapes_graph: Graph, ontology_graph: Graph) -> shapes.ValidationReport:
    return shapes.validate(data, BASE, ontology_graph=ontology_graph, shapes_graph=shapes_graph)


#: Shapes whose rule is about one named graph, by the kind of graph (shapes.SHAPE_FILES).
GRAPH_RULES = {"SourceFact": "source", "CuratorFact": "curator"}


def validate_example(path: Path, world, shapes_graph, ontology_graph) -> shapes.ValidationReport:
    """An example validated as the publisher would: a graph rule on the example alone, as that
    kind of graph; any other shape on the example with the shared world."""
    kind = GRAPH_RULES.get(path.name.split(".")[0])
    if kind:
        return shapes.merge([shapes.validate_graph(parse(path), BASE, kind=kind)])
    return validate(world + parse(path), shapes_graph, ontology_graph)


def example_id(path: Path) -> str:
    return path.name.removesuffix(".ttl")


def test_every_node_shape_has_both_examples(shapes_graph):
    """Every named node shape has a conforming and a violating example, and no example is stray."""
    names = set(node_shapes(shapes_graph))
    stems = {path.name.split(".")[0] for path in EXAMPLES}
    missing = sorted(
        f"{name}.{kind}.ttl"
        for name in names
        for kind in ("conforms", "violates")
        if not (DATA / f"{name}.{kind}.ttl").is_file()
    )
    assert not missing, f"missing shape examples: {missing}"
    assert stems <= names, f"examples for unknown shapes: {sorted(stems - names)}"


def test_world_conforms_without_warnings(world, shapes_graph, ontology_graph):
    """The shared world every example builds on has no results at all."""
    report = validate(world, shapes_graph, ontology_graph)
    assert not report.results, report.text


def targets(shape: URIRef, shapes_graph: Graph, graph: Graph) -> set:
    """The focus nodes ``shape`` selects in ``graph`` (class and subjects-of targets)."""
    found = set()
    for cls in shapes_graph.objects(shape, SH.targetClass):
        classes = set(graph.transitive_subjects(RDFS.subClassOf, cls))
        found |= {node for c in classes for node in graph.subjects(RDF.type, c)}
    for prop in shapes_graph.objects(shape, SH.targetSubjectsOf):
        found |= set(graph.subjects(prop, None))
    for prop in shapes_graph.objects(shape, SH.targetObjectsOf):
        found |= set(graph.objects(None, prop))
    found |= set(shapes_graph.objects(shape, SH.targetNode))
    return found


@pytest.mark.parametrize("path", [p for p in EXAMPLES if ".conforms." in p.name], ids=example_id)
def test_conforming_example(path, world, shapes_graph, ontology_graph):
    """A conforming example has a focus node of its shape and no result of its severity or worse."""
    shape = node_shapes(shapes_graph)[path.name.split(".")[0]]
    example = parse(path)
    assert targets(shape, shapes_graph, example + ontology_graph), f"{path.name} has no focus node"
    severity = SEVERITY[shapes_graph.value(shape, SH.severity)]
    counted = {"Violation"} if severity == "Violation" else {"Violation", "Warning"}
    report = validate_example(path, world, shapes_graph, ontology_graph)
    assert not [r for r in report.results if r.severity in counted], report.text


@pytest.mark.parametrize("path", [p for p in EXAMPLES if ".violates." in p.name], ids=example_id)
def test_violating_example(path, world, shapes_graph, ontology_graph):
    """A violating example gives a result from its shape or one of its property shapes."""
    shape = node_shapes(shapes_graph)[path.name.split(".")[0]]
    own = {str(shape)} | {str(p) for p in shapes_graph.objects(shape, SH.property)}
    severity = SEVERITY[shapes_graph.value(shape, SH.severity)]
    report = validate_example(path, world, shapes_graph, ontology_graph)
    hits = [r for r in report.results if r.shape in own and r.severity == severity]
    assert hits, report.text


def test_lowercased_language_tags_still_conform(world, shapes_graph, ontology_graph):
    """sh:languageIn matches case-insensitively (SHACL §4.7.3 via langMatches): data read back
    from pyoxigraph, which lower-cases tags (``zh-hans``), conforms as well."""
    lowered = Graph()
    for s, p, o in world + parse(DATA / "Claim.conforms.ttl"):
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        lowered.add((s, p, o))
    assert any(o.language == "zh-hans" for o in lowered.objects() if isinstance(o, Literal))
    report = validate(lowered, shapes_graph, ontology_graph)
    assert not report.results, report.text


@pytest.mark.parametrize(
    "name, severity",
    [
        ("core.ttl", SH.Violation),
        ("recommended.ttl", SH.Warning),
        ("source-graph.ttl", SH.Violation),
        ("curator-graph.ttl", SH.Violation),
    ],
)
def test_every_named_shape_has_name_message_and_its_severity(name, severity):
    """Each named shape has sh:name, sh:message and the severity of its file."""
    graph = parse(SHAPES_DIR / name)
    namespace = str(ontology.shapes_namespace(BASE))
    named = {
        s
        for kind in (SH.NodeShape, SH.PropertyShape)
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(namespace)
    }
    assert named
    for shape in sorted(named):
        assert graph.value(shape, SH.name) is not None, f"{shape} has no sh:name"
        assert graph.value(shape, SH.message) is not None, f"{shape} has no sh:message"
        assert set(graph.objects(shape, SH.severity)) == {severity}, f"{shape} severity"


SCHEME_LISTS = [
    ("Event-eventType", "EventTypeScheme"),
    ("Claim-modality", "ModalityScheme"),
    ("Statement-modality", "ModalityScheme"),
    ("Event-status", "EventStatusScheme"),
    ("Claim-stance", "StanceScheme"),
    ("Relation-relationType", "RelationTypeScheme"),
    ("Participation-role", "RoleScheme"),
    ("Dispute-disputeKind", "DisputeKindScheme"),
]


@pytest.mark.parametrize("shape, scheme", SCHEME_LISTS)
def test_sh_in_lists_match_the_concept_schemes(shape, scheme, shapes_graph, ontology_graph):
    """A sh:in list of SKOS values holds exactly the scheme's usable concepts (for event types,
    the three-digit CAMEO codes and the project types, not the two-digit CAMEO categories)."""
    pgsh, pg = ontology.shapes_namespace(BASE), ontology.pg(BASE)
    listed = set(shapes_graph.items(shapes_graph.value(pgsh[shape], SH["in"])))
    concepts = set(ontology_graph.subjects(SKOS.inScheme, pg[scheme]))
    if scheme == "EventTypeScheme":
        concepts = {c for c in concepts if len(str(ontology_graph.value(c, SKOS.notation))) != 2}
    assert listed == concepts


def test_event_types_carry_their_cameo_codes(ontology_graph):
    """Each event type's skos:notation is a CAMEO code whose category is its broader concept;
    a project type (no CAMEO code fits) has no notation and says why in its definition."""
    pg = ontology.pg(BASE)
    expected = {
        "event-make-statement": "010",
        "event-policy-move": "014",
        "event-appeal": "020",
        "event-express-intent-to-cooperate": "030",
        "event-consult": "040",
        "event-diplomatic-cooperation": "050",
        "event-material-cooperation": "060",
        "event-military-cooperation": "062",
        "event-provide-aid": "070",
        "event-ease-sanctions": "085",
        "event-disapprove": "110",
        "event-criticize": "111",
        "event-accuse": "112",
        "event-reject": "120",
        "event-veto": "129",
        "event-exhibit-force": "150",
        "event-reduce-relations": "161",
        "event-impose-sanctions": "163",
    }
    for local, code in expected.items():
        assert str(ontology_graph.value(pg[local], SKOS.notation)) == code, local
    for local in (
        "event-domestic-development",
        "event-standing-strategy",
        "event-unspecified-action",
    ):
        assert ontology_graph.value(pg[local], SKOS.notation) is None, local
        assert "CAMEO" in str(ontology_graph.value(pg[local], SKOS.definition)), local
    for concept in ontology_graph.subjects(SKOS.inScheme, pg.EventTypeScheme):
        code = str(ontology_graph.value(concept, SKOS.notation))
        broader = ontology_graph.value(concept, SKOS.broader)
        if broader is not None:
            assert str(ontology_graph.value(broader, SKOS.notation)) == code[:2], concept


def test_ontology_and_schemes_conform_to_the_shapes(shapes_graph, ontology_graph):
    """The concept schemes, validated as data, satisfy the Concept and ConceptScheme shapes."""
    report = validate(ontology_graph, shapes_graph, ontology_graph)
    assert not report.results, report.text


CONTRACT_TERMS = (
    "Actor ActorGroup Event Participation Dispute TerritorialDispute TradeDispute PolicyDispute "
    "NameUsage Claim Relation seat actsFor ledBy hasParticipation participant role before "
    "recurring about evidence party disputedTerritory region issue disputeKind nameUsage usedBy "
    "name claimant stance claimDate proposition quote reportedIn originalSource relationType "
    "source target suppliedGoods allyOf supplies inTensionWith courts modality condition status "
    "timeWords timeInferredFrom timeNote textLength sourceText CuratorGraph addsContextTo Citation "
    "citedSubject citedProperty"
).split()


def test_every_ontology_term_is_labelled_and_defined(ontology_graph):
    """Every contract term is declared; every pg: class and property (propositions included) has
    one label in each of en, zh-Hans and zh-Hant, an English comment, and rdfs:isDefinedBy."""
    pg, defined_by = ontology.pg(BASE), URIRef(ontology.ontology_iri(BASE))
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    declared = {
        term
        for kind in kinds
        for term in ontology_graph.subjects(RDF.type, kind)
        if isinstance(term, URIRef) and term.startswith(pg)
    }
    assert {pg[local] for local in CONTRACT_TERMS} <= declared
    for term in sorted(declared):
        labels = sorted(label.language for label in ontology_graph.objects(term, RDFS.label))
        assert labels == ["en", "zh-Hans", "zh-Hant"], term
        comments = {c.language for c in ontology_graph.objects(term, RDFS.comment)}
        assert "en" in comments, term
        assert (term, RDFS.isDefinedBy, defined_by) in ontology_graph, term


def test_vocabulary_has_no_blank_nodes():
    """Every ontology and scheme statement is about a named term, so a term's description
    (a CONSTRUCT on its IRI) is complete and dumps of the vocabulary are stable."""
    graph = parse(ONTOLOGY_DIR / "policygraph.ttl", ONTOLOGY_DIR / "schemes.ttl")
    assert not [t for t in graph if any(isinstance(term, BNode) for term in t)]


@pytest.mark.parametrize(
    "path",
    [
        ONTOLOGY_DIR / "policygraph.ttl",
        ONTOLOGY_DIR / "schemes.ttl",
        ONTOLOGY_DIR / "propositions.ttl",
        SHAPES_DIR / "core.ttl",
        SHAPES_DIR / "recommended.ttl",
        SHAPES_DIR / "source-graph.ttl",
        SHAPES_DIR / "curator-graph.ttl",
        *sorted(DATA.glob("*.ttl")),
    ],
    ids=lambda path: path.name,
)
def test_turtle_uses_relative_iris_only(path):
    """Vocabulary, shapes and fixtures resolve against the base: no @base, no localhost IRIs."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(@base|BASE)\b", text, re.MULTILINE | re.IGNORECASE)
    assert "localhost" not in text and "127.0.0.1" not in text


@pytest.mark.parametrize("scheme", ["ModalityScheme", "EventStatusScheme"])
def test_modality_and_status_concepts_are_labelled_and_defined_in_three_languages(
    scheme, ontology_graph
):
    """The modality and status schemes are published with a label and a definition in en,
    zh-Hans and zh-Hant for the scheme and every concept."""
    pg = ontology.pg(BASE)
    concepts = set(ontology_graph.subjects(SKOS.inScheme, pg[scheme]))
    assert len(concepts) >= 4
    for node in sorted(concepts | {pg[scheme]}):
        for prop in (SKOS.prefLabel, SKOS.definition):
            languages = sorted(v.language for v in ontology_graph.objects(node, prop))
            assert languages == ["en", "zh-Hans", "zh-Hant"], (node, prop)
