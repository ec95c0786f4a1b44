"""Comunica over ``/fragments`` against a real server process: the example query catalogue
(``server/queries``: joins, OPTIONAL, FILTER, property paths, aggregates) answers the same rows
through Triple/Quad Pattern Fragments as through ``/sparql``.

Comunica (tests/clients, ``npm ci``) runs unmodified with its ``qpf`` source type, which reads
the hypermedia controls of the fragments; pages of 20 quads make it follow ``hydra:next``.
Headless Chromium renders the page for people.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from urllib.parse import quote

import pytest
import requests
from browser import render
from helpers import ROOT, data_paths

from bench.servers import Server
from server.sparql.page import examples

pytestmark = pytest.mark.server

CLIENTS = ROOT / "tests" / "clients"
PAGE_SIZE = 20
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = Server.serving(
        tmp_path_factory.mktemp("fragments"), data_paths(), workers=1, fragments_page_size=PAGE_SIZE
    )
    try:
        yield process.wait(timeout=180)
    finally:
        process.stop()


def comunica(base: str, queries: list[str]) -> list[list[dict]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (Comunica needs node 20)")
    if not (CLIENTS / "node_modules" / "@comunica" / "query-sparql").is_dir():
        pytest.skip("Comunica is not installed: run `npm ci --prefix tests/clients`")
    done = subprocess.run(
        [node, str(CLIENTS / "comunica-fragments.js"), base + "fragments"],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, NODE_PATH=str(CLIENTS / "node_modules")),
        cwd=CLIENTS,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def sparql_rows(base: str, query: str) -> list[dict]:
    """The query's solutions from ``/sparql``, in the form the Comunica script prints."""
    response = requests.post(
        base + "sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    rows = []
    for binding in response.json()["results"]["bindings"]:
        row = {}
        for name, value in binding.items():
            if value["type"] == "uri":
                row[name] = ["NamedNode", value["value"], "", ""]
            else:
                language = value.get("xml:lang", "")
                datatype = value.get("datatype") or (RDF_LANG_STRING if language else XSD_STRING)
                row[name] = ["Literal", value["value"], language, datatype]
        rows.append(row)
    return rows


def bag(rows: list[dict]) -> Counter:
    return Counter(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)


def test_comunica_answers_the_example_catalogue_as_sparql_does(server):
    """Every example query: the same solutions (as a multiset; order is the query's ORDER BY
    over equal values, which engines may break differently) from Comunica over the fragments
    and from the SPARQL endpoint, each example with at least one solution."""
    catalogue = examples()
    assert len(catalogue) >= 5, "the example catalogue is missing"
    queries = [f"BASE <{server.base}>\n{example.text}" for example in catalogue]
    answers = comunica(server.base, queries)
    for example, query, answer in zip(catalogue, queries, answers, strict=True):
        wanted = sparql_rows(server.base, query)
        assert wanted, f"{example.name} has no solution: the comparison would prove nothing"
        assert bag(answer) == bag(wanted), f"{example.name}: Comunica and /sparql differ"


def test_the_served_dataset_spans_pages(server):
    """At this page size the whole dataset spans many pages (so the client test pages)."""
    response = requests.get(server.base + "fragments", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert f"<{server.base}fragments?page=2>" in response.text


@pytest.mark.browser
def test_the_fragments_page_in_chromium(server, tmp_path):
    """The page for people, as Chromium builds it: the form filled in with the pattern, a page
    of matches, and the link to the next page."""
    china = f"{server.base}id/actor/china"
    dom = render(f"{server.base}fragments?subject={quote(china, safe='')}", tmp_path / "profile")
    assert f'value="{china}"' in dom
    assert dom.count("<tr>") == PAGE_SIZE + 1  # the header row and one page
    assert 'rel="next"' in dom
