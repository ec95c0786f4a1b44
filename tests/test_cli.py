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
from server.cli.serve import settings_from_arguments
from server.settings import SETTINGS

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


#: A value of each setting type unlike its default, as it would be typed on the command line;
#: settings whose type admits only some values name their own.
FLAG_VALUES = {
    "str": "somewhere",
    "int": "7",
    "float": "2.5",
    "int | None": "3",
    "str | None": "/tmp/policygraph-flags",
    "tuple[str, ...]": "some/source",
}
FLAG_VALUES_BY_NAME = {
    "base": "http://example.org/flags/",
    "store": "oxigraph:/tmp/policygraph-flags-store",
    "default_graph": "all",
    "precompute": "true",
    "trusted_proxies": "10.0.0.0/8",
}


def test_every_setting_can_be_given_on_the_command_line():
    """Issue 15 §5: each setting has a `serve` flag (`--sparql-rate-limit` was refused); the
    flags are made from the settings table, so a new setting gets one too."""
    argv, expected = ["serve"], {}
    for setting in SETTINGS:
        if setting.type == "bool":
            argv.append(setting.flag if not setting.default else "--no-" + setting.flag[2:])
            expected[setting.name] = not setting.default
            continue
        value = FLAG_VALUES_BY_NAME.get(setting.name, FLAG_VALUES.get(setting.type))
        assert value is not None, f"no sample value for {setting.name} ({setting.type})"
        argv += [setting.flag, value]
        expected[setting.name] = setting.parse([value] if setting.name == "data" else value)
    args = cli.build_parser().parse_args(argv)
    resolved = settings_from_arguments(args)
    for setting in SETTINGS:
        assert getattr(resolved, setting.name) == expected[setting.name], setting.name
        assert expected[setting.name] != setting.default, setting.name
    underscored = cli.build_parser().parse_args(["serve", "--sparql_rate_limit", "12"])
    assert settings_from_arguments(underscored).sparql_rate_limit == 12


def test_a_flag_with_a_bad_value_names_the_setting(capsys):
    """A flag is read as its environment variable is: a bad value is exit 2 naming it."""
    assert cli.main(["serve", "--sparql-rate-limit", "many"]) == cli.EXIT_UNREADABLE
    assert "sparql_rate_limit" in capsys.readouterr().err
