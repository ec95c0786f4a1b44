"""The reader's model (graph/research/reader.py): a text cut at every anchor boundary, with
overlapping and nested anchors; ranges checked; the SPARQL that finds anchors."""

from __future__ import annotations

import pytest
from helpers import ROOT
from hypothesis import given
from hypothesis import strategies as st

from graph.research import reader as model

TEXT = "The quick brown fox jumps over the lazy dog."
BASE = "http://localhost/"


def span(start: int, end: int, name: str, kind: str = "claim") -> model.Span:
    return model.Span(
        evidence=f"{BASE}id/{kind}/{name}#evidence",
        owner=f"{BASE}id/{kind}/{name}",
        thing=f"{BASE}id/{kind}/{name}",
        kind=kind,
        start=start,
        end=end,
        exact=TEXT[start:end],
    )


def test_nested_and_overlapping_anchors_cut_the_text_at_every_boundary():
    outer, inner, crossing = span(4, 19, "outer"), span(10, 15, "inner"), span(16, 25, "crossing")
    spans = [outer, inner, crossing]
    segments = model.segments(TEXT, spans)
    assert "".join(s.text for s in segments) == TEXT
    cuts = [(s.start, s.end) for s in segments]
    assert cuts == [(0, 4), (4, 10), (10, 15), (15, 16), (16, 19), (19, 25), (25, len(TEXT))]
    covers = {
        (s.start, s.end): [spans[i].thing.rsplit("/", 1)[1] for i in s.covers] for s in segments
    }
    assert covers[(10, 15)] == ["outer", "inner"]  # outermost first, innermost last
    assert covers[(16, 19)] == ["outer", "crossing"]
    assert covers[(19, 25)] == ["crossing"] and covers[(0, 4)] == []
    for index, anchor in enumerate(spans):
        text = "".join(s.text for s in segments if index in s.covers)
        assert text == anchor.exact
    assert [s.opens for s in segments][:3] == [(), ("a-4-19",), ("a-10-15",)]


def test_two_anchors_at_one_position_share_one_fragment():
    spans = [span(4, 9, "one"), span(4, 9, "two", "event")]
    segments = model.segments(TEXT, spans)
    opening = [s for s in segments if s.opens]
    assert len(opening) == 1 and opening[0].opens == ("a-4-9",) and opening[0].covers == (0, 1)


def test_an_anchor_outside_the_text_is_left_out():
    segments = model.segments(TEXT, [span(40, 60, "past")])
    assert "".join(s.text for s in segments) == TEXT
    assert all(not s.covers for s in segments)


@given(
    st.lists(
        st.tuples(st.integers(0, len(TEXT)), st.integers(0, len(TEXT))).filter(
            lambda p: p[0] < p[1]
        ),
        max_size=12,
    )
)
def test_segments_rebuild_the_text_and_every_anchor(pairs):
    spans = [span(a, b, f"s{i}") for i, (a, b) in enumerate(pairs)]
    segments = model.segments(TEXT, spans)
    assert "".join(s.text for s in segments) == TEXT
    for index, anchor in enumerate(spans):
        assert "".join(s.text for s in segments if index in s.covers) == anchor.exact


def test_ranges_are_checked():
    model.check_range(10, 0, 10)
    model.check_range(10, 3, 3)
    for start, end, words in ((5, 2, "after end"), (0, 11, "past the end"), (-1, 2, "0 or more")):
        with pytest.raises(model.RangeError, match=words):
            model.check_range(10, start, end)


def test_overlapping_counts_shared_code_points_only():
    spans = [span(0, 3, "the"), span(4, 9, "quick"), span(10, 15, "brown")]
    assert [s.exact for s in model.overlapping(spans, 3, 4)] == []
    assert [s.exact for s in model.overlapping(spans, 2, 5)] == ["The", "quick"]
    assert [s.exact for s in model.overlapping(spans, 4, 4)] == ["quick"]
    assert [s.exact for s in model.overlapping(spans, 9, 9)] == []


def test_the_kind_comes_from_the_iri():
    assert model.kind_of(f"{BASE}id/claim/x#name-china", BASE) == "claim"
    assert model.kind_of(f"{BASE}ontology#x", BASE) == "thing"


def test_the_bundled_text_is_found_and_checksummed():
    texts = model.load_texts()
    source = ROOT / "graph" / "sources" / "north-korea-opportunity" / "source.txt"
    assert texts["north-korea-opportunity"] == source.read_bytes().decode("utf-8")
    document = (source.parent / "document.ttl").read_text(encoding="utf-8")
    assert model.sha256(texts["north-korea-opportunity"]) in document
