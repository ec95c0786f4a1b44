"""``policygraph query``, run as a real process: against the embedded graph with no server, and
against a real endpoint with ``--endpoint``.

Contract (issue 19 §2): the query comes from the argument, standard input (``-``), ``@FILE`` or
``-f FILE``; SELECT prints an aligned table (clipped to the width with an ellipsis) or the W3C
CSV, TSV, JSON or XML results, read here by their consumers (``csv``, ``json``, ``xml.etree``);
ASK prints true or false with exit 0 either way; CONSTRUCT prints Turtle or N-Triples (read by
rdflib); a syntax error exits 2 naming its line and column; a query the endpoint would refuse is
refused the same way; a failing store or endpoint exits 3. With ``--endpoint`` the output is the
bytes the endpoint itself writes for the same format.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET

import pytest
import requests
from helpers import TINY, sparql_app
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from bench.servers import free_port

BASE = "http://127.0.0.1:8080/"
PREFIXES = f"""PREFIX pg: <{BASE}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
ACTORS = (
    PREFIXES + "SELECT ?actor ?label WHERE {\n  ?actor a pg:Actor ; rdfs:label ?label\n"
    '  FILTER(langMatches(lang(?label), "en"))\n} ORDER BY ?label'
)
#: The English labels of the actors of tests/data/tiny, in order.
EXPECTED = [
    ("china", "China"),
    ("north-korea", "North Korea"),
    ("ted-galen-carpenter", "Ted Galen Carpenter"),
    ("united-states", "United States"),
]
SRX = "{http://www.w3.org/2005/sparql-results#}"


def query(*args: str, data: bool = True, stdin: str | None = None, cwd=None):
    """``python -m server.cli query …`` over tests/data/tiny; the finished process, its output
    decoded as written (CRLF kept)."""
    command = [sys.executable, "-m", "server.cli", "query", *args]
    if data:
        command += ["--data", str(TINY)]
    done = subprocess.run(
        command,
        input=None if stdin is None else stdin.encode("utf-8"),
        capture_output=True,
        timeout=180,
        cwd=cwd,
    )
    done.stdout, done.stderr = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    return done


def test_csv_is_the_w3c_csv(tmp_path):
    done = query("--format", "csv", ACTORS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("actor,label\r\n")  # CSV §3: CRLF line ends
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
    assert [(r["actor"], r["label"]) for r in rows] == [
        (f"{BASE}id/actor/{slug}", label) for slug, label in EXPECTED
    ]


def test_tsv_json_and_xml_keep_the_terms(tmp_path):
    tsv = query("--format", "tsv", ACTORS)
    lines = tsv.stdout.splitlines()
    assert lines[0] == "?actor\t?label"
    assert lines[1] == f'<{BASE}id/actor/china>\t"China"@en'
    body = json.loads(query("--format", "json", ACTORS).stdout)
    assert body["head"] == {"vars": ["actor", "label"]}  # under the cap: no link
    first = body["results"]["bindings"][0]["label"]
    assert first == {"type": "literal", "value": "China", "xml:lang": "en"}
    root = ET.fromstring(query("--format", "xml", ACTORS).stdout)
    labels = [node.text for node in root.iter(f"{SRX}literal")]
    assert labels == [label for _, label in EXPECTED]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_table_is_aligned_clipped_to_the_width_and_keeps_languages():
    text = (
        PREFIXES + "SELECT ?actor ?label WHERE { ?actor a pg:Actor ; rdfs:label ?label } "
        "ORDER BY ?actor ?label"
    )
    done = query("--width", "44", text)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "(12 rows)"
    table = lines[:-1]
    assert all(width(line) <= 44 for line in table), table
    # every row puts its column separator at the same screen column as the header
    bar = width(table[0].split("|")[0])
    assert all(width(line.split("|")[0]) == bar for line in table[2:])
    assert table[1].replace("-", "") == "+"
    cells = [line.split(" | ") for line in table[2:]]
    assert any(cell[0].endswith("…") for cell in cells)  # IRIs clipped
    assert [cell[1].strip() for cell in cells[:3]] == ["China@en", "中国@zh-hans", "中國@zh-hant"]


def test_ask_prints_true_or_false_and_exits_0():
    yes = query(PREFIXES + "ASK { ?a a pg:Actor }")
    no = query(PREFIXES + "ASK { ?a a pg:Dispute }")  # tests/data/tiny has no dispute
    assert (yes.returncode, yes.stdout) == (0, "true\n")
    assert (no.returncode, no.stdout) == (0, "false\n")


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("ntriples", "nt")])
def test_construct_prints_rdf_rdflib_reads(fmt, parser):
    done = query("--format", fmt, f"CONSTRUCT WHERE {{ <{BASE}id/actor/china> ?p ?o }}")
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(data=done.stdout, format=parser)
    assert (URIRef(f"{BASE}id/actor/china"), RDFS.label, Literal("China", lang="en")) in graph


def test_a_syntax_error_names_its_line_and_column():
    """The position is where the engine's parser stopped (pyoxigraph: line:column, from 1)."""
    broken = PREFIXES + "SELECT ?a WHERE {\n  ?a a pg:Actor\n  FILTER(?a = }"
    done = query(broken)
    assert done.returncode == 2 and done.stdout == ""
    assert "malformed query: line 5, column 16: expected one of" in done.stderr, done.stderr
    shown, caret = done.stderr.splitlines()[-2:]
    assert shown == "    FILTER(?a = }" and caret == " " * 17 + "^"


