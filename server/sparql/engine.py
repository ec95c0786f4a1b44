"""SPARQL execution in a pool of forked child processes, each killed and replaced on its deadline.

pyoxigraph 0.5 cannot cancel a query: its Python API has no cancellation (oxigraph#1926), signals
wait until the query returns, and ORDER BY / GROUP BY / COUNT run to the end inside one call. So a
query runs in a child process forked from the process that holds the loaded store (the in-memory
store is shared copy-on-write). The child executes the query, serializes the result itself, in the
thread that ran it (pyoxigraph result iterators must not cross threads), with the row or triple cap
applied, and sends the bytes back over a socket pair. The parent waits until the deadline; past it,
it SIGKILLs the child, forks a fresh one, and raises :class:`QueryTimeout` (503).

A child that dies for any other reason is replaced too, before another query is given to it: the
pool checks that an idle child is alive before sending it a job, and a child that dies while
running one is reaped and its exit status read (``waitpid(2)``). How the child ended says what
the client is told (:mod:`server.sparql.process`): 400 when the engine crashed on the query, 503
with ``Retry-After`` when the child was killed from outside. pyoxigraph recurses over a
query's syntax tree: the child runs queries on a deep stack, and :mod:`server.sparql.limits`
refuses queries nested or chained deep enough to overflow one.

Each process that serves requests (a gunicorn worker, the Flask test client's process) owns its own
pool, created lazily on first use after any fork; children of a pool exit when their parent dies
(they notice the parent change) or when the pool closes (at interpreter exit).

Reading pyoxigraph's in-memory store writes to some of the pages it reads, so a child slowly
copies the store it shares with its parent, and its private memory grows under a long SPARQL
mix. A watcher thread reads each child's private
memory (Linux ``/proc/PID/smaps_rollup``) every :data:`WATCH_SECONDS`; a child past the limit
(setting ``sparql_process_memory``) is replaced by a fresh fork once it has answered.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import pickle
import signal
import threading
import time
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from graph.store import Store, StoreError, StoreTimeout, UnreadableAnswer
from graph.store.base import Solutions
from server.errors import PolicygraphError, QueryTimeout, ServiceUnavailable
from server.sparql import process as sparql_process
from server.sparql import results as sparql_results
from server.sparql.process import QueryProcess

log = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000

#: CONSTRUCT/DESCRIBE output formats (names of server.render.formats.FORMATS) → pyoxigraph writers.
RDF_WRITERS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


class QuerySyntaxError(PolicygraphError):
    """The engine's parser refused the query (SPARQL 1.1 Protocol §2.1.4: 400)."""

    status, title = 400, "Malformed Query"


class QueryFailed(PolicygraphError):
    """The engine raised while evaluating an accepted query (e.g. an unsupported feature)."""

    status, title = 400, "Query Failed"


@dataclass
class Job:
    """One query and how to answer it (picklable: it crosses the socket to the child)."""

    query: str
    base: str
    default_graphs: list[str] | None  # None: the store's default graph (graph.store.base)
    named_graphs: list[str] | None  # None: every graph of the store
    result_format: str  # json | xml | csv | tsv, for SELECT and ASK
    rdf_format: str  # a name of RDF_WRITERS, for CONSTRUCT and DESCRIBE
    row_cap: int
    triple_cap: int
    prefixes: dict[str, str] = field(default_factory=dict)
    inline: bool = False  # its work is bounded: answered in the request thread (sparql_bounded)
    default_only: bool = False  # reads only the store's default graph: the union store answers


@dataclass
class Answer:
    """What a child sends back: the body and what it is."""

    kind: str  # "solutions", "boolean" or "triples"
    body: bytes
    count: int
    truncated: bool
    variables: list[str] | None = None
    boolean: bool | None = None
    elapsed: float = 0.0  # seconds, shown on the query page


