"""The timeline: every event and claim of the dataset placed in time, exactly or by bounds.

The model of time is the ontology's (rule 5 of ``<ontology>``'s scope note, DESIGN.md § time): a
thing is placed exactly (``sem:hasTimeStamp`` for an event, ``pg:claimDate`` for a claim) at the
precision of the literal's datatype (``xsd:date`` a day, ``xsd:gYearMonth`` a month, ``xsd:gYear``
a year), or by inclusive SEM bounds (``sem:hasEarliestBeginTimeStamp``,
``sem:hasLatestEndTimeStamp``), either of which may be missing ("no start given"); an inferred
placement carries the words it rests on (``pg:timeWords``), what it was inferred from
(``pg:timeInferredFrom``) and a note. A claim has two clocks: when it was made (its own
placement) and when what it is about happened (the span of the events it names in ``pg:about``
or in its proposition). Nothing here is computed beyond what the data says: a missing bound stays
missing, and the span of several events is open when one of them is.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pyoxigraph as ox

import ontology
from graph.store import Store
from graph.store.base import value_of
from ontology import SEM
from ontology import terms as t

XSD = "http://www.w3.org/2001/XMLSchema#"
#: The precision of an exact placement, by the datatype of its literal.
PRECISION = {f"{XSD}date": "day", f"{XSD}gYearMonth": "month", f"{XSD}gYear": "year"}
EVENT, CLAIM = "event", "claim"
KINDS = (EVENT, CLAIM)
#: The classes whose instances are disputes (the ontology's subclasses, named: no inference).
DISPUTE_CLASSES = (t.Dispute, t.TerritorialDispute, t.TradeDispute, t.PolicyDispute)


@dataclass(frozen=True)
class When:
    """A place in time: ``exact`` (a lexical date at its ``precision``) or bounds, inclusive
    ISO dates, either of which may be unknown; with the words and sources of an inference."""

    exact: str | None = None
    precision: str | None = None
    earliest: str | None = None
    latest: str | None = None
    words: tuple[str, ...] = ()
    inferred_from: tuple[str, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()  # (language, text)

    @property
    def inferred(self) -> bool:
        """Whether the placement was inferred (it names its words or what it rests on)."""
        return bool(self.words or self.inferred_from)

    @property
    def placed(self) -> bool:
        return bool(self.exact or self.earliest or self.latest)

    @property
    def start(self) -> str | None:
        """The first day the placement covers (an exact month starts on its first day)."""
        if self.exact:
            return _first_day(self.exact)
        return self.earliest

    @property
    def end(self) -> str | None:
        """The last day the placement covers (an exact month ends on its last day)."""
        if self.exact:
            return _last_day(self.exact)
        return self.latest

    @property
    def point(self) -> bool:
        """Exact to the day: shown as a point, not a bar."""
        return self.precision == "day"

    def sort_key(self) -> tuple[str, str]:
        start, end = self.start, self.end
        return (start or end or "9999", end or start or "9999")

    def as_dict(self) -> dict:
        return {
            "exact": self.exact,
            "precision": self.precision,
            "earliest": self.earliest,
            "latest": self.latest,
            "start": self.start,
            "end": self.end,
            "inferred": self.inferred,
            "words": list(self.words),
            "inferredFrom": list(self.inferred_from),
            "notes": {lang: text for lang, text in self.notes},
        }


#: The year, month and day of an xsd:date, gYearMonth or gYear lexical form (XSD 1.1 Part 2
#: §3.3.9, §3.3.13, §3.3.14), its time zone, if any, left out.
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _parts(lexical: str) -> tuple[int, int | None, int | None]:
    match = _DATE.match(lexical)
    if match is None:
        raise ValueError(f"not a date, year-month or year: {lexical!r}")
    year, month, day = match.groups()
    return int(year), int(month) if month else None, int(day) if day else None


def _first_day(lexical: str) -> str:
    year, month, day = _parts(lexical)
    return f"{year:04d}-{month or 1:02d}-{day or 1:02d}"


def _last_day(lexical: str) -> str:
    year, month, day = _parts(lexical)
    if day is not None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    month = month or 12
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def span_of(whens: Iterable[When]) -> When | None:
    """The placement covering all of ``whens`` (the events a claim is about): one of them as it
    is; several, from the first start to the last end, open on a side where any of them is."""
    placed = [w for w in whens if w.placed]
    if not placed:
        return None
    if len({w for w in placed}) == 1:
        return placed[0]
    starts = [w.start for w in placed]
    ends = [w.end for w in placed]
    return When(
        earliest=None if None in starts else min(s for s in starts if s),
        latest=None if None in ends else max(e for e in ends if e),
        words=tuple(dict.fromkeys(word for w in placed for word in w.words)),
        inferred_from=tuple(dict.fromkeys(src for w in placed for src in w.inferred_from)),
    )


@dataclass(frozen=True)
class Item:
    """One event or claim on the timeline. ``when``: an event's time, a claim's time of making;
    ``about``: for a claim, the span of the events it is about (None if it names none)."""

    iri: str
    kind: str
    when: When
    about: When | None = None
    about_events: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    disputes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    modality: str | None = None
    status: str | None = None
    recurring: bool = False

    def sort_key(self) -> tuple:
        return (*self.when.sort_key(), self.kind, self.iri)

    def as_dict(self) -> dict:
        return {
            "iri": self.iri,
            "kind": self.kind,
            "when": self.when.as_dict(),
            "about": self.about.as_dict() if self.about else None,
            "aboutEvents": list(self.about_events),
            "claimants": list(self.claimants),
            "actors": list(self.actors),
            "disputes": list(self.disputes),
            "types": list(self.types),
            "stances": list(self.stances),
            "modality": self.modality,
            "status": self.status,
            "recurring": self.recurring,
        }


#: The facets a timeline is filtered by: name → the attribute of :class:`Item` it reads.
FACETS = {
    "actor": "actors",
    "dispute": "disputes",
    "kind": "kind",
    "type": "types",
    "stance": "stances",
    "modality": "modality",
    "status": "status",
}


def _values(item: Item, attribute: str) -> tuple[str, ...]:
    value = getattr(item, attribute)
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


@dataclass(frozen=True)
class Timeline:
    """Events and claims in time order (by the start of their placement, then its end); those
    the data does not place at all come last, so that a listing still shows them."""

    items: tuple[Item, ...]

    def __len__(self) -> int:
        return len(self.items)

    def unplaced(self) -> list[Item]:
        """The items with no placement at all (the curated data has none: issue 17 §4)."""
        return [item for item in self.items if not item.when.placed]

    def filter(self, **wanted: Iterable[str]) -> Timeline:
        """The items matching every facet given (:data:`FACETS`; values of one facet are
        alternatives): ``filter(actor=[china_iri], modality=[hedged_iri, hoped_iri])``. An item
        without a value for a facet asked for does not match it (a type filter keeps events)."""
        unknown = set(wanted) - set(FACETS)
        if unknown:
            raise KeyError(f"no such facet: {', '.join(sorted(unknown))}")
        chosen = {name: set(values) for name, values in wanted.items() if values}
        items = tuple(
            item
            for item in self.items
            if all(chosen[name] & set(_values(item, FACETS[name])) for name in chosen)
        )
        return replace(self, items=items)

    def facets(self) -> dict[str, list[str]]:
        """Each facet's values found in the items, sorted."""
        return {
            name: sorted({v for item in self.items for v in _values(item, attribute)})
            for name, attribute in FACETS.items()
        }

    def span(self) -> tuple[str, str] | None:
        """The first and last day any placement names (either clock), or None."""
        days = [
            day
            for item in self.items
            for when in (item.when, item.about)
            if when is not None
            for day in (when.start, when.end)
            if day
        ]
        return (min(days), max(days)) if days else None


