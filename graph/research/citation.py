"""Citations of claims, events and source documents, read from the store (issue 19 §1).

What is cited, and how:

- a **claim** is cited as the words of its source that support it: the title is the quoted text
  (every anchor, in the order of the text), the author and date are the source document's, the
  container is the source document, the URL is the claim's IRI, and each quote keeps its
  code-point offsets in the source text (W3C Web Annotation, ``oa:TextPositionSelector``: start
  included, end excluded);
- an **event** is cited as an entry of the dataset: its label as title, the dataset as author
  and container, the release's date as its date (none for working data), its anchors (quote,
  offsets, source) as the pinpoint;
- a **source document** is cited as itself: headline, authors, date of publication, language,
  section and publisher as its description records them (nothing is added that it does not
  record: no venue, no URL of an original).

Every citation names the dataset and, when the publication is a release, its version
(:func:`release_version`; ``None`` until releases exist). Names: ``schema:familyName`` and
``schema:givenName`` when recorded; else a person's English label in Latin script is split at
its last space (Western name order, "Ted Galen Carpenter" → Carpenter, Ted Galen); anything else
(organisations, names in other scripts) is kept whole, as a literal name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS, XSD

from graph.store import Store
from ontology import OA, PROV, SCHEMA, SEM, terms

#: The kinds of thing (``{base}id/{kind}/{slug}``) that have a citation.
CITABLE = ("claim", "event", "document")
#: A date literal's lexical form: year, then month and day when the datatype has them.
DATE = re.compile(r"(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?")
DATE_TYPES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear), str(XSD.dateTime)}
LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z.'’\- ]*")
ENGLISH = "en"


@dataclass(frozen=True)
class Name:
    """A creator: family and given names, or one ``literal`` name kept whole."""

    family: str | None = None
    given: str | None = None
    literal: str | None = None

    @property
    def inverted(self) -> str:
        """The name as bibliographies sort it (``Family, Given``), or the literal name."""
        if self.literal is not None:
            return self.literal
        return ", ".join(part for part in (self.family, self.given) if part)


@dataclass(frozen=True)
class Anchor:
    """Words of a source that support a thing: the exact text and its code-point offsets."""

    exact: str
    start: int | None
    end: int | None
    source: str


@dataclass(frozen=True)
class Work:
    """A source document as its description records it."""

    iri: str
    title: str
    authors: tuple[Name, ...] = ()
    issued: tuple[int, ...] | None = None
    language: str | None = None
    section: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class Dataset:
    """The dataset a citation names: short name, title, IRI, and the release's version and date
    if it is one."""

    name: str
    title: str
    iri: str
    version: str | None = None
    issued: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Citation:
    """What a citation of one thing says, whatever the format it is written in.

    ``kind`` is one of :data:`CITABLE`; ``title``, ``authors`` and ``issued`` are the cited
    item's (for a claim, the quoted words and its source's author and date); ``container`` the
    work that holds it (a claim's source document; for an event, None: the dataset holds it);
    ``work`` the source document itself for a document, else the source of the anchors;
    ``label`` the thing's English label; ``event_date`` the time an event is placed at, when
    the data gives one.
    """

    kind: str
    iri: str
    slug: str
    title: str
    label: str
    authors: tuple[Name, ...]
    issued: tuple[int, ...] | None
    anchors: tuple[Anchor, ...]
    work: Work | None
    dataset: Dataset
    language: str | None = None
    event_date: tuple[int, ...] | None = None

    @property
    def container(self) -> str | None:
        """The title of the work holding the cited item: a claim's source, the dataset's title
        for an event, none for a document (its publisher is recorded apart)."""
        if self.kind == "claim":
            return self.work.title if self.work else None
        if self.kind == "event":
            return self.dataset.title
        return None

    @property
    def publisher(self) -> str | None:
        """Who published the cited item as its source records it: a document's publisher, or a
        claim's source's; none for an event (the dataset holds it)."""
        return self.work.publisher if self.work is not None and self.kind != "event" else None

    @property
    def section(self) -> str | None:
        """A document's section of its publication (``schema:articleSection``)."""
        return self.work.section if self.work is not None and self.kind == "document" else None

    @property
    def key(self) -> str:
        """A citation key, stable and unique in the dataset: ``claim-{slug}``."""
        return f"{self.kind}-{self.slug}"


def kind_of(base: str, iri: str) -> tuple[str, str] | None:
    """(kind, slug) of a citable thing IRI ``{base}id/{kind}/{slug}``, else None."""
    if not iri.startswith(f"{base}id/"):
        return None
    kind, _, slug = iri[len(base) + 3 :].partition("/")
    return (kind, slug) if kind in CITABLE and slug and "/" not in slug else None


def _dataset_value(triples: Iterable[ox.Triple], dataset_iri: str, predicate: str):
    for triple in triples:
        if (
            triple.predicate.value == predicate
            and isinstance(triple.subject, ox.NamedNode)
            and triple.subject.value == dataset_iri
        ):
            return triple.object
    return None


def release_version(triples: Iterable[ox.Triple], dataset_iri: str) -> str | None:
    """The ``dcat:version`` (DCAT 3 §6.4.12) the dataset's description gives it, else None.

    The single place a citation learns which release it cites: the publication's description of
    itself carries the version once it is a release, and carries none before.
    """
    # A DCAT 3 term: rdflib's DCAT namespace is DCAT 2's.
    found = _dataset_value(triples, dataset_iri, f"{DCAT}version")
    return found.value if found is not None else None


def release_date(triples: Iterable[ox.Triple], dataset_iri: str) -> tuple[int, ...] | None:
    """The ``dcterms:issued`` date of a release (DCAT 3 §6.4.4), else None; never
    ``dcterms:modified``, which for working data is only when the server started."""
    found = _dataset_value(triples, dataset_iri, str(DCTERMS.issued))
    if isinstance(found, ox.Literal) and found.datatype.value in DATE_TYPES:
        return _date(found.value)
    return None


def _date(lexical: str) -> tuple[int, ...] | None:
    """(year, month, day) at the precision given, cut before a month or day out of range (an
    ill-typed literal, which RDF keeps rather than rejects)."""
    match = DATE.match(lexical)
    if match is None:
        return None
    year, month, day = (int(part) if part is not None else None for part in match.groups())
    if month is None or not 1 <= month <= 12:
        return (year,)
    return (year, month) if day is None or not 1 <= day <= 31 else (year, month, day)


class _Reader:
    """Values of the store's data graphs, read one subject at a time (one pattern each, so an
    external store is asked once per subject, not once per property)."""

    def __init__(self, store: Store, graphs: tuple[ox.NamedNode, ...]):
        self.store, self.graphs = store, set(graphs)
        self._subjects: dict[str, dict[str, list]] = {}

    def objects(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.Literal]:
        """The distinct values, in a stable order (RDF gives none: sorted by their N-Triples)."""
        found = self._subjects.get(subject)
        if found is None:
            found = {}
            for quad in self.store.quads_for_pattern(ox.NamedNode(subject)):
                values = found.setdefault(quad.predicate.value, [])
                if quad.graph_name in self.graphs and quad.object not in values:
                    values.append(quad.object)
            for values in found.values():
                values.sort(key=str)
            self._subjects[subject] = found
        return found.get(predicate, [])

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode)]

    def text(self, subject: str, *predicates: str, lang: str = ENGLISH) -> str | None:
        """The first predicate's value in ``lang`` (else without a language, else any)."""
        for predicate in predicates:
            literals = [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]
            for wanted in (lang, None):
                for literal in literals:
                    if (literal.language or None) == wanted:
                        return literal.value
            if literals:
                return literals[0].value
        return None

    def label(self, iri: str) -> str:
        found = self.text(iri, str(RDFS.label), str(SKOS.prefLabel))
        return found if found is not None else iri.rsplit("/", 1)[-1]

    def integer(self, subject: str, predicate: str) -> int | None:
        for value in self.objects(subject, predicate):
            if isinstance(value, ox.Literal) and value.value.lstrip("-").isdigit():
                return int(value.value)
        return None

    def date(self, subject: str, predicate: str) -> tuple[int, ...] | None:
        """A date at the precision its datatype gives (xsd:gYear → (year,))."""
        for value in self.objects(subject, predicate):
            if isinstance(value, ox.Literal) and value.datatype.value in DATE_TYPES:
                return _date(value.value)
        return None

    def name(self, iri: str) -> Name:
        family = self.text(iri, str(SCHEMA.familyName))
        given = self.text(iri, str(SCHEMA.givenName))
        if family:
            return Name(family=family, given=given)
        label = self.label(iri)
        person = str(SCHEMA.Person) in self.iris(iri, str(RDF.type))
        if person and " " in label.strip() and LATIN_NAME.fullmatch(label.strip()):
            given, _, family = label.strip().rpartition(" ")
            return Name(family=family, given=given)
        return Name(literal=label)


