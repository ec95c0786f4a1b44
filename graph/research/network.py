"""The actor network: who says what about whom, and who does what to whom (issue 18 §2, 19 §1).

Nodes are the actors (``pg:Actor``): IRI, labels in en / zh-Hans / zh-Hant, schema.org type,
whether an unnamed group (``pg:ActorGroup``), Wikidata QID from ``owl:sameAs``. Edges come from
claims and events, one per (claim or event, source actor, target actor), so a multigraph:

- a claim: its claimant → each actor its proposition is about, as the proposition's
  ``rdf:subject`` or ``rdf:object`` (RDF 1.1 Semantics §D.4), looking into a proposition that is
  itself a statement (a conditional claim's condition, ``pg:condition``). A claim whose
  proposition names no actor (an event or a phrase only) has no edge.
- an event: each participant acting (role initiator, speaker, voter, reporter) → each
  participant acted on (target, recipient, subject), ``pg:hasParticipation``. An event with no
  acting or no acted-on participant (co-initiators only, voters only) has no edge.

Self-loops are kept (an actor's claim about itself). Each edge carries the claim's stance and
modality or the event's type and status, the time placement (an exact ``date`` — ``pg:claimDate``
or ``sem:hasTimeStamp`` — or the SEM bounds ``earliest``/``latest``), the disputes it is about,
and the quotes that evidence it with their code-point offsets. Concepts are given by local name
(``asserts``, ``hedged``, ``occurred``). Everything is sorted: equal data, equal network.

Use: ``network(store, base)`` with a :class:`graph.store.Store` (the publisher's), or
``network(reading.store_of(dataset, base), base)`` from a validated rdflib dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.research.reading import Anchor, Reader, iris, labels, local, one
from graph.store import Store
from ontology import SCHEMA, SEM, terms

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
WIKIDATA = "http://www.wikidata.org/entity/"
#: Roles whose participant acts (edge source) and is acted on (edge target).
ACTING = (terms.role_initiator, terms.role_speaker, terms.role_voter, terms.role_reporter)
ACTED_ON = (terms.role_target, terms.role_recipient, terms.role_subject)


@dataclass(frozen=True)
class Actor:
    """A node: an actor of the dataset."""

    iri: str
    labels: dict[str, str]  # language (en, zh-Hans, zh-Hant) → preferred label
    type: str  # schema.org class, local name (Country, Person, …), "" if none
    group: bool  # a pg:ActorGroup (an unnamed group of people)
    qid: str  # Wikidata QID of an owl:sameAs link, "" if none

    @property
    def label(self) -> str:
        return self.labels.get("en") or next(iter(self.labels.values()), self.iri)


@dataclass(frozen=True)
class Edge:
    """An edge: one claim or event from one actor to another (module doc)."""

    source: str  # actor IRI
    target: str  # actor IRI
    kind: str  # "claim" or "event"
    iri: str  # the claim or event
    label: str  # the claim's or event's English label
    source_role: str  # "claimant", or the event role (initiator, speaker, …)
    target_role: str  # "subject", "object" (of the proposition), or the event role
    stance: str  # claims: stance (asserts, argues, …); events: ""
    modality: str  # claims: the essay's commitment (asserted, hedged, reported, …); events: ""
    event_type: str  # events: type (veto, criticize, …); claims: ""
    status: str  # events: occurred, reported, prospective, ongoing; claims: ""
    date: str  # exact time (xsd:date, gYearMonth or gYear lexical form), or ""
    earliest: str  # SEM earliest begin, or ""
    latest: str  # SEM latest end, or ""
    disputes: tuple[str, ...]  # IRIs of the disputes it is about
    quotes: tuple[Anchor, ...]  # its evidence, in text order


@dataclass(frozen=True)
class Network:
    """Actors (sorted by IRI) and edges (sorted by source, target, kind, IRI)."""

    actors: tuple[Actor, ...]
    edges: tuple[Edge, ...]

    def actor(self, iri: str) -> Actor:
        """The actor ``iri``; a KeyError if there is none."""
        for actor in self.actors:
            if actor.iri == iri:
                return actor
        raise KeyError(iri)


def network(store: Store, base: str) -> Network:
    """The actor network of the data graphs of ``store`` (module doc)."""
    reader = Reader.of(store, base)
    actors = _actors(reader)
    known = {a.iri for a in actors}
    anchors = reader.anchors()
    disputes = set(reader.instances(reader.pg(terms.Dispute)))
    edges = _claim_edges(reader, known, anchors, disputes) + _event_edges(
        reader, known, anchors, disputes
    )
    edges.sort(key=lambda e: (e.source, e.target, e.kind, e.iri, e.source_role, e.target_role))
    return Network(tuple(actors), tuple(edges))


def _actors(reader: Reader) -> list[Actor]:
    group = reader.pg(terms.ActorGroup)
    found = reader.properties(reader.pg(terms.Actor), (f"{RDF}type", SKOS_PREF, OWL_SAME_AS))
    actors = []
    for iri, props in found.items():
        types = iris(props, f"{RDF}type")
        schema_types = [local(t, str(SCHEMA)) for t in types if t.startswith(str(SCHEMA))]
        qids = [local(s, WIKIDATA) for s in iris(props, OWL_SAME_AS) if s.startswith(WIKIDATA)]
        actors.append(
            Actor(
                iri=iri,
                labels=labels(props, SKOS_PREF),
                type=schema_types[0] if schema_types else "",
                group=group in types,
                qid=qids[0] if qids else "",
            )
        )
    return actors


def time_of(props: dict, exact: str) -> tuple[str, str, str]:
    """(date, earliest, latest) of a claim or event: lexical forms, "" where absent."""
    date, earliest, latest = (
        one(props, p)
        for p in (exact, str(SEM.hasEarliestBeginTimeStamp), str(SEM.hasLatestEndTimeStamp))
    )
    return _text(date), _text(earliest), _text(latest)


def _text(term) -> str:
    return term.value if term is not None else ""


def _claim_predicates(reader: Reader) -> tuple[str, ...]:
    """What a claim's edges need of it."""
    pg = reader.pg
    return (
        SKOS_PREF,
        pg(terms.claimant),
        pg(terms.stance),
        pg(terms.modality),
        pg(terms.claimDate),
        pg(terms.about),
        pg(terms.proposition),
        pg(terms.condition),
        str(SEM.hasEarliestBeginTimeStamp),
        str(SEM.hasLatestEndTimeStamp),
    )


