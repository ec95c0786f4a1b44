"""The research models (graph/research/timeline.py, stances.py) against SPARQL over the published
graph: every event and claim on the timeline with the placement the data gives, filters that
select what a query selects, and matrices whose cells are the claims a query finds."""

from __future__ import annotations

import pytest
from helpers import USE_TINY

import ontology
from graph.research import stances as research_stances
from graph.research import timeline as research_timeline
from graph.research.timeline import CLAIM, EVENT, When, span_of
from graph.store.base import value_of

PREFIXES = """PREFIX pg: <{base}ontology#>
PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""

pytestmark = pytest.mark.skipif(
    USE_TINY,
    reason="names the curated essay's actors, claims and events (tests/data/tiny has one claim)",
)


@pytest.fixture(scope="module")
def timeline(pub):
    return research_timeline.read(pub.store, pub.base)


@pytest.fixture(scope="module")
def stances(pub, timeline):
    return research_stances.read(pub.store, pub.base, timeline)


def select(pub, body: str) -> set[tuple[str, ...]]:
    rows = pub.store.rows(PREFIXES.format(base=pub.base) + body)
    return {tuple(value_of(term) for term in row) for row in rows}


def nonempty(found):
    assert found, "the sample is empty: the test would prove nothing"
    return found


# -- the timeline ---------------------------------------------------------------------------------


def test_every_event_and_claim_is_on_the_timeline(pub, timeline):
    events = nonempty(select(pub, "SELECT ?x WHERE { ?x a pg:Event }"))
    claims = nonempty(select(pub, "SELECT ?x WHERE { ?x a pg:Claim }"))
    assert {(i.iri,) for i in timeline.items if i.kind == EVENT} == events
    assert {(i.iri,) for i in timeline.items if i.kind == CLAIM} == claims
    assert timeline.unplaced() == [], "issue 17: every event and claim is placed in time"


def test_exact_placements_are_the_time_stamps_and_claim_dates(pub, timeline):
    exact = nonempty(
        select(
            pub,
            "SELECT ?x ?d WHERE { { ?x a pg:Event ; sem:hasTimeStamp ?d } "
            "UNION { ?x a pg:Claim ; pg:claimDate ?d } }",
        )
    )
    assert {(i.iri, i.when.exact) for i in timeline.items if i.when.exact} == exact


def test_bounds_are_the_sem_bounds_and_a_missing_bound_stays_missing(pub, timeline):
    latest = nonempty(select(pub, "SELECT ?x ?d WHERE { ?x sem:hasLatestEndTimeStamp ?d }"))
    earliest = nonempty(select(pub, "SELECT ?x ?d WHERE { ?x sem:hasEarliestBeginTimeStamp ?d }"))
    assert {(i.iri, i.when.latest) for i in timeline.items if i.when.latest} == latest
    assert {(i.iri, i.when.earliest) for i in timeline.items if i.when.earliest} == earliest
    open_start = [i for i in timeline.items if i.when.latest and not i.when.earliest]
    assert nonempty(open_start) and all(i.when.start is None for i in open_start)


def test_inferred_placements_are_those_that_name_their_words_or_basis(pub, timeline):
    inferred = nonempty(
        select(
            pub,
            "SELECT ?x WHERE { { ?x a pg:Event } UNION { ?x a pg:Claim } "
            "{ ?x pg:timeWords ?w } UNION { ?x pg:timeInferredFrom ?f } }",
        )
    )
    assert {(i.iri,) for i in timeline.items if i.when.inferred} == inferred
    assert any(not i.when.inferred for i in timeline.items), "the essay's date is not inferred"


def test_items_are_in_time_order(timeline):
    keys = [i.when.sort_key() for i in timeline.items]
    assert keys == sorted(keys)
    assert timeline.span()[0] <= timeline.span()[1]


def test_the_second_clock_is_the_span_of_the_events_a_claim_is_about(pub, timeline):
    about = nonempty(
        select(
            pub,
            "SELECT ?c ?e WHERE { ?c a pg:Claim . ?e a pg:Event . "
            "{ ?c pg:about ?e } UNION { ?c pg:proposition/(rdf:subject|rdf:object) ?e } }",
        )
    )
    by_claim: dict[str, set[str]] = {}
    for claim, event in about:
        by_claim.setdefault(claim, set()).add(event)
    items = {i.iri: i for i in timeline.items}
    for claim, events in by_claim.items():
        assert set(items[claim].about_events) == events
        expected = span_of(items[e].when for e in sorted(events))
        assert items[claim].about == expected
    assert all(i.about is None for i in timeline.items if i.iri not in by_claim)


def test_filters_select_what_sparql_selects(pub, timeline):
    china = f"{pub.base}id/actor/china"
    naming_china = nonempty(
        select(
            pub,
            f"SELECT ?x WHERE {{ {{ ?x a pg:Event }} UNION {{ ?x a pg:Claim }} "
            f"{{ ?x pg:claimant|pg:about|sem:hasActor <{china}> }} UNION "
            f"{{ ?x pg:hasParticipation/pg:participant <{china}> }} UNION "
            f"{{ ?x pg:proposition/(rdf:subject|rdf:object) <{china}> }} }}",
        )
    )
    assert {(i.iri,) for i in timeline.filter(actor=[china]).items} == naming_china
    pg = ontology.pg(pub.base)
    hedged_or_hoped = [str(pg["modality-hedged"]), str(pg["modality-hoped"])]
    found = nonempty(
        select(
            pub,
            "SELECT ?x WHERE { ?x a pg:Claim ; pg:modality ?m "
            "FILTER(?m IN (pg:modality-hedged, pg:modality-hoped)) }",
        )
    )
    assert {(i.iri,) for i in timeline.filter(modality=hedged_or_hoped).items} == found
    veto = str(pg["event-veto"])
    vetoes = nonempty(
        select(pub, "SELECT ?x WHERE { ?x a pg:Event ; sem:eventType pg:event-veto }")
    )
    assert {(i.iri,) for i in timeline.filter(type=[veto]).items} == vetoes
    both = timeline.filter(actor=[china], kind=[CLAIM])
    assert {(i.iri,) for i in both.items} == {
        row for row in naming_china if row[0].startswith(f"{pub.base}id/claim/")
    }


def test_an_unknown_facet_is_an_error(timeline):
    with pytest.raises(KeyError, match="colour"):
        timeline.filter(colour=["red"])


def test_an_exact_month_covers_the_month_and_is_not_a_point():
    december = When(exact="2012-12", precision="month")
    assert (december.start, december.end, december.point) == ("2012-12-01", "2012-12-31", False)
    leap = When(exact="2012-02", precision="month")
    assert leap.end == "2012-02-29"
    year = When(exact="2008", precision="year")
    assert (year.start, year.end) == ("2008-01-01", "2008-12-31")
    zoned = When(exact="2012-12Z", precision="month")
    assert (zoned.start, zoned.end) == ("2012-12-01", "2012-12-31"), "a time zone is no part"
    day = When(exact="2013-01-25", precision="day")
    assert (day.start, day.end, day.point) == ("2013-01-25", "2013-01-25", True)


def test_a_span_is_open_where_one_of_its_events_is():
    closed = When(earliest="2012-12-01", latest="2013-01-25", words=("recent",))
    open_start = When(latest="2012-06-30", words=("before",))
    both = span_of([closed, open_start])
    assert (both.earliest, both.latest, both.words) == (None, "2013-01-25", ("recent", "before"))
    assert span_of([closed, When(exact="2008", precision="year")]).earliest == "2008-01-01"
    assert span_of([When()]) is None and span_of([closed]) is closed


# -- the stance matrices ------------------------------------------------------------------------


def test_actor_by_dispute_cells_are_the_claims_sparql_finds(pub, stances):
    found = nonempty(
        select(
            pub,
            "SELECT ?actor ?dispute ?claim ?stance WHERE { ?claim a pg:Claim ; "
            "pg:claimant ?actor ; pg:stance ?stance . ?dispute a ?type "
            "FILTER(?type IN (pg:Dispute, pg:TerritorialDispute, pg:TradeDispute, "
            "pg:PolicyDispute)) "
            "{ ?claim pg:about ?dispute } UNION "
            "{ ?claim pg:proposition/(rdf:subject|rdf:object) ?dispute } }",
        )
    )
    matrix = stances.matrix("dispute")
    assert {(r, c, e.claim, e.stance) for r, c, e in matrix.entries()} == found
    assert set(matrix.rows) == {row[0] for row in found}
    assert set(matrix.columns) == {row[1] for row in found}


def test_actor_by_proposition_groups_claims_stating_the_same_statement(pub, stances):
    statements = nonempty(
        select(
            pub,
            "SELECT ?s ?p ?o WHERE { ?c a pg:Claim ; pg:proposition ?x . "
            "?x rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }",
        )
    )
    claims = nonempty(select(pub, "SELECT ?c WHERE { ?c a pg:Claim ; pg:proposition ?x }"))
    matrix = stances.matrix("proposition")
    assert len(matrix.columns) == len(statements)
    assert {(s.subject, s.predicate, s.object) for s in matrix.statements.values()} == statements
    assert {(claim,) for claim in matrix.claims()} == claims
    for (_row, column), entries in matrix.cells.items():
        statement = matrix.statements[column]
        for entry in entries:
            assert set(statement.nodes) & {
                value_of(n)
                for (n,) in pub.store.rows(
                    f"SELECT ?n WHERE {{ <{entry.claim}> <{pub.base}ontology#proposition> ?n }}"
                )
            }


def test_matrix_filters_keep_only_what_they_name(pub, stances):
    pg = ontology.pg(pub.base)
    author = f"{pub.base}id/actor/ted-galen-carpenter"
    asserts = str(pg["stance-asserts"])
    matrix = stances.matrix("dispute", actors={author}, stances={asserts})
    assert nonempty(matrix.rows) == (author,)
    assert {e.stance for _, _, e in matrix.entries()} == {asserts}
    full = stances.matrix("dispute")
    kept = {(r, c, e) for r, c, e in full.entries() if r == author and e.stance == asserts}
    assert set(matrix.entries()) == kept
    with pytest.raises(KeyError):
        stances.matrix("colour")
