"""The SPARQL endpoint's parts: static checks, result serializers, the engine pool, the query page
(Flask test client), and the example queries against the curated graph."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import SPARQL_APP
from hypothesis import given, settings
from hypothesis import strategies as st

from server.errors import QueryTimeout
from server.sparql import page as sparql_page
from server.sparql.engine import Job, Pool, QuerySyntaxError, execute, private_memory
from server.sparql.results import RESULT_FORMATS, serialize_solutions, serialize_triples
from server.sparql.safety import Refused, check_query

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8080/"
GRAPHS = [BASE + "graph/sample", BASE + "graph/ontology", BASE + "graph/shapes"]

# -- static checks -------------------------------------------------------------------------------

REFUSED = [
    ("service", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"),
    ("service", "select * where { sErViCe silent <http://x/> { ?s ?p ?o } }"),
    ("service", "SELECT * WHERE { #c\n SERVICE#c\n<http://x/>{ ?s ?p ?o } }"),
    ("service", "PREFIX e: <http://x/> SELECT * WHERE { SERVICE e:s { ?s ?p ?o } }"),
    (
        "service",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } } } }",
    ),  # noqa: E501
    ("service", "ASK { FILTER NOT EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }"),
    ("service", "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }"),
    ("service", r"SELECT * WHERE { \u0053ERVICE <http://x/> { ?s ?p ?o } }"),
    ("dataset", "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }"),
    ("dataset", "select * from <file:///etc/passwd> where { ?s ?p ?o }"),
    ("dataset", "SELECT * FROM NAMED <HTTP://127.0.0.1:9/> WHERE { GRAPH ?g { ?s ?p ?o } }"),
    ("dataset", "PREFIX g: <http://x/> SELECT * FROM NAMED g:y WHERE { GRAPH ?g { ?s ?p ?o } }"),
    ("dataset", "BASE <http://evil/> SELECT * FROM <graph/sample> WHERE { ?s ?p ?o }"),
    ("dataset", "SELECT * FrOm # hidden\n <http://x/> WHERE { ?s ?p ?o }"),
    ("dataset", "DESCRIBE <id/actor/china> FROM <ftp://x/>"),
    ("update", "INSERT DATA { <a> <b> <c> }"),
    ("update", "LOAD <http://127.0.0.1:9/>"),
    ("update", "clear all"),
    ("update", "DELETE WHERE { ?s ?p ?o }"),
    ("update", "WITH <graph/sample> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"),
]

ACCEPTED = [
    "SELECT * WHERE { ?s ?p ?o }",
    'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }',
    "SELECT * WHERE { ?s ?p '''FROM <http://x/> SERVICE''' }",
    "PREFIX service: <http://x/> SELECT ?service WHERE { ?service service:from ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> { }",
    "SELECT * WHERE { <http://x/SERVICE> ?p ?o }",
    f"SELECT * FROM <{BASE}graph/sample> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM <graph/sample> FROM NAMED <graph/ontology> WHERE { ?s ?p ?o }",
    f"PREFIX g: <{BASE}graph/> SELECT * FROM g:shapes WHERE {{ ?s ?p ?o }}",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <id/actor/china>",
    "ASK {}",
    # codepoint escapes (§19.2) send the text to rdflib's parser, with no dataset clause
    'SELECT * WHERE { ?s ?p "\\u0041" }',
    "SELECT ?g WHERE { \\u0047RAPH ?g { ?s ?p ?o } }",
]


@pytest.mark.parametrize("kind, query", REFUSED)
def test_refused_before_execution(kind, query):
    with pytest.raises(Refused) as refused:
        check_query(query, BASE, GRAPHS)
    assert refused.value.kind == kind


@pytest.mark.parametrize("query", ACCEPTED)
def test_accepted(query):
    assert check_query(query, BASE, GRAPHS).form in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def test_from_iris_are_resolved_against_the_base():
    verdict = check_query("SELECT * FROM <graph/sample> WHERE { ?s ?p ?o }", BASE, GRAPHS)
    assert verdict.default_graphs == [BASE + "graph/sample"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_service_inside_a_string_is_never_refused(text):
    """Whatever a string literal holds, it is data, not a keyword."""
    literal = json.dumps(text).replace("\\u", "\\\\u")
    query = f'SELECT * WHERE {{ ?s ?p {literal} . ?s ?q "SERVICE <http://x/> {{}}" }}'
    try:
        check_query(query, BASE, GRAPHS)
    except Refused as refused:
        assert refused.kind == "syntax"


# -- result serializers --------------------------------------------------------------------------

SAMPLE = """
<http://x/a> <http://x/p> "he said \\"hi\\", then\\nleft\\ttab\\\\ \\r end"@en-GB , 12 , -3 ,
  "1.5"^^<http://www.w3.org/2001/XMLSchema#decimal> ,
  "1e3"^^<http://www.w3.org/2001/XMLSchema#double> ,
  "abc"^^<http://www.w3.org/2001/XMLSchema#integer> , <http://x/b> , _:b1 , "x<&>'y,\\"" , true ,
  "中文"@zh-Hans , "a,b" , "<script>alert(1)</script>" .
