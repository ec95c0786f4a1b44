"""The same-bytes check (bench/crawl.py, bench/snapshot.py): what it normalises, and that two
starts of the same data crawl the same (else every comparison of two commits would report
differences that are not)."""

from __future__ import annotations

import json

import pytest
from helpers import ROOT, TINY

from bench import crawl, snapshot

LOADED = 1_765_000_000.0  # 2025-12-06T05:46:40Z
STAMPS = (
    b"2025-12-06T05:46:40+00:00",
    b"2025-12-06T05:46:40.123456Z",
    b"Sat, 06 Dec 2025 05:46:40 GMT",
)


def test_the_loading_time_is_normalised_in_every_spelling_and_no_other_time():
    normalise = snapshot.Normaliser(LOADED)
    for stamp in STAMPS:
        assert normalise(b'"' + stamp + b'"') == '"⟨loaded⟩"'.encode()
    other = b'"2013-01-25T00:00:00Z" "Fri, 25 Jan 2013 00:00:00 GMT"'
    assert normalise(other) == other


def test_blank_nodes_are_renamed_in_order_of_appearance():
    normalise = snapshot.Normaliser()
    one = b'_:f3a1 <p> _:x9 .\n_:x9 <q> "v" .\n<a> <b> "_:inside a literal stays? no" .'
    two = b'_:zz <p> _:k2 .\n_:k2 <q> "v" .\n<a> <b> "_:inside a literal stays? no" .'
    assert normalise(one) == normalise(two)
    assert normalise(b'<x rdf:nodeID="ab12"/><y rdf:nodeID="ab12"/>') == (
        b'<x rdf:nodeID="b1"/><y rdf:nodeID="b1"/>'
    )
    assert normalise(b'_:a <p> "v" .') != normalise(b'_:a <p> "w" .')


def test_rdf_with_blank_nodes_compares_as_a_graph_whatever_the_statement_order():
    normalise = snapshot.Normaliser()
    one = b'_:a <http://x/p> _:b .\n_:b <http://x/q> "1" .\n_:c <http://x/q> "2" .\n'
    two = b'_:c9 <http://x/q> "2" .\n_:q <http://x/p> _:r .\n_:r <http://x/q> "1" .\n'
    assert one != two
    assert normalise.body(one, "application/n-triples") == normalise.body(
        two, "application/n-triples"
    )
    changed = two.replace(b'"2"', b'"3"')
    assert normalise.body(one, "application/n-triples") != normalise.body(
        changed, "application/n-triples"
    )


def test_dump_checksums_and_sizes_become_those_of_the_normalised_dump():
    normalise = snapshot.Normaliser(
        checksums={b"ab" * 32: b"sha256:" + b"cd" * 32}, sizes={4321: 4000}
    )
    body = b'"' + b"ab" * 32 + b'" <dcat:byteSize>4321</dcat:byteSize> "14321"'
    assert normalise(body) == (
        b'"sha256:'
        + b"cd" * 32
        + b'" <dcat:byteSize>size-of-normalised:4000</dcat:byteSize> "14321"'
    )


def test_headers_etags_are_masked_and_method_lists_compared_as_sets():
    normalise = snapshot.Normaliser(LOADED)
    assert normalise.header("ETag", '"abc"') == "⟨etag⟩"
    assert normalise.header("Allow", "HEAD, OPTIONS, GET") == normalise.header(
        "Allow", "GET, HEAD, OPTIONS"
    )
    assert normalise.header("Last-Modified", STAMPS[2].decode()) == "⟨loaded⟩"
    assert normalise.header("Content-Type", "text/turtle") == "text/turtle"


@pytest.mark.slow
def test_two_starts_of_the_same_data_crawl_the_same(tmp_path):
    """Two crawls of this checkout over tests/data/tiny agree on every request; a change to one
    answer is reported by name (about a minute)."""
    queries = ROOT / "server" / "queries"
    first = snapshot.crawl([str(TINY)], str(tmp_path / "one"), queries)
    second = snapshot.crawl([str(TINY)], str(tmp_path / "two"), queries)
    assert len(first["answers"]) > 500
    statuses = {answer[0] for answer in first["answers"].values()}
    assert {200, 303, 304, 400, 404, 406} <= statuses
    assert crawl.compare(first, second) == []
    key = "GET /doc/actor/china Accept: text/turtle"
    changed = json.loads(json.dumps(second))
    changed["answers"][key][2] = "0" * 64
    assert crawl.compare(first, changed) == [key]
