"""The dataset as tables, one row per thing: what the CSV exports and their data package hold.

Entity tables (``actors``, ``claims``, ``events``, ``relations``, ``disputes``, ``anchors``,
``propositions``) hold one row per thing, keyed by its IRI, with a column per property the shapes
allow once (``sh:maxCount 1``) and one per label language. What a thing has several of is a link
table of its own, one row per pair, keyed by the pair: ``claimants`` (claim, actor),
``participants`` (event, actor, role), ``dispute_parties`` (dispute, actor) and ``about``
(claim, event or relation → what it is about). That is the tidy shape pandas and R join on; a
literal property the shapes allow several of (``time_words``) has its values joined by
:data:`SEPARATOR` in code-point order.

Each :class:`Column` names the property it is read from (``path``, the SHACL ``sh:path``) and
the class whose shapes describe it, so that :mod:`graph.research.datapackage` derives its type,
constraints and description from the shapes and the ontology. Concepts (stance, modality, status,
event type, role…) are written by local name without their scheme prefix (``asserts``), IRIs in
full, dates in their lexical form at the precision the source gives (``2013-01-25``, ``2012-12``,
``2008``). ``graph`` is the named graph a thing is typed in: the source's own graph, or its
curator graph (``…--curator``) for context a curator added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.research.reading import Reader, iris, labels, local, one
from graph.store import Store
from ontology import OA, SCHEMA, SEM, terms

#: Joins the values of a multi-valued literal column.
SEPARATOR = " | "
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
WIKIDATA = "http://www.wikidata.org/entity/"
LABELS = (("en", "en"), ("zh_hans", "zh-Hans"), ("zh_hant", "zh-Hant"))


@dataclass(frozen=True)
class Column:
    """One column: its name, and what describes it.

    ``path``/``klass``: the property (an IRI) the values are, on things of the class ``klass``
    (a vocabulary term or IRI) — the datapackage reads the shapes for them. ``value``:
    ``iri``, ``concept`` (local name, prefix ``prefix``), ``text``, ``boolean`` or ``qid``.
    ``language``: a label column's language. ``note``: the description of a column no property
    describes (added to the shapes' otherwise). ``references``: (table, column) a foreign key
    points to.
    """

    name: str
    path: str = ""
    klass: str = ""
    value: str = "text"
    prefix: str = ""
    language: str = ""
    note: str = ""
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class Table:
    """A table: name (its file is ``{name}.csv``), description, columns, key and rows."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


IRI_NOTE = "The IRI of the {0}, which dereferences to its description."
LABEL_NOTE = "The preferred label (skos:prefLabel) in {0}."
GRAPH_NOTE = (
    "The named graph the thing is typed in: the source's own graph (what the source says) or "
    "its curator graph, ending in --curator (context a curator added, cited)."
)


def _labels(klass: str) -> tuple[Column, ...]:
    return tuple(
        Column(f"label_{suffix}", SKOS_PREF, klass, language=tag, note=LABEL_NOTE.format(tag))
        for suffix, tag in LABELS
    )


def _time(klass: str, exact: str, words: str) -> tuple[Column, ...]:
    return (
        Column("date" if klass == terms.Event else "claim_date", exact, klass),
        Column("earliest", str(SEM.hasEarliestBeginTimeStamp), klass),
        Column("latest", str(SEM.hasLatestEndTimeStamp), klass),
        Column("time_words", words, klass),
    )


def _iri(thing: str) -> Column:
    return Column("iri", value="iri", note=IRI_NOTE.format(thing))


def _ref(name: str, path: str, klass: str, table: str, note: str = "") -> Column:
    return Column(name, path, klass, value="iri", note=note, references=(table, "iri"))


GRAPH = Column("graph", value="iri", note=GRAPH_NOTE)


def columns(base: str) -> dict[str, tuple[tuple[Column, ...], tuple[str, ...], str]]:
    """Each table's columns, primary key and description (property paths as IRIs)."""
    pg = lambda term: terms.iri(base, term)  # noqa: E731
    concept = lambda name, path, klass, prefix: Column(  # noqa: E731
        name, pg(path), klass, value="concept", prefix=pg(prefix)
    )
    claim, event, actor = terms.Claim, terms.Event, terms.Actor
    return {
        "actors": (
            (
                _iri("actor"),
                *_labels(actor),
                Column("type", f"{RDF}type", actor, value="concept", prefix=str(SCHEMA)),
                Column(
                    "group",
                    value="boolean",
                    note="true for an unnamed group of people (pg:ActorGroup).",
                ),
                Column(
                    "wikidata",
                    OWL_SAME_AS,
                    actor,
                    value="qid",
                    note="The Wikidata QID of the actor's identity link (owl:sameAs), if any.",
                ),
                GRAPH,
            ),
            ("iri",),
            "Actors: states, organizations, people and unnamed groups.",
        ),
        "claims": (
            (
                _iri("claim"),
                *_labels(claim),
                concept("stance", terms.stance, claim, "stance-"),
                concept("modality", terms.modality, claim, "modality-"),
                _ref("proposition", pg(terms.proposition), claim, "propositions"),
                _ref("condition", pg(terms.condition), claim, "propositions"),
                *_time(claim, pg(terms.claimDate), pg(terms.timeWords)),
                Column("reported_in", pg(terms.reportedIn), claim, value="iri"),
                _ref("original_source", pg(terms.originalSource), claim, "actors"),
                GRAPH,
            ),
            ("iri",),
            "Claims: who says what, with what stance and commitment, when.",
        ),
        "claimants": (
            (
                _ref("claim", "", claim, "claims", "The claim."),
                _ref("actor", pg(terms.claimant), claim, "actors"),
            ),
            ("claim", "actor"),
            "Who makes each claim: one row per claim and claimant.",
        ),
        "propositions": (
            (
                Column("iri", value="iri", note=IRI_NOTE.format("proposition (an rdf:Statement)")),
                Column("subject", f"{RDF}subject", f"{RDF}Statement", value="iri"),
                Column("predicate", f"{RDF}predicate", f"{RDF}Statement", value="iri"),
                Column("object", f"{RDF}object", f"{RDF}Statement"),
                Column(
                    "object_is_iri",
                    value="boolean",
                    note="true when the object is a thing (an IRI), false for a phrase.",
                ),
                concept("modality", terms.modality, f"{RDF}Statement", "modality-"),
            ),
            ("iri",),
            "Propositions and conditions of claims, as statements never asserted as triples.",
        ),
        "events": (
            (
                _iri("event"),
                *_labels(event),
                Column(
                    "event_type", str(SEM.eventType), event, value="concept", prefix=pg("event-")
                ),
                concept("status", terms.status, event, "status-"),
                *_time(event, str(SEM.hasTimeStamp), pg(terms.timeWords)),
                Column("recurring", pg(terms.recurring), event),
                GRAPH,
            ),
            ("iri",),
            "Events: what actors did, with status and time.",
        ),
        "participants": (
            (
                _ref("event", "", event, "events", "The event."),
                _ref("actor", pg(terms.participant), terms.Participation, "actors"),
                concept("role", terms.role, terms.Participation, "role-"),
            ),
            ("event", "actor", "role"),
            "Who took part in each event, in which role.",
        ),
        "relations": (
            (
                _iri("relation"),
                *_labels(terms.Relation),
                concept("relation_type", terms.relationType, terms.Relation, "relation-"),
                _ref("source", pg(terms.source), terms.Relation, "actors"),
                _ref("target", pg(terms.target), terms.Relation, "actors"),
                GRAPH,
            ),
            ("iri",),
            "Standing relations between two actors (alliance, supply, tension…).",
        ),
        "disputes": (
            (
                _iri("dispute"),
                *_labels(terms.Dispute),
                concept("dispute_kind", terms.disputeKind, terms.Dispute, "dispute-"),
                GRAPH,
            ),
            ("iri",),
            "Disputes between actors.",
        ),
        "dispute_parties": (
            (
                _ref("dispute", "", terms.Dispute, "disputes", "The dispute."),
                _ref("actor", pg(terms.party), terms.Dispute, "actors"),
            ),
            ("dispute", "actor"),
            "The parties to each dispute.",
        ),
        "about": (
            (
                Column("subject", value="iri", note="The claim, event or relation."),
                Column("about", pg(terms.about), claim, value="iri"),
            ),
            ("subject", "about"),
            "What each claim, event and relation is about: actors, disputes, events, places.",
        ),
        "anchors": (
            (
                Column(
                    "iri",
                    value="iri",
                    note=IRI_NOTE.format("evidence anchor (an oa:SpecificResource)"),
                ),
                Column(
                    "thing",
                    value="iri",
                    note="The claim, event, relation or dispute it is evidence of.",
                ),
                Column("source", str(OA.hasSource), str(OA.SpecificResource), value="iri"),
                Column("quote", str(OA.exact), str(OA.TextQuoteSelector)),
                Column("prefix", str(OA.prefix), str(OA.TextQuoteSelector)),
                Column("suffix", str(OA.suffix), str(OA.TextQuoteSelector)),
                Column("start", str(OA.start), str(OA.TextPositionSelector)),
                Column("end", str(OA.end), str(OA.TextPositionSelector)),
            ),
            ("iri", "thing"),
            "Evidence: the exact words of the source and their code-point offsets "
            "(start inclusive, end exclusive).",
        ),
    }


def class_iri(base: str, klass: str) -> str:
    """A column's class as an IRI (a vocabulary term's local name, or an IRI already)."""
    return klass if ":" in klass else terms.iri(base, klass)


def tables(store: Store, base: str) -> list[Table]:
    """Every table of the data graphs of ``store``, rows sorted by their key."""
    reader = Reader.of(store, base)
    typed_in = _graphs(reader)
    built = []
    for name, (cols, key, description) in columns(base).items():
        rows = [_cell_row(row) for row in _ROWS[name](reader, cols, typed_in)]
        positions = [cols.index(next(c for c in cols if c.name == k)) for k in key]
        rows = sorted(set(rows), key=lambda r: (tuple(r[i] for i in positions), r))
        built.append(Table(name, description, cols, key, rows))
    return built


def _cell_row(row) -> tuple[str, ...]:
    return tuple(row)


def _graphs(reader: Reader) -> dict[str, str]:
    """Each typed thing → the first (in IRI order) data graph it is typed in."""
    found: dict[str, str] = {}
    rows = reader.store.rows(
        "SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s a ?t } FILTER isIRI(?s) }"
    )
    data = {g.value for g in reader.graphs}
    for subject, name in sorted(rows, key=lambda r: (r[0].value, r[1].value)):
        if name.value in data:
            found.setdefault(subject.value, name.value)
    return found


def _value(column: Column, props: dict) -> str:
    """The cell of ``column`` for a thing with properties ``props``."""
    if column.language:
        return labels(props, column.path).get(column.language, "")
    values = props.get(column.path, [])
    if column.value == "qid":
        found = [local(v.value, WIKIDATA) for v in values if v.value.startswith(WIKIDATA)]
        return found[0] if found else ""
    if column.value == "concept":
        found = [local(v.value, column.prefix) for v in values if v.value.startswith(column.prefix)]
        return SEPARATOR.join(found)
    return SEPARATOR.join(v.value for v in values)


def _entities(klass_of: Callable[[Reader], str]):
    """Rows of an entity table: one per instance of a class, a cell per column."""

    def rows(reader: Reader, cols, typed_in):
        klass = klass_of(reader)
        paths = sorted({c.path for c in cols if c.path})
        found = reader.properties(klass, paths)
        for iri, props in found.items():
            yield tuple(_entity_cell(c, iri, props, reader, typed_in) for c in cols)

    return rows


def _entity_cell(column: Column, iri: str, props: dict, reader: Reader, typed_in) -> str:
    if column.name == "iri":
        return iri
    if column.name == "graph":
        return typed_in.get(iri, "")
    if column.name == "group":
        return _boolean(reader.pg(terms.ActorGroup) in iris(props, f"{RDF}type"))
    return _value(column, props)


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _propositions(reader: Reader, cols, typed_in):
    paths = [c.path for c in cols if c.path]
    for iri, props in reader.properties(f"{RDF}Statement", paths).items():
        obj = one(props, f"{RDF}object")
        cells = {c.name: _value(c, props) for c in cols if c.path}
        cells |= {"iri": iri, "object_is_iri": _boolean(isinstance(obj, ox.NamedNode))}
        yield tuple(cells[c.name] for c in cols)


def _pairs(klass: str, path: str):
    """Rows of a link table: (thing, value) for each value of ``path`` on things of ``klass``."""

    def rows(reader: Reader, cols, typed_in):
        found = reader.properties(reader.pg(klass), [reader.pg(path)])
        for iri, props in found.items():
            for value in iris(props, reader.pg(path)):
                yield (iri, value)

    return rows


def _participants(reader: Reader, cols, typed_in):
    pg = reader.pg
    events = reader.properties(pg(terms.Event), [pg(terms.hasParticipation)])
    parts = reader.linked(pg(terms.hasParticipation), [pg(terms.participant), pg(terms.role)])
    role = next(c for c in cols if c.name == "role")
    for iri, props in events.items():
        for p in iris(props, pg(terms.hasParticipation)):
            for actor in iris(parts.get(p, {}), pg(terms.participant)):
                yield (iri, actor, _value(role, parts.get(p, {})))


def _about(reader: Reader, cols, typed_in):
    about = reader.pg(terms.about)
    for klass in (terms.Claim, terms.Event, terms.Relation):
        for iri, props in reader.properties(reader.pg(klass), [about]).items():
            for value in iris(props, about):
                yield (iri, value)


def _anchors(reader: Reader, cols, typed_in):
    rows = reader.rows(
        f"SELECT DISTINCT ?anchor ?thing ?source ?exact ?prefix ?suffix ?start ?end WHERE {{ "
        f"?thing <{reader.pg(terms.evidence)}> ?anchor . ?anchor <{OA.hasSource}> ?source ; "
        f"<{OA.hasSelector}> ?quote, ?position . ?quote <{OA.exact}> ?exact . "
        f"?position <{OA.start}> ?start ; <{OA.end}> ?end . "
        f"OPTIONAL {{ ?quote <{OA.prefix}> ?prefix }} "
        f"OPTIONAL {{ ?quote <{OA.suffix}> ?suffix }} }}"
    )
    for row in rows:
        yield tuple("" if term is None else term.value for term in row)


_ROWS = {
    "actors": _entities(lambda r: r.pg(terms.Actor)),
    "claims": _entities(lambda r: r.pg(terms.Claim)),
    "claimants": _pairs(terms.Claim, terms.claimant),
    "propositions": _propositions,
    "events": _entities(lambda r: r.pg(terms.Event)),
    "participants": _participants,
    "relations": _entities(lambda r: r.pg(terms.Relation)),
    "disputes": _entities(lambda r: r.pg(terms.Dispute)),
    "dispute_parties": _pairs(terms.Dispute, terms.party),
    "about": _about,
    "anchors": _anchors,
}