"""


@pytest.fixture(scope="module")
def sample_store():
    store = ox.Store()
    store.load(SAMPLE, format=ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("name", sorted(RESULT_FORMATS))
def test_results_match_pyoxigraph(sample_store, name):
    """Our capped writers produce what pyoxigraph's own writers do (the W3C formats)."""
    query = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?o"
    native = sample_store.query(query).serialize(
        format=getattr(ox.QueryResultsFormat, name.upper())
    )
    ours = serialize_solutions(sample_store.query(query), name, 100)
    assert not ours.truncated and ours.count == 13
    if name == "xml":  # CR: we always write &#13; (a raw CR would read back as LF)
        native = native.replace(b"&#32;", b" ").replace(b"&#13;", b"\r")
        assert ours.body.replace(b"&#13;", b"\r") == native
    else:
        assert ours.body == native


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    language=st.sampled_from(["", "en", "zh-Hans"]),
)
def test_json_strings_match_pyoxigraph(text, language):
    """Any literal text (control characters, U+2028, quotes, astral planes) is escaped in the
    JSON results as pyoxigraph escapes it, and reads back as the same string."""
    store = ox.Store()
    literal = ox.Literal(text, language=language) if language else ox.Literal(text)
    store.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"), literal))
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    native = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    ours = serialize_solutions(store.query(query), "json", 10).body
    assert ours == native
    assert json.loads(ours)["results"]["bindings"][0]["o"]["value"] == text


@pytest.mark.parametrize("name", ["json", "xml", "tsv"])  # CSV is lossy: pyoxigraph won't read it
def test_parsed_back_by_pyoxigraph(sample_store, name):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    ours = serialize_solutions(sample_store.query(query), name, 100)
    fmt = getattr(ox.QueryResultsFormat, name.upper())
    parsed = list(ox.parse_query_results(ours.body, format=fmt))
    assert len(parsed) == 13


def test_row_cap_detects_truncation(sample_store):
    cut = serialize_solutions(sample_store.query("SELECT * WHERE { ?s ?p ?o }"), "json", 4)
    assert cut.truncated and cut.count == 4
    assert len(json.loads(cut.body)["results"]["bindings"]) == 4
    exact = serialize_solutions(sample_store.query("SELECT * WHERE { ?s ?p ?o }"), "json", 13)
    assert not exact.truncated and exact.count == 13


def test_triple_cap(sample_store):
    cut = serialize_triples(
        sample_store.query("CONSTRUCT WHERE { ?s ?p ?o }"), ox.RdfFormat.N_TRIPLES, 5
    )
    assert cut.truncated and len(cut.body.decode().strip().splitlines()) == 5


# -- the engine pool -----------------------------------------------------------------------------


def job(query: str, **changes) -> Job:
    values = dict(
        query=query,
        base="http://x/",
        default_graphs=None,
        named_graphs=None,
        result_format="json",
        rdf_format="turtle",
        row_cap=100,
        triple_cap=100,
    )
    values.update(changes)
    return Job(**values)


@pytest.fixture(scope="module")
def pool(sample_store):
    pool = Pool(sample_store, 2)
    yield pool
    pool.close()


def test_pool_answers_like_in_process(pool, sample_store):
    query = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    assert pool.run(job(query), 5).body == execute(sample_store, job(query)).body


def test_pool_reports_syntax_errors_with_position(pool):
    with pytest.raises(QuerySyntaxError, match=r"1:\d+"):
        pool.run(job("SELECT * WHERE { ?s "), 5)


def test_pool_kills_and_replaces_a_runaway(pool):
    before = pool.pids
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        pool.run(
            job(
                "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
                "?j ?k ?l . ?m ?n2 ?o . ?q ?r ?t }"
            ),
            0.5,
        )
    assert time.monotonic() - started < 1.5
    assert len(pool.pids) == 2 and pool.pids != before
    assert json.loads(pool.run(job("ASK { ?s ?p ?o }"), 5).body)["boolean"] is True


def test_private_memory_reads_what_a_process_holds_alone():
    """Linux proc(5) smaps_rollup: a process's private pages grow when it writes new memory."""
    before = private_memory(os.getpid())
    assert before is not None and before > 0
    block = b"\x01" * (64 * 2**20)  # pages written are private
    assert private_memory(os.getpid()) >= before + 60 * 2**20
    del block
    assert private_memory(2**22 + 7) is None  # no such process


def test_a_child_past_the_memory_limit_is_replaced_after_its_answer(sample_store):
    pool = Pool(sample_store, 1, memory_limit=1, watch_seconds=0.05)  # every child is past 1 byte
    try:
        first = pool.pids
        query = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
        expected = execute(sample_store, job(query)).body
        assert pool.run(job(query), 5).body == expected
        deadline = time.monotonic() + 5
        while pool.recycled == 0 and time.monotonic() < deadline:
            assert pool.run(job(query), 5).body == expected  # still answered, by a fresh child
            time.sleep(0.02)
        assert pool.recycled >= 1 and pool.pids != first and len(pool.pids) == 1
    finally:
        pool.close()