#: What the store may answer a SELECT with (pyoxigraph's solutions, or the seam's own).
SOLUTIONS = (ox.QuerySolutions, Solutions)
#: Advice given with every 503 for a query past its deadline.
NARROW = "narrow it (a LIMIT, more specific patterns) and try again"


def execute(store: Store, job: Job, timeout: float | None = None) -> Answer:
    """Run ``job`` on ``store`` and serialize its result, in the calling thread; ``timeout``:
    seconds, for a store that stops a query at its deadline itself (``Store.stops_queries``)."""
    started = time.perf_counter()
    options: dict = {}
    if job.default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    if timeout is not None:
        options["timeout"] = timeout
    try:
        result = store.query(job.query, base_iri=job.base, **options)
    except SyntaxError as error:
        raise QuerySyntaxError(f"malformed query: {error}") from None
    except StoreTimeout as error:
        what = (
            "the SPARQL engine estimates this query would run past its time limit and did "
            "not start it"
            if error.estimated
            else f"the query ran longer than the {timeout or 0:g} s limit and was stopped"
        )
        raise QueryTimeout(f"{what}; {NARROW}") from None
    except UnreadableAnswer as error:
        log.error("SPARQL engine answered something unreadable: %s", error)
        raise ServiceUnavailable("the SPARQL engine's answer could not be read") from None
    except StoreError as error:
        log.error("SPARQL engine failed: %s", error)
        raise ServiceUnavailable("the SPARQL engine failed on this query") from None
    # The engine may have cut the answer short itself (``partial``), which is flagged as a cap is.
    partial = bool(getattr(result, "partial", False))
    try:
        if isinstance(result, SOLUTIONS):
            out = sparql_results.serialize_solutions(
                result, job.result_format, job.row_cap, sparql_results.cap_note(job.base)
            )
            answer = Answer(
                "solutions", out.body, out.count, out.truncated or partial, out.variables
            )
        elif isinstance(result, bool | ox.QueryBoolean):
            value = bool(result)
            out = sparql_results.serialize_boolean(value, job.result_format)
            answer = Answer("boolean", out.body, 1, False, boolean=value)
        else:
            out = sparql_results.serialize_triples(
                result, RDF_WRITERS[job.rdf_format], job.triple_cap, job.prefixes
            )
            answer = Answer("triples", out.body, out.count, out.truncated or partial)
    except (OSError, ValueError, TypeError) as error:
        raise QueryFailed(f"the query could not be evaluated: {error}") from None
    answer.elapsed = time.perf_counter() - started
    return answer


def store_for(job: Job, store: Store, union_store: Store | None) -> Store:
    """The store that answers ``job``: the data union alone (``Publication.union_store``) when
    the job reads only the default graph and there is one, else the whole store."""
    return union_store if job.default_only and union_store is not None else store


def _isolate_network() -> None:
    """Best effort: move this child into an empty network namespace (needs CAP_SYS_ADMIN).

    The static checks already refuse SERVICE; this is defence in depth, so that even a query
    they misjudged could reach no host. Without the privilege nothing changes.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare(CLONE_NEWNET)
    except (OSError, AttributeError):
        pass


QUERY_NICENESS = 5


def _child_process(store: Store, union_store: Store | None, conn: Connection, parent: int) -> None:
    """A child's setup, then its loop in a thread with a deep stack."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Queries yield the CPU to the request threads, so a runaway query slows documents less.
    # The loop's thread inherits this thread's niceness and network namespace.
    os.nice(QUERY_NICENESS)
    _isolate_network()
    sparql_process.in_deep_stack(_child_main, store, union_store, conn, parent)


