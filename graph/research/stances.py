"""Stance matrices: who takes which stance on each dispute, and on each proposition.

A claim (``pg:Claim``) has a claimant, a stance (what the claimant does: asserts, warns,
recommends…), a modality (the source's commitment) and a proposition (an ``rdf:Statement``, with
its own modality: the claimant's qualification). The matrix *actor × dispute* puts each claim in
the cell of each of its claimants and each dispute it is about (``pg:about``, or named by its
proposition; the same disputes the timeline files it under,
:attr:`graph.research.timeline.Item.disputes`). The matrix *actor × proposition* puts it in the
cell of its proposition's content (subject, predicate, object): two claims stating the same
statement share a column, whatever their proposition nodes. A cell lists the claims, never a
count alone, so every entry leads to its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

import ontology
from graph.research.timeline import CLAIM, Timeline
from graph.research.timeline import read as read_timeline
from graph.store import Store
from graph.store.base import value_of
from ontology import terms as t

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DISPUTE, PROPOSITION = "dispute", "proposition"
MATRICES = (DISPUTE, PROPOSITION)


@dataclass(frozen=True)
class Entry:
    """One claim in a cell: its stance, the claim's modality and its proposition's."""

    claim: str
    stance: str
    modality: str | None
    proposition_modality: str | None = None

    def as_dict(self) -> dict:
        return {
            "claim": self.claim,
            "stance": self.stance,
            "modality": self.modality,
            "propositionModality": self.proposition_modality,
        }


@dataclass(frozen=True)
class Statement:
    """A proposition's content; ``object`` is an IRI when ``object_is_iri``, else a literal's
    text (``object_language`` its tag). ``nodes``: the proposition nodes stating it."""

    subject: str
    predicate: str
    object: str
    object_is_iri: bool
    object_language: str | None = None
    nodes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The column's identifier: its first proposition node."""
        return self.nodes[0]

    def as_dict(self) -> dict:
        return {
            "id": self.key,
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "objectIsIri": self.object_is_iri,
            "objectLanguage": self.object_language,
            "propositions": list(self.nodes),
        }


@dataclass(frozen=True)
class Matrix:
    """Rows (actor IRIs), columns (dispute IRIs, or :attr:`Statement.key`) and the entries of
    each non-empty cell, keyed ``(row, column)``."""

    kind: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[tuple[str, str], tuple[Entry, ...]]
    statements: dict[str, Statement] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> tuple[Entry, ...]:
        return self.cells.get((row, column), ())

    def entries(self) -> list[tuple[str, str, Entry]]:
        """Every (row, column, entry), in row then column order: the long form of the matrix."""
        order = {c: i for i, c in enumerate(self.columns)}
        return [
            (row, column, entry)
            for (row, column), found in sorted(
                self.cells.items(), key=lambda kv: (self.rows.index(kv[0][0]), order[kv[0][1]])
            )
            for entry in found
        ]

    def claims(self) -> set[str]:
        return {entry.claim for found in self.cells.values() for entry in found}


def _query_statements(base: str) -> str:
    pg = ontology.pg(base)
    return f"""SELECT DISTINCT ?claim ?node ?modality ?s ?p ?o WHERE {{
  ?claim a <{pg[t.Claim]}> ; <{pg[t.proposition]}> ?node .
  ?node <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o .
  OPTIONAL {{ ?node <{pg[t.modality]}> ?modality }}
}}"""


@dataclass(frozen=True)
class Stances:
    """The claims of a dataset as matrices; :meth:`matrix` builds one, filtered."""

    timeline: Timeline  # its claims carry claimants, stances, modality and disputes
    propositions: dict[str, list[tuple[str, str | None, tuple]]]  # claim → (node, modality, spo)

    def matrix(
        self,
        kind: str,
        actors: set[str] | frozenset[str] = frozenset(),
        columns: set[str] | frozenset[str] = frozenset(),
        stances: set[str] | frozenset[str] = frozenset(),
        modalities: set[str] | frozenset[str] = frozenset(),
    ) -> Matrix:
        """The matrix ``kind`` (:data:`MATRICES`); each filter, when given, keeps only its
        values (rows, columns, entries by stance, by claim modality)."""
        if kind not in MATRICES:
            raise KeyError(f"no such matrix: {kind}")
        statements = self.statements() if kind == PROPOSITION else {}
        cells: dict[tuple[str, str], list[Entry]] = {}
        for item in self.timeline.items:
            if item.kind != CLAIM or (modalities and item.modality not in modalities):
                continue
            stated = self.propositions.get(item.iri, [])
            targets: list[tuple[str, str | None]]  # (column, proposition modality)
            if kind == DISPUTE:
                modality = stated[0][1] if stated else None
                targets = [(d, modality) for d in item.disputes]
            else:
                targets = [(statements[spo].key, modality) for _, modality, spo in stated]
            for actor in item.claimants:
                if actors and actor not in actors:
                    continue
                for stance in item.stances:
                    if stances and stance not in stances:
                        continue
                    for column, modality in targets:
                        entry = Entry(item.iri, stance, item.modality, modality)
                        cells.setdefault((actor, column), []).append(entry)
        if columns:
            cells = {key: found for key, found in cells.items() if key[1] in columns}
        rows = tuple(sorted({row for row, _ in cells}))
        cols = tuple(sorted({column for _, column in cells}))
        by_key = {statement.key: statement for statement in statements.values()}
        return Matrix(
            kind,
            rows,
            cols,
            {key: tuple(sorted(set(found), key=_entry_key)) for key, found in cells.items()},
            {key: by_key[key] for key in cols if key in by_key},
        )

    def statements(self) -> dict[tuple, Statement]:
        """Each proposition content (subject, predicate, object, …) with every node stating it,
        so that a column keeps its identifier whatever the filters."""
        nodes: dict[tuple, set[str]] = {}
        for stated in self.propositions.values():
            for node, _, spo in stated:
                nodes.setdefault(spo, set()).add(node)
        return {
            spo: Statement(spo[0], spo[1], spo[2], spo[3], spo[4], nodes=tuple(sorted(found)))
            for spo, found in nodes.items()
        }


def _entry_key(entry: Entry) -> tuple:
    return (entry.claim, entry.stance)


def read(store: Store, base: str, timeline: Timeline | None = None) -> Stances:
    """The stances of the dataset in ``store``; ``timeline`` if read already."""
    timeline = read_timeline(store, base) if timeline is None else timeline
    propositions: dict[str, list] = {}
    for claim, node, modality, s, p, o in store.rows(_query_statements(base)):
        spo = (
            value_of(s),
            value_of(p),
            value_of(o),
            isinstance(o, ox.NamedNode),
            getattr(o, "language", None) or None,
        )
        entry = (value_of(node), value_of(modality) if modality is not None else None, spo)
        propositions.setdefault(value_of(claim), []).append(entry)
    return Stances(timeline, {claim: sorted(found) for claim, found in propositions.items()})
