"""What-if measurement only (monkey-patches; never import this in the server or tests):
1. describe._quads: one all-graph index lookup filtered by a graph set (not one lookup per graph);
2. SPARQL default graph: use_default_graph_as_union instead of a list of every data graph;
3. FastDocuments: precomputed /doc/ representations served without a Flask request context."""

import dataclasses

import server.describe as describe
import server.sparql as sparql
import server.sparql_engine as engine

_sets = {}


def _quads(store, graphs, subject=None, predicate=None, obj=None):
    entry = _sets.get(id(graphs))
    if entry is None or entry[0] is not graphs:
        entry = _sets[id(graphs)] = (graphs, frozenset(graphs))
    allowed = entry[1]
    for quad in store.quads_for_pattern(subject, predicate, obj):
        if quad.graph_name in allowed:
            yield quad


describe._quads = _quads

UNION = "urn:x-policygraph:union-of-data-graphs"
_dataset = sparql.dataset


def dataset(pub, parsed, verdict):
    default, named = _dataset(pub, parsed, verdict)
    if (
        named is None
        and default is not None
        and not parsed.default_graph_uri
        and not verdict.has_dataset
    ):
        return [UNION], None
    return default, named


sparql.dataset = dataset
_execute = engine.execute


class _Union:
    def __init__(self, store):
        self.store = store

    def query(self, text, base_iri=None, **_):
        return self.store.query(text, base_iri=base_iri, use_default_graph_as_union=True)


def execute(store, job):
    if job.default_graphs == [UNION]:
        return _execute(_Union(store), dataclasses.replace(job, default_graphs=None))
    return _execute(store, job)


engine.execute = execute
