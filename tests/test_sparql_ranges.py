"""Date ranges narrowed by the value index (server.sparql.ranges) never change an answer.

Each query runs twice on the same pyoxigraph store, as written and as rewritten; the answers must
be equal, on data that mixes plain dates with every kind of literal a comparison could trip on.
Queries the rewrite is meant to narrow must come back narrowed (else the test proves nothing).
"""

from __future__ import annotations

import json
from collections import Counter

import pyoxigraph as ox
import pytest
from helpers import BASE, data_paths
from hypothesis import given, settings
from hypothesis import strategies as st

import graph.store
from server.app import create_app
from server.publish.dates import DateIndex
from server.publish.publication import EXTENSION
from server.sparql.ranges import MAX_VALUES, rewrite

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = f"PREFIX ex: <{EX}>\nPREFIX xsd: <{XSD}>\n"
#: Objects of ex:at besides plain dates: each compares with an xsd:date as an error, or (a date
#: with a time zone) by the rules for time zones.
ODD = [
    f'"2001"^^<{XSD}gYear>',
    f'"2001-05"^^<{XSD}gYearMonth>',
    f'"2001-05-01T00:00:00"^^<{XSD}dateTime>',
    f'"2001-05-01Z"^^<{XSD}date>',
    f'"2001-05-02+14:00"^^<{XSD}date>',
    f'"2001-5-3"^^<{XSD}date>',
    '"2001-05-04"',
    '"2001-05-05"@en',
    f"<{EX}not-a-date>",
    f'"42"^^<{XSD}integer>',
]


def build_store() -> ox.Store:
    lines = []
    for number in range(240):
        year, month, day = 1999 + number % 4, 1 + number % 12, 1 + (number * 7) % 28
        event = f"<{EX}event/{number}>"
        graph_name = f"<{EX}graph/{number % 3}>"
        lines.append(f'{event} <{EX}at> "{year}-{month:02d}-{day:02d}"^^<{XSD}date> {graph_name} .')
        lines.append(
            f"{event} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Event> {graph_name} ."
        )
        lines.append(f"{event} <{EX}kind> <{EX}kind/{number % 5}> {graph_name} .")
        if number % 4 == 0:  # a second timestamp, in another graph
            lines.append(
                f'{event} <{EX}at> "{year + 1}-{month:02d}-{day:02d}"^^<{XSD}date> <{EX}graph/9> .'
            )
    for number, odd in enumerate(ODD):
        lines.append(f"<{EX}odd/{number}> <{EX}at> {odd} <{EX}graph/1> .")
        lines.append(
            f"<{EX}odd/{number}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            f"<{EX}Event> <{EX}graph/1> ."
        )
    lines.append(f'<{EX}term> <{EX}at> "2000-06-15"^^<{XSD}date> <{EX}graph/ontology> .')
    store = graph.store.memory_store(("\n".join(lines) + "\n").encode(), [f"{EX}graph/ontology"])
    return store


STORE = build_store()
INDEX = DateIndex.from_store(graph.store.EmbeddedStore(STORE))


def answers(query: str):
    result = STORE.query(query, base_iri=BASE)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QueryTriples):
        return sorted(str(t) for t in result)
    return Counter(tuple(str(term) for term in row) for row in result)


def date(text: str) -> str:
    return f'"{text}"^^xsd:date'


# (template, narrowed?) — {lo} and {hi} are date literals, {op} a comparison.
TEMPLATES = [
    ("SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(?d >= {lo} && ?d < {hi}) }}", True),
    ("SELECT ?e ?d WHERE {{ ?e ex:at ?d . FILTER({lo} <= ?d && {hi} > ?d) }}", True),
    (
        "SELECT ?e WHERE {{ ?e a ex:Event ; ex:at ?d ; ex:kind ?k FILTER((?d > {lo}) && "
        "(?d <= {hi}) && BOUND(?k)) }}",
        True,
    ),
    ("SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(?d {op} {lo}) }}", True),
    (
        "SELECT ?k (COUNT(?e) AS ?n) WHERE {{ ?e ex:kind ?k ; ex:at ?d "
        "FILTER(datatype(?d) = xsd:date) FILTER(?d >= {lo} && ?d < {hi}) }} GROUP BY ?k",
        True,
    ),
    ("SELECT ?e ?d WHERE {{ ?e a ex:Event OPTIONAL {{ ?e ex:at ?d FILTER(?d > {lo}) }} }}", True),
    ("SELECT ?e ?d WHERE {{ ?e a ex:Event MINUS {{ ?e ex:at ?d FILTER(?d < {lo}) }} }}", True),
    ("SELECT ?g ?e WHERE {{ GRAPH ?g {{ ?e ex:at ?d FILTER(?d >= {lo} && ?d <= {hi}) }} }}", True),
    ("SELECT ?e WHERE {{ ?e a ex:Event FILTER EXISTS {{ ?e ex:at ?d FILTER(?d > {hi}) }} }}", True),
    ("ASK {{ ?e ex:at ?d FILTER(?d = {lo}) }}", True),
    ("CONSTRUCT {{ ?e ex:at ?d }} WHERE {{ ?e ex:at ?d FILTER(?d < {hi}) }}", True),
    ("SELECT ?e ?d WHERE {{ {{ SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(?d > {lo}) }} }} }}", True),
    (
        "SELECT * FROM <http://example.org/graph/ontology> WHERE {{ ?e ex:at ?d "
        "FILTER(?d > {lo}) }}",
        True,
    ),
    # Not narrowed: the bound is not a top-level conjunct, the variable may stay unbound, the
    # predicate is a path or a variable, the operand is not a date.
    ("SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(?d < {lo} || ?d > {hi}) }}", False),
    ("SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(!(?d >= {lo})) }}", False),
    ("SELECT ?e ?d WHERE {{ ?e a ex:Event OPTIONAL {{ ?e ex:at ?d }} FILTER(?d > {lo}) }}", False),
    ("SELECT ?e ?d WHERE {{ ?e ex:at|ex:kind ?d FILTER(?d > {lo}) }}", False),
    ("SELECT ?e ?d WHERE {{ ?e ?p ?d FILTER(?d > {lo}) }}", False),
    ("SELECT ?e ?d WHERE {{ ?d ^ex:at ?e FILTER(?d > {lo}) }}", False),
    ('SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(?d > "2001"^^xsd:gYear) }}', False),
    ('SELECT ?e ?d WHERE {{ ?e ex:at ?d FILTER(STR(?d) > "2001") }}', False),
]

