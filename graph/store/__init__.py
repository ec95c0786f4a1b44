"""The query store the publisher reads: embedded pyoxigraph (:mod:`graph.store.embedded`, whose
functions are this package's), or an external SPARQL 1.1 engine (:mod:`graph.store.remote`),
filled by :mod:`graph.store.load`."""

from __future__ import annotations

from graph.store.embedded import (
    build,
    build_on_disk,
    dataset_nquads,
    drop_spent_log,
    has_union,
    materialize_union,
    memory_store,
    open_read_only,
    recover,
)

__all__ = [
    "build",
    "build_on_disk",
    "dataset_nquads",
    "drop_spent_log",
    "has_union",
    "materialize_union",
    "memory_store",
    "open_read_only",
    "recover",
]
