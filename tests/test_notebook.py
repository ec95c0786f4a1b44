"""The notebook API (graph/notebook.py): a publication or an endpoint, results as Python values.

Contract (issue 19 §2): rows are namedtuples of Python values (dates as ``datetime.date``,
integers as ``int``, language kept on strings, a month left a month); a DataFrame has typed
columns (``datetime64`` for dates, ``Int64`` for integers, ``boolean``, periods for months and
years) and a ``{name}@lang`` column beside language-tagged strings; without pandas, a clear
ImportError names the extra. The embedded publication reads the union of the data graphs by
default, as ``/sparql`` does; an endpoint's capped result raises instead of passing for whole.
"""

from __future__ import annotations

import csv
import datetime
import io
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pyoxigraph as ox
import pytest
import requests
from helpers import ROOT, TINY, sparql_app

from graph import notebook

BASE = "http://127.0.0.1:8080/"
PREFIXES = f"""PREFIX pg: <{BASE}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
"""
DOCUMENT = (
    PREFIXES + "SELECT ?doc ?published ?length ?title WHERE {\n"
    "  ?doc schema:datePublished ?published ; pg:textLength ?length ; rdfs:label ?title\n"
    "} ORDER BY ?title"
)


@pytest.fixture(scope="module")
def pub():
    return notebook.open(TINY)


def test_rows_are_python_values(pub):
    rows = pub.rows(DOCUMENT)
    assert len(rows) == 3  # one per language of the title
    first = rows[0]
    assert first.doc == f"{BASE}id/document/north-korea-opportunity"
    assert isinstance(first.doc, notebook.IRI)
    assert first.published == datetime.date(2013, 1, 25)
    assert first.length == 6745 and type(first.length) is int
    titles = {(row.title, row.title.lang) for row in rows}
    assert ("North Korea as an Opportunity for China-US Cooperation", "en") in titles
    assert ("朝鲜：中美合作的契机", "zh-hans") in titles
    assert first._asdict()["published"] == first.published


def test_values_follow_the_datatypes():
    value = notebook.python_value
    lit = ox.Literal
    xsd = "http://www.w3.org/2001/XMLSchema#"

    def typed(text, name):
        return value(lit(text, datatype=ox.NamedNode(xsd + name)))

    assert typed("1.50", "decimal") == Decimal("1.50")
    assert typed("2.5E1", "double") == 25.0 and typed("INF", "double") == float("inf")
    assert typed("true", "boolean") is True and typed("0", "boolean") is False
    assert typed("2013-01-25T10:00:00Z", "dateTime") == datetime.datetime(
        2013, 1, 25, 10, tzinfo=datetime.UTC
    )
    month = typed("2012-12", "gYearMonth")  # a month is not given a day
    assert month == "2012-12" and month.datatype == xsd + "gYearMonth"
    wrong = typed("soon", "date")  # an ill-typed literal keeps its text
    assert isinstance(wrong, notebook.Typed) and wrong == "soon"
    assert value(ox.BlankNode("b0")) == "_:b0" and value(None) is None


def test_the_default_graph_is_the_union_of_the_data_graphs(pub):
    """As /sparql: the data without asking for a graph; the vocabulary only by its name."""
    assert pub.ask(PREFIXES + "ASK { ?doc schema:datePublished ?d }")
    assert not pub.ask("ASK { ?class a <http://www.w3.org/2002/07/owl#Class> }")
    assert pub.ask(f"ASK {{ GRAPH <{BASE}graph/ontology> {{ ?c a ?t }} }}")


def test_dataframe_columns_are_typed_and_keep_the_language(pub):
    frame = pub.dataframe(DOCUMENT)
    assert list(frame.columns) == ["doc", "published", "length", "title", "title@lang"]
    assert str(frame["length"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(frame["published"])
    assert frame["published"][0] == pd.Timestamp("2013-01-25")
    assert sorted(frame["title@lang"]) == ["en", "zh-hans", "zh-hant"]
    counted = pub.dataframe(PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?a a pg:Actor }")
    assert str(counted["n"].dtype) == "Int64" and counted["n"][0] == 4


def test_unbound_values_are_missing(pub):
    frame = pub.dataframe(
        PREFIXES + "SELECT ?a ?published WHERE { ?a a pg:Actor "
        "OPTIONAL { ?a schema:datePublished ?published } }"
    )
    assert len(frame) == 4 and frame["published"].isna().all()
    assert [row.published for row in pub.rows(PREFIXES + "SELECT ?published {}")] == [None]


def test_without_pandas_a_clear_import_error():
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from graph import notebook\n"
        f"pub = notebook.open({str(TINY)!r})\n"
        "assert pub.rows('SELECT (1 AS ?one) {}')[0].one == 1\n"
        "try:\n    pub.dataframe('SELECT (1 AS ?one) {}')\n"
        "except ImportError as error:\n    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert "pandas is not installed" in done.stdout and "policygraph[pandas]" in done.stdout


def test_wrong_query_forms_say_which_method(pub):
    with pytest.raises(TypeError, match=r"\.ask\(\)"):
        pub.rows("ASK {}")
    with pytest.raises(TypeError, match="not an ASK"):
        pub.ask("SELECT * {}")
    with pytest.raises(SyntaxError, match="error at"):
        pub.rows("SELECT ?s WHERE { ?s }")


# -- an endpoint ---------------------------------------------------------------------------------

EVENTS = (
    "PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?event ?label ?when WHERE { ?event sem:hasTimeStamp ?when ; skos:prefLabel ?label }"
    " ORDER BY ?when"
)
MONTHS = (
    "SELECT ?when WHERE { ?event <http://semanticweb.cs.vu.nl/2009/11/sem/hasTimeStamp> ?when "
    "FILTER(datatype(?when) = <http://www.w3.org/2001/XMLSchema#gYearMonth>) }"
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """A real gunicorn process over tests/data/sparql with a row cap of 5."""
    process = sparql_app(
        tmp_path_factory.mktemp("notebook"),
        {"sparql_row_cap": 5, "sparql_workers": 1},
        workers=1,
        threads=2,
    )
    try:
        yield process.wait(timeout=30).base + "sparql"
    finally:
        process.stop()


@pytest.mark.server
def test_endpoint_rows_are_the_rows_of_its_csv(endpoint):
    remote = notebook.open(endpoint=endpoint)
    rows = remote.rows(EVENTS)
    response = requests.post(endpoint, data={"query": EVENTS}, headers={"Accept": "text/csv"})
    expected = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert [{k: str(v) for k, v in row._asdict().items()} for row in rows] == expected
    assert [row.label.lang for row in rows] == ["en", "en"]


@pytest.mark.server
def test_dates_at_mixed_precision_keep_each_precision(endpoint):
    """The data has a month ("2012-12") and a day: each stays what it is, a pandas Period."""
    frame = notebook.open(endpoint=endpoint).dataframe(EVENTS)
    assert list(frame["when"]) == [pd.Period("2012-12", "M"), pd.Period("2013-01-22", "D")]
    months = notebook.open(endpoint=endpoint).dataframe(MONTHS)
    assert str(months["when"].dtype) == "period[M]" and list(months["when"]) == [
        pd.Period("2012-12", "M")
    ]


@pytest.mark.server
def test_an_endpoint_result_cut_at_its_cap_raises(endpoint):
    remote = notebook.open(endpoint=endpoint)
    with pytest.raises(notebook.ResultCut, match="row-cap"):
        remote.rows("SELECT * WHERE { ?s ?p ?o }")
    assert len(remote.rows("SELECT * WHERE { ?s ?p ?o } LIMIT 5")) == 5
