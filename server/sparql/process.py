"""The life of a query process: the deep stack it runs queries on, how it ended, what to say.

A query process (:class:`QueryProcess`) is forked by a pool of :mod:`server.sparql.engine` and
talks to it over a socket pair. pyoxigraph parses and evaluates a query by recursion over its
syntax tree, and a thread's default stack (RLIMIT_STACK, commonly 8 MiB) overflows a few
thousand levels deep (tests/test_sparql_limits.py measures where), so the process runs its loop
in a thread with a stack of :data:`QUERY_STACK_BYTES` (:func:`in_deep_stack`): address space
only, committed as a deep query touches it.

A query process ends only when its pool stops it, unless something goes wrong. Its exit status
(``waitpid(2)``, read by the pool) tells what:

- a crash signal (:data:`CRASH_SIGNALS`: SIGSEGV, SIGABRT, SIGBUS…) is the process failing on
  what it ran: pyoxigraph overflowing its stack on a deeply nested query, or an engine bug. The
  engine is deterministic, so the same query would crash it again: :class:`QueryCrashed`, a 400
  naming the signal (RFC 9110 §15.5.1: the server will not process the request as sent, and
  a client retrying it unchanged would only kill another process);
- any other signal (SIGKILL from the out-of-memory killer or an operator, SIGTERM) or exit code
  is the process stopped from outside: the query may well succeed on a fresh process, so 503
  with ``Retry-After`` (RFC 9110 §15.6.4, §10.2.3).

Either way the pool has replaced the process before the client reads the answer.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, Pipe

from server.errors import PolicygraphError, ServiceUnavailable

log = logging.getLogger(__name__)

#: Signals a process receives from its own faults (signal(7)): it crashed on what it ran.
CRASH_SIGNALS = frozenset(
    {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE, signal.SIGSYS}
)
#: Seconds a client is asked to wait after its query's process was stopped from outside: the
#: pool forks the replacement before answering, so the next try finds one.
RETRY_AFTER = 1


#: Stack of the thread that runs a query process's loop.
QUERY_STACK_BYTES = 256 * 2**20
#: Held from a child's socket pair to the parent closing the child's end: a fork by another
#: thread in between would give its process that end too, and keep a dead child's socket open
#: (the parent's send would then succeed instead of finding the child gone).
FORKING = threading.Lock()


def in_deep_stack(function: Callable[..., None], *args) -> None:
    """Call ``function(*args)`` in a new thread with a stack of :data:`QUERY_STACK_BYTES` and
    wait for it (in this thread, with its stack, where the system refuses that much); re-raise
    what it raised. Meant for a forked process, whose only other thread then just waits."""
    raised: list[BaseException] = []

    def call() -> None:
        try:
            function(*args)
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            raised.append(error)

    try:
        threading.stack_size(QUERY_STACK_BYTES)
        thread = threading.Thread(target=call, name="policygraph-query")
        thread.start()
    except (RuntimeError, ValueError, MemoryError):
        call()
    else:
        thread.join()
    if raised:
        raise raised[0]


class QueryCrashed(PolicygraphError):
    """The query process died of a crash signal while evaluating the query."""

    status, title = 400, "Query Crashed the Engine"


def poll(pid: int) -> int | None:
    """The exit status of child ``pid`` if it has ended (it is reaped), else None; -1 when it
    was already reaped elsewhere."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return -1
    return status if done == pid else None


def wait(pid: int, grace: float) -> int:
    """The exit status of child ``pid``, waiting up to ``grace`` seconds for it to end, then
    ending it with SIGKILL (a process whose socket closed is on its way out)."""
    deadline = time.monotonic() + grace
    while True:
        status = poll(pid)
        if status is not None:
            return status
        if time.monotonic() >= deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                return os.waitpid(pid, 0)[1]
            except ChildProcessError:
                return -1
        time.sleep(0.002)


def describe(status: int | None) -> str:
    """How a process ended, in words (``killed by SIGKILL``, ``exited with status 1``)."""
    if status is None or status < 0:
        return "ended (its exit status was collected elsewhere)"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    if os.WIFEXITED(status):
        return f"exited with status {os.WEXITSTATUS(status)}"
    return f"ended (wait status {status})"


def crashed(status: int) -> bool:
    """Whether a process with exit status ``status`` died of a crash signal of its own."""
    return status >= 0 and os.WIFSIGNALED(status) and os.WTERMSIG(status) in CRASH_SIGNALS


def error_for(pid: int, status: int) -> PolicygraphError:
    """What to tell the client whose query process ``pid`` ended with ``status`` mid-query."""
    how = describe(status)
    log.error("SPARQL query process %s %s while running a query; it has been replaced", pid, how)
    if crashed(status):
        return QueryCrashed(
            f"the query engine crashed while evaluating this query (its process was {how}, "
            "as a stack overflow on a very deeply nested or very long query does); a fresh "
            "process has taken its place. The same query would crash it again: simplify it "
            "(fewer nested groups or parentheses, shorter chains of UNION, operators or "
            "property paths)."
        )
    return ServiceUnavailable(
        f"the process running this query was stopped from outside ({how}: the out-of-memory "
        "killer or an operator); a fresh process has taken its place: try again",
        headers={"Retry-After": str(RETRY_AFTER)},
    )


class QueryProcess:
    """A forked process running ``main(*args, conn, parent)`` and the parent's end ``conn`` of
    their socket pair; ``spent`` once it holds more private memory than its pool allows."""

    spent = False
    #: its exit status once reaped (-1: reaped elsewhere); a reaped pid may belong to another
    #: process by now, so it is never signalled again
    status: int | None = None

    def __init__(
        self, main: Callable[..., None], args: Sequence, siblings: Sequence[Connection]
    ) -> None:
        with FORKING:
            parent_end, child_end = Pipe(duplex=True)
            pid = self._fork(main, args, siblings, parent_end, child_end)
            child_end.close()
        self.pid = pid
        self.conn = parent_end

    @staticmethod
    def _fork(main, args, siblings, parent_end: Connection, child_end: Connection) -> int:
        """Fork; in the child run ``main`` and exit, in the parent return the child's pid."""
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child
            status = 0
            try:
                FORKING.release()  # held by the forking thread of the parent, copied locked
                parent_end.close()
                for sibling in siblings:  # so a sibling sees EOF when the parent dies
                    try:
                        sibling.close()
                    except OSError:
                        pass
                main(*args, child_end, parent)
            except BaseException:  # noqa: BLE001 - a child must never return into the caller
                status = 1
            finally:
                os._exit(status)
        return pid

    def alive(self) -> bool:
        """Whether the process still runs with nothing unread on its socket (as an idle one
        does); one that does not is reaped."""
        if self.status is None:
            self.status = poll(self.pid)
        if self.status is None and self.conn.poll(0):  # EOF: on its way out, or out of step
            self.kill()
        return self.status is None

    def wait(self, grace: float = 2.0) -> int:
        """Its exit status, once its socket closed (SIGKILL after ``grace`` seconds)."""
        if self.status is None:
            self.status = wait(self.pid, grace)
        self._close()
        return self.status

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.reap()

    def stop(self) -> None:
        """Ask it to end (``None`` as a job); SIGKILL after a second."""
        try:
            self.conn.send_bytes(pickle.dumps(None))
        except (OSError, ValueError):
            pass
        self.wait(grace=1.0)

    def reap(self) -> None:
        if self.status is None:
            try:
                self.status = os.waitpid(self.pid, 0)[1]
            except ChildProcessError:
                self.status = -1
        self._close()

    def _close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
