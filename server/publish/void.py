"""Dataset metadata: VoID (W3C Note §4–§6) and DCAT 2 at ``{base}dataset``; counts, partitions."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, VOID, XSD

import ontology
import shapes
from graph.store.base import Row, value_of
from ontology import SCHEMA, SD, SPDX, terms
from server.publish import fragments

if TYPE_CHECKING:
    from server.publish.publication import Publication

#: The licence under which the curated data is published.
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
TITLE = {
    "en": "policygraph: foreign-policy discourse as linked data",
    "zh-Hans": "policygraph：外交政策话语的关联数据",
    "zh-Hant": "policygraph：外交政策話語的關聯數據",
}
DESCRIPTION = (
    "Actors, events, disputes, relations and claims of foreign-policy essays, each claim "
    "traced to the exact words of its source (W3C Web Annotation selectors), with labels in "
    "English, simplified and traditional Chinese."
)
EXAMPLES = 3


def _n(node) -> ox.NamedNode:
    return ox.NamedNode(str(node))


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD.integer))


def over_data_graphs(pub: Publication, query: str) -> tuple[list[Row], list[Row]]:
    """Rows of ``query`` over the union of the data graphs, and rows to take away from them.

    That union is the store's default graph (:mod:`graph.store.base`), unless the store answers
    by every graph (setting ``default_graph`` = ``all``): the rows are then those over every
    graph, and the second list holds the rows over the ontology and shapes alone. (Naming the
    data graphs instead would cost pyoxigraph one evaluation per graph, thousands at scale.)
    """
    store = pub.store
    if not pub.data_graphs:
        return [], []
    if store.default_graph != "all":
        return store.rows(query), []
    vocabulary = [pub.ontology_graph, pub.shapes_graph]
    return (
        store.rows(query, use_default_graph_as_union=True),
        store.rows(query, default_graph=vocabulary),
    )


def _count(pub: Publication, query: str) -> Counter[tuple[str, ...]]:
    """``query`` (grouping keys, then a count) over the union of the data graphs; with
    ``default_graph`` = ``all``, every graph's counts minus the vocabulary's, exact because no
    subject is in both (data lives under ``{base}id/``, the vocabulary under ``ontology#`` and
    ``shapes#``)."""
    rows, vocabulary = over_data_graphs(pub, query)
    counts = _tally(rows)
    counts.subtract(_tally(vocabulary))
    return +counts  # drops keys only the vocabulary had


def _tally(rows: list[Row]) -> Counter[tuple[str, ...]]:
    """Rows of grouping keys (IRIs) and a count, summed by key."""
    counts: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        key = tuple(value_of(v) for v in row[:-1])
        counts[key] += int(value_of(row[-1]))
    return counts


def compute_counts(pub: Publication) -> dict:
    """Triples, things, distinct subjects, classes and properties of the data graphs (VoID §4.5)."""
    per_graph = pub.store.graph_sizes(pub.data_graphs)
    classes = _count(pub, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    properties = _count(pub, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    subjects = _count(pub, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    return {
        "triples": sum(properties.values()),
        "graphs": per_graph,
        "entities": len(pub.things),
        "subjects": subjects[()],
        "classes": {key[0]: n for key, n in sorted(classes.items())},
        "properties": {key[0]: n for key, n in sorted(properties.items())},
    }


def _slug(pub: Publication, iri: str) -> str:
    """A fragment naming a partition: ``class-schema-Person``, ``property-pg-claimant``."""
    for prefix, namespace in ontology.prefixes(pub.base).items():
        if iri.startswith(namespace) and iri != namespace:
            local = iri[len(namespace) :]
            if local.replace("-", "").replace("_", "").isalnum():
                return f"{prefix}-{local}"
    return "".join(c if c.isalnum() else "-" for c in iri)


def vocabularies(pub: Publication) -> list[str]:
    """Namespaces of the classes and properties used (VoID §4.7); ours is ``{base}ontology``."""
    used = set(pub.counts["classes"]) | set(pub.counts["properties"])
    found = set()
    for namespace in ontology.prefixes(pub.base).values():
        if any(iri.startswith(namespace) for iri in used):
            found.add(namespace)
    own = str(ontology.pg(pub.base))
    return sorted(ontology.ontology_iri(pub.base) if ns == own else ns for ns in found)


def dataset_triples(pub: Publication) -> list[ox.Triple]:
    """The VoID + DCAT description of the whole dataset at ``{base}dataset``."""
    base, counts = pub.base, pub.counts
    ds = ox.NamedNode(f"{base}dataset")
    out: list[tuple] = [
        (ds, _n(RDF.type), _n(VOID.Dataset)),
        (ds, _n(RDF.type), _n(DCAT.Dataset)),
        (ds, _n(DCTERMS.description), ox.Literal(DESCRIPTION, language="en")),
        (ds, _n(DCTERMS.license), ox.NamedNode(LICENSE)),
        (ds, _n(DCTERMS.creator), ox.NamedNode(f"{base}#publisher")),
        (ds, _n(DCTERMS.publisher), ox.NamedNode(f"{base}#publisher")),
        (
            ds,
            _n(DCTERMS.modified),
            ox.Literal(pub.modified.isoformat(), datatype=_n(XSD.dateTime)),
        ),
        (ds, _n(DCTERMS.conformsTo), ox.NamedNode(ontology.shapes_iri(base))),
        (ds, _n(DCAT.landingPage), ox.NamedNode(base)),
        (ds, _n(VOID.sparqlEndpoint), ox.NamedNode(f"{base}sparql")),
        (ds, _n(VOID.uriSpace), ox.Literal(f"{base}id/")),
        (ds, _n(VOID.triples), _int(counts["triples"])),
        (ds, _n(VOID.entities), _int(counts["entities"])),
        (ds, _n(VOID.distinctSubjects), _int(counts["subjects"])),
        (ds, _n(VOID.classes), _int(len(counts["classes"]))),
        (ds, _n(VOID.properties), _int(len(counts["properties"]))),
        (ds, _n(VOID.rootResource), ox.NamedNode(base)),
        (ox.NamedNode(f"{base}#publisher"), _n(RDF.type), _n(FOAF.Organization)),
        (
            ox.NamedNode(f"{base}#publisher"),
            _n(RDFS.label),
            ox.Literal("policygraph", language="en"),
        ),
        (ox.NamedNode(f"{base}#publisher"), _n(FOAF.homepage), ox.NamedNode(base)),
    ]
    for lang, title in TITLE.items():
        out.append((ds, _n(DCTERMS.title), ox.Literal(title, language=lang)))
    for source in sorted(iri for iri in pub.things if iri.startswith(f"{base}id/document/")):
        out.append((ds, _n(DCTERMS.source), ox.NamedNode(source)))
    for example in sorted(pub.things)[:: max(1, len(pub.things) // EXAMPLES)][:EXAMPLES]:
        out.append((ds, _n(VOID.exampleResource), ox.NamedNode(example)))
    for item in pub.releases.served:  # issue 20 §1: the frozen versions of this dataset
        out.append((ds, _n(DCTERMS.hasVersion), ox.NamedNode(item.release.iri())))
    release = pub.releases.current(pub)
    if release is not None:  # the data is that release: citations name it (issue 20 §1)
        issued = ox.Literal(release.issued.isoformat(), datatype=_n(XSD.dateTime))
        out += [
            (ds, ox.NamedNode(f"{DCAT}version"), ox.Literal(release.version)),
            (ds, _n(DCTERMS.issued), issued),
            (ds, _n(PROV.wasDerivedFrom), ox.NamedNode(release.iri())),
        ]
    for vocabulary in vocabularies(pub):
        out.append((ds, _n(VOID.vocabulary), ox.NamedNode(vocabulary)))
    for dump in pub.dumps:
        node = ox.NamedNode(f"{base}dumps/{dump.name}")
        checksum = ox.NamedNode(f"{base}dumps/{dump.checksum_name}")
        if dump.is_rdf:
            out.append((ds, _n(VOID.dataDump), node))
        if dump.conforms_to:
            out.append((node, _n(DCTERMS.conformsTo), ox.NamedNode(dump.conforms_to)))
        out += [
            (ds, _n(DCAT.distribution), node),
            (node, _n(RDF.type), _n(DCAT.Distribution)),
            (node, _n(DCAT.downloadURL), node),
            (node, _n(DCAT.mediaType), ox.Literal(dump.media_type)),
            (
                node,
                _n(DCAT.byteSize),
                ox.Literal(str(dump.size), datatype=_n(XSD.nonNegativeInteger)),
            ),
            (node, _n(DCTERMS.description), ox.Literal(dump.description, language="en")),
            (node, _n(SPDX.checksum), checksum),
            (checksum, _n(RDF.type), _n(SPDX.Checksum)),
            (checksum, _n(SPDX.algorithm), _n(SPDX.checksumAlgorithm_sha256)),
            (checksum, _n(SPDX.checksumValue), ox.Literal(dump.sha256, datatype=_n(XSD.hexBinary))),
        ]
    for cls, entities in counts["classes"].items():
        part = ox.NamedNode(f"{base}dataset#class-{_slug(pub, cls)}")
        out += [
            (ds, _n(VOID.classPartition), part),
            (part, _n(VOID["class"]), ox.NamedNode(cls)),
            (part, _n(VOID.entities), _int(entities)),
        ]
    for prop, triples in counts["properties"].items():
        part = ox.NamedNode(f"{base}dataset#property-{_slug(pub, prop)}")
        out += [
            (ds, _n(VOID.propertyPartition), part),
            (part, _n(VOID.property), ox.NamedNode(prop)),
            (part, _n(VOID.triples), _int(triples)),
        ]
    # Triple Pattern Fragments: the search form of {base}fragments (TPF §Hypermedia controls).
    out += [tuple(t) for t in fragments.controls(pub)]
    for graph in pub.data_graphs:
        out.append((ds, _n(VOID.subset), graph))
        out += [tuple(t) for t in graph_triples(pub, graph)]
    return [ox.Triple(*t) for t in out]


def graph_triples(pub: Publication, graph: ox.NamedNode) -> list[ox.Triple]:
    """A named graph as a VoID subset (VoID §5), named by its IRI (SPARQL 1.1 SD §3.4)."""
    triples = pub.counts["graphs"].get(graph.value, 0)
    out: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (graph, _n(RDF.type), _n(VOID.Dataset)),
        (graph, _n(RDF.type), _n(SD.Graph)),
        (graph, _n(VOID.triples), _int(triples)),
        (graph, _n(DCTERMS.isPartOf), ox.NamedNode(f"{pub.base}dataset")),
        (graph, _n(VOID.sparqlEndpoint), ox.NamedNode(f"{pub.base}sparql")),
    ]
    for source in _graph_sources(pub, graph):
        out.append((graph, _n(DCTERMS.source), ox.NamedNode(source)))
    if shapes.graph_kind(pub.base, graph.value) == "curator":
        out += curator_triples(pub, graph)
    return [ox.Triple(*t) for t in out]


def curator_description(source_graph: str) -> str:
    """How a SPARQL user leaves a curator graph out (it is in the default graph, the union)."""
    return (
        "Context a curator adds to the source (facts the source does not state), each triple "
        "cited by a pg:Citation (prov:wasDerivedFrom, prov:wasAttributedTo). It is part of the "
        "SPARQL default graph. To read only what the source says, query its own graph: "
        f"FROM <{source_graph}> (or FROM NAMED <{source_graph}> with GRAPH), or leave every "
        "curator graph out: GRAPH ?g { … } FILTER NOT EXISTS { ?g a pg:CuratorGraph }."
    )


def curator_triples(pub: Publication, graph: ox.NamedNode) -> list[tuple]:
    """A curator graph in VoID: typed pg:CuratorGraph, pg:addsContextTo the source document it
    names (ontology: a document, not a graph), and a description saying how to exclude it."""
    pg = ontology.pg(pub.base)
    source_graph = graph.value.removesuffix(shapes.CURATOR_SUFFIX)
    out: list[tuple] = [
        (graph, _n(RDF.type), _n(pg[terms.CuratorGraph])),
        (
            graph,
            _n(DCTERMS.description),
            ox.Literal(curator_description(source_graph), language="en"),
        ),
    ]
    adds = _n(pg[terms.addsContextTo])
    for quad in pub.store.quads_for_pattern(graph, adds, None, graph):
        out.append((graph, adds, quad.object))
    return out


def _graph_sources(pub: Publication, graph: ox.NamedNode) -> list[str]:
    found = {
        q.subject.value
        for cls in (SCHEMA.OpinionNewsArticle, SCHEMA.CreativeWork, SCHEMA.Article)
        for q in pub.store.quads_for_pattern(None, _n(RDF.type), _n(cls), graph)
        if isinstance(q.subject, ox.NamedNode)
    }
    return sorted(found)
