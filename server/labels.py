"""Labels in three languages: the index built at load, tag normalisation, language choice.

pyoxigraph lower-cases language tags (``zh-hans``) while rdflib keeps their case; BCP 47 §2.1.1
makes case insignificant, so tags are normalised to their conventional case for display and
matching here, and compared case-insensitively everywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDFS, SKOS

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "zh-Hans": "简体", "zh-Hant": "繁體"}

#: BCP 47 tags a browser may send, mapped to the script variant we publish (RFC 4647 §3.4 lookup).
_REGIONS = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-my": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "en": "en",
}

#: Label sources, strongest first (a vocabulary's dcterms:title labels it when nothing else does).
LABEL_PREDICATES = (
    ox.NamedNode(str(SKOS.prefLabel)),
    ox.NamedNode(str(RDFS.label)),
    ox.NamedNode(str(DCTERMS.title)),
)


def normalise_language(tag: str | None) -> str | None:
    """Conventional case of a BCP 47 tag (§2.1.1): ``zh-hans`` → ``zh-Hans``."""
    if not tag:
        return tag
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def publication_language(tag: str | None) -> str | None:
    """The published language (en, zh-Hans, zh-Hant) a requested tag falls back to, or None."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    while tag:
        if tag in _REGIONS:
            return _REGIONS[tag]
        if tag.startswith("zh-hant") or tag.startswith("zh-hans"):
            return _REGIONS[tag[:7]]
        tag = tag.rpartition("-")[0]
    return None


def choose_language(query_value: str | None, accept_languages: Iterable[tuple[str, float]]) -> str:
    """``?lang=`` first, then ``Accept-Language`` (RFC 9110 §12.5.4) by quality, then English."""
    chosen = publication_language(query_value)
    if chosen:
        return chosen
    for tag, quality in accept_languages:
        if quality > 0:
            chosen = publication_language(tag)
            if chosen:
                return chosen
    return DEFAULT_LANGUAGE


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
    def from_store(cls, store: ox.Store, graphs=None) -> LabelIndex:
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


def local_name(iri: str) -> str:
    """The last segment of an IRI, after ``#`` or ``/``."""
    for separator in ("#", "/"):
        if separator in iri.rstrip(separator):
            return iri.rstrip(separator).rsplit(separator, 1)[-1]
    return iri
