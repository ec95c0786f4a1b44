"""Structural limits of SPARQL queries (server/sparql/limits.py), and where pyoxigraph crashes.

Contract (issue 15 §1): a query nested deeper than ``sparql_max_nesting`` or chaining more
operators than ``sparql_max_chain`` is refused with 400, a message naming the limit and its
setting, before anything parses or runs it; the defaults are at most half the depth at which
this pyoxigraph crashes, for every shape of query that crashes it, and a query at both limits at
once runs.

Crash depths measured by :func:`test_defaults_are_at_most_half_the_crash_depth` (pyoxigraph
0.5.13, a thread with an 8 MiB stack, smallest size that kills the process, ±2%): nested
``FILTER EXISTS {`` 836 levels, nested ``COALESCE(`` 921, ``STR(`` 959, groups 2,207, parentheses
4,670, property-path groups 13,820; chains of ``BIND`` 2,632, ``MINUS`` 2,633, ``OPTIONAL``
6,552, ``UNION`` 6,582, ``+`` 6,910, ``||`` 9,384, ``!`` 9,469, path ``|`` 11,006 (the sizes of
the shapes of :data:`CRASHING`, not the measure of :func:`server.sparql.limits.measure`).
Runaways rather than crashes, stopped by ``sparql_timeout``: nested blank-node brackets and
collections (3 s at 100 levels of collections, crash past 3,400), long ``/`` paths (2.5 s at 400
steps, crash past 5,000), thousands of triple patterns. No crash within the largest POST body:
a 32,000-value ``VALUES``, a 32,000-item ``IN`` list, 32,000 joined empty groups.
"""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph
import pytest
from test_sparql import job, sparql_app

from server.sparql import page as sparql_page
from server.sparql.engine import Pool
from server.sparql.limits import DEFAULT, LimitExceeded, Limits, check, measure
from server.sparql.safety import tokenize

#: A throwaway process running one query (read from stdin) on an empty in-memory store, in a
#: thread with the stack most threads get (RLIMIT_STACK's common 8 MiB), reading every result.
PROBE = """
import sys, threading
import pyoxigraph
threading.stack_size(8 * 2**20)
query = sys.stdin.read()
def run():
    result = pyoxigraph.Store().query(query)
    bool(result) if isinstance(result, pyoxigraph.QueryBoolean) else list(result)
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""
#: Seconds a probe may run: a query still running then did not crash in parsing or planning.
PROBE_SECONDS = 20
#: The largest POST body the endpoint reads by default (setting ``sparql_max_body``).
MAX_BODY = 65536


def crashes(query: str) -> bool:
    """Whether running ``query`` kills a fresh process (a signal: SIGSEGV on stack overflow)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE],
            input=query,
            text=True,
            capture_output=True,
            timeout=PROBE_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return False
    assert done.returncode <= 0, f"the probe failed without crashing:\n{done.stderr[-2000:]}"
    return done.returncode < 0


def crash_size(build, top: int) -> int:
    """The smallest size (±2%) at which ``build(size)`` crashes the engine, by bisection."""
    assert crashes(build(top)), f"no crash at size {top}: measure again, and update the figures"
    assert not crashes(build(1))
    low, high = 1, top
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        low, high = (low, middle) if crashes(build(middle)) else (middle, high)
    return high


def shape(query: str):
    return measure(tokenize(query))


