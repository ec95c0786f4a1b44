"""The query page's code snippets, run for real against a real server: curl, Python
(SPARQLWrapper, pandas), R (base R, the SPARQL package) and JavaScript (Node's fetch) return
the rows the endpoint returns. Also: the JavaScript twin of the snippet renderer
(static/sparql/snippets.js) writes byte for byte what the server writes, and every string literal
reads back as the query in its own language."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from helpers import BROWSER, ROOT, need_binary
from hypothesis import given, settings
from hypothesis import strategies as st
from query_page import read_page

from server.sparql import page as sparql_page
from server.sparql import share as sparql_share
from server.sparql import snippets as sparql_snippets

EXAMPLES = {example.name: example.text for example in sparql_page.examples()}
#: Chinese labels, quotes in the query and its comments: the encodings every client must get right.
QUERY = EXAMPLES["disputes-and-parties-zh-hans"]
SNIPPETS_JS = ROOT / "server" / "static" / "sparql" / "snippets.js"
#: The node modules of tests/clients (installed by .ci/run).
NODE_PATH = ROOT / "tests" / "clients" / "node_modules"


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return live_server.base + "sparql"


@pytest.fixture(scope="module")
def expected(endpoint) -> list[dict[str, str]]:
    """The rows the endpoint returns for QUERY (SPARQL JSON, read by requests)."""
    response = requests.post(
        endpoint, data={"query": QUERY}, headers={"Accept": "application/sparql-results+json"}
    )
    response.raise_for_status()
    rows = values(response.json()["results"]["bindings"])
    assert len(rows) >= 6 and any(row["partyName"] == "中国" for row in rows)
    return rows


#: QUERY's variables; an unbound one reads as "" (as in CSV).
VARIABLES = ("dispute", "disputeName", "party", "partyName")


def values(bindings) -> list[dict[str, str]]:
    """SPARQL JSON bindings (or rows of plain values) as complete rows of values."""
    rows = []
    for binding in bindings:
        row = {name: binding.get(name, "") for name in VARIABLES}
        rows.append({k: v["value"] if isinstance(v, dict) else v for k, v in row.items()})
    return rows


def snippets(live_server, fmt: str, query: str = QUERY) -> dict[str, str]:
    """The snippets as the page without JavaScript shows them, opened by its share link."""
    path = "sparql?" + urlencode({"f": fmt, "z": sparql_share.encode(query)})
    response = requests.get(live_server.base + path, headers={"Accept": BROWSER}, timeout=30)
    response.raise_for_status()
    found = read_page(response.text).snippets
    assert all(found.values()), "every snippet fits a SELECT query"
    return found


def run(command: list[str], tmp_path: Path, **env) -> str:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "LC_ALL": "C.UTF-8", **env},
    )
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.server
def test_curl_snippet(live_server, expected, tmp_path):
    bash = need_binary("bash")
    need_binary("curl")
    for fmt in ("json", "csv"):
        out = run([bash, "-c", snippets(live_server, fmt)["curl"]], tmp_path)
        rows = values(json.loads(out)["results"]["bindings"]) if fmt == "json" else csv_rows(out)
        assert rows == expected, fmt


@pytest.mark.server
def test_sparqlwrapper_snippet(live_server, expected, tmp_path):
    out = run([sys.executable, "-c", snippets(live_server, "json")["python"]], tmp_path)
    assert values(ast.literal_eval(line) for line in out.splitlines()) == expected
    out = run([sys.executable, "-c", snippets(live_server, "csv")["python"]], tmp_path)
    assert csv_rows(out) == expected


@pytest.mark.server
def test_pandas_snippet(live_server, expected, tmp_path):
    code = snippets(live_server, "json")["pandas"]
    dump = '\nprint("----")\nprint(frame.fillna("").astype(str).to_json(orient="records"))\n'
    out = run([sys.executable, "-c", code + dump], tmp_path)
    assert json.loads(out.split("----\n", 1)[1]) == expected


def _rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        pytest.skip("Rscript is not installed (Debian r-base-core; .ci/run installs it)")
    return path


DUMP_R = '\ncat("----\\n")\nwrite.csv(frame, stdout(), row.names = FALSE, na = "")\n'


@pytest.mark.server
def test_r_snippet(live_server, expected, tmp_path):
    rscript = _rscript()
    (tmp_path / "query.R").write_text(snippets(live_server, "csv")["r"] + DUMP_R, encoding="utf-8")
    out = run([rscript, "query.R"], tmp_path)
    assert csv_rows(out.split("----\n", 1)[1]) == expected


@pytest.mark.server
def test_r_sparql_package_snippet(live_server, expected, tmp_path):
    rscript = _rscript()
    probe = subprocess.run([rscript, "-e", "library(SPARQL)"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("the R SPARQL package is not installed (Debian r-cran-sparql; .ci/run)")
    code = snippets(live_server, "json")["r-sparql"] + DUMP_R
    (tmp_path / "query.R").write_text(code, encoding="utf-8")
    rows = csv_rows(run([rscript, "query.R"], tmp_path).split("----\n", 1)[1])
    # The package writes values as Turtle does: <IRI>, "literal"@lang.
    readable = [
        {k: v[1:-1] if v.startswith("<") else v.rsplit("@", 1)[0][1:-1] for k, v in r.items()}
        for r in rows
    ]
    assert readable == expected
    assert rows[0]["partyName"].endswith('"@zh-hans')


@pytest.mark.server
def test_javascript_snippet(live_server, expected, tmp_path):
    node = need_binary("node")
    code = snippets(live_server, "json")["javascript"]
    dump = '\nconsole.log("----");\nconsole.log(JSON.stringify(data));\n'
    (tmp_path / "query.mjs").write_text(code + dump, encoding="utf-8")
    data = json.loads(run([node, "query.mjs"], tmp_path).split("----\n", 1)[1])
    assert values(data["results"]["bindings"]) == expected
    (tmp_path / "csv.mjs").write_text(snippets(live_server, "csv")["javascript"], encoding="utf-8")
    assert csv_rows(run([node, "csv.mjs"], tmp_path).rstrip("\n")) == expected


@pytest.mark.server
def test_graph_snippets_return_the_graph(live_server, tmp_path):
    """A CONSTRUCT in Turtle: curl and SPARQLWrapper get the same triples the endpoint sends."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    query = (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://schema.org/Country> ; ?p ?o }\n"
        "ORDER BY ?s ?p ?o LIMIT 40"
    )
    reference = Graph().parse(
        data=requests.post(
            live_server.base + "sparql", data={"query": query}, headers={"Accept": "text/turtle"}
        ).text,
        format="turtle",
    )
    assert len(reference) >= 10
    path = "sparql?" + urlencode({"f": "turtle", "z": sparql_share.encode(query)})
    page = read_page(requests.get(live_server.base + path, headers={"Accept": BROWSER}).text)
    curl = run([need_binary("bash"), "-c", page.snippets["curl"]], tmp_path)
    assert isomorphic(Graph().parse(data=curl, format="turtle"), reference)
    python = run([sys.executable, "-c", page.snippets["python"]], tmp_path)
    assert isomorphic(Graph().parse(data=python, format="turtle"), reference)