dates = st.dates(
    min_value=__import__("datetime").date(1998, 1, 1),
    max_value=__import__("datetime").date(2004, 12, 31),
)


@settings(max_examples=60, deadline=None)
@given(
    template=st.sampled_from(TEMPLATES),
    first=dates,
    second=dates,
    op=st.sampled_from([">=", ">", "<=", "<", "="]),
)
def test_the_rewrite_never_changes_an_answer(template, first, second, op):
    text, narrowed = template
    lo, hi = sorted((first, second))
    query = PREFIXES + text.format(lo=date(lo.isoformat()), hi=date(hi.isoformat()), op=op)
    rewritten = rewrite(query, BASE, INDEX)
    assert (rewritten != query) is narrowed, rewritten
    assert answers(rewritten) == answers(query)
    # Past max_values dates, over graphs that are sets: the pattern and its bounds go first.
    first = rewrite(query, BASE, INDEX, sets=True, max_values=0)
    assert (first != query) is narrowed and "VALUES" not in first, first
    assert answers(first) == answers(query)


def test_the_index_holds_plain_dates_sorted_and_the_odd_ones_apart():
    plain = INDEX.plain[f"{EX}at"]
    assert plain == sorted(set(plain)) and "2000-06-15" in plain  # every graph, the vocabulary's
    assert sorted(INDEX.odd[f"{EX}at"]) == ["2001-05-01Z", "2001-05-02+14:00", "2001-5-3"]


def test_a_wide_range_is_left_to_the_scan():
    many = DateIndex(
        plain={f"{EX}at": [f"{2000 + n // 365}-01-{1 + n % 28:02d}" for n in range(2000)]}
    )
    many.plain[f"{EX}at"].sort()
    query = PREFIXES + "SELECT ?e WHERE { ?e ex:at ?d FILTER(?d >= %s && ?d < %s) }"
    assert rewrite(query % (date("2000-01-01"), date("2000-01-05")), BASE, many) != query % (
        date("2000-01-01"),
        date("2000-01-05"),
    )
    wide = query % (date("1990-01-01"), date("2030-01-01"))
    assert len(many.dates(f"{EX}at", [(">=", "1990-01-01")])) > MAX_VALUES
    assert rewrite(wide, BASE, many) == wide


def test_the_copy_goes_first_in_the_group_with_the_bounds_only():
    query = PREFIXES + (
        "SELECT ?k (COUNT(?e) AS ?n) WHERE { ?e ex:kind ?k ; ex:at ?d "
        f"FILTER(datatype(?d) = xsd:date) FILTER(?d >= {date('2000-01-01')} && ?d < "
        f"{date('2002-01-01')}) }} GROUP BY ?k"
    )
    first = rewrite(query, BASE, INDEX, sets=True, max_values=10)
    words = " ".join(first.split("WHERE {", 1)[1].split())
    assert words.startswith(
        f'?e <{EX}at> ?d . FILTER(?d >= "2000-01-01"^^<{XSD}date> && '
        f'?d < "2002-01-01"^^<{XSD}date>) ?e ex:kind'
    )
    assert rewrite(query, BASE, INDEX, sets=False, max_values=10) == query
    blank = query.replace("?e ex:kind", "_:e ex:kind").replace("COUNT(?e)", "COUNT(*)")
    assert rewrite(blank, BASE, INDEX, sets=True, max_values=10) == blank  # §19.6


