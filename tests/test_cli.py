"""The policygraph command: help, validate exit codes and reports, dump, stats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from server.cli import main as cli

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid" / "violating-source"
BROKEN = DATA / "unreadable" / "broken-source" / "broken.ttl"
BASE = "http://localhost/"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_validate_exits_zero_on_the_curated_graph():
    """`policygraph validate` exits 0 when the bundled graph has no Violation."""
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Conforms: ")
    assert "violation" not in result.stdout.split("\n")[0]


def test_validate_reports_violations_by_file_and_focus_node(capsys):
    code = cli.main(["validate", "--base", BASE, str(INVALID)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_INVALID
    assert "Violation — " in out
    assert str(INVALID / "claim.ttl") in out
    assert f"{BASE}id/claim/unsupported" in out


def test_validate_json_and_turtle_reports_parse(capsys):
    cli.main(["validate", "--format", "json", "--base", BASE, str(INVALID)])
    report = json.loads(capsys.readouterr().out)
    assert report["conforms"] is False
    assert {r["severity"] for r in report["results"]} >= {"Violation"}
    assert all(r["file"] == str(INVALID / "claim.ttl") for r in report["results"])
    cli.main(["validate", "--format", "turtle", "--base", BASE, str(INVALID)])
    shacl = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert (None, SH.conforms, None) in shacl


def test_syntax_error_names_file_and_line_without_traceback():
    result = run("validate", str(BROKEN))
    assert result.returncode == cli.EXIT_UNREADABLE
    assert f"{BROKEN}:3:" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_is_unreadable(capsys):
    assert cli.main(["validate", str(DATA / "no-such-folder")]) == cli.EXIT_UNREADABLE
    assert "no such file or folder" in capsys.readouterr().err


def test_bad_base_is_refused(capsys):
    assert cli.main(["validate", "--base", "ftp://x"]) == cli.EXIT_UNREADABLE
    assert "base must be" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["", "validate", "dump", "stats", "serve"])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command.split(), "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: policygraph")
    assert len(out.splitlines()) > 5


def test_stats_counts_graphs_classes_claimants_and_languages(capsys):
    assert cli.main(["stats", "--format", "json", "--base", BASE]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["triples"] == sum(stats["graphs"].values())
    assert f"{BASE}graph/north-korea-opportunity" in stats["graphs"]
    assert stats["classes"]["pg:Claim"] >= 20
    assert stats["claims_per_claimant"][f"{BASE}id/actor/ted-galen-carpenter"] >= 5
    assert set(stats["languages"]) >= {"en", "zh-Hans", "zh-Hant"}
    assert cli.main(["stats", "--base", BASE]) == 0
    assert "claims per claimant" in capsys.readouterr().out


def test_dump_refuses_invalid_data(capsys):
    """Invalid data is never published: dump writes nothing and shows the report."""
    assert cli.main(["dump", "--base", BASE, str(INVALID)]) == cli.EXIT_INVALID
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Violation" in captured.err
