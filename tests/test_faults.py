"""Faults: ``kill -9`` of a store build and of a serving server, and misbehaving clients.

Contract (issue 6, Load and faults): the on-disk store survives ``kill -9`` during a build and
during serving: on restart it opens and holds either the old or the new complete dataset, and the
next build removes what a killed build left behind. A runaway query, a slow client and a client
that disconnects mid-response do not block anybody else: meanwhile, ordinary requests are
answered promptly.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from helpers import ROOT
from hostile.support import http_request
from test_reload import COUNT_QUERY, NEW_TRIPLE, ReloadServer, data_folder

import graph.store
from bench.servers import Server

pytestmark = pytest.mark.server

#: The promptness asked of ordinary requests while misbehaving clients are at work.
PROMPT = 2.0
#: How long each misbehaving client keeps at it.
WINDOW = 3.5
RUNAWAY_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s1 ?p1 ?o1 } GRAPH ?b { ?s2 ?p2 ?o2 } "
    "GRAPH ?c { ?s3 ?p3 ?o3 } }"
)
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def nquads(count: int, graph_name: str = "http://example.org/g") -> bytes:
    lines = (
        f'<http://example.org/s{i}> <http://example.org/p{i % 17}> "value {i}" <{graph_name}> .'
        for i in range(count)
    )
    return ("\n".join(lines) + "\n").encode("ascii")


def quad_count(path: Path) -> int:
    """The quads of the named graphs, checking that the default graph holds their union."""
    store = graph.store.open_read_only(path)
    named = sum(1 for q in store if not isinstance(q.graph_name, ox.DefaultGraph))
    union = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert union == named, "every triple here is distinct, so the union has as many"
    return named


def staging_folders(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.building-*"))


# -- kill -9 during a build --------------------------------------------------------------------


BUILD = "import sys, pathlib, graph.store; graph.store.build_on_disk(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))"  # noqa: E501


def test_kill_9_during_bulk_load_keeps_the_old_store(tmp_path):
    """A build killed mid-load leaves the previous complete store; the next build cleans up."""
    store = tmp_path / "store"
    graph.store.build_on_disk(nquads(1000), store)
    assert quad_count(store) == 1000
    big = tmp_path / "v2.nq"
    big.write_bytes(nquads(1_500_000))
    builder = subprocess.Popen([sys.executable, "-c", BUILD, str(big), str(store)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not any(p.is_dir() and any(p.iterdir()) for p in staging_folders(store)):
            assert builder.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "the build never started loading"
            time.sleep(0.02)
        time.sleep(0.5)  # well into the bulk load
        assert builder.poll() is None, (
            "the build finished before it could be killed: make v2 bigger"
        )
        builder.kill()
    finally:
        builder.kill()
        builder.wait()
    assert staging_folders(store), "the killed build should have left its staging folder"
    started = time.monotonic()
    assert quad_count(store) == 1000, "the store must hold the old complete dataset"
    print(f"reopened after kill -9 in {time.monotonic() - started:.3f} s")
    graph.store.build_on_disk(nquads(10), store)
    assert quad_count(store) == 10
    assert staging_folders(store) == [], "the next build should remove leftover staging folders"


def test_kill_between_the_two_renames_restores_the_old_store(tmp_path):
    """A build killed after moving the old store aside, before moving the new one in."""
    store = tmp_path / "store"
    graph.store.build_on_disk(nquads(100), store)
    store.rename(tmp_path / ".store.retired")  # the state such a kill leaves
    assert quad_count(store) == 100
    graph.store.build_on_disk(nquads(5), store)
    assert quad_count(store) == 5
    assert not (tmp_path / ".store.retired").exists()


# -- kill -9 during serving --------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["serving", "reloading"])
def test_kill_9_of_a_serving_server_then_restart(tmp_path, moment):
    """Master, workers and query children SIGKILLed under traffic (and, for "reloading", while
    the master builds a new version after SIGHUP); a restart on the same folder opens the store
    and serves the old or the new complete dataset."""
    folder = data_folder(tmp_path)
    store = tmp_path / "store"
    server = ReloadServer.start(tmp_path, folder, store=f"oxigraph:{store}").wait()
    counts = {server.count()}
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            try:
                server.count()
            except Exception:  # noqa: BLE001 - the server is being killed
                pass

    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    if moment == "reloading":
        source = folder / "things.ttl"
        source.write_text(source.read_text(encoding="utf-8") + NEW_TRIPLE, encoding="utf-8")
        counts.add(max(counts) + 1)
        server.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)  # the master is parsing, validating or building
    server.kill_all()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    # the same base IRI: an on-disk store holds the IRIs of the base it was built for
    again = ReloadServer.start(tmp_path, folder, store=f"oxigraph:{store}", port=server.port).wait()
    try:
        assert again.count() in counts
        assert again.resource()
        print(f"restart after kill -9 ({moment}): serving in {again.ready_seconds:.2f} s")
    finally:
        again.stop()


# -- misbehaving clients -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    server = ReloadServer.start(tmp, data_folder(tmp), sparql_timeout=2).wait()
    yield server
    server.stop()


def _connect(server: Server, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", server.port))
    return sock


def _request(path: str, accept: str = "*/*") -> bytes:
    """A GET that keeps the connection open after the answer (no ``Connection: close``)."""
    return http_request("GET", path, {"Accept": accept}, close=False)


def _everything_path() -> str:
    return "/sparql?" + requests.compat.urlencode({"query": EVERYTHING})


def slow_headers(server: Server, stop: threading.Event) -> str:
    """Send a request one byte at a time, spread over the whole window."""
    data = _request("/robots.txt")
    pause = WINDOW / len(data)
    with _connect(server) as sock:
        for byte in data:
            sock.sendall(bytes([byte]))
            time.sleep(pause)
        return sock.recv(100).split(b"\r\n", 1)[0].decode()


def slow_reader(server: Server, stop: threading.Event) -> str:
    """Ask for the whole dataset and read it a few hundred bytes at a time."""
    with _connect(server, rcvbuf=4096) as sock:
        sock.sendall(_request(_everything_path(), "application/n-triples"))
        first = sock.recv(256)
        while not stop.is_set() and sock.recv(256):
            time.sleep(0.05)
        return first.split(b"\r\n", 1)[0].decode()


def disconnecter(server: Server, stop: threading.Event) -> str:
    """Ask for large answers and reset the connection after the first bytes, again and again."""
    times = 0
    while not stop.is_set():
        for path in (_everything_path(), "/ontology.ttl"):
            sock = _connect(server)
            sock.sendall(_request(path, "application/n-triples"))
            sock.recv(64)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # RST mid-response
            times += 1
        time.sleep(0.05)
    return f"{times} resets"


def runaway(server: Server, stop: threading.Event) -> str:
    """A query that would run for hours; the engine stops it at its deadline (503)."""
    response = requests.get(
        server.base + "sparql",
        params={"query": RUNAWAY_QUERY},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    return str(response.status_code)


MISBEHAVIOURS = {
    "slow headers": slow_headers,
    "slow reader": slow_reader,
    "disconnect mid-response": disconnecter,
    "runaway query": runaway,
}


@pytest.mark.parametrize("name", [*MISBEHAVIOURS, "all at once"])
def test_misbehaving_clients_do_not_block_others(busy_server, name):
    """While a client misbehaves, every ordinary request is answered within PROMPT seconds."""
    chosen = MISBEHAVIOURS if name == "all at once" else {name: MISBEHAVIOURS[name]}
    stop = threading.Event()
    outcomes: dict[str, str] = {}

    def run(label, function):
        try:
            outcomes[label] = function(busy_server, stop)
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            outcomes[label] = f"{type(error).__name__}: {error}"

    bad = [threading.Thread(target=run, args=item) for item in chosen.items()]
    for thread in bad:
        thread.start()
    time.sleep(0.3)
    slow: list[str] = []
    answered = 0
    deadline = time.monotonic() + WINDOW - 0.5
    while time.monotonic() < deadline:
        for path, params in (
            ("", None),
            ("doc/actor/china.ttl", None),
            ("sparql", {"query": COUNT_QUERY}),
        ):
            started = time.monotonic()
            response = requests.get(busy_server.base + path, params=params, timeout=30)
            elapsed = time.monotonic() - started
            assert response.status_code == 200, (path, response.status_code)
            answered += 1
            if elapsed > PROMPT:
                slow.append(f"/{path} took {elapsed:.2f} s")
    stop.set()
    for thread in bad:
        thread.join(timeout=30)
    assert not slow, slow
    assert answered >= 10
    if "runaway query" in chosen:
        assert outcomes["runaway query"] == "503", outcomes
    if "slow headers" in chosen:
        assert outcomes["slow headers"] == "HTTP/1.1 200 OK", outcomes
    if "slow reader" in chosen:
        assert outcomes["slow reader"] == "HTTP/1.1 200 OK", outcomes
    assert busy_server.process.poll() is None
    assert "WORKER TIMEOUT" not in busy_server.output()


# -- kill -9 of query processes ----------------------------------------------------------------

#: Runs for minutes on the test data (COUNT evaluates the whole five-fold product).
LONG_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
)
#: Queries the query processes answer (no fixed subject or object: never answered inline).
ORDINARY = [
    COUNT_QUERY,
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 5",
    "ASK { ?s a ?type }",
]
#: The answer of a query whose process was killed from outside (server/sparql/process.py).
KILLED = "killed by SIGKILL"


def _children(pids: set[int]) -> set[int]:
    """The processes whose parent is one of ``pids`` (proc(5): field 4 of /proc/PID/stat)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) in pids and fields[0] not in ("Z", "X"):
            found.add(int(entry.name))
    return found


