"""The one store seam: what the publisher asks of a query store, whichever engine answers.

DESIGN.md § Store and scale. :class:`Store` is implemented by the embedded pyoxigraph store, in
memory or on disk (:class:`graph.store.embedded.EmbeddedStore`), and by an external SPARQL 1.1
endpoint (:class:`graph.store.remote.RemoteStore`). Both answer with pyoxigraph terms. What
differs between engines is said by what a store *is* (its default graph, whether it stops a
query at its deadline, whether it finds literal values by range, where it lives), never by
which class it is: the publisher never asks.

Datasets (SPARQL 1.1 Query §13): ``default_graph=None`` is the store's default graph — the union
of the data graphs, each triple once (``default_graph == "data"``), or every graph's triples
taken together, the vocabulary included (``"all"``); ``named_graphs=None`` is every graph of the
store. Lists name the graphs exactly (an empty list: none).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

#: A graph named in a dataset: its IRI, or the node.
GraphName = str | ox.NamedNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: One solution of a SELECT, by position (None: unbound).
Row = tuple[Term | None, ...]


def value_of(term: Term | None) -> str:
    """The value of an IRI, a literal or a blank node (its label); a TypeError for anything
    else (an unbound variable, an RDF-star triple), where a query's shape promised one."""
    if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode):
        return term.value
    raise TypeError(f"expected an IRI, a literal or a blank node, not {term!r}")


#: A quad pattern: subject, predicate, object (None: any) and graph (``DefaultGraph()``: the
#: default graph; a named node: that graph; None: any named graph).
QuadPattern = tuple[
    ox.NamedNode | ox.BlankNode | None,
    ox.NamedNode | None,
    ox.NamedNode | ox.BlankNode | ox.Literal | None,
    ox.NamedNode | ox.DefaultGraph | None,
]


def nt_pattern_term(term: Term) -> str:
    """An IRI or a literal in N-Triples syntax, which SPARQL reads (§19.5); a blank node of the
    store cannot be named in a SPARQL query, and is refused."""
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)
    raise TypeError(f"a SPARQL pattern names IRIs and literals only, not {term!r}")


def pattern_query(
    pattern: QuadPattern, write: Callable[[Term], str] = nt_pattern_term
) -> tuple[str, list[str]]:
    """A SELECT of the quads matching ``pattern`` (SPARQL 1.1 Query §18.1.3, triple patterns
    with a ``GRAPH`` clause for a named graph), and the names of its variables in order;
    ``write`` writes a term of the pattern."""
    names = []
    parts = []
    for name, term in zip("spo", pattern[:3], strict=True):
        if term is None:
            names.append(name)
            parts.append(f"?{name}")
        else:
            parts.append(write(term))
    where = " ".join(parts)
    graph = pattern[3]
    if graph is None:
        names.append("g")
        where = f"GRAPH ?g {{ {where} }}"
    elif isinstance(graph, ox.NamedNode):
        where = f"GRAPH {graph} {{ {where} }}"
    elif not isinstance(graph, ox.DefaultGraph):
        raise TypeError(f"not a graph of a pattern: {graph!r}")
    projection = " ".join(f"?{name}" for name in names) if names else "(1 AS ?match)"
    return f"SELECT {projection} WHERE {{ {where} }}", names


class StoreError(Exception):
    """The store failed to answer (unreachable, or an answer that makes no sense)."""


class StoreTimeout(StoreError):
    """The store did not answer within the timeout; ``estimated``: it refused up front, its
    own estimate of the time being over its limit."""

    estimated = False


class UnreadableAnswer(StoreError):
    """The store answered something that cannot be read as what was asked."""


