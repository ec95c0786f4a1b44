"""The graph as research evidence (issue 17): anchors checked against the text, the curator graph
kept apart and cited, every claim and event with its modality or status and its place in time."""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

import graph
import ontology
from graph import anchor, stats
from ontology import OA, SEM, SPDX

BASE = "http://localhost/"
REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "graph" / "sources" / "north-korea-opportunity"
SLUG = SOURCE.name
PG = ontology.pg(BASE)


@pytest.fixture(scope="module")
def dataset():
    return graph.load(BASE)


@pytest.fixture(scope="module")
def essay(dataset) -> Graph:
    return dataset.graph(graph.graph_name(BASE, SLUG))


@pytest.fixture(scope="module")
def union(dataset) -> Graph:
    merged = Graph()
    for name in graph.data_graph_names(dataset, BASE):
        merged += dataset.graph(name)
    return merged


def copy_sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources" / SLUG
    shutil.copytree(SOURCE, folder)
    return folder


def cli_validate(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "validate", "--base", BASE, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


# ---------------------------------------------------------------- anchors against the text


def test_an_altered_quote_is_a_violation_naming_node_expected_and_found(tmp_path):
    """A quote changed in the Turtle (offsets kept) no longer conforms: the report names the
    owner, the anchor, what the data expects and what the text has, and the CLI exits 1."""
    folder = copy_sources(tmp_path)
    claims = folder / "claims.ttl"
    text = claims.read_text(encoding="utf-8")
    original = "Susan Rice condemned the vetoes as “shameful” and “unforgivable.”"
    altered = "Susan Rice welcomed the vetoes as “shameful” and “unforgivable.”"
    assert text.count(f'oa:exact "{original}"') == 1
    claims.write_text(text.replace(f'oa:exact "{original}"', f'oa:exact "{altered}"'), "utf-8")
    report = graph.validate(graph.parse(BASE, [folder]), BASE)
    assert not report.conforms
    hits = [r for r in report.results if r.shape.endswith("shapes#AnchorText")]
    assert len(hits) == 1, report.text
    assert f"{BASE}id/claim/rice-condemns-vetoes" in hits[0].message
    assert altered in hits[0].message and original in hits[0].message
    assert hits[0].value == f"{BASE}id/claim/rice-condemns-vetoes#quote"
    result = cli_validate(folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "AnchorText" in result.stdout and "welcomed" in result.stdout


def test_a_shifted_offset_and_a_wrong_suffix_are_violations(tmp_path):
    folder = copy_sources(tmp_path)
    relations = folder / "relations.ttl"
    text = relations.read_text(encoding="utf-8")
    text = text.replace(
        "    oa:start 6012 ;\n    oa:end 6054 .", "    oa:start 6013 ;\n    oa:end 6055 ."
    )
    text = text.replace(
        'oa:suffix ", its influence is considerable." .', 'oa:suffix ", its influence is small." .'
    )
    relations.write_text(text, encoding="utf-8")
    report = graph.validate(graph.parse(BASE, [folder]), BASE)
    messages = " ".join(r.message for r in report.results if r.shape.endswith("AnchorText"))
    assert "the exact quote of anchor" in messages and "the suffix of anchor" in messages
    assert "expected “, its influence is small.”" in messages, report.text


def test_a_changed_text_breaks_the_recorded_length_and_checksum(tmp_path):
    folder = copy_sources(tmp_path)
    text_file = folder / graph.TEXT_FILE
    text_file.write_bytes(text_file.read_bytes() + b"\n")
    report = graph.validate(graph.parse(BASE, [folder]), BASE)
    messages = " ".join(r.message for r in report.results if r.shape.endswith("AnchorText"))
    assert "length 6746" in messages and "SHA-256" in messages, report.text


def test_a_source_with_anchors_but_no_text_is_unreadable(tmp_path):
    folder = copy_sources(tmp_path)
    (folder / graph.TEXT_FILE).unlink()
    with pytest.raises(graph.UnreadableData, match="no source text"):
        graph.parse(BASE, [folder])


def test_the_document_records_the_texts_sha256_and_length(essay):
    raw = (SOURCE / graph.TEXT_FILE).read_bytes()
    document = URIRef(f"{BASE}id/document/{SLUG}")
    checksum = essay.value(document, SPDX.checksum)
    assert str(essay.value(checksum, SPDX.checksumValue)) == hashlib.sha256(raw).hexdigest()
    assert int(essay.value(document, PG.textLength)) == len(raw.decode("utf-8"))


def test_the_text_is_never_published_in_the_dataset(dataset):
    assert not list(dataset.quads((None, PG.sourceText, None, None)))


def test_time_words_occur_in_the_text(union):
    text = (SOURCE / graph.TEXT_FILE).read_text(encoding="utf-8")
    words = {str(w) for w in union.objects(None, PG.timeWords)}
    assert len(words) > 15 and all(w in text for w in words)


# ---------------------------------------------------------------- the curator graph


MOVED = {
    "kinship": "<id/actor/kim-jong-il> <http://schema.org/children> <id/actor/kim-jong-un> .",
    "japanese name": (
        "<id/dispute/diaoyu-islands> pg:nameUsage <id/dispute/diaoyu-islands#name-japan-en> .\n"
        "<id/dispute/diaoyu-islands#name-japan-en> a pg:NameUsage ;\n"
        '    pg:usedBy <id/actor/japan> ; pg:name "Senkaku Islands"@en .'
    ),
    "a person the essay does not name": (
        "<id/actor/obama-administration> pg:ledBy <id/actor/barack-obama> ."
    ),
}


@pytest.mark.parametrize("fact", sorted(MOVED))
def test_a_curator_fact_moved_into_the_essays_graph_is_a_violation(tmp_path, fact):
    """The essay's graph holds only what the essay says: a curator fact added to it (and taken
    out of curator.ttl where it is a line of its own) fails validation, and the CLI exits 1."""
    folder = copy_sources(tmp_path)
    curator = folder / graph.CURATOR_FILE
    curator.write_text(curator.read_text(encoding="utf-8").replace(MOVED[fact], ""), "utf-8")
    actors = folder / "actors.ttl"
    actors.write_text(actors.read_text(encoding="utf-8") + "\n" + MOVED[fact] + "\n", "utf-8")
    report = graph.validate(graph.parse(BASE, [folder]), BASE)
    hits = [r for r in report.results if r.shape.endswith("shapes#SourceFact")]
    assert hits and all(r.graph == str(graph.graph_name(BASE, SLUG)) for r in hits), report.text
    assert cli_validate(folder).returncode == 1


def test_an_uncited_curator_fact_is_a_violation(tmp_path):
    folder = copy_sources(tmp_path)
    curator = folder / graph.CURATOR_FILE
    curator.write_text(
        curator.read_text(encoding="utf-8")
        + '\n<id/actor/kim-jong-un> <http://schema.org/birthDate> "1984" .\n',
        "utf-8",
    )
    report = graph.validate(graph.parse(BASE, [folder]), BASE)
    hits = [r for r in report.results if r.shape.endswith("shapes#CuratorFact")]
    assert [h.focus for h in hits] == [f"{BASE}id/actor/kim-jong-un"], report.text


def test_the_essays_graph_has_no_curator_context(essay):
    """Kinship, Kim Il Sung, Barack Obama and Japan's names are not in the essay's graph."""
    schema = ontology.SCHEMA
    assert not list(essay.triples((None, schema.parent, None)))
    assert not list(essay.triples((None, schema.children, None)))
    for thing in ("actor/kim-il-sung", "actor/barack-obama"):
        assert (URIRef(f"{BASE}id/{thing}"), None, None) not in essay
    names = {str(o) for o in essay.objects(None, PG.name)}
    labels = {str(o) for o in essay.objects(None, SKOS.altLabel)}
    assert names == {"Diaoyu Islands"}, "only the name the essay gives, through Xinhua"
    assert not {"Senkaku Islands", "尖閣諸島"} & (names | labels)


def test_every_curator_fact_is_cited_from_a_pinned_item_or_a_public_page(dataset):
    curator = dataset.graph(graph.curator_graph_name(BASE, SLUG))
    citations = set(curator.subjects(RDF.type, PG.Citation))
    assert len(citations) >= 8
    for citation in citations:
        sources = [str(s) for s in curator.objects(citation, ontology.PROV.wasDerivedFrom)]
        assert sources and all(
            s.startswith(("http://www.wikidata.org/entity/Q", "https://")) for s in sources
        )
        assert (citation, ontology.PROV.wasAttributedTo, None) in curator


def test_sparql_users_can_leave_the_curator_graph_out(dataset):
    """The default graph is the union of the data graphs; FROM the source graph, or a filter on
    pg:CuratorGraph, leaves curator additions out."""
    store = ox.Store()
    for name in graph.data_graph_names(dataset, BASE):
        for s, p, o in dataset.graph(name):
            store.add(ox.Quad(*(_ox(t) for t in (s, p, o)), ox.NamedNode(str(name))))
    ask = f"ASK {{ <{BASE}id/actor/kim-jong-un> <http://schema.org/parent> ?p }}"
    assert store.query(ask, use_default_graph_as_union=True)
    assert not store.query(ask.replace("ASK {", f"ASK FROM <{BASE}graph/{SLUG}> {{"))
    filtered = (
        f"PREFIX pg: <{PG}> ASK {{ GRAPH ?g {{ <{BASE}id/actor/kim-jong-un> "
        "<http://schema.org/parent> ?p } FILTER NOT EXISTS { ?g a pg:CuratorGraph } }"
    )
    assert not store.query(filtered, use_default_graph_as_union=True)


def _ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return (
        ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        if term.datatype
        else ox.Literal(str(term))
    )


# ---------------------------------------------------------------- modality, status, time


def test_every_claim_and_proposition_has_one_modality_and_every_event_one_status(union):
    claims = set(union.subjects(RDF.type, PG.Claim))
    events = set(union.subjects(RDF.type, PG.Event))
    assert len(claims) > 50 and len(events) > 25
    assert all(len(list(union.objects(c, PG.modality))) == 1 for c in claims)
    assert all(
        len(list(union.objects(p, PG.modality))) == 1
        for c in claims
        for p in union.objects(c, PG.proposition)
    )
    assert all(len(list(union.objects(e, PG.status))) == 1 for e in events)


def test_counts_per_value_cover_every_claim_and_event(dataset, union):
    counts = stats.model_counts(dataset, BASE)
    claims = len(set(union.subjects(RDF.type, PG.Claim)))
    events = len(set(union.subjects(RDF.type, PG.Event)))
    assert sum(counts["claims_per_modality"].values()) == claims
    assert sum(counts["events_per_status"].values()) == events
    assert "none" not in counts["claims_per_modality"] and "none" not in counts["events_per_status"]
    assert "none" not in counts["claims_per_time_placement"]
    assert "none" not in counts["events_per_time_placement"]
    assert {"reported", "hedged", "conditional", "hoped", "denied", "asserted"} <= set(
        counts["claims_per_modality"]
    )
    assert {"occurred", "reported", "prospective", "ongoing"} == set(counts["events_per_status"])
    essay_counts = counts["graphs"][str(graph.graph_name(BASE, SLUG))]
    assert essay_counts["kind"] == "source" and essay_counts["claims"] == claims


def test_the_audits_cases_are_modelled_as_the_words_say(union):
    """The cases the audit named: the hedge of "may be even prodding" kept, the Reuters deal known
    only through the report, the resolution prospective, "one hopes" a hope, the unnamed voices
    (not the state) as claimants, a conditional with its condition."""

    def thing(kind, slug):
        return URIRef(f"{BASE}id/{kind}/{slug}")

    prods = thing("claim", "china-believes-us-prods-japan")
    assert union.value(prods, PG.modality) == PG["modality-reported"]
    assert union.value(union.value(prods, PG.proposition), PG.modality) == PG["modality-hedged"]
    assert (
        union.value(thing("event", "us-china-tentative-un-resolution-deal"), PG.status)
        == PG["status-reported"]
    )
    resolution = thing("event", "un-resolution-on-missile-launch")
    assert union.value(resolution, PG.status) == PG["status-prospective"]
    assert union.value(resolution, SEM.eventType) != PG["event-impose-sanctions"]
    hope = thing("claim", "hope-for-conciliatory-us-strategy")
    assert union.value(hope, PG.modality) == PG["modality-hoped"]
    assert union.value(hope, PG.stance) != PG["stance-recommends"]
    for slug in ("allegation-of-unfair-currency-valuation", "warning-about-china-defense-spending"):
        assert union.value(thing("claim", slug), PG.claimant) == thing("actor", "unnamed-us-voices")
    conditional = thing("claim", "beijing-help-would-be-major-win")
    assert (union.value(conditional, PG.condition), RDF.type, RDF.Statement) in union


# ---------------------------------------------------------------- the anchor finder


def run_anchor(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    parser = argparse.ArgumentParser()
    anchor.add_arguments(parser)
    code = anchor.run(parser.parse_args(list(argv)), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_anchor_finder_prints_every_occurrence_as_turtle_that_verifies():
    code, out, _ = run_anchor(SLUG, "Beijing believes", "--owner", "id/claim/x")
    assert code == 0
    code, out, _ = run_anchor(str(SOURCE), "Pyongyang", "--owner", "id/claim/x")
    text = (SOURCE / graph.TEXT_FILE).read_text(encoding="utf-8")
    assert code == 0 and out.count("a oa:TextQuoteSelector") == text.count("Pyongyang") > 3
    parsed = Graph().parse(
        data=f"@prefix pg: <{PG}> .\n@prefix oa: <{OA}> .\n{out}", format="turtle", publicID=BASE
    )
    for quote in parsed.subjects(OA.exact, None):
        position = URIRef(str(quote).replace("#quote", "#position"))
        problems = anchor.verify(
            text,
            str(parsed.value(quote, OA.exact)),
            str(parsed.value(quote, OA.prefix)),
            str(parsed.value(quote, OA.suffix)),
            int(parsed.value(position, OA.start)),
            int(parsed.value(position, OA.end)),
        )
        assert problems == []


def test_the_anchor_finder_fails_on_words_not_in_the_text():
    code, out, err = run_anchor(SLUG, "Beijing rejoices")
    assert code == 1 and out == "" and "not found" in err
    code, _, err = run_anchor("no-such-source", "Beijing")
    assert code == 1 and "no source folder" in err


def test_the_anchor_finder_names_owned_nodes_under_a_hash_owner():
    found = anchor.find("the Diaoyu Islands issue", "Diaoyu Islands")
    turtle = found.turtle("id/dispute/x#name-china", "id/document/d")
    assert "<id/dispute/x#name-china-evidence>" in turtle and "##" not in turtle
