"""Loading a validated dataset into an external SPARQL 1.1 store (``policygraph load``).

Each named graph is replaced as a whole, by SPARQL 1.1 Graph Store HTTP Protocol PUT or by SPARQL
1.1 Update through :class:`graph.store.remote.RemoteStore`; the SHACL report goes with the data as
the graph ``{base}validation``, which the publisher reads before it serves a remote store.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable

import pyoxigraph as ox

from graph.store.client import Credentials, RemoteError, credentials_from_env, send
from graph.store.remote import (
    ENV_GRAPH_STORE_URL,
    ENV_UPDATE_URL,
    N_TRIPLES,
    VALIDATION_GRAPH,
    RemoteStore,
)
from graph.store.terms import nt_term


def _by_graph(nquads: bytes) -> dict[str, list[ox.Triple]]:
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    return graphs


def _ntriples(triples: Iterable[ox.Triple]) -> str:
    return "".join(
        f"{nt_term(t.subject)} {nt_term(t.predicate)} {nt_term(t.object)} .\n" for t in triples
    )


def put_graph(
    graph_store_url: str,
    graph: str,
    triples: list[ox.Triple],
    auth: Credentials | None = None,
    timeout: float = 120.0,
) -> None:
    """SPARQL 1.1 Graph Store HTTP Protocol §5.3: replace one named graph with a PUT.

    The graph is named by both ``graph`` (the Recommendation's parameter) and ``graph-uri``
    (Virtuoso 7's ``/sparql-graph-crud``, which reads only that one).
    """
    query = urllib.parse.urlencode([("graph", graph), ("graph-uri", graph)])
    separator = "&" if "?" in graph_store_url else "?"
    send(
        "PUT",
        f"{graph_store_url}{separator}{query}",
        accept="*/*",
        body=_ntriples(triples).encode("utf-8"),
        content_type=N_TRIPLES,
        timeout=timeout,
        auth=auth,
    )


def drop_graphs(
    url: str,
    graph_names: Iterable[str],
    update_url: str | None = None,
    *,
    graph_store_url: str | None = None,
    auth: Credentials | None = None,
    timeout: float = 120.0,
) -> None:
    """Remove named graphs from a SPARQL 1.1 store: Graph Store HTTP Protocol §5.4 DELETE when
    ``graph_store_url`` is given, else SPARQL 1.1 Update §3.2.2 ``DROP SILENT GRAPH``."""
    if auth is None:
        auth = credentials_from_env()
    graph_store_url = graph_store_url or os.environ.get(ENV_GRAPH_STORE_URL) or None
    store = RemoteStore(
        url, update_url or os.environ.get(ENV_UPDATE_URL) or None, auth, timeout=timeout
    )
    for graph in graph_names:
        if graph_store_url:
            query = urllib.parse.urlencode([("graph", graph), ("graph-uri", graph)])
            separator = "&" if "?" in graph_store_url else "?"
            try:
                send(
                    "DELETE",
                    f"{graph_store_url}{separator}{query}",
                    accept="*/*",
                    timeout=timeout,
                    auth=auth,
                )
            except RemoteError as error:
                if error.status != 404:  # §5.4: 404 for a graph that is not there
                    raise
        else:
            store.update(f"DROP SILENT GRAPH <{graph}>")


def insert_graph(store: RemoteStore, graph: str, triples: list[ox.Triple], batch: int = 250) -> int:
    """Replace one named graph with SPARQL 1.1 Update (§3.1.1 INSERT DATA, §3.2.2 DROP).

    Triples holding blank nodes go in one ``INSERT {…} WHERE {}`` (a blank node's scope is one
    operation, and Virtuoso refuses blank nodes in ``INSERT DATA``); the rest in batches.
    Batches stay small: Virtuoso 7.2 compiles ``INSERT DATA`` to SQL and refuses a statement past
    10000 lines of it (about 1000 triples). Returns the number of update requests sent.
    """
    store.update(f"DROP SILENT GRAPH <{graph}>")
    plain: list[ox.Triple] = []
    blank: list[ox.Triple] = []
    for triple in triples:
        holds_blank = isinstance(triple.subject, ox.BlankNode) or isinstance(
            triple.object, ox.BlankNode
        )
        (blank if holds_blank else plain).append(triple)
    sent = 1
    for start in range(0, len(plain), batch):
        chunk = _ntriples(plain[start : start + batch])
        store.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk}}} }}")
        sent += 1
    if blank:
        store.update(f"INSERT {{ GRAPH <{graph}> {{\n{_ntriples(blank)}}} }} WHERE {{}}")
        sent += 1
    return sent


def load_into(
    url: str,
    dataset_nquads_bytes: bytes,
    graph_names: Iterable[str],
    update_url: str | None = None,
    *,
    graph_store_url: str | None = None,
    auth: Credentials | None = None,
    timeout: float = 120.0,
) -> dict[str, int]:
    """Put the named graphs ``graph_names`` of a validated dataset into a SPARQL 1.1 store.

    Each graph is replaced as a whole: by a Graph Store Protocol PUT when ``graph_store_url`` is
    given (fast, one request a graph), else by SPARQL Update through ``update_url``. Then every
    graph is counted back through the query endpoint ``url``; returns graph → triples there.
    For hundreds of millions of triples use the engine's own bulk loader instead (Virtuoso:
    ``ld_dir``, ``rdf_loader_run``, ``checkpoint``; see the README).
    """
    if auth is None:
        auth = credentials_from_env()
    store = RemoteStore(
        url, update_url or os.environ.get(ENV_UPDATE_URL) or None, auth, timeout=timeout
    )
    graph_store_url = graph_store_url or os.environ.get(ENV_GRAPH_STORE_URL) or None
    if graph_store_url is None and store.update_url is None:
        raise RemoteError(
            f"nowhere to write: give a Graph Store Protocol URL ({ENV_GRAPH_STORE_URL}) or an "
            f"update URL ({ENV_UPDATE_URL})"
        )
    graphs = _by_graph(dataset_nquads_bytes)
    counts = {}
    for name in graph_names:
        name = name.value if isinstance(name, ox.NamedNode) else str(name)
        triples = graphs.get(name, [])
        if graph_store_url:
            put_graph(graph_store_url, name, triples, auth, timeout)
        else:
            insert_graph(store, name, triples)
        counts[name] = store.graph_sizes([ox.NamedNode(name)])[name]
    return counts


def report_nquads(report_turtle: str, base: str) -> bytes:
    """The SHACL report as N-Quads in the graph ``{base}validation`` (loaded with the data)."""
    graph = ox.NamedNode(f"{base}{VALIDATION_GRAPH}")
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(report_turtle.encode("utf-8"), ox.RdfFormat.TURTLE)
    ]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
