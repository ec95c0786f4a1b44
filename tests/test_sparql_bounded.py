"""Which queries the request thread answers (server.sparql.bounded): only those whose solutions the
store's counts bound before they run; everything else still goes to a killable query process."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest
from helpers import BASE, TINY
from hypothesis import given, settings
from hypothesis import strategies as st

from server.app import create_app
from server.sparql.bounded import MAX_LENGTH, bound
from server.sparql.service import engine

EX = "http://example.org/"
BUDGET = 1000


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """``hub`` has 1,500 members; ``a`` 30 links to ``o0``…``o29``, each labelled twice; ``d``
    a chain of blank nodes; ``n`` one triple in a named graph."""
    store = ox.Store()
    store.extend(
        ox.Quad(node(f"m{i}"), node("memberOf"), node("hub"), ox.DefaultGraph())
        for i in range(1500)
    )
    for i in range(30):
        store.add(ox.Quad(node("a"), node("link"), node(f"o{i}"), ox.DefaultGraph()))
        for language in ("en", "fr"):
            label = ox.Literal(f"o {i}", language=language)
            store.add(ox.Quad(node(f"o{i}"), node("label"), label, ox.DefaultGraph()))
    chain = [ox.BlankNode() for _ in range(1200)]
    store.add(ox.Quad(node("d"), node("next"), chain[0], ox.DefaultGraph()))
    for here, after in zip(chain, chain[1:], strict=False):
        store.add(ox.Quad(here, node("next"), after, ox.DefaultGraph()))
    store.add(ox.Quad(node("n"), node("p"), node("q"), node("graph")))
    return store


def solutions(store: ox.Store, where: str) -> int:
    """How many solutions ``where`` has, counted by the engine."""
    query = f"PREFIX : <{EX}> SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    return int(next(iter(store.query(query)))["n"].value)


@pytest.mark.parametrize(
    "query, where",
    [
        (f"SELECT * WHERE {{ <{EX}a> ?p ?o }}", ":a ?p ?o"),
        (f"PREFIX : <{EX}> SELECT ?o WHERE {{ :a :link ?o }} ORDER BY ?o LIMIT 5", ":a :link ?o"),
        (f"CONSTRUCT {{ <{EX}a> ?p ?o }} WHERE {{ <{EX}a> ?p ?o }}", ":a ?p ?o"),
        (f"CONSTRUCT WHERE {{ <{EX}o3> ?p ?o }}", ":o3 ?p ?o"),
        (f"ASK {{ <{EX}nothing> ?p ?o }}", ":nothing ?p ?o"),
        (f"PREFIX : <{EX}> SELECT (COUNT(?x) AS ?n) WHERE {{ ?x :link :o1 }}", "?x :link :o1"),
        (f"SELECT * WHERE {{ ?s ?p <{EX}q> }}", "GRAPH ?g { ?s ?p :q }"),
    ],
)
def test_a_fixed_node_bounds_the_query_by_its_triples(store, query, where):
    """One fixed node per pattern: the bound is one more than the triples the store holds for it
    (in any graph), counted here by the engine itself."""
    assert bound(store, query, EX, BUDGET) == solutions(store, where) + 1


def test_patterns_multiply_and_optional_and_union_count_too(store):
    two = f"PREFIX : <{EX}> SELECT * WHERE {{ :a :link ?o . OPTIONAL {{ :o1 :label ?l }} }}"
    assert bound(store, two, EX, BUDGET) == 31 * 3
    union = f"PREFIX : <{EX}> SELECT * WHERE {{ {{ :o1 :label ?l }} UNION {{ :o2 :label ?l }} }}"
    assert bound(store, union, EX, BUDGET) == 3 * 3


def test_a_description_counts_its_blank_nodes(store):
    assert bound(store, f"DESCRIBE <{EX}o1>", EX, BUDGET) == 2
    assert bound(store, f"PREFIX : <{EX}> DESCRIBE :a :o1", EX, BUDGET) == 32
    assert bound(store, f"DESCRIBE <{EX}d>", EX, 2000) == 1200
    assert bound(store, f"DESCRIBE <{EX}d>", EX, BUDGET) is None  # the chain is longer


@pytest.mark.parametrize(
    "reason, query",
    [
        ("no fixed node", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
        ("a predicate alone", f"SELECT * WHERE {{ ?s <{EX}label> ?o }} LIMIT 1"),
        ("a free pattern beside a fixed one", f"SELECT * WHERE {{ <{EX}a> ?p ?o . ?o ?q ?v }}"),
        (
            "a free pattern in OPTIONAL",
            f"SELECT * WHERE {{ <{EX}a> ?p ?o OPTIONAL {{ ?o ?q ?v }} }}",
        ),
        (
            "a free pattern in UNION",
            f"SELECT * WHERE {{ {{ <{EX}a> ?p ?o }} UNION {{ ?o ?q ?v }} }}",
        ),
        ("a blank node is a variable", f"SELECT * WHERE {{ _:x <{EX}label> ?o }}"),
        ("a literal is not looked up", f'SELECT * WHERE {{ ?s <{EX}label> "o 1"@en }}'),
        ("a hub past the budget", f"SELECT * WHERE {{ ?m <{EX}memberOf> <{EX}hub> }}"),
        (
            "a product past the budget",
            f"SELECT * {{ <{EX}a> ?p ?o . <{EX}a> ?q ?v . <{EX}a> ?r ?w }}",
        ),
        ("a property path", f"SELECT * WHERE {{ <{EX}d> <{EX}next>* ?o }}"),
        ("an inverse path", f"SELECT * WHERE {{ <{EX}o1> ^<{EX}link> ?s }}"),
        ("a subquery", f"SELECT * WHERE {{ {{ SELECT ?o WHERE {{ <{EX}a> ?p ?o }} }} }}"),
        ("GRAPH", f"SELECT * WHERE {{ GRAPH ?g {{ <{EX}n> ?p ?o }} }}"),
        ("FROM", f"SELECT * FROM <{EX}graph> WHERE {{ <{EX}n> ?p ?o }}"),
        ("BASE", f"BASE <{EX}> SELECT * WHERE {{ <a> ?p ?o }}"),
        ("VALUES", f"SELECT * WHERE {{ <{EX}a> ?p ?o }} VALUES ?o {{ <{EX}o1> }}"),
        ("MINUS", f"SELECT * WHERE {{ <{EX}a> ?p ?o MINUS {{ <{EX}a> ?p ?o }} }}"),
        ("EXISTS", f"SELECT * WHERE {{ <{EX}a> ?p ?o FILTER EXISTS {{ ?o ?q ?v }} }}"),
        ("SERVICE", f"SELECT * WHERE {{ SERVICE <{EX}> {{ <{EX}a> ?p ?o }} }}"),
        ("BIND", f"SELECT * WHERE {{ <{EX}a> ?p ?o BIND(STR(?o) AS ?s) }}"),
        (
            "strings that grow with nesting",
            f'SELECT (REPLACE(REPLACE(STR(?o), "", STR(?o)), "", STR(?o)) AS ?x) '
            f"WHERE {{ <{EX}a> ?p ?o }}",
        ),
        ("CONCAT", f"SELECT (CONCAT(STR(?o), STR(?o)) AS ?x) WHERE {{ <{EX}a> ?p ?o }}"),
        ("a variable to describe", f"DESCRIBE ?o WHERE {{ <{EX}a> ?p ?o }}"),
        ("an escape", "SELECT * WHERE { <http://example.org/a> ?p ?\\u006F }"),
        ("an unknown prefix", "SELECT * WHERE { nowhere:a ?p ?o }"),
        ("too long", f"SELECT * WHERE {{ <{EX}a> ?p ?o }} #" + "x" * MAX_LENGTH),
        ("not SPARQL", "SELECT * WHERE { <a> ?p ?o"),
    ],
)
def test_what_is_not_known_to_be_small_goes_to_a_query_process(store, reason, query):
    assert bound(store, query, EX, BUDGET) is None, reason


def test_no_budget_means_no_query_in_the_request_thread(store):
    assert bound(store, f"DESCRIBE <{EX}o1>", EX, 0) is None


# -- soundness: whatever the engine's plan, no query has more solutions than its bound -----------

TERMS = [f"<{EX}{name}>" for name in ("a", "o1", "o2", "hub", "label", "link")] + ["?x", "?y"]


@st.composite
def patterns(draw):
    """A group of 1–3 triple patterns, some in OPTIONAL or UNION, over a few IRIs and variables
    (so that patterns join), and whether each pattern has a fixed subject or object."""
    count = draw(st.integers(1, 3))
    parts, fixed = [], True
    for _ in range(count):
        s, p, o = (draw(st.sampled_from(TERMS + ["?s", "?p", "?o"])) for _ in range(3))
        parts.append(f"{s} {p} {o}")
        fixed = fixed and (s.startswith("<") or o.startswith("<"))
    layout = draw(st.sampled_from(["join", "optional", "union"]))
    if layout == "optional" and count > 1:
        return f"{parts[0]} OPTIONAL {{ {' . '.join(parts[1:])} }}", fixed
    if layout == "union" and count > 1:
        return " UNION ".join(f"{{ {part} }}" for part in parts), fixed
    return " . ".join(parts), fixed


@settings(max_examples=300, deadline=None)
@given(drawn=patterns())
def test_a_bound_is_never_below_the_solutions(store, drawn):
    where, fixed = drawn
    query = f"SELECT * WHERE {{ {where} }}"
    found = bound(store, query, EX, 10**12)
    assert (found is not None) == fixed, query
    if found is not None and found <= 10**6:  # past that the engine would count for minutes
        assert solutions(store, where) <= found, query


# -- the endpoint: same answers, without the query process -----------------------------------------


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """The tiny fixture served twice: by default, and with every query in a query process."""

    def make(budget):
        folder = tmp_path_factory.mktemp("bounded")
        return create_app(
            {"base": BASE, "data": [str(TINY)], "dumps_dir": str(folder),
             "sparql_inline_budget": budget}
        )  # fmt: skip

    return make(BUDGET), make(0)


def _ask(app, query: str, accept: str):
    response = app.test_client().get(f"/sparql?query={quote(query)}", headers={"Accept": accept})
    return response.status_code, sorted(response.headers.items()), response.get_data()


def _jobs(app) -> int:
    return engine(app.extensions["policygraph"]).jobs


LOOKUPS = [
    (f"DESCRIBE <{BASE}id/actor/china>", "text/turtle"),
    (f"CONSTRUCT {{ <{BASE}id/actor/china> ?p ?o }} WHERE {{ <{BASE}id/actor/china> ?p ?o }}",
     "application/n-triples"),
    (f"SELECT ?p ?o WHERE {{ <{BASE}id/actor/china> ?p ?o }} ORDER BY ?p ?o",
     "application/sparql-results+json"),
    (f"ASK {{ <{BASE}id/actor/china> ?p ?o }}", "application/sparql-results+xml"),
    (f"SELECT ?s WHERE {{ ?s ?p <{BASE}id/actor/china> }} ORDER BY ?s", "text/csv"),
]  # fmt: skip


@pytest.mark.parametrize("query, accept", LOOKUPS)
def test_a_lookup_is_answered_in_the_request_thread_with_the_same_bytes(apps, query, accept):
    inline, pooled = apps
    before = _jobs(inline), _jobs(pooled)
    status, headers, body = _ask(inline, query, accept)
    assert status == 200 and body
    assert (status, headers, body) == _ask(pooled, query, accept)
    assert _jobs(inline) == before[0]
    assert _jobs(pooled) == before[1] + 1


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
        f"SELECT * WHERE {{ <{BASE}id/actor/china> ?p ?o . ?o ?q ?v }} LIMIT 3",
        f"SELECT * WHERE {{ <{BASE}id/actor/china> <{BASE}ontology#nothing>* ?o }}",
        "SELECT * WHERE { ?s ?p ?o } LIMIT",  # malformed: the query process reports it
    ],
)
def test_anything_else_still_goes_to_a_query_process(apps, query):
    inline, _ = apps
    before = _jobs(inline)
    _ask(inline, query, "application/sparql-results+json")
    assert _jobs(inline) == before + 1


def test_a_malformed_lookup_is_a_400_in_the_request_thread(apps):
    """A query the reader takes for a lookup but the engine refuses still gets the protocol's
    400 (SPARQL 1.1 Protocol §2.1.4), as from a query process."""
    inline, pooled = apps
    before = _jobs(inline)
    query = f"SELECT ?p ?o WHERE {{ <{BASE}id/actor/china> ?p ?o }} ORDER"
    mine, theirs = (_ask(app, query, "application/sparql-results+json") for app in (inline, pooled))
    assert mine[0] == theirs[0] == 400
    assert mine[2] == theirs[2]
    assert _jobs(inline) == before
