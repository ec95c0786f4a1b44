"""The benchmark harness: synthetic corpora, load progress, and bench/run --quick end to end."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from helpers import ROOT
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from bench import generate, targets
from bench.progress import Progress, load_with_progress

BASE = "http://127.0.0.1:8080/"
OA = "http://www.w3.org/ns/oa#"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus-10k")
    generate.generate(out, 10_000, BASE, seed=7, turtle=True)
    return out


def test_generator_is_deterministic(corpus, tmp_path):
    """The same seed and size give the same bytes; another seed gives other data."""
    again = generate.generate(tmp_path / "again", 10_000, BASE, seed=7)
    assert (tmp_path / "again" / "corpus.nq").read_bytes() == (corpus / "corpus.nq").read_bytes()
    other = generate.generate(tmp_path / "other", 10_000, BASE, seed=8)
    assert (tmp_path / "other" / "corpus.nq").read_bytes() != (corpus / "corpus.nq").read_bytes()
    assert again.triples == other.triples or abs(again.triples - other.triples) < 2_000


def test_nquads_have_absolute_iris_one_graph_per_document_and_no_blank_nodes(corpus):
    manifest = generate.Manifest.read(corpus / "corpus.json")
    store = pyoxigraph.Store()
    store.load(path=str(corpus / "corpus.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    assert len(store) == manifest.triples >= 10_000
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {f"{BASE}graph/synthetic-{n}" for n in range(1, manifest.documents + 1)}
    for quad in store:
        for term in (quad.subject, quad.object):
            assert not isinstance(term, pyoxigraph.BlankNode)
        if isinstance(quad.subject, pyoxigraph.NamedNode):
            assert quad.subject.value.startswith(BASE)


def test_turtle_folders_use_relative_iris_and_parse_like_the_nquads(corpus):
    folders = sorted((corpus / "sources").iterdir())
    text = (folders[0] / "data.ttl").read_text(encoding="utf-8")
    assert "@base" not in text and "http://127.0.0.1" not in text
    parsed = Graph().parse(folders[0] / "data.ttl", format="turtle", publicID=BASE)
    store = pyoxigraph.Store()
    store.load(path=str(corpus / "corpus.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    in_graph = list(
        store.quads_for_pattern(
            None, None, None, pyoxigraph.NamedNode(f"{BASE}graph/{folders[0].name}")
        )
    )
    assert len(parsed) == len(in_graph)


def test_every_anchor_matches_its_synthetic_source_text(corpus):
    """Contract § Evidence: text[start:end] == exact, prefix before it, suffix after it."""
    checked = 0
    for folder in sorted((corpus / "sources").iterdir()):
        source = (folder / "source.txt").read_text(encoding="utf-8")
        g = Graph().parse(folder / "data.ttl", format="turtle", publicID=BASE)
        for evidence in g.subjects(RDF.type, URIRef(OA + "SpecificResource")):
            selectors = list(g.objects(evidence, URIRef(OA + "hasSelector")))
            position = next(
                s for s in selectors if (s, RDF.type, URIRef(OA + "TextPositionSelector")) in g
            )
            quote = next(
                s for s in selectors if (s, RDF.type, URIRef(OA + "TextQuoteSelector")) in g
            )
            start = int(g.value(position, URIRef(OA + "start")))
            end = int(g.value(position, URIRef(OA + "end")))
            exact = str(g.value(quote, URIRef(OA + "exact")))
            prefix = str(g.value(quote, URIRef(OA + "prefix")))
            suffix = str(g.value(quote, URIRef(OA + "suffix")))
            assert source[start:end] == exact and len(exact) <= 300
            assert source[start - len(prefix) : start] == prefix and len(prefix) <= 32
            assert source[end : end + len(suffix)] == suffix and len(suffix) <= 32
            checked += 1
    assert checked > 100


def test_dates_carry_day_month_or_year_precision(corpus):
    g = Graph().parse(
        next((corpus / "sources").iterdir()) / "data.ttl", format="turtle", publicID=BASE
    )
    stamps = list(g.objects(None, URIRef("http://semanticweb.cs.vu.nl/2009/11/sem/hasTimeStamp")))
    assert stamps and all(isinstance(s, Literal) for s in stamps)
    kinds = {s.datatype.split("#")[1] for s in stamps}
    assert kinds <= {"date", "gYearMonth", "gYear"}


def test_synthetic_10k_turtle_corpus_conforms_to_the_core_shapes(corpus):
    """bench/generate.py makes data our shapes accept, so benchmarks measure valid data."""
    import graph

    parsed = graph.parse(BASE, sorted((corpus / "sources").iterdir()))
    report = graph.validate(parsed, BASE)
    assert report.conforms, report.text


def test_progress_writes_plain_lines_when_not_a_terminal(corpus):
    stream = io.StringIO()
    store = pyoxigraph.Store()
    count = load_with_progress(store, corpus / "corpus.nq", stream=stream, interval=0)
    lines = stream.getvalue().splitlines()
    assert count == len(store)
    assert "\r" not in stream.getvalue() and len(lines) >= 2
    assert lines[-1].endswith("— done") and "triples/s" in lines[-1]


def test_progress_rewrites_one_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress("loading", total_bytes=100, stream=stream, interval=0)
    progress.update(10, 50)
    progress.finish()
    assert stream.getvalue().count("\r") == 2 and "50%" in stream.getvalue()
    assert stream.getvalue().endswith("— done\n")


def test_size_words():
    assert generate.parse_size("10k") == 10_000 and generate.parse_size("5M") == 5_000_000
    assert generate.parse_size("250000") == 250_000


@pytest.mark.slow
@pytest.mark.server
def test_bench_run_quick_end_to_end(tmp_path):
    """The CI smoke test of the harness: it runs and writes its JSON (speed is not asserted).

    Marked slow: it starts three systems and drives each with wrk.
    """
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk): the load generator")
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run(
        [
            str(ROOT / "bench" / "run"),
            "--quick",
            "--systems",
            "engine,hello,policygraph",  # the peers have their own test (test_bench_peers.py)
            "--corpora",
            str(tmp_path / "corpora"),
            "--results",
            str(tmp_path / "results"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    raw = json.loads((tmp_path / "results" / "latest.json").read_text(encoding="utf-8"))
    assert {"engine", "hello", "policygraph"} <= set(raw["systems"])
    assert raw["systems"]["policygraph"]["cases"]["deref_turtle"]["16"]["requests"] > 0
    assert "req/s" in result.stdout


def test_forkcopy_reports_each_kind_of_read(corpus):
    """bench.forkcopy forks one reader per kind and reports the pages it made private."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.forkcopy", "--corpus", str(corpus), "--reads", "300"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert lines[0].endswith("labelled subjects")
    kinds = [line.split(" 300 reads")[0].strip() for line in lines[1:]]
    assert kinds == ["one subject", "random subjects", "labels"]
    for line in lines[1:]:
        before, after = (
            int(n) for n in line.split("private dirty ")[1].split(" MB")[0].split(" -> ")
        )
        assert 0 <= before <= after