@pytest.mark.parametrize(
    "text, message",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("INSERT DATA { <a> <b> <c> }", "not a SPARQL query"),
        ("DESCRIBE <x>", "--format turtle or ntriples"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "graphs of this dataset"),
        ("SELECT * WHERE " + "{ " * 200 + "}" * 200, "nests 200 levels"),
    ],
)
def test_what_the_endpoint_refuses_is_refused(text, message):
    done = query(text, "--format", "csv")
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_result_over_the_row_cap_is_cut_and_says_so():
    done = query("--row-cap", "2", "--format", "json", ACTORS)
    body = json.loads(done.stdout)
    assert len(body["results"]["bindings"]) == 2
    assert body["head"]["link"] == [f"{BASE}sparql#row-cap"]
    assert "cut at the cap" in done.stderr and "OFFSET" in done.stderr


def test_a_runaway_query_is_stopped_at_the_timeout():
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    done = query("--timeout", "1", runaway)
    assert done.returncode == 3, done.stderr
    assert "longer than the 1 s limit" in done.stderr


def test_an_on_disk_store_is_built_once_then_read(tmp_path):
    store = f"oxigraph:{tmp_path / 'store'}"
    first = query("--store", store, "--format", "csv", ACTORS)
    assert first.returncode == 0 and (tmp_path / "store").is_dir(), first.stderr
    again = query("--store", store, "--format", "csv", ACTORS)
    assert again.stdout == first.stdout and again.stdout.count("\r\n") == 1 + len(EXPECTED)
    remote = query("--store", "sparql:http://127.0.0.1:9/sparql", "ASK {}", data=False)
    assert remote.returncode == 2 and "--endpoint" in remote.stderr


# -- against an endpoint -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """A real gunicorn process over tests/data/sparql with a row cap of 5."""
    process = sparql_app(
        tmp_path_factory.mktemp("cli-endpoint"),
        {"sparql_row_cap": 5, "sparql_workers": 1},
        workers=1,
        threads=2,
    )
    try:
        yield process.wait(timeout=30).base + "sparql"
    finally:
        process.stop()


CLAIMS = "SELECT ?claim ?o WHERE { ?claim a <ontology#Claim> ; ?p ?o } ORDER BY ?claim ?o"
LABELS = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?s ?l"
MEDIA = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
}


@pytest.mark.server
@pytest.mark.parametrize("fmt", sorted(MEDIA))
def test_endpoint_output_is_the_bytes_the_endpoint_writes(endpoint, fmt):
    direct = requests.post(endpoint, data={"query": LABELS}, headers={"Accept": MEDIA[fmt]})
    assert direct.status_code == 200 and direct.headers["X-Policygraph-Truncated"] == "false"
    command = [sys.executable, "-m", "server.cli", "query", "--endpoint", endpoint]
    done = subprocess.run(command + ["--format", fmt, LABELS], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == direct.content


@pytest.mark.server
def test_query_from_stdin_a_file_and_at_file(endpoint, tmp_path):
    (tmp_path / "labels.rq").write_text(LABELS, encoding="utf-8")
    given = ("--endpoint", endpoint, "--format", "csv")
    expected = query(*given, LABELS, data=False)
    assert expected.returncode == 0 and expected.stdout.count("\r\n") == 1 + 5  # header, rows
    assert query(*given, "-", stdin=LABELS, data=False).stdout == expected.stdout
    assert query(*given, "@labels.rq", cwd=tmp_path, data=False).stdout == expected.stdout
    assert query(*given, "-f", str(tmp_path / "labels.rq"), data=False).stdout == expected.stdout
    missing = query("-f", str(tmp_path / "absent.rq"), data=False)
    assert missing.returncode == 2 and "cannot read the query" in missing.stderr


@pytest.mark.server
def test_endpoint_cut_is_reported_and_its_note_kept(endpoint):
    done = query("--endpoint", endpoint, "--format", "json", CLAIMS, data=False)
    body = json.loads(done.stdout)
    assert len(body["results"]["bindings"]) == 5
    assert body["head"]["link"] == [endpoint + "#row-cap"]
    assert "cut at the cap" in done.stderr


@pytest.mark.server
def test_endpoint_ask_and_construct(endpoint):
    ask = query("--endpoint", endpoint, "ASK { ?s a <ontology#Claim> }", data=False)
    assert (ask.returncode, ask.stdout) == (0, "true\n")
    text = "CONSTRUCT WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }"
    done = query("--endpoint", endpoint, "--format", "turtle", text, data=False)
    graph = Graph().parse(data=done.stdout, format="turtle")
    base = endpoint.removesuffix("sparql")
    assert (URIRef(f"{base}id/actor/china"), RDFS.label, Literal("中国", lang="zh-hans")) in graph


@pytest.mark.server
def test_endpoint_syntax_error_names_line_and_column(endpoint):
    done = query("--endpoint", endpoint, "SELECT ?s WHERE {\n ?s ?p \n}", data=False)
    assert done.returncode == 2
    assert "the endpoint refused the query" in done.stderr and "line 3, column" in done.stderr


def test_unreachable_endpoint_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    done = query("--endpoint", url, "ASK {}", data=False)
    assert done.returncode == 3
    assert url in done.stderr and "cannot be reached" in done.stderr
