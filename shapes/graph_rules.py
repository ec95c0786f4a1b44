"""The rules that depend on which named graph a triple is in (shapes/source-graph.ttl and
shapes/curator-graph.ttl): a source graph's facts are reachable from its own evidence, a curator
graph's facts are cited. Each finding is a SHACL validation result (SHACL §3.6) naming the shape."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

import ontology
from ontology import OA, PROV, SCHEMA, SH, SPDX

#: Facts no rule asks evidence for: labels, descriptions, types and identity links.
NOT_FACTS = frozenset(
    {RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SCHEMA.description, OWL.sameAs}
)


def _owned(pg) -> tuple[URIRef, ...]:
    """Properties from a thing to the nodes it owns (they share its evidence)."""
    return (pg.proposition, pg.condition, pg.hasParticipation, SPDX.checksum)


def _direct(pg) -> tuple[URIRef, ...]:
    """Direct readings of relations (DESIGN.md, Modeling: named relations as plain triples)."""
    return (pg.allyOf, pg.supplies, pg.inTensionWith, pg.courts)


def source_findings(graph: Graph, base: str) -> Iterator[tuple[URIRef, URIRef, object, str]]:
    """(subject, predicate, value, message) for every fact of a source graph that the source's
    own evidence does not reach, and every reference to a thing the graph does not describe."""
    pg = ontology.pg(base)
    documents = set(graph.subjects(RDF.type, SCHEMA.OpinionNewsArticle))
    anchors = {a for d in documents for a in graph.subjects(OA.hasSource, d)}
    reachable = set(anchors)
    reachable |= {s for a in anchors for s in graph.objects(a, OA.hasSelector)}
    frontier = {owner for a in anchors for owner in graph.subjects(pg.evidence, a)}
    while frontier:
        reachable |= frontier
        frontier = {
            node for owner in frontier for p in _owned(pg) for node in graph.objects(owner, p)
        } - reachable
    sides = set()
    for relation in graph.subjects(RDF.type, pg.Relation):
        if relation in reachable:
            source, target = graph.value(relation, pg.source), graph.value(relation, pg.target)
            sides |= {(source, target), (target, source)}
    typed = set(graph.subjects(RDF.type, None))
    things = f"{base}id/"
    for s, p, o in sorted(graph):
        if p in NOT_FACTS or p == pg.sourceText:  # the text is attached for validation only
            continue
        if s not in reachable and not (p in _direct(pg) and (s, o) in sides):
            yield (
                s,
                p,
                o,
                f"{s} has a fact ({p}) that no evidence anchored in this source "
                "reaches: move it to the curator graph with a citation, or anchor it.",
            )
        if isinstance(o, URIRef) and str(o).startswith(things) and o not in typed:
            yield (
                s,
                p,
                o,
                f"{s} refers to {o} ({p}), which this source graph does not "
                "describe: a thing the source does not mention belongs in the curator graph.",
            )


def curator_findings(graph: Graph, base: str) -> Iterator[tuple[URIRef, URIRef, object, str]]:
    """(subject, predicate, value, message) for every triple of a curator graph no citation
    covers, and for a curator graph that does not describe itself."""
    pg = ontology.pg(base)
    described = list(graph.subjects(RDF.type, pg.CuratorGraph))
    if len(described) != 1:
        yield (
            pg.CuratorGraph,
            RDF.type,
            None,
            "A curator graph describes itself once: <graph/{slug}--curator> a pg:CuratorGraph ; "
            "pg:addsContextTo <id/document/{slug}>.",
        )
    citations = set(graph.subjects(RDF.type, pg.Citation))
    exempt = citations | set(described)
    exempt |= {agent for c in citations for agent in graph.objects(c, PROV.wasAttributedTo)}
    whole, covered = set(), set()
    for citation in citations:
        subject = graph.value(citation, pg.citedSubject)
        properties = list(graph.objects(citation, pg.citedProperty))
        if not properties:
            whole.add(subject)
        covered |= {(subject, p) for p in properties}
    for s, p, o in sorted(graph):
        if s in exempt or s in whole or (s, p) in covered:
            continue
        yield (s, p, o, f"{s} has a fact ({p}) that no pg:Citation of this curator graph covers.")


RULES = {"source": ("SourceFact", source_findings), "curator": ("CuratorFact", curator_findings)}


def check(graph: Graph, base: str, kind: str) -> Graph:
    """A SHACL validation report graph (SHACL §3.6) with one result per finding of ``kind``."""
    name, rule = RULES[kind]
    shape = ontology.shapes_namespace(base)[name]
    report, root = Graph(), BNode()
    findings = list(rule(graph, base))
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(not findings)))
    for subject, predicate, value, message in findings:
        result = BNode()
        report.add((root, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, subject))
        report.add((result, SH.resultPath, predicate))
        if value is not None:
            report.add((result, SH.value, value))
        report.add((result, SH.sourceShape, shape))
        report.add((result, SH.sourceConstraintComponent, shape))
        report.add((result, SH.resultSeverity, SH.Violation))
        report.add((result, SH.resultMessage, Literal(message, lang="en")))
    return report
