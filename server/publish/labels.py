"""Labels in three languages: the index built at load, and label search.

The languages themselves (tags, their case, the choice of one) are :mod:`server.render.languages`.
"""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDFS, SKOS

from graph.store import Store
from server.render.languages import DEFAULT_LANGUAGE, local_name, normalise_language

#: Label sources, strongest first (a vocabulary's dcterms:title labels it when nothing else does).
LABEL_PREDICATES = (
    ox.NamedNode(str(SKOS.prefLabel)),
    ox.NamedNode(str(RDFS.label)),
    ox.NamedNode(str(DCTERMS.title)),
)


def fold(text: str) -> str:
    """A search key: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _with_predicate(store, graphs, predicate):
    for name in graphs:
        yield from store.quads_for_pattern(None, predicate, None, name)


class LabelIndex:
    """IRI → {language: label} for every labelled IRI, ``skos:prefLabel`` preferred."""

    def __init__(self, labels: dict[str, dict[str, str]], alt: dict[str, list[tuple[str, str]]]):
        self.labels = labels
        self.alt = alt

    @classmethod
    def from_store(cls, store: Store, graphs=None) -> LabelIndex:
        """The labels in ``graphs`` (None: every graph of the store)."""
        labels: dict[str, dict[str, str]] = {}
        graphs = [None] if graphs is None else list(graphs)
        for predicate in reversed(LABEL_PREDICATES):  # prefLabel last, so it wins
            for quad in _with_predicate(store, graphs, predicate):
                subject, value = quad.subject, quad.object
                if isinstance(subject, ox.NamedNode) and isinstance(value, ox.Literal):
                    lang = normalise_language(value.language) or ""
                    labels.setdefault(subject.value, {})[lang] = value.value
        alt: dict[str, list[tuple[str, str]]] = {}
        altlabel = ox.NamedNode(str(SKOS.altLabel))
        for quad in _with_predicate(store, graphs, altlabel):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                pair = (normalise_language(quad.object.language) or "", quad.object.value)
                entries = alt.setdefault(quad.subject.value, [])
                if pair not in entries:
                    entries.append(pair)
        return cls(labels, alt)

    def __contains__(self, iri: str) -> bool:
        return iri in self.labels

    def get(self, iri: str, lang: str = DEFAULT_LANGUAGE) -> str | None:
        """The label in ``lang``, else English, else an untagged one, else any; None if none."""
        found = self.labels.get(iri)
        if not found:
            return None
        for candidate in (lang, DEFAULT_LANGUAGE, ""):
            if candidate in found:
                return found[candidate]
        return next(iter(found.values()))

    def label(self, iri: str, lang: str = DEFAULT_LANGUAGE) -> str:
        """A label for display: :meth:`get`, else the IRI's local name."""
        return self.get(iri, lang) or local_name(iri)

    def search(self, query: str, limit: int = 50) -> list[tuple[str, str, str, int]]:
        """(IRI, matched label, its language, rank) for labels containing ``query``, best first.

        Rank: 0 exact, 1 prefix, 2 word prefix, 3 substring; ties by label length, then IRI.
        """
        needle = fold(query)
        if not needle:
            return []
        best: dict[str, tuple[int, int, str, str]] = {}
        for iri, names in self.labels.items():
            pairs = list(names.items()) + [(lang, text) for lang, text in self.alt.get(iri, [])]
            for lang, text in pairs:
                hay = fold(text)
                if needle not in hay:
                    continue
                if hay == needle:
                    rank = 0
                elif hay.startswith(needle):
                    rank = 1
                elif f" {needle}" in f" {hay}":
                    rank = 2
                else:
                    rank = 3
                key = (rank, len(hay), text, lang)
                if iri not in best or key < best[iri]:
                    best[iri] = key
        ordered = sorted(best.items(), key=lambda item: (item[1][0], item[1][1], item[0]))
        return [(iri, key[2], key[3], key[0]) for iri, key in ordered[:limit]]
