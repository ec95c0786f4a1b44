"""Query processes that die: replaced before the next query, and the dying query told why.

Contract (issue 15 §1, server/sparql/engine.py and server/sparql/process.py): a query process
that dies for any reason (a crash on the query it runs, SIGKILL from outside while it runs one
or while it is idle) is replaced before another query is given to it; the pool never sends a job
to a dead process. The query that was running gets 400 when the engine crashed on it (the same
query would crash it again) and 503 with ``Retry-After`` when the process was killed from
outside; every later query is answered.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import threading
import time

import pyoxigraph as ox
import pytest
from test_sparql import job

from server.errors import ServiceUnavailable
from server.sparql import process as sparql_process
from server.sparql.engine import Pool
from server.sparql.process import QueryCrashed

ASK = "ASK { ?s ?p ?o }"
#: Runs for minutes on :func:`store`'s 300 triples (COUNT evaluates the whole product).
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
#: Nested deeper than even a query process's stack holds (limits aside): SIGSEGV.
TOO_DEEP = "SELECT * WHERE " + "{" * 400_000 + "}" * 400_000


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(300):
        store.add(
            ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(i))
        )
    return store


@pytest.fixture
def pool(store):
    pool = Pool(store, 2)
    yield pool
    pool.close()


def answers(pool: Pool, times: int = 10) -> None:
    for _ in range(times):
        assert json.loads(pool.run(job(ASK), 10).body)["boolean"] is True


def dead(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie waiting to be reaped, or gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def wait_dead(pid: int) -> None:
    deadline = time.monotonic() + 10
    while not dead(pid):
        assert time.monotonic() < deadline, f"process {pid} did not end"
        time.sleep(0.01)


def cpu_ticks(pid: int) -> int:
    """User and system CPU time of process ``pid`` so far, in clock ticks (proc(5))."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])


def busy(pids) -> int:
    """Which of ``pids`` is running a query: the one using the CPU (an idle one wakes once a
    second, for microseconds)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        before = {pid: cpu_ticks(pid) for pid in pids}
        time.sleep(0.3)
        used = {pid: cpu_ticks(pid) - ticks for pid, ticks in before.items()}
        pid = max(used, key=used.get)
        if used[pid] >= 0.02 * os.sysconf("SC_CLK_TCK"):
            return pid
    raise AssertionError("no query process is running a query")


def run_in_thread(pool: Pool, query: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["answer"] = pool.run(job(query), 60)
        except Exception as error:  # noqa: BLE001 - checked by the test
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_query_that_crashes_the_engine_gets_400_and_its_process_is_replaced(pool):
    before = pool.pids
    with pytest.raises(QueryCrashed) as raised:
        pool.run(job(TOO_DEEP), 60)
    assert raised.value.status == 400
    assert "SIGSEGV" in raised.value.message and "simplify it" in raised.value.message
    assert pool.replaced == 1 and len(pool.pids) == 2 and pool.pids != before
    answers(pool)


@pytest.mark.parametrize("times", [3])
def test_a_process_killed_mid_query_gets_503_with_retry_after(pool, times):
    """SIGKILL (what the out-of-memory killer sends) to the process running a query."""
    for round_ in range(times):
        thread, outcome = run_in_thread(pool, RUNAWAY)
        victim = busy(pool.pids)
        os.kill(victim, signal.SIGKILL)
        thread.join(30)
        assert not thread.is_alive(), "the killed query's request hangs"
        error = outcome.get("error")
        assert isinstance(error, ServiceUnavailable), outcome
        assert error.status == 503 and error.headers == {"Retry-After": "1"}
        assert "killed by SIGKILL" in error.message and "try again" in error.message
        assert victim not in pool.pids and len(pool.pids) == 2
        assert pool.replaced == round_ + 1
        answers(pool)


@pytest.mark.parametrize("settle", [True, False], ids=["after-it-ended", "as-it-is-killed"])
def test_a_process_killed_while_idle_never_gets_the_next_query(store, settle):
    """The next query finds the process dead (or it dies before acknowledging the job): a
    fresh process answers it, whenever the kill lands."""
    pool = Pool(store, 1)
    try:
        for round_ in range(5):
            (victim,) = pool.pids
            os.kill(victim, signal.SIGKILL)
            if settle:
                wait_dead(victim)
            answers(pool, 1)
            assert pool.replaced == round_ + 1 and pool.pids != [victim]
        answers(pool)
    finally:
        pool.close()


def test_a_process_found_dead_at_the_send_is_reaped_and_replaced(pool):
    """A process may die between the liveness check and the send: the send fails, the process
    is reaped, and the job goes to a fresh process (it never reached the dead one)."""
    child = pool._idle[-1]
    os.kill(child.pid, signal.SIGKILL)
    wait_dead(child.pid)
    assert pool._send(child, pickle.dumps(job(ASK))) is False
    assert child.status is not None and sparql_process.describe(child.status) == "killed by SIGKILL"
    replacement = pool._checked(child)
    assert replacement is not child and replacement.alive()
    assert child.pid not in pool.pids and replacement.pid in pool.pids
    with pool._lock:
        pool._idle.remove(child)
        pool._idle.append(replacement)
    answers(pool)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (signal.SIGSEGV, QueryCrashed, "killed by SIGSEGV"),
        (signal.SIGABRT, QueryCrashed, "killed by SIGABRT"),
        (signal.SIGKILL, ServiceUnavailable, "killed by SIGKILL"),
        (signal.SIGTERM, ServiceUnavailable, "killed by SIGTERM"),
        (1 << 8, ServiceUnavailable, "exited with status 1"),
        (-1, ServiceUnavailable, "collected elsewhere"),
    ],
)
def test_how_a_process_ended_says_what_the_client_is_told(status, error, words):
    """``waitpid`` statuses: a crash signal is the query's doing (400, not to be repeated); any
    other end is the process stopped from outside (503, try again after ``Retry-After``)."""
    told = sparql_process.error_for(12345, int(status))
    assert type(told) is error and words in told.message
    if error is ServiceUnavailable:
        assert told.status == 503 and told.headers["Retry-After"] == "1"
    else:
        assert told.status == 400 and not told.headers