def test_without_a_memory_limit_children_are_kept(sample_store):
    pool = Pool(sample_store, 1, memory_limit=0, watch_seconds=0.05)
    try:
        first = pool.pids
        for _ in range(5):
            pool.run(job("ASK { ?s ?p ?o }"), 5)
            time.sleep(0.02)
        assert pool.pids == first and pool.recycled == 0
    finally:
        pool.close()


# -- the blueprint through the Flask test client -------------------------------------------------


def sparql_app(**config):
    """The SPARQL test app of tests/data/sparql/serve.py (the endpoint alone, on dataset.trig)."""
    sys.path.insert(0, str(SPARQL_APP))
    try:
        from serve import make_app
    finally:
        sys.path.pop(0)
    return make_app(BASE, **config)


@pytest.fixture(scope="module")
def app():
    return sparql_app(sparql_rate_limit=0)


@pytest.fixture
def client(app):
    return app.test_client()


def test_query_page_lists_every_example(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    for example in sparql_page.examples():
        assert example.title.replace('"', "&#34;") in page or example.title in page
    assert "sparql?query=" in page  # permalinks
    assert '<textarea id="query" name="query"' in page  # works without JavaScript


def test_editor_assets_are_vendored(client):
    for name in ("yasgui.min.js", "yasgui.min.css", "editor.js", "LICENSE.md"):
        response = client.get(f"/sparql/static/{name}")
        assert response.status_code == 200
        response.close()


def test_html_escapes_values(client):
    query = "SELECT ?q WHERE { ?c <ontology#quote> ?q }"
    page = client.get("/sparql", query_string={"query": query, "format": "html"}).get_data(
        as_text=True
    )
    assert "&lt;b&gt;tags&lt;/b&gt;" in page and "<b>tags</b>" not in page


def test_examples_have_headers():
    found = sparql_page.examples()
    assert len(found) >= 6
    for example in found:
        assert example.title and example.description and example.expectations, example.name


def test_rate_limit_answers_429_with_retry_after():
    limited = sparql_app(sparql_rate_limit=3).test_client()
    statuses = [
        limited.get(
            "/sparql", query_string={"query": "ASK {}"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = limited.get(
        "/sparql", query_string={"query": "ASK {}"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert int(response.headers["Retry-After"]) >= 1
    other = limited.get(
        "/sparql", query_string={"query": "ASK {}"}, environ_base={"REMOTE_ADDR": "10.9.8.6"}
    )
    assert other.status_code == 200


# -- the example queries against the curated graph -----------------------------------------------

_PAIR = re.compile(r'(\w+)=(<[^>]*>|"[^"]*")')


@pytest.fixture(scope="module")
def curated():
    """The curated sources loaded as they are (parsed by pyoxigraph): each source in its named
    graph, its curator.ttl in the source's curator graph."""
    store, names = ox.Store(), []
    import graph

    for folder in graph.bundled_sources():
        for file in sorted(folder.glob("*.ttl")):
            name = str(
                graph.curator_graph_name(graph_base(), folder.name)
                if file.name == graph.CURATOR_FILE
                else graph.graph_name(graph_base(), folder.name)
            )
            if name not in names:
                names.append(name)
            store.load(
                path=str(file),
                format=ox.RdfFormat.TURTLE,
                base_iri=graph_base(),
                to_graph=ox.NamedNode(name),
            )
    return store, names


def _value(token: str) -> str:
    if token.startswith("<"):
        return token[1:-1] if ":" in token[1:-1].split("/")[0] else graph_base() + token[1:-1]
    return token[1:-1]


def graph_base() -> str:
    import graph

    return graph.DEFAULT_BASE


@pytest.mark.parametrize("example", sparql_page.examples(), ids=lambda e: e.name)
def test_example_query_answers(curated, example):
    """Each example runs on the curated graph and returns the answers its header expects."""
    store, data_graphs = curated
    answer = execute(
        store, Job(example.text, graph_base(), data_graphs, None, "json", "turtle", 10000, 10000)
    )
    rows = [
        {name: cell["value"] for name, cell in binding.items()}
        for binding in json.loads(answer.body)["results"]["bindings"]
    ]
    for key, value in example.expectations:
        if key == "expect-min-rows":
            assert len(rows) >= int(value), f"{example.name}: {len(rows)} rows"
        elif key == "expect-row":
            wanted = {name: _value(token) for name, token in _PAIR.findall(value)}
            assert any(all(row.get(k) == v for k, v in wanted.items()) for row in rows), (
                f"{example.name}: no row with {wanted}"
            )
        elif key == "expect-sorted":
            values = [row.get(value, "") for row in rows]
            assert values == sorted(values)
        else:
            raise AssertionError(f"{example.name}: unknown expectation {key}")
