"""Counts of the model over a dataset: claims per modality, events per status, time placements,
and per named graph its facts, anchors, claims and events (what ``policygraph stats`` prints).

A *fact* is a triple that says something about the world: not a label or description, a type, an
identity link (owl:sameAs), nor part of an evidence anchor (pg:evidence and the Web Annotation
selectors). The definition is the one the source-graph rule uses (shapes/graph_rules.py).
"""

from __future__ import annotations

from collections import Counter

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

import ontology
from ontology import OA, SEM
from shapes import graph_kind
from shapes.graph_rules import NOT_FACTS


def _local(iri, namespace: str) -> str:
    text = str(iri)
    return text[len(namespace) :] if text.startswith(namespace) else text


def _placement(graph: Graph, thing, exact) -> str:
    """ "exact" (a time stamp or claim date), "bounded" (SEM bounds only) or "none"."""
    if (thing, exact, None) in graph:
        return "exact"
    if (thing, SEM.hasEarliestBeginTimeStamp, None) in graph or (
        thing,
        SEM.hasLatestEndTimeStamp,
        None,
    ) in graph:
        return "bounded"
    return "none"


def _is_fact(triple, pg) -> bool:
    predicate = triple[1]
    return (
        predicate not in NOT_FACTS
        and predicate != pg.evidence
        and not str(predicate).startswith(str(OA))
    )


def graph_counts(graph: Graph, base: str) -> dict:
    """Facts, anchors, claims and events of one graph."""
    pg = ontology.pg(base)
    return {
        "triples": len(graph),
        "facts": sum(1 for triple in graph if _is_fact(triple, pg)),
        "anchors": len(set(graph.subjects(RDF.type, OA.SpecificResource))),
        "claims": len(set(graph.subjects(RDF.type, pg.Claim))),
        "events": len(set(graph.subjects(RDF.type, pg.Event))),
    }


def model_counts(dataset: Dataset, base: str) -> dict:
    """Claims per modality (the source's commitment), propositions per modality (the claimant's
    qualification), events per status, claims and events per kind of time placement, and the
    counts of each data graph (source and curator graphs) by name."""
    pg = ontology.pg(base)
    prefix = str(pg)
    union = Graph()
    per_graph = {}
    for context in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        name = str(context.identifier)
        if isinstance(context.identifier, URIRef) and graph_kind(base, name) and len(context):
            union += context
            per_graph[name] = {"kind": graph_kind(base, name), **graph_counts(context, base)}
    claims = set(union.subjects(RDF.type, pg.Claim))
    events = set(union.subjects(RDF.type, pg.Event))
    claim_modality = Counter(
        _local(union.value(c, pg.modality) or "none", prefix + "modality-") for c in claims
    )
    proposition_modality = Counter(
        _local(union.value(p, pg.modality) or "none", prefix + "modality-")
        for c in claims
        for p in union.objects(c, pg.proposition)
    )
    status = Counter(
        _local(union.value(e, pg.status) or "none", prefix + "status-") for e in events
    )
    return {
        "claims_per_modality": dict(sorted(claim_modality.items())),
        "propositions_per_modality": dict(sorted(proposition_modality.items())),
        "events_per_status": dict(sorted(status.items())),
        "claims_per_time_placement": dict(
            sorted(Counter(_placement(union, c, pg.claimDate) for c in claims).items())
        ),
        "events_per_time_placement": dict(
            sorted(Counter(_placement(union, e, SEM.hasTimeStamp) for e in events).items())
        ),
        "graphs": per_graph,
    }