#: Shapes of query whose size crashes pyoxigraph: (name, size → query, which limit bounds it);
#: each crashes within seconds at size 10,000 (BIND) or 40,000 (the others).
CRASHING = [
    ("nested groups", lambda n: "SELECT * WHERE " + "{" * n + "}" * n, "nesting"),
    ("nested parentheses", lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }", "nesting"),
    ("nested calls", lambda n: "ASK { FILTER(" + "STR(" * n + "1" + ")" * n + ") }", "nesting"),
    (
        "nested COALESCE",
        lambda n: "ASK { FILTER(" + "COALESCE(" * n + "1" + ")" * n + ") }",
        "nesting",
    ),
    ("nested EXISTS", lambda n: "ASK { " + "FILTER EXISTS {" * n + "}" * n + " }", "nesting"),
    ("nested sub-queries", lambda n: "ASK " + "{SELECT * " * n + "{}" + "}" * n, "nesting"),
    (
        "nested path groups",
        lambda n: "ASK { ?s " + "(" * n + "<http://e/p>" + ")" * n + " ?o }",
        "nesting",
    ),
    ("UNION chain", lambda n: "ASK { " + " UNION ".join(["{}"] * n) + " }", "chain"),
    ("MINUS chain", lambda n: "ASK { " + "MINUS {} " * n + "}", "chain"),
    ("OPTIONAL chain", lambda n: "ASK { " + "OPTIONAL {} " * n + "}", "chain"),
    (
        "BIND chain",
        lambda n: "ASK { " + "".join(f"BIND(1 AS ?v{i}) " for i in range(n)) + "}",
        "chain",
    ),
    ("+ chain", lambda n: "ASK { FILTER(" + "+".join(["1"] * n) + ") }", "chain"),
    ("|| chain", lambda n: "ASK { FILTER(" + "||".join(["true"] * n) + ") }", "chain"),
    ("! chain", lambda n: "ASK { FILTER(" + "!" * n + "true) }", "chain"),
    (
        "path alternatives",
        lambda n: "ASK { ?s " + "|".join(["<http://e/p>"] * n) + " ?o }",
        "chain",
    ),
]
IDS = [name for name, _, _ in CRASHING]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "build", "limit"), CRASHING, ids=IDS)
def test_defaults_are_at_most_half_the_crash_depth(name, build, limit):
    """Each shape's smallest crashing query measures at least twice the default limit."""
    size = crash_size(build, 10_000 if name == "BIND chain" else 40_000)
    measured = getattr(shape(build(size)), limit)
    print(f"{name}: crashes at size {size}, measured {limit} {measured}")
    assert measured >= 2 * getattr(DEFAULT, limit), (name, size, measured)


def test_a_query_at_both_limits_runs_on_a_common_stack():
    """Nesting and chains add up on the stack: a query at both default limits at once, made of
    the costliest levels measured (``FILTER EXISTS``) and links (``BIND``), runs on 8 MiB."""
    levels = DEFAULT.nesting - 2  # the innermost group and its BINDs' parentheses: two more
    binds = 0
    while True:
        query = (
            "ASK "
            + "{ FILTER EXISTS " * levels
            + "{ "
            + "".join(f"BIND(1 AS ?v{i}) " for i in range(binds + 1))
            + "}" * (levels + 1)
        )
        if shape(query).chain > DEFAULT.chain:
            break
        binds += 1
    query = query.replace(f"BIND(1 AS ?v{binds}) ", "")
    assert (shape(query).nesting, shape(query).chain) == (DEFAULT.nesting, DEFAULT.chain)
    check(tokenize(query), DEFAULT)
    assert not crashes(query)


@pytest.mark.parametrize(
    "query",
    [
        "ASK { VALUES ?x { " + "1 " * 32_000 + "} }",
        "ASK { FILTER(1 IN (" + ",".join(["1"] * 32_000) + ")) }",
        "ASK { " + "{}" * 32_000 + " }",
    ],
    ids=["VALUES", "IN list", "joined groups"],
)
def test_flat_shapes_do_not_crash_at_the_largest_body(query):
    """Long flat lists are not bounded: the largest the endpoint reads does not crash."""
    assert len(query) <= MAX_BODY
    assert not crashes(query)


# -- the measure ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "nesting", "chain"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", 1, 1),
        ("SELECT ?s WHERE { { { ?s ?p ?o } } }", 3, 3),
        # brackets, operators and keywords in strings, IRIs and comments do not count
        ("ASK { ?s ?p '((( {{{ [[[ UNION' }", 1, 1),
        ("ASK { ?s <http://e/a(b)/c-d+e> ?o }", 1, 1),
        ("ASK { # {{{ ((( UNION\n ?s ?p ?o }", 1, 1),
        # a chain counts through the levels around it: 1 + 3 + 3 at the last group
        ("ASK { {} UNION { {} UNION {} } }", 3, 7),
        ("ASK { FILTER(?a + ?b * (?c - 1) > 2 || !?d) }", 3, 7),
        ("ASK { ?s <http://e/p>/<http://e/q>|^<http://e/r> ?o }", 1, 4),
        ("ASK { ?s ?p [ ?q [ ?r ( 1 ( 2 ) ) ] ] }", 5, 1),
        # an IRI right after an operand, within parentheses, is an expression to the engine
        ("ASK { FILTER(?a<((((1))))&&?b>1) }", 6, 6),
        # ... not after an operator, nor outside parentheses
        ("ASK { FILTER(?a = <http://e/(b)>) }", 2, 3),
        ("ASK { ?s ?p [ ?q <http://e/(b)> ] }", 2, 1),
        # (in a collection, where IRIs follow one another, a little over-counted)
        ("ASK { ?s ?p ( <http://e/a> <http://e/(b)> ) }", 3, 6),
    ],
)
def test_measure(query, nesting, chain):
    assert (shape(query).nesting, shape(query).chain) == (nesting, chain)


