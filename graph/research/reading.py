"""Reading the research models from a store (:class:`graph.store.Store`): which graphs hold the
data, the properties of the things of a class, and the evidence anchors of every thing.

Every query names its dataset (SPARQL 1.1 Query §13): the data graphs (source and curator graphs)
merged, plus the ontology graph so that ``rdfs:subClassOf`` reaches the vocabulary. Results are
sorted here, never left in the engine's order, so that equal data gives equal models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Dataset

import graph
import graph.store
from graph.store import Store
from ontology import OA, terms

#: The three label languages, as published (the store keeps language tags in lower case).
LANGUAGES = ("en", "zh-Hans", "zh-Hant")
_LANGUAGE = {tag.lower(): tag for tag in LANGUAGES}

#: Property values of things: subject IRI → predicate IRI → its values, sorted.
Properties = dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]]


def store_of(dataset: Dataset, base: str) -> Store:
    """A validated rdflib dataset in an in-memory store, as the publisher loads it."""
    return graph.store.build(dataset, None, graph.vocabulary_graph_names(base), union=False)


def data_graphs(store: Store, base: str) -> list[ox.NamedNode]:
    """The named graphs that hold data (``{base}graph/…`` but the ontology and the shapes)."""
    reserved = set(graph.vocabulary_graph_names(base))
    return sorted(
        (
            g
            for g in store.named_graphs()
            if isinstance(g, ox.NamedNode)
            and g.value.startswith(f"{base}graph/")
            and g.value not in reserved
        ),
        key=lambda g: g.value,
    )


@dataclass(frozen=True)
class Reader:
    """Queries over one store's data graphs, for one base.

    A query reads the store's default graph: the union of the data graphs where the store keeps
    one (``default_graph == "data"``), else every graph's triples together, the vocabulary's
    too, which types no data (naming thousands of data graphs instead costs an evaluation each).
    Subclasses are looked up in the ontology graph alone."""

    store: Store
    base: str
    graphs: tuple[ox.NamedNode, ...]

    @classmethod
    def of(cls, store: Store, base: str) -> Reader:
        return cls(store, base, tuple(data_graphs(store, base)))

    @property
    def ontology_graph(self) -> ox.NamedNode:
        return ox.NamedNode(str(graph.graph_name(self.base, graph.ONTOLOGY_GRAPH)))

    def pg(self, term: str) -> str:
        """The IRI of a vocabulary term (:mod:`ontology.terms`)."""
        return terms.iri(self.base, term)

    def rows(self, query: str) -> list[tuple]:
        """The solutions of a SELECT over the union of the data graphs."""
        return self.store.rows(query, use_default_graph_as_union=self.store.default_graph == "all")

    def classes(self, klass: str) -> list[str]:
        """``klass`` and its subclasses in the ontology (RDF Schema §3.4), sorted."""
        rows = self.store.rows(
            f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS_SUBCLASS}>+ <{klass}> }}",
            default_graph=[self.ontology_graph],
        )
        return sorted({klass, *(row[0].value for row in rows)})

    def _typed(self, klass: str) -> str:
        values = " ".join(f"<{c}>" for c in self.classes(klass))
        return f"VALUES ?class {{ {values} }} ?s a ?class . FILTER isIRI(?s)"

    def instances(self, klass: str) -> list[str]:
        """The IRIs of the instances of ``klass`` (an IRI) or of its subclasses, sorted."""
        rows = self.rows(f"SELECT DISTINCT ?s WHERE {{ {self._typed(klass)} }}")
        return sorted(row[0].value for row in rows)

    def properties(self, klass: str, predicates: Iterable[str]) -> Properties:
        """For each instance of ``klass`` (or a subclass), the values of ``predicates``."""
        values = " ".join(f"<{p}>" for p in predicates)
        rows = self.rows(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ {{ SELECT DISTINCT ?s WHERE "
            f"{{ {self._typed(klass)} }} }} VALUES ?p {{ {values} }} ?s ?p ?o }}"
        )
        return _grouped(rows)

    def linked(self, link: str, predicates: Iterable[str]) -> Properties:
        """The values of ``predicates`` on every object of the property ``link`` (the
        participations of events), by object; one join, not a lookup per node."""
        values = " ".join(f"<{p}>" for p in predicates)
        rows = self.rows(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?x <{link}> ?s . VALUES ?p {{ {values} }} "
            "?s ?p ?o }"
        )
        return _grouped(rows)

    def anchors(self) -> dict[str, list[Anchor]]:
        """Every thing's evidence anchors (Web Annotation §4.2: a TextQuoteSelector and a
        TextPositionSelector on a SpecificResource), by thing, in text order."""
        rows = self.rows(
            f"SELECT DISTINCT ?thing ?anchor ?source ?exact ?start ?end WHERE {{ "
            f"?thing <{self.pg(terms.evidence)}> ?anchor . ?anchor <{OA.hasSource}> ?source ; "
            f"<{OA.hasSelector}> ?quote, ?position . ?quote <{OA.exact}> ?exact . "
            f"?position <{OA.start}> ?start ; <{OA.end}> ?end }}"
        )
        found: dict[str, list[Anchor]] = defaultdict(list)
        for thing, anchor, source, exact, start, end in rows:
            found[thing.value].append(
                Anchor(anchor.value, source.value, exact.value, int(start.value), int(end.value))
            )
        return {
            thing: sorted(items, key=lambda a: (a.source, a.start, a.end, a.iri))
            for thing, items in sorted(found.items())
        }


@dataclass(frozen=True)
class Anchor:
    """One evidence anchor: the words ``quote`` of the document ``source`` at code-point offsets
    ``start`` (inclusive) to ``end`` (exclusive), Web Annotation §4.2.4 and §4.2.5."""

    iri: str
    source: str
    quote: str
    start: int
    end: int


RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def _grouped(rows: list[tuple]) -> Properties:
    found: Properties = {}
    for subject, predicate, value in rows:
        found.setdefault(subject.value, {}).setdefault(predicate.value, []).append(value)
    for per_subject in found.values():
        for predicate, items in per_subject.items():
            per_subject[predicate] = sorted(items, key=_order)
    return dict(sorted(found.items()))


def _order(term) -> tuple:
    language = getattr(term, "language", None) or ""
    return (type(term).__name__, term.value, language)


def one(props: dict, predicate: str):
    """The first value of ``predicate`` (in sorted order), or None."""
    items = props.get(predicate)
    return items[0] if items else None


def iris(props: dict, predicate: str) -> list[str]:
    """The IRIs among the values of ``predicate``."""
    return [v.value for v in props.get(predicate, ()) if isinstance(v, ox.NamedNode)]


def labels(props: dict, predicate: str) -> dict[str, str]:
    """One value per label language (``en``, ``zh-Hans``, ``zh-Hant``) of ``predicate``."""
    found: dict[str, str] = {}
    for value in props.get(predicate, ()):
        language = _LANGUAGE.get((getattr(value, "language", None) or "").lower())
        if language and language not in found:
            found[language] = value.value
    return {language: found[language] for language in LANGUAGES if language in found}


def local(iri: str | None, prefix: str) -> str:
    """``iri`` without ``prefix`` (a concept's local name: ``stance-asserts`` → ``asserts``)."""
    if iri is None:
        return ""
    return iri[len(prefix) :] if iri.startswith(prefix) else iri