# -- reading the store ---------------------------------------------------------------------------

_SCALARS = (
    t.claimant,
    t.about,
    t.stance,
    t.modality,
    t.status,
    t.claimDate,
    t.timeWords,
    t.timeInferredFrom,
    t.timeNote,
    t.recurring,
)
_SEM = (
    "hasTimeStamp",
    "hasEarliestBeginTimeStamp",
    "hasLatestEndTimeStamp",
    "eventType",
    "hasActor",
)


def _query_things(base: str) -> str:
    pg = ontology.pg(base)
    predicates = " ".join(f"<{pg[name]}>" for name in _SCALARS)
    predicates += " " + " ".join(f"<{SEM[name]}>" for name in _SEM)
    return f"""SELECT DISTINCT ?thing ?kind ?p ?o WHERE {{
  VALUES (?class ?kind) {{ (<{pg[t.Event]}> "{EVENT}") (<{pg[t.Claim]}> "{CLAIM}") }}
  ?thing a ?class ; ?p ?o .
  VALUES ?p {{ {predicates} }}
}}"""


def _query_linked(base: str) -> str:
    """What a claim's proposition names (subject, object) and an event's participants."""
    pg = ontology.pg(base)
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    return f"""SELECT DISTINCT ?thing ?o WHERE {{
  {{ ?thing <{pg[t.proposition]}> ?x . {{ ?x <{rdf}subject> ?o }} UNION {{ ?x <{rdf}object> ?o }} }}
  UNION {{ ?thing <{pg[t.hasParticipation]}>/<{pg[t.participant]}> ?o }}
  FILTER(isIRI(?o))
}}"""


