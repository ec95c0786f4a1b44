"""The union store (setting ``sparql_union_store``): queries that read only the default graph are
answered by a store holding the data union alone, with the same bytes; anything that names a
graph, or might, is answered by the whole store."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest
from helpers import BASE, data_paths

from graph.store import EmbeddedStore
from server.app import create_app
from server.sparql.safety import Refused, check_query

PREFIXES = (
    f"PREFIX pg: <{BASE}ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX oa: <http://www.w3.org/ns/oa#> "
)
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def apps(app, tmp_path_factory):
    """The session's app (union store on, the default) and the same data without one."""
    folder = tmp_path_factory.mktemp("no-union-store")
    without = create_app(
        {"base": BASE, "data": data_paths(), "dumps_dir": str(folder), "sparql_union_store": False}
    )
    return app, without


def _ask(app, query: str, accept: str = JSON, extra: str = ""):
    response = app.test_client().get(
        f"/sparql?query={quote(query)}{extra}", headers={"Accept": accept}
    )
    return response.status_code, sorted(response.headers.items()), response.get_data()


def test_the_union_store_holds_the_default_graph_and_nothing_else(apps):
    with_store, without = apps
    pub = with_store.extensions["policygraph"]
    assert without.extensions["policygraph"].union_store is None
    assert pub.union_store is not None
    default = {q.triple for q in pub.store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert default  # the data union
    assert {q.triple for q in pub.union_store.quads_for_pattern(None, None, None)} == default
    assert not list(pub.union_store.named_graphs())


DEFAULT_GRAPH_QUERIES = [
    (PREFIXES + "SELECT ?claim ?quote WHERE { ?claim pg:quote ?quote } "
     "ORDER BY ?claim ?quote LIMIT 20", JSON),
    (PREFIXES + "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type "
     "ORDER BY DESC(?n) ?type", "text/csv"),
    (PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label "
     'FILTER(langMatches(lang(?label), "zh-Hans")) } ORDER BY ?s ?label LIMIT 15',
     "application/sparql-results+xml"),
    (PREFIXES + "SELECT ?a ?exact WHERE { ?a oa:hasSelector/oa:exact ?exact } "
     "ORDER BY ?a ?exact LIMIT 10", "text/tab-separated-values"),
    (PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a pg:Actor ; rdfs:label ?l }",
     "application/n-triples"),
    (f"DESCRIBE <{BASE}id/actor/china>", "text/turtle"),
    (PREFIXES + "ASK { ?s pg:quote ?q FILTER(CONTAINS(?q, \"North Korea\")) }", JSON),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON),
]  # fmt: skip


RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES}


@pytest.mark.parametrize("query, accept", DEFAULT_GRAPH_QUERIES)
def test_default_graph_queries_answer_the_same(apps, query, accept):
    """The same bytes for ordered results; the same triples for graphs (their order is the
    engine's iteration order, which RDF leaves open)."""
    with_store, without = apps
    (status, headers, body), theirs = _ask(with_store, query, accept), _ask(without, query, accept)
    assert status == 200 and body
    assert (status, headers) == theirs[:2]
    if accept in RDF_FORMATS:
        read = lambda data: set(ox.parse(data, format=RDF_FORMATS[accept]))  # noqa: E731
        assert read(body) == read(theirs[2]) and len(read(body)) > 2
    else:
        assert body == theirs[2]


NAMING_QUERIES = [
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "select ?g where { graph ?g { ?s a ?t } } order by ?g limit 3",  # keywords in any case
    PREFIXES + "SELECT ?s WHERE { ?s pg:quote ?q FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } } "
    "ORDER BY ?s LIMIT 3",
    f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/ontology> WHERE {{ ?s ?p ?o }}",
]


@pytest.mark.parametrize("query", NAMING_QUERIES)
def test_a_query_naming_graphs_reads_the_whole_store(apps, query):
    """Answered by the union store, each would find no graph at all (it holds only the union)."""
    with_store, without = apps
    status, headers, body = _ask(with_store, query, "text/csv")
    assert status == 200
    assert len(body.decode().splitlines()) > 1 and ",0\r\n" not in body.decode()
    assert (status, headers, body) == _ask(without, query, "text/csv")


def test_protocol_graphs_read_the_whole_store(apps):
    with_store, without = apps
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    extra = "&default-graph-uri=" + quote(f"{BASE}graph/ontology", safe="")
    mine = _ask(with_store, query, "text/csv", extra)
    assert mine[0] == 200 and mine == _ask(without, query, "text/csv", extra)
    assert mine[2] != _ask(with_store, query, "text/csv")[2]  # the ontology, not the union


@pytest.mark.parametrize(
    "query, alone",
    [
        ("SELECT * WHERE { ?s ?p ?o }", True),
        ('SELECT * WHERE { ?s ?p "GRAPH" }', True),  # in a string, not a keyword
        ("SELECT * WHERE { ?s <http://x/graph> ?o }", True),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", False),
        ("SELECT * WHERE { gRaPh ?g { ?s ?p ?o } }", False),
        # §19.2 makes this GRAPH (pyoxigraph reads escapes only in strings and IRIs: a 400)
        ("SELECT * WHERE { \\u0047RAPH ?g { ?s ?p ?o } }", False),
        ('SELECT * WHERE { ?s ?p "\\u0022" }', False),  # any escape: the whole store
        ("SELECT * WHERE { ?s ?p ?o } \x00", False),  # a character the reader does not know
    ],
)
def test_which_queries_read_only_the_default_graph(query, alone):
    """``Verdict.graph_free``; a query the checks refuse never runs, which is as safe."""
    try:
        verdict = check_query(query, BASE, [f"{BASE}graph/ontology"])
    except Refused:
        assert not alone
        return
    assert verdict.graph_free is alone


def test_blank_nodes_keep_their_labels():
    store = ox.Store()
    store.load(
        "<http://x/a> <http://x/p> [ <http://x/q> 1 ] , _:named .",
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.DefaultGraph(),
    )
    store.load("<http://x/b> <http://x/p> 2 .", format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode("http://x/g"))  # fmt: skip
    alone = EmbeddedStore(store).union_alone()
    assert len(alone) == 3
    query = "SELECT ?o ?v WHERE { <http://x/a> <http://x/p> ?o OPTIONAL { ?o ?q ?v } } ORDER BY ?o"
    fmt = ox.QueryResultsFormat.JSON
    assert alone.query(query).serialize(format=fmt) == store.query(query).serialize(format=fmt)


@pytest.mark.parametrize("settings", [{"sparql_union_store": "false"}, {"default_graph": "all"}])
def test_no_union_store_unless_the_default_graph_is_a_copy_and_it_is_on(tmp_path, settings):
    app = create_app({"base": BASE, "data": data_paths(), "dumps_dir": str(tmp_path), **settings})
    assert app.extensions["policygraph"].union_store is None