def _event_predicates(reader: Reader) -> tuple[str, ...]:
    """What an event's edges need of it."""
    pg = reader.pg
    return (
        SKOS_PREF,
        pg(terms.status),
        pg(terms.about),
        pg(terms.hasParticipation),
        str(SEM.eventType),
        str(SEM.hasTimeStamp),
        str(SEM.hasEarliestBeginTimeStamp),
        str(SEM.hasLatestEndTimeStamp),
    )


def _claim_edges(reader: Reader, known: set, anchors: dict, disputes: set) -> list[Edge]:
    pg = reader.pg
    claims = reader.properties(pg(terms.Claim), _claim_predicates(reader))
    statements = _statements(reader)
    edges = []
    for iri, props in claims.items():
        targets = _actors_of(
            iris(props, pg(terms.proposition)) + iris(props, pg(terms.condition)),
            statements,
            known,
        )
        mentioned = _mentioned(iris(props, pg(terms.proposition)), statements)
        date, earliest, latest = time_of(props, pg(terms.claimDate))
        about = tuple(
            sorted(d for d in {*iris(props, pg(terms.about)), *mentioned} if d in disputes)
        )
        for claimant in iris(props, pg(terms.claimant)):
            if claimant not in known:
                continue
            for target, role in targets:
                edges.append(
                    Edge(
                        source=claimant,
                        target=target,
                        kind="claim",
                        iri=iri,
                        label=labels(props, SKOS_PREF).get("en", ""),
                        source_role="claimant",
                        target_role=role,
                        stance=local(_iri(props, pg(terms.stance)), pg("stance-")),
                        modality=local(_iri(props, pg(terms.modality)), pg("modality-")),
                        event_type="",
                        status="",
                        date=date,
                        earliest=earliest,
                        latest=latest,
                        disputes=about,
                        quotes=tuple(anchors.get(iri, ())),
                    )
                )
    return edges


