"""The systems under test, each a real server process on loopback (:mod:`bench.servers`).

- ``policygraph``: the publisher under gunicorn (through ``bench.pgserve``, over the corpus);
- ``hello``: a Flask hello-world under the same gunicorn settings (the HTTP floor);
- ``rdflib-endpoint``: rdflib-endpoint (uvicorn) over the same N-Quads;
- ``virtuoso``: Virtuoso Open Source from Debian (:mod:`bench.virtuoso`), bulk-loaded with
  ``ld_dir``/``rdf_loader_run``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench import virtuoso
from bench.servers import Server, free_port, memory
from server.run import serving

PYTHON = sys.executable


class Unavailable(Exception):
    """A system that cannot run on this machine (not installed); the reason is the message."""


def any_answer(status: int) -> bool:
    """Ready as soon as the probe gets any answer short of a server error."""
    return status < 500


@dataclass
class System:
    """A system under test: where it answers, what it serves, and the process serving it
    (``server`` is None for a publisher started outside the harness, measured by ``pid``)."""

    name: str
    url: str
    sparql_path: str | None
    deref: bool
    server: Server | None = None
    startup_seconds: float = 0.0
    peak_startup_rss_mb: float = 0.0
    extra: dict = field(default_factory=dict)
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def started(
        cls, server: Server, sparql_path: str | None, deref: bool, timeout: float, **extra
    ) -> System:
        """Wait for ``server`` (any answer short of 5xx to its probe) and describe it; stop it
        if it never gets ready."""
        try:
            server.wait(timeout, ready=any_answer)
        except RuntimeError:
            server.stop()
            raise
        return cls(
            server.name,
            server.url,
            sparql_path,
            deref,
            server,
            server.ready_seconds or 0.0,
            server.peak_startup_rss_mb,
            extra,
        )

    @property
    def pid(self) -> int | None:
        return self.extra.get("pid") or (self.server.pid if self.server else None)

    @property
    def log(self) -> Path | None:
        return self.server.log_path if self.server else None

    def memory(self) -> dict:
        return memory(self.pid) if self.pid else {"processes": 0, "rss_mb": 0.0, "pss_mb": None}

    def settle(self, limit: float = 180.0, idle_percent: float = 15.0) -> float:
        """Wait until the server's processes are idle (a backlog of requests the load generator
        left behind would otherwise be measured in the next case); return the seconds waited."""
        if not self.pid:
            return 0.0
        started = time.perf_counter()
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
            for process in processes:
                process.cpu_percent(None)
            while time.perf_counter() - started < limit:
                time.sleep(0.5)
                busy = 0.0
                for process in processes:
                    try:
                        busy += process.cpu_percent(None)
                    except psutil.Error:
                        pass
                if busy < idle_percent:
                    break
        except psutil.Error:
            pass
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=20)
        for step in reversed(self.cleanup):
            step()


def attach(url: str, pid: int | None, timeout: float) -> System:
    """A policygraph started outside the harness (e.g. ``bench.pgserve``), once it answers a
    SPARQL ASK: measured as is, never stopped."""
    deadline = time.monotonic() + timeout
    probe = urllib.request.Request(
        url.rstrip("/") + "/sparql?query=ASK%7B%7D",
        headers={"Accept": "application/sparql-results+json"},
    )
    while True:
        try:
            with urllib.request.urlopen(probe, timeout=5):
                break
        except urllib.error.HTTPError as error:
            if error.code < 500:
                break
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answers at {url} after {timeout:.0f} s")
        time.sleep(0.1)
    extra = {"attached": True, **({"pid": pid} if pid else {})}
    return System("policygraph", url.rstrip("/"), "/sparql", True, startup_seconds=float("nan"),
                  extra=extra)  # fmt: skip


def gunicorn_settings(workers: int | None = None) -> dict:
    """The gunicorn settings of policygraph's deployment (``server.run.serving``), for the floor.

    Mirrors ``server.run.serving.PublisherApplication``: gthread workers (keep-alive capable), one
    per CPU, ``server.run.serving.THREADS`` threads each, preloaded.
    """
    return {
        "workers": workers or os.cpu_count() or 2,
        "worker_class": "gthread",
        "threads": serving.THREADS,
        "keepalive": 5,
        "timeout": 60,
        "preload": True,
    }


def gunicorn_command(app: str, port: int, settings: dict, preload: bool) -> list[str]:
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(settings["workers"]),
        "--worker-class",
        settings["worker_class"],
        "--threads",
        str(settings.get("threads", 1)),
        "--keep-alive",
        str(settings.get("keepalive", 5)),
        "--timeout",
        str(settings.get("timeout", 60)),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    if preload:
        command.append("--preload")
    return [*command, app]


def start_hello(logdir: Path, settings: dict) -> System:
    port = free_port()
    command = gunicorn_command("bench.hello:app", port, settings, True)
    server = Server(command, logdir, port=port, name="hello", probe="")
    return System.started(server, None, True, 60)


def start_policygraph(
    logdir: Path,
    settings: dict,
    corpus: Path,
    base: str,
    store: str = "memory",
    timeout: float = 1800,
    options: tuple[str, ...] = (),
) -> System:
    """policygraph's own gunicorn deployment (``server.run.serving``) over the corpus; ``options``
    are more arguments of ``bench.pgserve`` (``--default-graph all``)."""
    port = free_port()
    command = [PYTHON, "-m", "bench.pgserve", "--corpus", str(corpus), "--base", base]
    command += ["--port", str(port), "--workers", str(settings["workers"]), "--store", store]
    command += options
    server = Server(
        command,
        logdir,
        port=port,
        name="policygraph",
        env={"PYTHONUNBUFFERED": "1"},
        probe="sparql?query=ASK%7B%7D",
        accept="application/sparql-results+json",
    )
    return System.started(server, "/sparql", True, timeout, store=store)


def start_rdflib_endpoint(logdir: Path, corpus: Path, timeout: float = 1800) -> System:
    try:
        import rdflib_endpoint  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise Unavailable(
            f"rdflib-endpoint is not installed ({error}); pip install 'policygraph[bench]'"
        ) from None
    port = free_port()
    command = [PYTHON, "-m", "rdflib_endpoint", "serve", str(corpus / "corpus.nq"), "--host",
               "127.0.0.1", "--port", str(port)]  # fmt: skip
    server = Server(
        command,
        logdir,
        port=port,
        name="rdflib-endpoint",
        probe="?query=ASK%7B%7D",
        accept="application/sparql-results+json",
    )
    return System.started(server, "/", False, timeout)


def start_virtuoso(logdir: Path, corpus: Path, triples: int, timeout: float = 1800) -> System:
    """Virtuoso from Debian's ``virtuoso-opensource``, private ini, database in a temp folder,
    bulk-loaded with the corpus; its startup time includes the load."""
    if not virtuoso.installed():
        raise Unavailable("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-virtuoso-"))
    engine = virtuoso.Virtuoso(
        workdir,
        buffers=max(20_000, min(1_000_000, triples // 4)),  # 8 KiB pages: ~2 KB per triple
        threads=os.cpu_count() or 2,
        **virtuoso.BENCH,
    )
    started = time.perf_counter()
    try:
        engine.start(120)
        loading = time.perf_counter()
        # ld_dir needs the file in an allowed folder; a hard link (or copy) keeps it cached.
        engine.bulk_load_file(corpus / "corpus.nq", timeout=timeout)
        failed = engine.isql("SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL")
        if failed.split()[-1:] != ["0"]:
            raise RuntimeError(f"virtuoso bulk load failed:\n{failed}")
        system = System(
            "virtuoso",
            engine.server.url,
            "/sparql",
            False,
            engine.server,
            time.perf_counter() - started,
            max(engine.server.peak_startup_rss_mb, engine.server.memory()["rss_mb"]),
            {"workdir": str(workdir), "ini": str(engine.ini),
             "load_seconds": time.perf_counter() - loading},
        )  # fmt: skip
    except BaseException:
        engine.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    system.cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
    return system
