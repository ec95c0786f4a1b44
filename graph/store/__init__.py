"""The query store the publisher reads, behind one seam (:class:`graph.store.base.Store`):
embedded pyoxigraph (:mod:`graph.store.embedded`), or an external SPARQL 1.1 engine
(:mod:`graph.store.remote`, over :mod:`graph.store.client`), filled by :mod:`graph.store.load`."""

from __future__ import annotations

from graph.store.base import Store, StoreError, StoreTimeout, UnreadableAnswer
from graph.store.embedded import (
    EmbeddedStore,
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
    "EmbeddedStore",
    "Store",
    "StoreError",
    "StoreTimeout",
    "UnreadableAnswer",
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
