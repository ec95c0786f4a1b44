"""Whole-dataset serializations, byte-stable for equal data (``policygraph dump``, /dumps)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Dataset, Graph

import ontology
from graph.store import dataset_nquads


@dataclass(frozen=True)
class DumpFormat:
    name: str
    suffix: str
    media_type: str
    write: Callable[[Dataset, str], bytes]


def _union(dataset: Dataset, base: str) -> Graph:
    merged = ontology.bind_prefixes(Graph(), base)
    for quad in dataset.quads():
        merged.add(quad[:3])
    return merged


def _ntriples(dataset: Dataset, base: str) -> bytes:
    lines = {line for line in _union(dataset, base).serialize(format="nt").splitlines() if line}
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


def _turtle(dataset: Dataset, base: str) -> bytes:
    return _union(dataset, base).serialize(format="turtle", encoding="utf-8")


def _trig(dataset: Dataset, base: str) -> bytes:
    ordered = Dataset()
    ontology.bind_prefixes(ordered, base)
    for context in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        target = ordered.graph(context.identifier)
        for triple in context:
            target.add(triple)
    return ordered.serialize(format="trig", encoding="utf-8")


def _jsonld(dataset: Dataset, base: str) -> bytes:
    text = dataset.serialize(format="json-ld", context=ontology.context(base)["@context"])
    document = json.loads(text)
    if isinstance(document.get("@graph"), list):
        document["@graph"].sort(key=lambda node: str(node.get("@id", "")))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _nquads(dataset: Dataset, base: str) -> bytes:
    return dataset_nquads(dataset)


FORMATS: dict[str, DumpFormat] = {
    f.name: f
    for f in (
        DumpFormat("nq", ".nq", "application/n-quads", _nquads),
        DumpFormat("trig", ".trig", "application/trig", _trig),
        DumpFormat("ttl", ".ttl", "text/turtle", _turtle),
        DumpFormat("nt", ".nt", "application/n-triples", _ntriples),
        DumpFormat("jsonld", ".jsonld", "application/ld+json", _jsonld),
    )
}


def serialize(dataset: Dataset, base: str, name: str) -> bytes:
    """The dataset in format ``name`` (nq, trig and jsonld keep named graphs; ttl and nt merge)."""
    return FORMATS[name].write(dataset, base)