def _work(read: _Reader, iri: str) -> Work:
    """A source document: headline (else label), authors, date, language, section, publisher."""
    publisher = read.iris(iri, str(SCHEMA.publisher))
    return Work(
        iri=iri,
        title=read.text(iri, str(SCHEMA.headline)) or read.label(iri),
        authors=tuple(read.name(author) for author in read.iris(iri, str(SCHEMA.author))),
        issued=read.date(iri, str(SCHEMA.datePublished)),
        language=read.text(iri, str(SCHEMA.inLanguage)),
        section=read.text(iri, str(SCHEMA.articleSection)),
        publisher=read.label(publisher[0]) if publisher else None,
    )


def _anchors(read: _Reader, base: str, iri: str) -> tuple[Anchor, ...]:
    """The thing's evidence (``pg:evidence`` → ``oa:hasSelector``), in the order of the text."""
    found = []
    for evidence in read.iris(iri, terms.iri(base, terms.evidence)):
        sources = read.iris(evidence, str(OA.hasSource))
        exact, start, end = None, None, None
        for selector in read.iris(evidence, str(OA.hasSelector)):
            exact = exact or read.text(selector, str(OA.exact))
            start = start if start is not None else read.integer(selector, str(OA.start))
            end = end if end is not None else read.integer(selector, str(OA.end))
        if exact and sources:
            found.append(Anchor(exact, start, end, sources[0]))
    return tuple(sorted(found, key=lambda a: (a.source, a.start is None, a.start or 0, a.exact)))


