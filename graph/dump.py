"""Whole-dataset serializations, byte-stable for equal data (``policygraph dump``, /dumps)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Dataset, Graph
from rdflib.plugins.serializers.trig import TrigSerializer

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


class _SortedTrig(TrigSerializer):
    """rdflib's TriG serializer with the named graphs in IRI order (its own order follows the
    store's set of contexts, which changes with the hash seed once there are several graphs)."""

    def __init__(self, store: Dataset):
        super().__init__(store)
        self.contexts = sorted(self.contexts, key=lambda g: str(g.identifier))


def _trig(dataset: Dataset, base: str) -> bytes:
    ordered = Dataset()
    ontology.bind_prefixes(ordered, base)
    for context in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        target = ordered.graph(context.identifier)
        for triple in context:
            target.add(triple)
    stream = io.BytesIO()
    _SortedTrig(ordered).serialize(stream, encoding="utf-8")
    return stream.getvalue()


def _jsonld(dataset: Dataset, base: str) -> bytes:
    text = dataset.serialize(format="json-ld", context=ontology.context(base)["@context"])
    document = _ordered(json.loads(text))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _ordered(value, ordered_list: bool = False):
    """Sort every JSON-LD array whose order carries no meaning (all but ``@list``, JSON-LD 1.1
    §4.3.1), so that equal data gives equal bytes."""
    if isinstance(value, dict):
        return {key: _ordered(item, key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_ordered(item) for item in value]
        if ordered_list:
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return value


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
