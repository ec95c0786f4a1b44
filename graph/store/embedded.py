"""The embedded store: pyoxigraph in memory or on disk, and putting a dataset into it.

An on-disk store is built offline in a fresh folder and swapped into place by rename, so a crash
during a build leaves the previous complete store (or none) and never a half-written one; serving
processes open it read-only (a RocksDB store opened before fork diverges between processes).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

import pyoxigraph
from rdflib import Dataset, URIRef

from graph.store.base import GraphName, QueryResult, Store, value_of

NQUADS = pyoxigraph.RdfFormat.N_QUADS


def dataset_nquads(dataset: Dataset) -> bytes:
    """The dataset as N-Quads, lines sorted so that equal datasets give equal bytes.

    Each named graph is written as N-Triples and its graph label appended to every line
    (N-Quads §2: a statement is an N-Triples statement plus an optional graph label).
    """
    lines = set()
    for named in dataset.graphs():
        if not isinstance(named.identifier, URIRef) or not len(named):
            continue
        label = f" <{named.identifier}> ."
        for line in named.serialize(format="nt").splitlines():
            if line.endswith(" ."):
                lines.add(line[:-2] + label)
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


def materialize_union(store: pyoxigraph.Store, vocabulary: Iterable[str] = ()) -> None:
    """Make the default graph the union of every named graph but ``vocabulary``.

    SPARQL 1.1 Update §3.1.3 (INSERT … WHERE): a triple in several data graphs is stored once
    (an RDF graph is a set), and a store built earlier gets its stale union replaced.
    """
    excluded = ", ".join(f"<{iri}>" for iri in vocabulary)
    keep = f"FILTER(?g NOT IN ({excluded}))" if excluded else ""
    store.update("CLEAR SILENT DEFAULT")
    store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {keep} }}")


def has_union(store: pyoxigraph.Store) -> bool:
    """Whether the default graph holds something (the union, if a named graph does)."""
    default = pyoxigraph.DefaultGraph()
    return any(True for _ in store.quads_for_pattern(None, None, None, default)) or not any(
        True for _ in store.named_graphs()
    )


def memory_store(
    nquads: bytes, vocabulary: Iterable[str] = (), union: bool = True
) -> pyoxigraph.Store:
    """An in-memory store holding ``nquads`` and, with ``union``, the union of its data graphs
    (load it before forking workers)."""
    store = pyoxigraph.Store()
    store.load(nquads, format=NQUADS)
    if union:
        materialize_union(store, vocabulary)
    return store


def build(
    dataset: Dataset, path: Path | None = None, vocabulary: Iterable[str] = (), union: bool = True
) -> EmbeddedStore:
    """Load ``dataset`` into a new store: in memory, or on disk at ``path`` (then read-only).

    ``vocabulary`` names the graphs left out of the default graph (the ontology and shapes);
    without ``union`` the default graph stays empty (setting ``default_graph`` = ``all``).
    """
    nquads = dataset_nquads(dataset)
    if path is None:
        return EmbeddedStore(memory_store(nquads, vocabulary, union), union=union)
    build_on_disk(nquads, Path(path), vocabulary, union)
    return EmbeddedStore.on_disk(Path(path), union)


def build_on_disk(
    nquads: bytes | Path, path: Path, vocabulary: Iterable[str] = (), union: bool = True
) -> None:
    """Build a store in a sibling folder, then swap it in atomically (rename on one filesystem).

    One build at a time per ``path`` (an advisory lock, released by the kernel even on
    ``kill -9``); under it, staging folders a killed build left behind are removed first and a
    swap interrupted between its two renames is completed backwards (the old store restored).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(path):
        recover(path)
        for leftover in path.parent.glob(f".{path.name}.building-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
        try:
            store = pyoxigraph.Store(str(staging))
            if isinstance(nquads, Path):
                store.bulk_load(path=str(nquads), format=NQUADS)
            else:
                store.bulk_load(nquads, format=NQUADS)
            if union:
                materialize_union(store, vocabulary)
            store.flush()
            store.optimize()
            del store
            drop_spent_log(staging)
            retired = _retired(path)
            shutil.rmtree(retired, ignore_errors=True)
            if path.exists():
                os.replace(path, retired)
            os.replace(staging, path)
            shutil.rmtree(retired, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def drop_spent_log(path: Path) -> None:
    """Open and close the store read-write once, so that RocksDB deletes the write-ahead log its
    memtables were flushed from (after a bulk load and the union's INSERT, a large part of the
    folder)."""
    store = pyoxigraph.Store(str(path))
    del store


def _retired(path: Path) -> Path:
    return path.with_name(f".{path.name}.retired")


@contextlib.contextmanager
def _build_lock(path: Path):
    with open(path.with_name(f".{path.name}.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(path: Path) -> None:
    """Restore the previous store if a build died between moving it aside and moving in the new."""
    path = Path(path)
    retired = _retired(path)
    if not path.exists() and retired.is_dir():
        os.replace(retired, path)


def open_read_only(path: Path) -> pyoxigraph.Store:
    """Open an on-disk store read-only (one per worker process, after fork)."""
    if not Path(path).exists() and _retired(Path(path)).is_dir():
        with _build_lock(Path(path)):  # waits for a running build; then completes a dead one's
            recover(Path(path))
    if not Path(path).is_dir():
        raise FileNotFoundError(f"no store at {path}")
    return pyoxigraph.Store.read_only(str(path))


class EmbeddedStore(Store):
    """A pyoxigraph store, in memory or on disk (``path``), as a :class:`graph.store.base.Store`.

    ``union``: the default graph holds the union of the data graphs (setting ``default_graph =
    data``, :func:`materialize_union`); else a query without a dataset reads every graph's
    triples together (``all``). pyoxigraph cannot stop a query, nor find literals by range.
    An on-disk store lets go of its handle before a fork and opens the folder read-only again
    after it (a RocksDB handle must not cross a fork).
    """

    def __init__(
        self, store: pyoxigraph.Store | None, *, path: Path | None = None, union: bool = True
    ):
        self._store = store
        self.folder = Path(path) if path is not None else None
        self.default_graph = "data" if union else "all"

    @classmethod
    def loaded(
        cls, store: pyoxigraph.Store, vocabulary: Iterable[str] = (), union: bool = True
    ) -> EmbeddedStore:
        """An in-memory store a caller loaded itself; with ``union``, its default graph is made
        the union of its graphs but ``vocabulary`` when it holds none yet."""
        if union and not has_union(store):
            materialize_union(store, vocabulary)
        return cls(store, union=union)

    @classmethod
    def on_disk(cls, path: Path, union: bool = True) -> EmbeddedStore:
        """The on-disk store at ``path``, opened read-only."""
        return cls(open_read_only(path), path=path, union=union)

    @property
    def oxigraph(self) -> pyoxigraph.Store:
        """The pyoxigraph store itself (for what only pyoxigraph does: bulk loads, updates)."""
        if self._store is None:
            raise RuntimeError("the on-disk store is not open in this process (before a fork)")
        return self._store

    def __repr__(self) -> str:
        return f"<EmbeddedStore {self.folder or 'in memory'} default graph: {self.default_graph}>"

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
        """pyoxigraph's own evaluation (``timeout`` cannot be honoured: :attr:`stops_queries`
        is False); an ASK answers a ``bool``."""
        options: dict = {}
        if base_iri is not None:
            options["base_iri"] = base_iri
        if default_graph is not None:
            options["default_graph"] = [_node(g) for g in default_graph]
        elif use_default_graph_as_union or self.default_graph == "all":
            options["use_default_graph_as_union"] = True
        if named_graphs is not None:
            options["named_graphs"] = [_node(g) for g in named_graphs]
        result = self.oxigraph.query(query, **options)
        return bool(result) if isinstance(result, pyoxigraph.QueryBoolean) else result

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None):  # noqa: A002
        return self.oxigraph.quads_for_pattern(subject, predicate, object, graph_name)

    def pattern_page(self, pattern, *, offset, limit, named_graphs=None):
        """:meth:`Store.pattern_page`; a pattern naming a blank node (which SPARQL cannot)
        is read from pyoxigraph's pattern index instead."""
        if not _names_blank_node(pattern):
            return super().pattern_page(
                pattern, offset=offset, limit=limit, named_graphs=named_graphs
            )
        return list(islice(self._blank_pattern(pattern), offset, offset + limit))

    def pattern_count(self, pattern, *, cap, named_graphs=None):
        """:meth:`Store.pattern_count`, a blank node's pattern as :meth:`pattern_page` reads it."""
        if not _names_blank_node(pattern):
            return super().pattern_count(pattern, cap=cap, named_graphs=named_graphs)
        return sum(1 for _ in islice(self._blank_pattern(pattern), cap + 1))

    def _blank_pattern(self, pattern):
        subject, predicate, object_, graph = pattern
        found = self.oxigraph.quads_for_pattern(
            subject, predicate, object_, None if graph is None or self._all(graph) else graph
        )
        if graph is None:  # every named graph
            yield from (q for q in found if not isinstance(q.graph_name, pyoxigraph.DefaultGraph))
        elif self._all(graph):  # the union of every graph, each triple once
            seen = set()
            for quad in found:
                if quad.triple not in seen:
                    seen.add(quad.triple)
                    yield pyoxigraph.Quad(quad.subject, quad.predicate, quad.object)
        else:
            yield from found

    def _all(self, graph) -> bool:
        return isinstance(graph, pyoxigraph.DefaultGraph) and self.default_graph == "all"

    def named_graphs(self):
        return self.oxigraph.named_graphs()

    def has_union(self) -> bool:
        """:func:`has_union` of this store."""
        return has_union(self.oxigraph)

    def graph_sizes(self, graphs: Iterable[pyoxigraph.NamedNode]) -> dict[str, int]:
        """One query counting every graph (SPARQL 1.1 Query §11 ``GROUP BY``)."""
        sizes = {
            value_of(row[0]): int(value_of(row[1]))
            for row in self.rows(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            )
        }
        return {g.value: sizes.get(g.value, 0) for g in graphs}

    def graph_ntriples(self, graph: pyoxigraph.NamedNode) -> bytes:
        """The triples of ``graph`` as N-Triples, by pyoxigraph's writer."""
        return self.oxigraph.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph) or b""

    def __len__(self) -> int:
        return len(self.oxigraph)

    def union_alone(self) -> EmbeddedStore | None:
        """In memory, with the union as default graph: a store of that union alone.

        pyoxigraph's in-memory store keeps one list of quads per term across every graph, so a
        pattern over the default graph of a store that also holds the named graphs walks each
        triple twice; the union alone, in a store of its own, is walked once. The same term
        objects go in: blank nodes keep their identities, so answers are the same bytes.
        """
        if self.folder is not None or self.default_graph != "data":
            return None
        alone = pyoxigraph.Store()
        alone.extend(
            pyoxigraph.Quad(quad.subject, quad.predicate, quad.object)
            for quad in self.oxigraph.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
        )
        return EmbeddedStore(alone)

    def before_fork(self) -> None:
        """An on-disk store closes its handle (reopened per process by :meth:`after_fork`)."""
        if self.folder is not None:
            self._store = None

    def after_fork(self) -> None:
        """An on-disk store opens its folder read-only in this process."""
        if self.folder is not None:
            self._store = open_read_only(self.folder)


def _names_blank_node(pattern) -> bool:
    return any(isinstance(term, pyoxigraph.BlankNode) for term in pattern[:3])


def _node(graph: GraphName) -> pyoxigraph.NamedNode:
    return graph if isinstance(graph, pyoxigraph.NamedNode) else pyoxigraph.NamedNode(graph)