def cite(
    store: Store, graphs: tuple[ox.NamedNode, ...], base: str, iri: str, dataset: Dataset
) -> Citation | None:
    """The citation of the thing ``iri`` from the data ``graphs``, or None if it is of no
    citable kind (:data:`CITABLE`)."""
    found = kind_of(base, iri)
    if found is None:
        return None
    kind, slug = found
    read = _Reader(store, graphs)
    label = read.label(iri)
    anchors = _anchors(read, base, iri)
    common = {"kind": kind, "iri": iri, "slug": slug, "label": label, "dataset": dataset}
    if kind == "document":
        work = _work(read, iri)
        return Citation(
            title=work.title,
            authors=work.authors,
            issued=work.issued,
            anchors=anchors,
            work=work,
            language=work.language,
            **common,
        )
    primary = read.iris(iri, str(PROV.hadPrimarySource))
    source = primary[0] if primary else (anchors[0].source if anchors else None)
    work = _work(read, source) if source else None
    if kind == "claim":
        own = [a for a in anchors if a.source == source] or list(anchors)
        return Citation(
            title=" … ".join(a.exact for a in own) or label,
            authors=work.authors if work else (),
            issued=work.issued if work else None,
            anchors=tuple(own),
            work=work,
            language=work.language if work else None,
            **common,
        )
    return Citation(
        title=label,
        authors=(Name(literal=dataset.name),),
        issued=dataset.issued,
        anchors=anchors,
        work=work,
        language=ENGLISH,
        event_date=read.date(iri, str(SEM.hasTimeStamp)),
        **common,
    )