def _child_main(store: Store, union_store: Store | None, conn: Connection, parent: int) -> None:
    """The loop of one child: receive a job, answer it, until the parent goes away."""
    while True:
        try:
            if not conn.poll(1.0):
                if os.getppid() != parent:
                    return
                continue
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        job = pickle.loads(message)
        if job is None:
            return
        reply: tuple[str, Any]
        try:
            conn.send_bytes(b"")  # received: from now on the job is this process's
        except (OSError, ValueError):
            return
        try:
            reply = ("ok", execute(store_for(job, store, union_store), job))
        except PolicygraphError as error:
            reply = ("error", (type(error).__name__, error.message))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which logs it
            reply = ("crash", f"{type(error).__name__}: {error}")
        try:
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, ValueError):
            return


#: How often the watcher reads the query children's private memory (reading it walks the
#: child's page tables: ~15 ms for a process mapping 0.8 GB, so not once per query).
WATCH_SECONDS = 5.0


def private_memory(pid: int) -> int | None:
    """Bytes of memory only process ``pid`` holds (``Private_Dirty`` of Linux's
    ``/proc/PID/smaps_rollup``: its own allocations and the shared pages it copied on write);
    None where that file cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Private_Dirty:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


_ERRORS = {"QuerySyntaxError": QuerySyntaxError, "QueryFailed": QueryFailed}


class Pool:
    """A fixed number of query children forked from this process; thread-safe."""

    def __init__(
        self,
        store: Store,
        size: int = 2,
        memory_limit: int = 0,
        watch_seconds: float = WATCH_SECONDS,
        union_store: Store | None = None,
    ):
        self.store = store
        self.union_store = union_store  # answers the jobs that read only the default graph
        self.size = max(1, int(size))
        self.pid = os.getpid()
        self.memory_limit = memory_limit  # bytes of private memory per child; 0: no limit
        self.recycled = 0
        self.replaced = 0  # children found dead (idle or mid-query) and replaced
        self.jobs = 0  # jobs sent to a child
        self._lock = threading.Lock()
        self._idle: list[QueryProcess] = []
        self._free = threading.Semaphore(self.size)
        self._all: set[QueryProcess] = set()
        self._closed = False
        self._stopping = threading.Event()
        for _ in range(self.size):
            self._idle.append(self._spawn())
        _POOLS.add(self)
        if memory_limit > 0 and private_memory(os.getpid()) is not None:
            threading.Thread(
                target=self._watch,
                args=(weakref.ref(self), self._stopping, watch_seconds),
                name="policygraph-sparql-memory",
                daemon=True,
            ).start()

    @staticmethod
    def _watch(pool_ref, stopping: threading.Event, seconds: float) -> None:
        """Mark the children past the memory limit as spent (the pool may be collected)."""
        while not stopping.wait(seconds):
            pool = pool_ref()
            if pool is None or pool._closed:
                return
            with pool._lock:
                children = list(pool._all)
            for child in children:
                held = private_memory(child.pid)
                if held is not None and held > pool.memory_limit:
                    child.spent = True
            del pool

    def _spawn(self) -> QueryProcess:
        with self._lock:
            child = QueryProcess(
                _child_process, (self.store, self.union_store), [c.conn for c in self._all]
            )
            self._all.add(child)
        return child

    def _retire(self, child: QueryProcess) -> None:
        with self._lock:
            self._all.discard(child)
        child.kill()

    def _checked(self, child: QueryProcess | None) -> QueryProcess:
        """``child`` if it is alive, else a fresh fork in its place (the dead one reaped)."""
        if child is not None and child.alive():
            return child
        if child is not None:
            log.error(
                "SPARQL query process %s %s while idle; replaced",
                child.pid,
                sparql_process.describe(child.status),
            )
            self._retire(child)
            self.replaced += 1
        try:
            return self._spawn()
        except OSError:
            log.exception("could not fork a SPARQL query process")
            raise ServiceUnavailable(
                "no query process could be started for this query; try again",
                headers={"Retry-After": str(sparql_process.RETRY_AFTER)},
            ) from None

    def run(self, job: Job, timeout: float) -> Answer:
        """Answer ``job`` in a child within ``timeout`` seconds (waiting for a child included).

        The child is checked alive first, and replaced if it is not; one that dies after the
        check, before it acknowledges the job, is replaced and the job sent to its replacement.
        One that dies while running the job is replaced, and the error says how it ended
        (:func:`server.sparql_process.error_for`).
        """
        started = time.monotonic()
        deadline = started + timeout
        if self._closed:
            raise ServiceUnavailable("the query engine is shutting down")
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        if not self._free.acquire(timeout=max(0.0, timeout)):
            raise QueryTimeout(
                f"every query process stayed busy for {timeout:g} s; try again shortly"
            )
        child = None
        try:
            with self._lock:
                child = self._idle.pop() if self._idle else None  # None: a fork had failed
                self.jobs += 1
            for _ in range(2):  # a process that dies before it receives the job: once more
                child = self._checked(child)
                if self._send(child, payload):
                    reply = self._ask(child, deadline, timeout, time.monotonic() - started)
                    if reply[0] != "undelivered":
                        break
            else:
                raise ServiceUnavailable(
                    "no query process could take this query; try again",
                    headers={"Retry-After": str(sparql_process.RETRY_AFTER)},
                )
            if reply[0] == "died":
                self.replaced += 1
            elif child.spent:
                self.recycled += 1
            else:
                with self._lock:
                    self._idle.append(child)
                child = None
        finally:
            if child is not None:  # it timed out, died or is spent: replace it
                self._retire(child)
                self._replenish()
            self._free.release()
        status, value = reply
        if status == "ok":
            return value
        if status == "error":
            name, message = value
            raise _ERRORS.get(name, QueryFailed)(message)
        if status == "died":
            raise sparql_process.error_for(*value)
        log.error("SPARQL child failed: %s", value)
        raise ServiceUnavailable("the query engine failed on this query")

    def _replenish(self) -> None:
        """Fork a child into the idle list (a failed fork is logged: the next run forks)."""
        if self._closed:
            return
        try:
            replacement = self._spawn()
        except OSError:
            log.exception("could not fork a SPARQL query process")
            return
        with self._lock:
            self._idle.append(replacement)

    @staticmethod
    def _send(child: QueryProcess, payload: bytes) -> bool:
        """Send a job; False when the child's socket is closed (the child is reaped)."""
        try:
            child.conn.send_bytes(payload)
            return True
        except OSError:
            child.wait()
            return False

    def _ask(self, child: QueryProcess, deadline: float, timeout: float, waited: float):
        """The child's reply to the job just sent: ``("undelivered", None)`` when it died before
        acknowledging it (the job never ran), ``("died", (pid, status))`` after."""
        received = False
        try:
            for _ in range(2):  # the acknowledgement, then the reply
                if not child.conn.poll(max(0.0, deadline - time.monotonic())):
                    queued = f" (of which {waited:.1f} s waiting for a free query process)"
                    raise QueryTimeout(
                        f"the query ran longer than the {timeout:g} s limit"
                        f"{queued if waited >= 0.05 else ''} and was stopped; "
                        "narrow it (a LIMIT, more specific patterns) and try again"
                    )
                message = child.conn.recv_bytes()
                if received:
                    return pickle.loads(message)
                received = True
        except (EOFError, OSError, pickle.UnpicklingError):
            status = child.wait()
            return ("died", (child.pid, status)) if received else ("undelivered", None)

    def close(self) -> None:
        """Stop every child (idle ones politely, busy ones by SIGKILL)."""
        if self._closed or self.pid != os.getpid():
            return
        self._closed = True
        self._stopping.set()
        with self._lock:
            children, self._all = set(self._all), set()
            idle = set(self._idle)
            self._idle = []
        for child in children:
            child.stop() if child in idle else child.kill()

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return sorted(child.pid for child in self._all)


_POOLS: weakref.WeakSet[Pool] = weakref.WeakSet()


def _close_all() -> None:
    for pool in list(_POOLS):
        pool.close()


atexit.register(_close_all)