def _statements(reader: Reader) -> dict:
    """Every ``rdf:Statement`` (propositions, conditions and the statements they nest): its
    subject and object, by IRI."""
    return reader.properties(f"{RDF}Statement", (f"{RDF}subject", f"{RDF}object"))


def _mentioned(propositions: list[str], statements: dict) -> set[str]:
    """Every IRI a proposition names as subject or object, through nested statements."""
    seen: set[str] = set()
    todo = list(propositions)
    while todo:
        node = todo.pop()
        for part in ("subject", "object"):
            for value in iris(statements.get(node, {}), f"{RDF}{part}"):
                if value not in seen:
                    seen.add(value)
                    todo.append(value)
    return seen


def _actors_of(propositions: list[str], statements: dict, known: set) -> list[tuple[str, str]]:
    """(actor, "subject" or "object") for the actors the propositions name, once each."""
    found: dict[str, str] = {}
    todo = list(propositions)
    seen: set[str] = set()
    while todo:
        node = todo.pop(0)
        if node in seen:
            continue
        seen.add(node)
        for part in ("subject", "object"):
            for value in iris(statements.get(node, {}), f"{RDF}{part}"):
                if value in known:
                    found.setdefault(value, part)
                elif value in statements:
                    todo.append(value)
    return sorted(found.items())


def _event_edges(reader: Reader, known: set, anchors: dict, disputes: set) -> list[Edge]:
    pg = reader.pg
    events = reader.properties(pg(terms.Event), _event_predicates(reader))
    participations = reader.linked(
        pg(terms.hasParticipation), (pg(terms.participant), pg(terms.role))
    )
    acting = {pg(r) for r in ACTING}
    acted_on = {pg(r) for r in ACTED_ON}
    edges = []
    for iri, props in events.items():
        roles = sorted(
            (actor, role)
            for p in iris(props, pg(terms.hasParticipation))
            for actor in iris(participations.get(p, {}), pg(terms.participant))
            for role in iris(participations.get(p, {}), pg(terms.role))
            if actor in known
        )
        date, earliest, latest = time_of(props, str(SEM.hasTimeStamp))
        about = tuple(sorted(d for d in iris(props, pg(terms.about)) if d in disputes))
        for source, source_role in roles:
            if source_role not in acting:
                continue
            for target, target_role in roles:
                if target_role not in acted_on or target == source:
                    continue
                edges.append(
                    Edge(
                        source=source,
                        target=target,
                        kind="event",
                        iri=iri,
                        label=labels(props, SKOS_PREF).get("en", ""),
                        source_role=local(source_role, pg("role-")),
                        target_role=local(target_role, pg("role-")),
                        stance="",
                        modality="",
                        event_type=local(_iri(props, str(SEM.eventType)), pg("event-")),
                        status=local(_iri(props, pg(terms.status)), pg("status-")),
                        date=date,
                        earliest=earliest,
                        latest=latest,
                        disputes=about,
                        quotes=tuple(anchors.get(iri, ())),
                    )
                )
    return edges


def _iri(props: dict, predicate: str) -> str | None:
    found = iris(props, predicate)
    return found[0] if found else None


__all__ = ["Actor", "Anchor", "Edge", "Network", "network"]
