"""Reloading the data of a running server (gunicorn via server.cli.serve, in a subprocess).

Contract (issue 6, Load and faults): SIGHUP to the master or ``policygraph reload --pid-file F``
re-reads the sources; the new version is parsed and validated before anything changes. A Turtle
syntax error or a SHACL Violation is refused with a readable report and the old version keeps
being served with every triple; a valid version replaces the old one atomically: while it happens,
every answer is wholly the old or wholly the new dataset, and no request fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from helpers import TINY

from bench.servers import Server

pytestmark = pytest.mark.server

SLUG = "north-korea-opportunity"
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
NEW_TRIPLE = '\n<id/actor/china> skos:altLabel "Middle Kingdom"@en .\n'
SYNTAX_ERROR = "\n<id/actor/broken> a <ontology#Actor .\n"
VIOLATION = "\n<id/actor/nobody> a pg:Actor, schema:Person .\n"
#: The hammer needs some answers before and after the swap; this is the pause on each side.
SETTLE = 1.0


class ReloadServer(Server):
    """A server with a pid file, and the two answers the reload tests compare."""

    @classmethod
    def start(
        cls, tmp: Path, data: Path, store: str = "memory", port: int | None = None, **settings
    ) -> ReloadServer:
        """``python -m server.cli.serve`` on ``data``, writing its pid to ``tmp/server.pid``."""
        return cls.serving(
            tmp, data, port=port, store=store, pid_file=tmp / "server.pid", **settings
        )

    def count(self, http=requests) -> int:
        response = http.get(
            self.base + "sparql",
            params={"query": COUNT_QUERY},
            headers={"Accept": "application/sparql-results+json"},
            timeout=10,
        )
        response.raise_for_status()
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    def resource(self, http=requests) -> bytes:
        response = http.get(self.base + "doc/actor/china.nt", timeout=10)
        response.raise_for_status()
        return response.content

    def status(self) -> dict | None:
        path = Path(f"{self.pid_file}.reload.json")
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def sighup_and_wait(self, timeout: float = 60) -> dict:
        """SIGHUP the master; the outcome it records once the reload is decided."""
        before = self.status()
        generation = before["generation"] if before else 0
        os.kill(int(self.pid_file.read_text().strip()), signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status = self.status()
            except ValueError:
                status = None
            if status and status["generation"] > generation:
                return status
            time.sleep(0.05)
        raise AssertionError(f"no reload outcome after {timeout} s:\n{self.output()}")


class Hammer:
    """Threads asking for one resource and the SPARQL triple count until stopped.

    Half the threads keep one kept-alive connection (a ``requests.Session``), half open a new
    connection per request; every failure is recorded, never raised.
    """

    def __init__(self, server: ReloadServer, threads: int = 4):
        self.server = server
        self.stop_event = threading.Event()
        self.answers: list[tuple[str, object]] = []
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def _run(self, number: int) -> None:
        http = requests.Session() if number % 2 else requests
        kinds = ("count", "resource") if number % 2 else ("resource", "count")
        while not self.stop_event.is_set():
            for kind in kinds:
                try:
                    if kind == "count":
                        value = self.server.count(http)
                    else:
                        value = self.server.resource(http)
                    with self.lock:
                        self.answers.append((kind, value))
                except Exception as error:  # noqa: BLE001 - a failure is a finding
                    with self.lock:
                        self.failures.append(f"{kind}: {type(error).__name__}: {error}")

    def __enter__(self) -> Hammer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def values(self, kind: str) -> list:
        return [value for k, value in self.answers if k == kind]


def data_folder(tmp: Path) -> Path:
    folder = tmp / "sources" / SLUG
    folder.mkdir(parents=True)
    shutil.copy(TINY / "things.ttl", folder / "things.ttl")
    shutil.copy(TINY / "source.txt", folder / "source.txt")
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server on a private copy of the tiny data, with a pid file."""
    tmp = tmp_path_factory.mktemp("reload")
    folder = data_folder(tmp)
    server = ReloadServer.start(tmp, folder).wait()
    server.source = folder / "things.ttl"
    yield server
    server.stop()


def reload_under_load(server: ReloadServer, change: str, with_command: bool = False):
    """Apply ``change`` to the source while hammering; reload; return (hammer, outcome, output)."""
    original = server.source.read_text(encoding="utf-8")
    old_count, old_resource = server.count(), server.resource()
    with Hammer(server) as hammer:
        time.sleep(SETTLE)
        server.source.write_text(original + change, encoding="utf-8")
        if with_command:
            command = [
                sys.executable,
                "-m",
                "server.cli.reload",
                "--pid-file",
                str(server.pid_file),
            ]
            result = subprocess.run(command, capture_output=True, text=True, timeout=120)
            outcome = {"returncode": result.returncode, "stdout": result.stdout}
        else:
            outcome = server.sighup_and_wait()
        time.sleep(SETTLE)
    return hammer, outcome, (old_count, old_resource), original