def test_over_a_union_of_graphs_the_copy_would_count_twice():
    """Why ``sets``: pyoxigraph's union default graph yields a triple once per graph holding it,
    so the copy would match such a solution twice."""
    store = ox.Store()
    when = ox.Literal("2001-02-03", datatype=ox.NamedNode(f"{XSD}date"))
    for name in ("a", "b"):
        store.add(
            ox.Quad(ox.NamedNode(f"{EX}e"), ox.NamedNode(f"{EX}at"), when, ox.NamedNode(EX + name))
        )
    query = PREFIXES + (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?e ex:at ?d FILTER(?d >= {date('2001-01-01')}) }}"
    )
    index = DateIndex.from_store(graph.store.EmbeddedStore(store))
    first = rewrite(query, BASE, index, sets=True, max_values=0)

    def count(text):
        return next(iter(store.query(text, use_default_graph_as_union=True)))[0].value

    assert (count(query), count(first)) == ("2", "4")


def test_queries_without_date_bounds_are_untouched():
    for query in (
        "SELECT * WHERE { ?s ?p ?o }",
        'SELECT * WHERE { ?s ?p "x"^^<http://example.org/t> FILTER(?o > 1) }',
        "DESCRIBE <http://example.org/x>",
        PREFIXES
        + 'BASE <http://a/> SELECT * WHERE { ?e ex:at ?d FILTER(?d > "2001-01-01"^^xsd:date) }',
        PREFIXES + 'SELECT * WHERE { ?e ex:at ?d FILTER(?d > "2001-01-01"^^xsd:\\u0064ate) }',
    ):
        assert rewrite(query, BASE, INDEX) == query


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dumps-ranges")
    return create_app({"base": BASE, "data": data_paths(), "dumps_dir": str(folder)})


def test_the_endpoint_answers_narrowed_queries_as_the_engine_does(app):
    """On the curated graph, through the endpoint: the same rows as the store gives unnarrowed."""
    pub = app.extensions[EXTENSION]
    published = "http://schema.org/datePublished"
    assert pub.date_index.plain.get(published) == ["2013-01-25"]  # the essay's date
    query = (
        f"PREFIX schema: <http://schema.org/>\nPREFIX xsd: <{XSD}>\n"
        "SELECT ?document ?date WHERE { ?document schema:datePublished ?date "
        'FILTER(?date >= "2013-01-01"^^xsd:date && ?date < "2013-02-01"^^xsd:date) }'
    )
    assert rewrite(query, BASE, pub.date_index) != query
    response = app.test_client().get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    rows = json.loads(response.get_data())["results"]["bindings"]
    expected = list(pub.store.query(query, base_iri=BASE))
    assert [(r["document"]["value"], r["date"]["value"]) for r in rows] == [
        (row["document"].value, row["date"].value) for row in expected
    ]
    assert rows


def _planned(app, query: str, **parameters) -> str:
    from server.sparql import protocol as sparql_protocol
    from server.sparql.service import plan

    pub = app.extensions[EXTENSION]
    parsed = sparql_protocol.QueryRequest(query, **parameters)
    return plan(pub, parsed, "application/sparql-results+json")[1].query


PUBLISHED_RANGE = (
    f"PREFIX schema: <http://schema.org/>\nPREFIX xsd: <{XSD}>\n"
    "SELECT ?document ?date WHERE { ?document schema:datePublished ?date "
    'FILTER(?date >= "2013-01-01"^^xsd:date && ?date < "2013-02-01"^^xsd:date) }'
)
COPY = "?document <http://schema.org/datePublished> ?date . FILTER("


def test_the_endpoint_puts_the_range_first_only_over_sets_of_triples(app, monkeypatch, tmp_path):
    """Past MAX_VALUES dates: over the default graph (a copy of the data union) the pattern goes
    first and the answer is the engine's; a protocol dataset, a FROM clause or a default graph
    that is the union of every graph get no copy."""
    from server.sparql import ranges as sparql_ranges

    monkeypatch.setattr(sparql_ranges, "MAX_VALUES", 0)
    pub = app.extensions[EXTENSION]
    assert COPY in _planned(app, PUBLISHED_RANGE)
    response = app.test_client().get(
        "/sparql", query_string={"query": PUBLISHED_RANGE}, headers={"Accept": "text/csv"}
    )
    expected = [(r["document"].value, r["date"].value) for r in pub.store.query(PUBLISHED_RANGE)]
    assert response.get_data(as_text=True).splitlines()[1:] == [",".join(r) for r in expected]
    assert expected
    graph_name = next(iter(pub.data_graphs)).value
    assert COPY not in _planned(app, PUBLISHED_RANGE, default_graph_uri=[graph_name])
    from_clause = PUBLISHED_RANGE.replace("WHERE", f"FROM <{graph_name}> WHERE")
    assert COPY not in _planned(app, from_clause)
    union = create_app(
        {"base": BASE, "data": data_paths(), "dumps_dir": str(tmp_path), "default_graph": "all"}
    )
    assert "VALUES" not in _planned(union, PUBLISHED_RANGE)
    assert COPY not in _planned(union, PUBLISHED_RANGE)