def query_processes(server: Server) -> set[int]:
    """The live query processes of a server: its workers' children."""
    return _children(_children({server.pid}))


def _cpu(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])


def _reaped(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def _sparql(server: Server, query: str) -> requests.Response:
    return requests.get(
        server.base + "sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )


def test_kill_9_of_query_processes_under_load(tmp_path):
    """SIGKILL (what the out-of-memory killer sends) to query processes while four clients
    query without pause: three times to the process running a long query, three times to an
    idle one. The long query's own request gets 503 with ``Retry-After`` and a message saying
    its process was killed; every query sent after a kill answers 200, and one in flight on an
    idle victim, if any, gets the same documented 503; the server ends with as many query
    processes as it had."""
    server = ReloadServer.start(tmp_path, data_folder(tmp_path), sparql_timeout=60).wait()
    stop = threading.Event()
    answers: list[tuple[float, float, requests.Response | Exception]] = []

    def client(offset: int) -> None:
        index = offset
        while not stop.is_set():
            sent = time.monotonic()
            try:
                outcome = _sparql(server, ORDINARY[index % len(ORDINARY)])
            except requests.RequestException as error:
                outcome = error
            answers.append((sent, time.monotonic(), outcome))
            index += 1

    try:
        for query in ORDINARY * 8:  # every worker forks its query processes
            assert _sparql(server, query).status_code == 200
        before = query_processes(server)
        assert len(before) >= 4, before
        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        kills: list[tuple[float, str]] = []
        victims: list[int] = []
        long_answers = []
        for round_ in range(6):
            busy = round_ % 2 == 0
            if busy:
                outcome: dict = {}
                runner = threading.Thread(
                    target=lambda box=outcome: box.update(response=_sparql(server, LONG_QUERY))
                )
                runner.start()
            deadline = time.monotonic() + 20
            victim = None
            while victim is None:
                assert time.monotonic() < deadline, "no victim found"
                pids = query_processes(server)
                ticks = {pid: _cpu(pid) for pid in pids}
                time.sleep(0.5)
                used = {pid: _cpu(pid) - ticks[pid] for pid in pids}
                ranked = sorted(used, key=used.get)
                if busy and used[ranked[-1]] >= 10 and used[ranked[-2]] < used[ranked[-1]] / 4:
                    victim = ranked[-1]  # the one running the long query
                elif not busy and used[ranked[0]] == 0:
                    victim = ranked[0]
            os.kill(victim, signal.SIGKILL)
            kills.append((time.monotonic(), "busy" if busy else "idle"))
            victims.append(victim)
            if busy:
                runner.join(60)
                assert not runner.is_alive(), "the killed query's request hangs"
                long_answers.append(outcome["response"])
            while not _reaped(victim):
                assert time.monotonic() < deadline + 20, f"query process {victim} never reaped"
                time.sleep(0.05)
            time.sleep(0.5)
        time.sleep(1.0)
        stop.set()
        for thread in clients:
            thread.join(60)
        after = query_processes(server)
    finally:
        stop.set()
        server.stop()
    for response in long_answers:
        assert response.status_code == 503, response.text
        assert response.headers.get("Retry-After") == "1"
        assert KILLED in response.json()["error"]["message"], response.text
    late = [outcome for sent, _, outcome in answers if sent > kills[0][0]]
    assert len(late) >= 50, f"only {len(late)} queries sent during the kills"
    unexpected = []
    in_flight_503 = 0
    for sent, done, outcome in answers:
        status = getattr(outcome, "status_code", None)
        if status == 200:
            continue
        caught = any(sent < killed < done for killed, kind in kills if kind == "idle")
        if caught and status == 503 and KILLED in outcome.text:
            in_flight_503 += 1
            continue
        unexpected.append(f"sent at {sent:.2f}: {getattr(outcome, 'text', outcome)!s:.300}")
    assert not unexpected, (kills, unexpected)
    assert in_flight_503 <= 3
    print(
        f"{len(answers)} queries ({len(late)} after the first kill), {in_flight_503} 503 in flight"
    )
    assert len(after) == len(before), (before, after)
    assert not set(victims) & after
    assert "Traceback" not in server.output()