def test_check_names_the_limit_and_its_setting():
    query = "ASK " + "{" * 7 + "}" * 7
    with pytest.raises(
        LimitExceeded, match=r"nests 7 levels .* at most 6 \(setting sparql_max_nesting\)"
    ):
        check(tokenize(query), Limits(nesting=6, chain=100))
    check(tokenize(query), Limits(nesting=7, chain=100))
    query = "ASK { FILTER(" + "+".join(["1"] * 12) + ") }"
    with pytest.raises(
        LimitExceeded, match=r"chains 13 operators .* at most 12 \(setting sparql_max_chain\)"
    ):
        check(tokenize(query), Limits(nesting=10, chain=12))


def test_the_example_queries_are_far_from_the_limits():
    """Real queries: every example of the query page nests and chains far less than allowed."""
    examples = sparql_page.examples()
    assert examples
    for example in examples:
        measured = shape(example.text)
        assert measured.nesting <= 10 and measured.chain <= 50, (example.title, measured)


# -- the endpoint --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    return sparql_app(sparql_rate_limit=0).test_client()


def first_past(build, limit: str, allowed: int) -> int:
    """The smallest size of ``build`` whose measure passes ``allowed``."""
    size = 1
    while getattr(shape(build(size)), limit) <= allowed:
        size += 1
    return size


def ask(client, query: str):
    return client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )


@pytest.mark.parametrize(("name", "build", "limit"), CRASHING, ids=IDS)
def test_the_endpoint_refuses_past_each_limit_and_runs_up_to_it(client, name, build, limit):
    """At the limit the query runs (or fails for another reason than the limit); one step past
    it, 400 with a message naming the limit and its setting, in the documented error shape."""
    allowed = getattr(DEFAULT, limit)
    past = first_past(build, limit, allowed)
    response = ask(client, build(past))
    assert response.status_code == 400, response.get_data(as_text=True)
    message = response.get_json()["error"]["message"]
    assert f"at most {allowed} (setting sparql_max_{limit})" in message
    below = ask(client, build(past - 1))
    assert "sparql_max_" not in below.get_data(as_text=True), name
    assert below.status_code in (200, 503), below.get_data(as_text=True)[:300]


def test_the_settings_set_the_limits():
    client = sparql_app(sparql_rate_limit=0, sparql_max_nesting=4, sparql_max_chain=6).test_client()
    assert ask(client, "ASK { { { {} } } }").status_code == 200  # nesting 4, chain 4
    response = ask(client, "ASK { { { { {} } } } }")
    assert response.status_code == 400
    assert "at most 4 (setting sparql_max_nesting)" in response.get_json()["error"]["message"]
    assert ask(client, "ASK { FILTER(1 + 1 + 1 + 1 > 1) }").status_code == 200  # chain 6
    response = ask(client, "ASK { FILTER(1 + 1 + 1 + 1 + 1 > 1) }")
    assert response.status_code == 400
    assert "at most 6 (setting sparql_max_chain)" in response.get_json()["error"]["message"]


# -- the query processes' stack ------------------------------------------------------------------


def test_query_processes_run_deeper_than_a_common_stack():
    """The deepest nesting of groups a 64 KiB body holds crashes a process on 8 MiB of stack;
    a query process, with its own deep stack, answers it (limits aside)."""
    query = "SELECT * WHERE " + "{" * 32_000 + "}" * 32_000
    assert len(query) <= MAX_BODY and crashes(query)
    pool = Pool(pyoxigraph.Store(), 1)
    try:
        assert b'"bindings":[{}]' in pool.run(job(query), 30).body
        assert pool.replaced == 0
    finally:
        pool.close()