def assert_only_old(server, hammer, old) -> None:
    old_count, old_resource = old
    assert not hammer.failures, hammer.failures[:5]
    assert set(hammer.values("count")) == {old_count}
    assert set(hammer.values("resource")) == {old_resource}
    assert server.count() == old_count, "triples were lost by a refused reload"
    assert server.resource() == old_resource


def test_sighup_swaps_in_a_valid_version_atomically(served):
    """A valid new version replaces the old; each answer is wholly old or wholly new."""
    hammer, outcome, old, original = reload_under_load(served, NEW_TRIPLE)
    try:
        assert outcome["outcome"] == "reloaded", outcome
        old_count, old_resource = old
        new_count, new_resource = served.count(), served.resource()
        assert new_count == old_count + 1
        assert new_resource != old_resource and b"Middle Kingdom" in new_resource
        assert not hammer.failures, hammer.failures[:5]
        counts, resources = hammer.values("count"), hammer.values("resource")
        assert set(counts) == {old_count, new_count}, "both versions should have been seen"
        assert set(resources) == {old_resource, new_resource}
        assert len(hammer.answers) > 50
        print(f"reload built in {outcome['seconds']} s; {len(hammer.answers)} answers, 0 failed")
        log = served.output()
        assert "new version validated and built in" in log
        assert "starting new workers, stopping the old ones gracefully" in log
    finally:
        served.source.write_text(original, encoding="utf-8")
        served.sighup_and_wait()


def test_reload_command_refuses_a_syntax_error(served):
    """Unparseable Turtle is refused with file and line; the old version keeps every triple."""
    hammer, outcome, old, original = reload_under_load(served, SYNTAX_ERROR, with_command=True)
    served.source.write_text(original, encoding="utf-8")
    assert outcome["returncode"] == 1, outcome
    assert "refused" in outcome["stdout"]
    assert f"{served.source} line " in outcome["stdout"]
    assert_only_old(served, hammer, old)
    log = served.output()
    assert "REFUSED" in log and "still serving the previous version" in log
    assert f"{served.source} line " in log


def test_reload_refuses_a_shacl_violation(served):
    """Data breaking a core shape is refused; the report names the focus node and the shape."""
    hammer, outcome, old, original = reload_under_load(served, VIOLATION)
    served.source.write_text(original, encoding="utf-8")
    assert outcome["outcome"] == "refused", outcome
    assert isinstance(outcome["triples"], int)
    focus = f"{served.base}id/actor/nobody"
    assert "Violation" in outcome["report"] and focus in outcome["report"]
    assert str(served.source) in outcome["report"]
    assert_only_old(served, hammer, old)
    assert focus in served.output()


def test_on_disk_store_reload_swaps_the_folder(tmp_path):
    """``oxigraph:PATH``: a valid version is built offline and swapped in; a refused one
    leaves the folder as it was; no staging folder is left behind."""
    folder = data_folder(tmp_path)
    store = tmp_path / "store"
    server = ReloadServer.start(tmp_path, folder, store=f"oxigraph:{store}").wait()
    server.source = folder / "things.ttl"
    try:
        refused = reload_under_load(server, VIOLATION)
        server.source.write_text(refused[3], encoding="utf-8")
        assert refused[1]["outcome"] == "refused"
        assert_only_old(server, refused[0], refused[2])
        inode = store.stat().st_ino
        hammer, outcome, old, _ = reload_under_load(server, NEW_TRIPLE)
        assert outcome["outcome"] == "reloaded", outcome
        assert not hammer.failures, hammer.failures[:5]
        assert server.count() == old[0] + 1
        assert set(hammer.values("count")) == {old[0], old[0] + 1}
        assert store.stat().st_ino != inode, "the store folder should have been swapped"
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.")]
        assert leftovers in ([], [".store.lock"]), leftovers
    finally:
        server.stop()


def test_startup_messages_say_what_is_served_and_how_to_reload(served):
    """The start-up lines name the base, the counts, the master pid and the reload command."""
    log = served.output()
    assert f"policygraph: base IRI {served.base}" in log
    pid = served.pid_file.read_text().strip()
    assert f"policygraph: master pid {pid}; reload the data with: kill -HUP {pid}" in log
    assert f"policygraph reload --pid-file {served.pid_file}" in log


def test_startup_refuses_invalid_data_with_the_report(tmp_path):
    """A server whose data breaks a core shape does not start; it prints the Violations."""
    folder = data_folder(tmp_path)
    source = folder / "things.ttl"
    source.write_text(source.read_text(encoding="utf-8") + VIOLATION, encoding="utf-8")
    server = ReloadServer.start(tmp_path, folder)
    try:
        assert server.process.wait(timeout=120) == 1
        log = server.output()
        assert "policygraph: refusing to publish: the data does not conform" in log
        assert f"{server.base}id/actor/nobody" in log and str(source) in log
    finally:
        server.stop()
