"""Issue 15 §2: sources are found the way a user expects; empty or stale data is never published.

A path is a folder of sources, a source folder or one Turtle file (graph.discovery); a path
naming no source, or sources holding no triple, is exit 2 with a message saying what was looked
for — for validate, dump, load and serve alike — never a conforming empty publication. An
on-disk store remembers the fingerprint of its sources: changed sources are rebuilt through the
SHACL gate at the next start, and refused ones leave the old store serving, the report logged.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bench.servers import Server, free_port
from graph import discovery
from server.cli import main as cli
from server.publish.store import SOURCES_FILE, open_store
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny" / "north-korea-opportunity"
CURATED = ROOT / "graph" / "sources"
BASE = "http://localhost/"
#: A label the tiny data lacks, and an actor that breaks a core shape (no label at all).
NEW_LABEL = '\n<id/actor/china> skos:altLabel "Middle Kingdom"@en .\n'
VIOLATION = "\n<id/actor/nobody> a pg:Actor, schema:Person .\n"
COUNT_CHINA_NAMES = (
    "SELECT (COUNT(*) AS ?n) WHERE { <id/actor/china> "
    "<http://www.w3.org/2004/02/skos/core#altLabel> ?name }"
)


def source_copy(folder: Path, name: str = "tiny") -> Path:
    """A copy of the tiny source folder, named ``name``, inside ``folder``."""
    target = folder / name
    shutil.copytree(TINY, target)
    return target


# -- finding sources --------------------------------------------------------------------------


def test_a_folder_of_sources_a_source_folder_and_a_file_each_name_their_sources(tmp_path):
    sources = tmp_path / "sources"
    first, second = source_copy(sources, "first"), source_copy(sources, "second")
    assert [s.name for s in discovery.find_sources([sources])] == ["first", "second"]
    assert [s.name for s in discovery.find_sources([first])] == ["first"]
    found = discovery.find_sources([second / "things.ttl"])
    assert [(s.name, s.files) for s in found] == [("second", (second / "things.ttl",))]
    assert [s.name for s in discovery.find_sources([CURATED])] == ["north-korea-opportunity"]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({}, "looked for Turtle files in it"),  # an empty folder
        ({"sources/one/things.ttl": ""}, "folders of sources further down: "),  # a parent
        ({"a.ttl": "", "one/b.ttl": ""}, "holds Turtle files and source folders (one)"),
        ({"notes/readme.txt": "x"}, "and in its subfolders"),
    ],
)
def test_a_folder_naming_no_source_says_what_was_looked_for(tmp_path, layout, message):
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(discovery.SourceError) as refused:
        discovery.find_sources([tmp_path])
    assert message in str(refused.value)
    assert str(tmp_path) in str(refused.value)


def test_two_folders_of_one_name_are_refused(tmp_path):
    one, two = source_copy(tmp_path / "a"), source_copy(tmp_path / "b")
    with pytest.raises(discovery.SourceError, match="two sources are named tiny"):
        discovery.find_sources([one, two])


# -- the commands -------------------------------------------------------------------------------


def empty_sources(tmp_path: Path) -> Path:
    """A source folder whose one Turtle file holds prefixes and no triple."""
    folder = tmp_path / "empty-source"
    folder.mkdir()
    (folder / "things.ttl").write_text("@prefix pg: <ontology#> .\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", ["validate", "dump", "stats"])
def test_commands_on_an_empty_folder_exit_2_saying_what_was_searched(tmp_path, command, capsys):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    assert cli.main([command, "--base", BASE, str(empty)]) == cli.EXIT_UNREADABLE
    captured = capsys.readouterr()
    assert f"no sources in {empty}" in captured.err
    assert "Conforms" not in captured.out


def test_validate_on_the_parent_of_the_sources_names_the_folder_of_sources(capsys):
    assert cli.main(["validate", "--base", BASE, str(CURATED.parent)]) == cli.EXIT_UNREADABLE
    assert f"folders of sources further down: {CURATED}" in capsys.readouterr().err


def test_validate_on_the_folder_of_sources_itself_conforms(capsys):
    assert cli.main(["validate", "--base", BASE, str(CURATED)]) == cli.EXIT_OK
    assert capsys.readouterr().out.startswith("Conforms: yes")


def test_sources_holding_no_triple_are_no_data(tmp_path, capsys):
    folder = empty_sources(tmp_path)
    assert cli.main(["validate", "--base", BASE, str(folder)]) == cli.EXIT_UNREADABLE
    assert f"no data in {folder}: its sources hold no triple" in capsys.readouterr().err


def test_load_on_an_empty_folder_writes_nothing(tmp_path, capsys):
    out = tmp_path / "data.nq"
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    code = cli.main(["load", "--nquads-out", str(out), "--base", BASE, str(empty)])
    assert code == cli.EXIT_UNREADABLE
    assert not out.exists()
    assert "no sources in" in capsys.readouterr().err


def test_serve_on_an_empty_folder_refuses_to_start(tmp_path):
    """``serve --data DIR`` with nothing in DIR exits 2 before listening, saying why."""
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "server.cli.serve", "--data", str(empty), "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == cli.EXIT_UNREADABLE, result.stderr
    assert f"policygraph: nothing to publish: no sources in {empty}" in result.stderr


# -- the on-disk store and its sources ------------------------------------------------------------


def china_names(store) -> int:
    return int(store.rows(COUNT_CHINA_NAMES.replace("<id/", f"<{BASE}id/"))[0][0].value)


def test_an_on_disk_store_is_rebuilt_when_its_sources_change(tmp_path, caplog):
    """Unchanged sources: the store is reopened as it is. Changed and valid: rebuilt through
    the gate and swapped in. Changed and refused: the old store goes on, the report logged."""
    folder = source_copy(tmp_path / "sources")
    path = tmp_path / "store"
    settings = Settings.resolve(
        {"base": BASE, "store": f"oxigraph:{path}", "data": [str(folder)]}, {}
    )
    store, _ = open_store(settings)
    names = china_names(store)
    del store
    assert (tmp_path / f"store{SOURCES_FILE}").is_file()
    built = path.stat().st_ino
    store, _ = open_store(settings)
    assert path.stat().st_ino == built and china_names(store) == names
    del store

    things = folder / "things.ttl"
    things.write_text(things.read_text(encoding="utf-8") + NEW_LABEL, encoding="utf-8")
    store, validation = open_store(settings)
    assert path.stat().st_ino != built, "changed sources should have been rebuilt"
    assert china_names(store) == names + 1 and validation.conforms
    del store
    rebuilt = path.stat().st_ino

    things.write_text(things.read_text(encoding="utf-8") + VIOLATION, encoding="utf-8")
    caplog.clear()
    store, validation = open_store(settings)
    assert path.stat().st_ino == rebuilt, "refused sources must leave the store as it was"
    assert china_names(store) == names + 1 and validation.conforms
    logged = caplog.text
    assert "the changed sources are refused; still serving the store at" in logged
    assert f"{BASE}id/actor/nobody" in logged and "Violation" in logged


@pytest.mark.server
def test_a_restart_serves_changed_sources_and_keeps_the_old_store_on_refused_ones(tmp_path):
    """The real command: ``serve --store oxigraph:PATH``, stopped and started again after the
    sources changed, validly and then not."""
    folder = source_copy(tmp_path / "sources")
    things = folder / "things.ttl"
    store = f"oxigraph:{tmp_path / 'store'}"
    port = free_port()  # one base for every start: a store built for another one is rebuilt

    def names_served() -> tuple[int, str]:
        server = Server.serving(tmp_path, folder, workers=1, port=port, store=store)
        server.wait(timeout=180)
        try:
            answer = requests.get(
                f"{server.base}sparql",
                params={"query": COUNT_CHINA_NAMES},
                headers={"Accept": "text/csv"},
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
            return int(answer.text.splitlines()[1]), server.output()
        finally:
            server.stop()

    names, _ = names_served()
    things.write_text(things.read_text(encoding="utf-8") + NEW_LABEL, encoding="utf-8")
    after, log = names_served()
    assert after == names + 1
    assert "the sources changed since the store at" in log
    things.write_text(things.read_text(encoding="utf-8") + VIOLATION, encoding="utf-8")
    kept, log = names_served()
    assert kept == names + 1
    assert "the changed sources are refused; still serving the store at" in log
    assert "id/actor/nobody" in log
