"""The network exports (GraphML, GEXF, CSV node and edge lists) read back by their real
consumers, networkx and the csv module, and compared with the model; ``policygraph export``."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from helpers import BASE, ROOT

import graph
from graph.research import exports, reading
from graph.research.network import network
from server.cli import main as cli

SOURCE_TEXT = ROOT / "graph" / "sources" / "north-korea-opportunity" / "source.txt"
INVALID = ROOT / "tests" / "data" / "invalid"
#: What every edge carries, in every network format (issue 19 §1).
EDGE_ATTRIBUTES = {"kind", "iri", "stance", "modality", "status", "date", "earliest", "latest"}
EDGE_ATTRIBUTES |= {"disputes", "quote", "offsets", "document", "label"}


@pytest.fixture(scope="module")
def store():
    return reading.store_of(graph.load(BASE), BASE)


@pytest.fixture(scope="module")
def net(store):
    return network(store, BASE)


@pytest.fixture(scope="module")
def folder(store, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("exports")
    exports.write(store, BASE, target, ("graphml", "gexf", "csv"))
    return target


def _expected_edges(net) -> list[dict]:
    return sorted(
        ({k: v for k, v in e.items()} for e in exports.edge_attributes(net)),
        key=lambda e: (e["source"], e["target"], e["iri"], e["offsets"], str(e)),
    )


def _read_edges(g: nx.MultiDiGraph) -> list[dict]:
    found = []
    for source, target, data in g.edges(data=True):
        row = {k: v for k, v in data.items() if k not in ("id", "weight")}
        found.append({"source": source, "target": target, **row})
    return sorted(found, key=lambda e: (e["source"], e["target"], e["iri"], e["offsets"], str(e)))


@pytest.mark.parametrize(
    ("name", "read"),
    [
        (exports.GRAPHML, lambda p: nx.read_graphml(p, force_multigraph=True)),
        (exports.GEXF, nx.read_gexf),
    ],
)
def test_networkx_reads_back_the_model(folder, net, name, read):
    """Contract: every claim and event with an actor at both ends is an edge, with all its
    attributes, and every actor a node with its labels; nothing else."""
    g = read(folder / name)
    assert isinstance(g, nx.MultiDiGraph)
    assert sorted(g.nodes) == [a.iri for a in net.actors]
    assert g.number_of_edges() == len(net.edges) > 40
    assert {d["iri"] for _, _, d in g.edges(data=True)} == {e.iri for e in net.edges}
    for _, _, data in g.edges(data=True):
        missing = EDGE_ATTRIBUTES - set(data)
        assert not missing, f"{data['iri']} lacks {missing}"
    assert _read_edges(g) == _expected_edges(net)
    china = g.nodes[f"{BASE}id/actor/china"]
    assert (china["label"], china["label_zh_hans"], china["wikidata"]) == ("China", "中国", "Q148")


def test_the_csv_edge_list_is_the_model_and_its_quotes_are_the_source_text(folder, net):
    with open(folder / exports.EDGES, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == exports.EDGE_COLUMNS
    assert rows == [{k: str(v) for k, v in e.items()} for e in exports.edge_attributes(net)]
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    for row in rows:
        quotes = row["quote"].split(exports.SEPARATOR)
        offsets = row["offsets"].split(exports.SEPARATOR)
        assert len(quotes) == len(offsets) >= 1
        for quote, span in zip(quotes, offsets, strict=True):
            start, end = (int(n) for n in span.split("-"))
            assert text[start:end] == quote, row["iri"]


def test_the_csv_node_list_has_every_actor(folder, net):
    with open(folder / exports.NODES, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [a.iri for a in net.actors]
    assert all(r["label_en"] and r["label_zh_hans"] and r["label_zh_hant"] for r in rows)


def test_equal_data_gives_equal_files(store, folder, tmp_path):
    exports.write(store, BASE, tmp_path, ("graphml", "gexf", "csv"))
    for name in (exports.GRAPHML, exports.GEXF, exports.NODES, exports.EDGES, "claims.csv"):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


def test_the_gexf_carries_no_date_of_writing(folder):
    """networkx stamps the day it writes; the export leaves that out (the same bytes tomorrow)."""
    gexf = (folder / exports.GEXF).read_text(encoding="utf-8")
    assert "<meta" in gexf and "lastmodifieddate" not in gexf
    assert date.today().isoformat() not in gexf


def test_export_command_writes_what_it_is_asked_for(tmp_path, capsys):
    out = tmp_path / "only-gexf"
    assert cli.main(["export", "--base", BASE, "--format", "gexf", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [exports.GEXF]
    assert capsys.readouterr().out == f"{out}/{exports.GEXF}\tapplication/gexf+xml\n"


def test_export_command_all_writes_every_file_and_lists_it(tmp_path, capsys):
    out = tmp_path / "all"
    assert cli.main(["export", "--base", BASE, "--format", "all", "-o", str(out)]) == 0
    listed = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    on_disk = sorted(str(p) for p in out.iterdir())
    assert sorted(listed) == on_disk
    names = {Path(p).name for p in on_disk}
    assert {exports.GRAPHML, exports.GEXF, exports.NODES, exports.EDGES} <= names
    assert {exports.DATAPACKAGE, exports.CROISSANT, "claims.csv", "anchors.csv"} <= names


def test_export_command_refuses_invalid_data_and_unwritable_output(tmp_path, capsys):
    out = tmp_path / "never"
    code = cli.main(["export", "--format", "csv", "-o", str(out), "--data", str(INVALID)])
    assert code == cli.EXIT_INVALID and not out.exists()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = cli.main(["export", "--base", BASE, "--format", "csv", "-o", str(blocker)])
    assert code == cli.EXIT_UNREADABLE
    assert "cannot write into" in capsys.readouterr().err
    missing = str(tmp_path / "no-such-source")
    assert cli.main(["export", "--format", "csv", "-o", str(out), missing]) == cli.EXIT_UNREADABLE