def _query_kinds(base: str) -> str:
    pg = ontology.pg(base)
    pairs = [(t.Actor, "actor"), (t.Event, EVENT)] + [(c, "dispute") for c in DISPUTE_CLASSES]
    values = " ".join(f'(<{pg[c]}> "{kind}")' for c, kind in pairs)
    return f"""SELECT DISTINCT ?x ?kind WHERE {{
  VALUES (?class ?kind) {{ {values} }}
  ?x a ?class .
}}"""


def kinds_of(store: Store, base: str) -> dict[str, str]:
    """IRI → ``actor``, ``dispute`` or ``event``, for every thing so typed."""
    return {value_of(x): value_of(kind) for x, kind in store.rows(_query_kinds(base))}


def read(store: Store, base: str) -> Timeline:
    """The timeline of the dataset in ``store`` (its default graph: every data graph)."""
    pg = ontology.pg(base)
    names = {str(pg[name]): name for name in _SCALARS}
    names |= {str(SEM[name]): name for name in _SEM}
    props: dict[str, dict[str, list]] = {}
    kinds: dict[str, str] = {}
    for thing, kind, p, o in store.rows(_query_things(base)):
        iri = value_of(thing)
        kinds[iri] = value_of(kind)
        values = props.setdefault(iri, {})
        values.setdefault(names[value_of(p)], []).append(o)
    linked: dict[str, list[str]] = {}
    for thing, o in store.rows(_query_linked(base)):
        linked.setdefault(value_of(thing), []).append(value_of(o))
    typed = kinds_of(store, base)
    whens = {iri: _when(values, kinds[iri]) for iri, values in props.items()}
    items = []
    for iri, values in props.items():
        items.append(_item(iri, kinds[iri], values, linked.get(iri, []), typed, whens))
    return Timeline(tuple(sorted(items, key=Item.sort_key)))


def _iris(values: dict[str, list], name: str) -> tuple[str, ...]:
    return tuple(sorted({value_of(o) for o in values.get(name, []) if _is_iri(o)}))


def _is_iri(term) -> bool:
    return isinstance(term, ox.NamedNode)


def _one(values: dict[str, list], name: str):
    found = sorted(values.get(name, []), key=lambda o: (o.datatype.value, o.value))
    return found[0] if found else None


def _when(values: dict[str, list], kind: str) -> When:
    exact = _one(values, t.claimDate if kind == CLAIM else "hasTimeStamp")
    earliest = _one(values, "hasEarliestBeginTimeStamp")
    latest = _one(values, "hasLatestEndTimeStamp")
    notes = tuple(
        sorted((o.language or "", o.value) for o in values.get(t.timeNote, []) if not _is_iri(o))
    )
    return When(
        exact=exact.value if exact is not None else None,
        precision=PRECISION.get(exact.datatype.value) if exact is not None else None,
        earliest=earliest.value[:10] if earliest is not None else None,
        latest=latest.value[:10] if latest is not None else None,
        words=tuple(sorted(o.value for o in values.get(t.timeWords, []))),
        inferred_from=_iris(values, t.timeInferredFrom),
        notes=notes,
    )


def _item(iri, kind, values, linked, typed, whens) -> Item:
    about = _iris(values, t.about)
    named = tuple(sorted(set(about) | set(linked)))
    own_actors = _iris(values, t.claimant) + _iris(values, "hasActor")
    actors = tuple(sorted({a for a in own_actors + named if typed.get(a) == "actor"}))
    disputes = tuple(sorted({d for d in named if typed.get(d) == "dispute"}))
    about_events = tuple(e for e in named if typed.get(e) == EVENT and e != iri)
    modality, status = _iris(values, t.modality), _iris(values, t.status)
    recurring = any(o.value == "true" for o in values.get(t.recurring, []))
    return Item(
        iri=iri,
        kind=kind,
        when=whens[iri],
        about=span_of(whens[e] for e in about_events if e in whens) if kind == CLAIM else None,
        about_events=about_events if kind == CLAIM else (),
        claimants=_iris(values, t.claimant),
        actors=actors,
        disputes=disputes,
        types=_iris(values, "eventType"),
        stances=_iris(values, t.stance),
        modality=modality[0] if modality else None,
        status=status[0] if status else None,
        recurring=recurring,
    )