# -- the JavaScript renderer is the server's twin --------------------------------------------------

TRICKY = [
    "",
    QUERY,
    'SELECT * WHERE { ?s ?p """a "quoted" \\\\ string""" }',
    'ASK { ?s ?p "ends with a quote"" }"',
    "SELECT ?x WHERE { BIND(`${x}` AS ?x) } # back`tick ${template}",
    'SELECT * WHERE { ?s ?p ")"" } # )" )-" )--"',
    "PREFIX pg: <ontology#>\r\nCONSTRUCT { ?s ?p ?o }\r\nWHERE { ?s ?p ?o }\r",
    "# only a comment",
    "BASE <http://x/>\nPREFIX : <#>\nDESCRIBE <a>",
    "prefix x: <y>\n  ask {}",
    "SELECT * { ?s ?p '\x01\x07\x0b\x0c\x1b\x7f tab\there' }",
    'SELECT * { ?s ?p "中文 繁體 😀 \u2028 \u0085 \ufeff" }',
    "\\",
    '"',
    '""',
    '"""',
    "'",
    "$",
    "${",
]


def render_in_node(cases: list[dict]) -> list[dict]:
    node = need_binary("node")
    script = (
        "const S = require(process.argv[1]);"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const out = input.cases.map("
        "  c => S.render(input.tables, c.query, c.format, c.endpoint, {}));"
        "process.stdout.write(JSON.stringify(out));"
    )
    payload = json.dumps({"tables": sparql_snippets.client_tables(), "cases": cases})
    result = subprocess.run(
        [node, "-e", script, str(SNIPPETS_JS)],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def python_render(case: dict) -> dict:
    return sparql_snippets.render(case["query"], case["format"], case["endpoint"], {})


def _cases(queries) -> list[dict]:
    formats = ["html", "json", "xml", "csv", "tsv", "turtle", "jsonld"]
    return [
        {
            "query": query,
            "format": formats[i % len(formats)],
            "endpoint": "http://h:1/a'b\"c/sparql",
        }
        for i, query in enumerate(queries)
    ]


def test_javascript_renders_what_the_server_renders():
    cases = _cases(TRICKY + list(EXAMPLES.values()))
    assert render_in_node(cases) == [python_render(case) for case in cases]


@settings(max_examples=8, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=20, max_size=40))
def test_javascript_renders_what_the_server_renders_for_any_text(queries):
    cases = _cases(queries)
    assert render_in_node(cases) == [python_render(case) for case in cases]


@given(st.text())
def test_python_and_shell_literals_read_back(text):
    text = sparql_snippets.normalise(text)
    assert ast.literal_eval(sparql_snippets.python_literal(text)) == text
    assert shlex.split("x " + sparql_snippets.shell_literal(text))[1:] == ([text] if text else [""])


#: The tricky texts as the snippets hold them (line ends normalised).
LITERAL_TEXTS = [sparql_snippets.normalise(text) for text in TRICKY]


def test_javascript_and_shell_literals_read_back(tmp_path):
    """The JavaScript and shell literals of the tricky texts, evaluated by node and bash."""
    node = need_binary("node")
    items = ",".join(map(sparql_snippets.js_literal, LITERAL_TEXTS))
    (tmp_path / "t.mjs").write_text(f"console.log(JSON.stringify([{items}]));\n", encoding="utf-8")
    assert json.loads(run([node, "t.mjs"], tmp_path)) == LITERAL_TEXTS
    bash = need_binary("bash")
    for text in LITERAL_TEXTS:
        out = run([bash, "-c", "printf %s " + sparql_snippets.shell_literal(text)], tmp_path)
        assert out == text


def test_r_literals_read_back(tmp_path):
    """The R raw strings of the tricky texts, evaluated by R (their UTF-8 bytes printed)."""
    rscript = _rscript()
    lines = [f"x{i} <- {sparql_snippets.r_literal(t)}" for i, t in enumerate(LITERAL_TEXTS)]
    lines.append(
        f"for (i in 0:{len(LITERAL_TEXTS) - 1}) cat(sprintf('%s\\n', "
        "paste(as.integer(charToRaw(enc2utf8(get(paste0('x', i))))), collapse = ' ')))"
    )
    (tmp_path / "t.R").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = run([rscript, "t.R"], tmp_path).split("\n")[: len(LITERAL_TEXTS)]
    assert [bytes(int(b) for b in line.split()).decode() for line in got] == LITERAL_TEXTS


def test_query_form_is_read_past_the_prologue():
    form = sparql_snippets.query_form
    assert form("PREFIX a: <b#>\n# SELECT\nCONSTRUCT {}") == "CONSTRUCT"
    assert form("base <x>  describe <y>") == "DESCRIBE"
    assert form("ask {}") == "ASK"
    assert form("# nothing") == "SELECT"
    assert form("PREFIX a: <unclosed") == "SELECT"
    assert form("SELECTED") == "SELECT"  # an unknown word: the default
    assert form("construct{") == "CONSTRUCT"
