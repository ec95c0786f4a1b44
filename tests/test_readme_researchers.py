"""The README's section "For researchers", run: its Python block in this process and its R block
with Rscript, from the repository's root, against a real ``policygraph serve`` (the session's
``live_server``; the README's ``http://127.0.0.1:8080/`` is that server's base).

Contract (issue 19, "Done when"): the README's researcher examples run in the test suite, and
each gets what the README says: the notebook API's DataFrame of the example query's events (its
months kept as months), and the endpoint's CSV read by pandas and by R (``read.csv`` and the
``SPARQL`` package), row for row what the endpoint answers.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pandas as pd
import pytest
import requests
from helpers import ROOT, need_binary

pytestmark = pytest.mark.server

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = re.search(r"^## For researchers\n(.*?)(?=^## )", README, re.M | re.S).group(1)
README_BASE = "http://127.0.0.1:8080/"
WHO = (ROOT / "server" / "queries" / "who-criticized-whom.rq").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    found = re.findall(rf"^```{language}\n(.*?)^```", SECTION, re.M | re.S)
    assert found, f"no {language} example in the README's section For researchers"
    return found


@pytest.fixture(scope="module")
def base(live_server) -> str:
    return live_server.base


@pytest.fixture(scope="module")
def who_expected(base) -> list[dict[str, str]]:
    """The rows the endpoint answers for the example query (its CSV, read by the csv module)."""
    response = requests.post(base + "sparql", data={"query": WHO}, headers={"Accept": "text/csv"})
    response.raise_for_status()
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert len(rows) >= 2  # the query's own expect-min-rows
    return rows


def test_the_python_example_runs_and_reads_what_it_says(base, who_expected, monkeypatch):
    (code,) = blocks("python")
    monkeypatch.chdir(ROOT)
    names: dict = {}
    exec(compile(code.replace(README_BASE, base), "README.md", "exec"), names)  # noqa: S102
    events = names["events"]
    assert {"event", "date", "label", "label@lang"} <= set(events.columns)
    slugs = {iri.rsplit("/id/", 1)[1] for iri in events["event"]}
    # the rows the query file says it returns (its expect-row lines)
    assert {"event/xinhua-december-article", "event/north-korea-december-missile-launch"} <= slugs
    assert all(isinstance(d, pd.Period) and (d.year, d.month) == (2012, 12) for d in events["date"])
    assert str(events["date"].dtype) == "period[M]"  # "December 2012" stays a month
    who = names["who"]
    assert list(who.columns) == list(who_expected[0])
    assert who.astype(str).to_dict("records") == who_expected


def test_the_r_example_runs_and_reads_what_the_endpoint_answers(base, who_expected, tmp_path):
    rscript = need_binary("Rscript")
    probe = subprocess.run([rscript, "-e", "library(SPARQL)"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("the R SPARQL package is not installed (Debian r-cran-sparql; .ci/run)")
    (code,) = blocks("r")
    script = code.replace(README_BASE, base) + (
        'write.csv(who, stdout(), row.names = FALSE, na = "")\n'
        'cat("----\\n", nrow(who_sparql), "\\n", sep = "")\n'
    )
    (tmp_path / "example.R").write_text(script, encoding="utf-8")
    done = subprocess.run(
        [rscript, str(tmp_path / "example.R")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    table, count = done.stdout.split("----\n")
    assert list(csv.DictReader(io.StringIO(table))) == who_expected
    assert int(count) == len(who_expected)