def test_profile_summary_splits_processes_and_counts_our_frames():
    """bench.profile reads py-spy's collapsed stacks: each sample goes to the process it came
    from; a query process's frames count from its main function on (it was forked from a
    request thread, whose frames its stack still starts with)."""
    from bench.profile import parse_collapsed, summarize

    request = (
        'process 10:"python -m bench.pgserve";process 11:"python -m bench.pgserve";'
        "ThreadWorker.handle (gunicorn/workers/gthread.py:553);"
        "FastPath.__call__ (/x/server/views/fastpath.py:133);"
        "FastPath._query (/x/server/views/fastpath.py:104)"
    )
    child = request.replace("process 11", "process 11;process 12") + (
        ";_child_main (/x/server/sparql/engine.py:210);execute (/x/server/sparql/engine.py:99)"
    )
    text = "\n".join(
        [
            f"{request};plan (/x/server/sparql/service.py:122);"
            "tokenize (/x/server/sparql/safety.py:116) 30",
            f"{request};run (/x/server/sparql/service.py:175);"
            "_ask (/x/server/sparql/engine.py:300) 10",
            f"{child} 50",
            'process 10:"python -m bench.pgserve";'
            "Arbiter.wait_for_signals (gunicorn/arbiter.py:1) 10",
            "not a stack line",
        ]
    )
    stacks = parse_collapsed(text)
    assert [count for _, count in stacks] == [30, 10, 50, 10]
    summary = summarize(stacks)
    assert summary["samples"] == 100
    assert summary["processes"] == {"query process": 50.0, "worker": 40.0, "master": 10.0}
    inclusive = dict(summary["ours_inclusive"])
    assert inclusive["server.sparql.engine._child_main"] == 50.0
    assert inclusive["server.sparql.engine.execute"] == 50.0
    # The request frames the child inherited are not counted for it.
    assert inclusive["server.views.fastpath.FastPath._query"] == 40.0
    assert inclusive["server.sparql.safety.tokenize"] == 30.0
    leaves = dict(summary["leaves"])
    assert leaves["server.sparql.engine.execute"] == 50.0
    assert leaves["Arbiter.wait_for_signals (arbiter.py)"] == 10.0


def _results(ours_rps: float, floor_rps: float) -> dict:
    case = {"rps": ours_rps, "p50_ms": 1.0, "p99_ms": 5.0, "requests": 100}
    floor = {"rps": floor_rps, "p50_ms": 1.0, "p99_ms": 5.0, "requests": 100}
    return {
        "systems": {
            "policygraph": {"cases": {"deref_turtle": {"32": case}}},
            "hello": {"cases": {"hello": {"32": floor}}},
        }
    }


def test_the_targets_are_data(tmp_path):
    """bench/run checks what bench/targets.toml says: a goal changed in the file changes the
    verdict, and only the targets whose figures were both measured are reported."""
    written = targets.load()
    assert len(written) == 15
    assert {t.workloads for t in written} == {"deref", "sparql", "sparql_unique"}
    toml = tmp_path / "targets.toml"
    entry = (
        '[[target]]\nworkloads = "deref"\nmeasure = "rps"\nours = "high"\n'
        'reference = {{ system = "hello", workload = "hello", at = "high" }}\n'
        "goal = {goal}\nhigher = true\n"
        'title = "deref {{label}}: ≥ {{goal:g}}× floor (c={{high}})"\n'
    )
    toml.write_text(entry.format(goal=0.85), encoding="utf-8")
    [item] = targets.ratios(_results(900, 1000), [32], targets.load(toml))
    assert item["target"] == "deref turtle: ≥ 0.85× floor (c=32)"
    assert item["value"] == pytest.approx(0.9) and item["met"] is True
    toml.write_text(entry.format(goal=0.95), encoding="utf-8")
    [item] = targets.ratios(_results(900, 1000), [32], targets.load(toml))
    assert item["met"] is False
    assert targets.ratios(_results(900, 1000), [1], targets.load(toml)) == []
