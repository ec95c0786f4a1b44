"""``policygraph stats`` prints the model's counts (modality, status, time placement), equal to
what SPARQL counts on the published data; ``policygraph anchor`` finds a real quote and fails on
a missing one (issue 17 §5)."""

from __future__ import annotations

import json

from helpers import BASE, ROOT

from server.cli import main as cli

SOURCE = ROOT / "graph" / "sources" / "north-korea-opportunity"
PG = f"{BASE}ontology#"


def _sparql_counts(pub, cls: str, prop: str, prefix: str) -> dict[str, int]:
    rows = pub.store.rows(
        f"SELECT ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{PG}{cls}> ; <{PG}{prop}> ?v }} "
        "GROUP BY ?v"
    )
    return {row[0].value.removeprefix(PG + prefix): int(row[1].value) for row in rows}


def _stats(capsys) -> dict:
    assert cli.main(["stats", "--format", "json", "--base", BASE]) == 0
    return json.loads(capsys.readouterr().out)["model"]


def test_stats_counts_modality_and_status_as_sparql_does(pub, capsys):
    model = _stats(capsys)
    claims = _sparql_counts(pub, "Claim", "modality", "modality-")
    events = _sparql_counts(pub, "Event", "status", "status-")
    assert set(claims) >= {"asserted", "hedged", "reported"}, claims
    assert model["claims_per_modality"] == claims
    assert model["events_per_status"] == events
    total = pub.store.rows(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{PG}Claim> }}")
    placed = model["claims_per_time_placement"]
    assert placed.get("exact", 0) + placed.get("bounded", 0) == int(total[0][0].value)
    inferred = pub.store.rows(
        f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e a <{PG}Event> ; <{PG}timeWords> ?w }}"
    )
    assert model["events_per_time_placement"]["inferred"] == int(inferred[0][0].value) > 0


def test_stats_text_prints_the_model_sections(capsys):
    assert cli.main(["stats", "--base", BASE]) == 0
    out = capsys.readouterr().out
    for heading in ("claims per modality:", "events per status:", "events per time placement:"):
        assert heading in out
    section = out.split("claims per modality:")[1].split("\n\n")[0]
    assert "hedged" in section and "asserted" in section


def test_anchor_prints_the_selectors_of_a_real_quote(capsys):
    text = (SOURCE / "source.txt").read_text(encoding="utf-8")
    for source in ("north-korea-opportunity", str(SOURCE), str(SOURCE / "source.txt")):
        assert cli.main(["anchor", source, "apparently agreed", "--owner", "id/claim/x"]) == 0
        out = capsys.readouterr().out
        start = text.index("apparently agreed")
        assert f"oa:start {start} ;" in out and f"oa:end {start + 17} ." in out
        assert 'oa:exact "apparently agreed"' in out
        assert f'oa:prefix "{text[start - 32 : start]}"' in out
        assert "<id/document/north-korea-opportunity>" in out


def test_anchor_lists_every_occurrence(capsys):
    text = (SOURCE / "source.txt").read_text(encoding="utf-8")
    assert cli.main(["anchor", "north-korea-opportunity", "Beijing"]) == 0
    out = capsys.readouterr().out
    assert out.count("oa:TextPositionSelector") == text.count("Beijing") > 1


def test_anchor_fails_clearly_on_a_missing_quote(capsys):
    assert cli.main(["anchor", "north-korea-opportunity", "words the essay never says"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "quote not found" in captured.err and "words the essay never says" in captured.err
    assert cli.main(["anchor", str(ROOT / "README.md"), "policygraph"]) == 1
    assert "source.txt" in capsys.readouterr().err