class Solution:
    """One solution, indexable like ``pyoxigraph.QuerySolution`` (by position, name or Variable)."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: tuple[Term | None, ...]):
        self._names = names
        self._values = values

    def __getitem__(self, key: int | str | ox.Variable) -> Term | None:
        if isinstance(key, int):
            return self._values[key]
        if isinstance(key, ox.Variable):
            key = key.value
        return self._values[self._names[key]]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Term | None]:
        return iter(self._values)

    def __repr__(self) -> str:
        pairs = " ".join(f"{name}={self._values[i]}" for name, i in self._names.items())
        return f"<Solution {pairs}>"


class Solutions:
    """The solutions of a SELECT, iterable once or more, with ``variables`` as pyoxigraph's
    ``QuerySolutions`` has; ``partial``: the engine cut the answer short itself."""

    def __init__(self, variables: list[str], rows: list[tuple], partial: bool = False):
        self.variables = [ox.Variable(name) for name in variables]
        self._names = {name: i for i, name in enumerate(variables)}
        self._rows = rows
        self.partial = partial

    def __iter__(self) -> Iterator[Solution]:
        return (Solution(self._names, row) for row in self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class Triples(list):
    """The triples of a CONSTRUCT or DESCRIBE; ``partial``: the engine cut the answer short."""

    partial = False


#: What :meth:`Store.query` answers: the solutions of a SELECT (pyoxigraph's, or
#: :class:`Solutions`), the boolean of an ASK, or the triples of a CONSTRUCT or DESCRIBE.
QueryResult = ox.QuerySolutions | Solutions | bool | ox.QueryBoolean | Iterable[ox.Triple]


class Store(ABC):
    """A query store: SPARQL 1.1 queries, quad patterns, named graphs, counts and dumps."""

    #: The default graph a query without a dataset reads: ``"data"`` or ``"all"`` (module doc).
    default_graph: Literal["data", "all"] = "data"
    #: Whether :meth:`query` stops a query at its ``timeout`` itself. When it cannot, the
    #: publisher runs a query whose work is not bounded where it can stop it (a process it
    #: kills, :mod:`server.sparql.engine`).
    stops_queries: bool = False
    #: Whether the engine finds the literals in a range without reading them all; when it does
    #: not, the publisher keeps a date index to narrow date-range queries.
    indexes_values: bool = False
    #: The folder an on-disk store lives in (what is kept about it goes beside it), else None.
    folder: Path | None = None

    @abstractmethod
    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[GraphName] | None = None,
        use_default_graph_as_union: bool = False,
        timeout: float | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query over the dataset given (module doc); the query's own
        ``FROM`` clauses count only where no list is given. ``use_default_graph_as_union``: the
        default graph is every graph's triples together. ``timeout``: seconds, for a store that
        :attr:`stops_queries`. Raises ``SyntaxError`` for a query the engine refuses to read,
        :class:`StoreTimeout` past the timeout, :class:`StoreError` when the store fails."""

    def rows(
        self,
        query: str,
        *,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[GraphName] | None = None,
        use_default_graph_as_union: bool = False,
    ) -> list[Row]:
        """The solutions of a SELECT as tuples of terms (None: unbound), in the engine's order,
        over the dataset :meth:`query` would read."""
        result = self.query(
            query,
            default_graph=default_graph,
            named_graphs=named_graphs,
            use_default_graph_as_union=use_default_graph_as_union,
        )
        if not isinstance(result, ox.QuerySolutions | Solutions):
            raise TypeError(f"not a SELECT: {query[:60]!r}")
        return [tuple(solution) for solution in result]

    def triples(
        self, query: str, *, named_graphs: Sequence[GraphName] | None = None
    ) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE (its graph patterns over the store's dataset,
        or over ``named_graphs`` by name)."""
        result = self.query(query, named_graphs=named_graphs)
        if isinstance(result, bool | ox.QueryBoolean | ox.QuerySolutions | Solutions):
            raise TypeError(f"not a CONSTRUCT or DESCRIBE: {query[:60]!r}")
        return list(result)

    @abstractmethod
    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None = None,
        predicate: ox.NamedNode | None = None,
        object: Term | None = None,  # noqa: A002 - pyoxigraph's name
        graph_name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching the pattern; ``graph_name`` None: every named graph, and
        ``DefaultGraph()``: the store's default graph."""

    def pattern_page(
        self,
        pattern: QuadPattern,
        *,
        offset: int,
        limit: int,
        named_graphs: Sequence[GraphName] | None = None,
    ) -> list[ox.Quad]:
        """At most ``limit`` quads matching ``pattern`` after the first ``offset``, in the
        engine's order: pyoxigraph's is the order of its index for the pattern, the same for
        the same data; without ``ORDER BY`` (which would sort every match for each page) an
        external engine's is its own (Virtuoso's follows its indexes too).

        One SPARQL 1.1 query (§15.4 OFFSET, §15.5 LIMIT), so every store answers it, and the
        engine stops after ``offset + limit`` solutions. Graph ``DefaultGraph()``: the store's
        default graph (the dataset a query without one reads); a named node: that graph; None:
        every named graph (``GRAPH ?g``), or those of ``named_graphs``.
        """
        query, variables = pattern_query(pattern, self.pattern_term)
        result = self.query(
            f"{query} OFFSET {int(offset)} LIMIT {int(limit)}", named_graphs=named_graphs
        )
        if not isinstance(result, ox.QuerySolutions | Solutions):
            raise TypeError("a pattern query answered no solutions")
        quads = []
        for solution in result:
            bound = dict(zip(variables, solution, strict=True)) if variables else {}
            s, p, o, g = (bound.get(name, term) for name, term in zip("spog", pattern, strict=True))
            if s is None or p is None or o is None:
                raise TypeError("a pattern query left a term of its quads unbound")
            quads.append(ox.Quad(s, p, o, g))
        return quads

    def pattern_term(self, term: Term) -> str:
        """A term of a pattern in this engine's SPARQL (:func:`nt_pattern_term`: no blank
        node; an engine that names its blank nodes says how)."""
        return nt_pattern_term(term)

    def pattern_count(
        self,
        pattern: QuadPattern,
        *,
        cap: int,
        named_graphs: Sequence[GraphName] | None = None,
    ) -> int:
        """How many quads match ``pattern`` (:meth:`pattern_page`), counted up to ``cap`` + 1:
        a count over ``cap`` means "more than ``cap``", and costs no more than reading them."""
        query, _ = pattern_query(pattern, self.pattern_term)
        rows = self.rows(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {query} LIMIT {int(cap) + 1} }} }}",
            named_graphs=named_graphs,
        )
        return int(value_of(rows[0][0])) if rows and rows[0][0] is not None else 0

    @abstractmethod
    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        """The named graphs of the store."""

    @abstractmethod
    def graph_sizes(self, graphs: Iterable[ox.NamedNode]) -> dict[str, int]:
        """Graph IRI → its number of triples, for each of ``graphs``."""

    @abstractmethod
    def graph_ntriples(self, graph: ox.NamedNode) -> bytes:
        """The triples of the named graph ``graph`` as N-Triples (§2), in the store's order."""

    def dumped_graphs(self) -> list[str]:
        """The named graphs a dump of this store holds, by IRI in order: every named graph."""
        return sorted(g.value for g in self.named_graphs() if isinstance(g, ox.NamedNode))

    @abstractmethod
    def __len__(self) -> int:
        """The number of quads."""

    def union_alone(self) -> Store | None:
        """A store holding this one's default graph alone (as its default graph), for queries
        that read nothing else; None when this store keeps none (the default)."""
        return None

    @abstractmethod
    def before_fork(self) -> None:
        """Let go of what a forked process must not share (an on-disk store's handle)."""

    @abstractmethod
    def after_fork(self) -> None:
        """Take up again, in a forked process, what :meth:`before_fork` let go of."""
