"""The systems under test, each started as a real server process on loopback, and their memory.

- ``policygraph``: the publisher under gunicorn (through ``bench.pgapp``, over the corpus);
- ``hello``: a Flask hello-world under the same gunicorn settings (the HTTP floor);
- ``rdflib-endpoint``: rdflib-endpoint (uvicorn) over the same N-Quads;
- ``virtuoso``: Virtuoso Open Source from Debian, from a private ini in a temporary folder,
  bulk-loaded with ``ld_dir``/``rdf_loader_run``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


class Unavailable(Exception):
    """A system that cannot run on this machine (not installed); the reason is the message."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory(pid: int) -> dict:
    """RSS and PSS (``/proc/PID/smaps_rollup``), summed over a process and its descendants."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {"processes": 0, "rss_mb": 0.0, "pss_mb": None}
    rss = 0
    pss: int | None = 0
    for process in processes:
        try:
            rss += process.memory_info().rss
        except psutil.Error:
            continue
        try:
            with open(f"/proc/{process.pid}/smaps_rollup", encoding="ascii") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss = (pss or 0) + int(line.split()[1]) * 1024
                        break
        except OSError:
            pss = None
    return {
        "processes": len(processes),
        "rss_mb": rss / 2**20,
        "pss_mb": None if pss is None else pss / 2**20,
    }


def gunicorn_settings(workers: int | None = None) -> dict:
    """The gunicorn settings of policygraph's deployment (``server.run.serving``), for the floor.

    Mirrors ``server.run.serving.PublisherApplication``: gthread workers (keep-alive capable), one
    per CPU, ``server.run.serving.THREADS`` threads each, preloaded.
    """
    threads = 4
    try:
        from server.run import serving

        threads = getattr(serving, "THREADS", threads)
    except Exception:  # noqa: BLE001 - the server may be absent or broken; the bench still runs
        pass
    return {
        "workers": workers or os.cpu_count() or 2,
        "worker_class": "gthread",
        "threads": threads,
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


@dataclass
class Server:
    """A running system: its URL, process and how long it took to become ready."""

    name: str
    url: str
    process: subprocess.Popen | None
    sparql_path: str | None
    deref: bool
    startup_seconds: float = 0.0
    peak_startup_rss_mb: float = 0.0
    log: Path | None = None
    extra: dict = field(default_factory=dict)
    cleanup: list = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return self.extra.get("pid") or (self.process.pid if self.process else None)

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
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for step in reversed(self.cleanup):
            step()


def wait_ready(server: Server, probe: str, timeout: float, accept: str = "*/*") -> None:
    """Poll ``probe`` until it answers (any HTTP status below 500), sampling RSS meanwhile."""
    started = time.perf_counter()
    deadline = started + timeout
    while True:
        if server.process and server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-3000:] if server.log else ""
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        if server.pid:
            server.peak_startup_rss_mb = max(server.peak_startup_rss_mb, server.memory()["rss_mb"])
        try:
            request = urllib.request.Request(server.url + probe, headers={"Accept": accept})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status < 500:
                    break
        except urllib.error.HTTPError as error:
            if error.code < 500:
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.perf_counter() > deadline:
            server.stop()
            raise RuntimeError(f"{server.name} not ready after {timeout:.0f} s")
        time.sleep(0.1)
    server.startup_seconds = time.perf_counter() - server.extra.get("t0", started)


def _spawn(
    name: str, command: list[str], logdir: Path, env: dict | None = None, cwd: Path | None = None
) -> tuple[subprocess.Popen, Path]:
    log = logdir / f"{name}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd or ROOT,
            start_new_session=True,
        )
    return process, log


def start_hello(logdir: Path, settings: dict) -> Server:
    port = free_port()
    t0 = time.perf_counter()
    process, log = _spawn(
        "hello", gunicorn_command("bench.hello:app", port, settings, True), logdir
    )
    server = Server(
        "hello", f"http://127.0.0.1:{port}", process, None, True, log=log, extra={"t0": t0}
    )
    wait_ready(server, "/", 60)
    return server


def start_policygraph(
    logdir: Path,
    settings: dict,
    corpus: Path,
    base: str,
    store: str = "memory",
    timeout: float = 1800,
    options: tuple[str, ...] = (),
) -> Server:
    """policygraph's own gunicorn deployment (``server.run.serving``) over the corpus; ``options``
    are more arguments of ``bench.pgserve`` (``--default-graph all``)."""
    port = free_port()
    t0 = time.perf_counter()
    command = [
        PYTHON,
        "-m",
        "bench.pgserve",
        "--corpus",
        str(corpus),
        "--base",
        base,
        "--port",
        str(port),
        "--workers",
        str(settings["workers"]),
        "--store",
        store,
        *options,
    ]
    process, log = _spawn("policygraph", command, logdir, {"PYTHONUNBUFFERED": "1"})
    server = Server(
        "policygraph",
        f"http://127.0.0.1:{port}",
        process,
        "/sparql",
        True,
        log=log,
        extra={"t0": t0, "store": store},
    )
    wait_ready(server, "/sparql?query=ASK%7B%7D", timeout, "application/sparql-results+json")
    return server


def start_rdflib_endpoint(logdir: Path, corpus: Path, timeout: float = 1800) -> Server:
    try:
        import rdflib_endpoint  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise Unavailable(
            f"rdflib-endpoint is not installed ({error}); pip install 'policygraph[bench]'"
        ) from None
    port = free_port()
    t0 = time.perf_counter()
    process, log = _spawn(
        "rdflib-endpoint",
        [
            PYTHON,
            "-m",
            "rdflib_endpoint",
            "serve",
            str(corpus / "corpus.nq"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        logdir,
    )
    server = Server(
        "rdflib-endpoint",
        f"http://127.0.0.1:{port}",
        process,
        "/",
        False,
        log=log,
        extra={"t0": t0},
    )
    wait_ready(server, "/?query=ASK%7B%7D", timeout, "application/sparql-results+json")
    return server


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = {clients}
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {data}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
MaxQueryMem = {max_query_mem}
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = {threads}
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
MaxClientConnections = {clients}
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = {http_threads}
MaxKeepAlives = {clients}
KeepAliveTimeout = 30
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = {estimate_limit}
MaxQueryExecutionTime = {max_seconds}
"""


def virtuoso_ini(
    db: Path,
    data: Path,
    http_port: int,
    isql_port: int,
    *,
    buffers: int = 20000,
    threads: int = 2,
    clients: int = 100,
    http_threads: int = 64,
    max_query_mem: str = "2G",
    max_rows: int = 100000,
    max_seconds: int = 120,
    estimate_limit: int = 400,
) -> str:
    """A private Virtuoso ini: database in ``db``, loopback ports, bulk loads allowed from
    ``data``. Shared by the benchmark and the integration tests (tests/virtuoso.py)."""
    return VIRTUOSO_INI.format(
        db=db,
        data=data,
        http_port=http_port,
        isql_port=isql_port,
        buffers=buffers,
        dirty=buffers * 3 // 4,
        threads=threads,
        clients=clients,
        http_threads=http_threads,
        max_query_mem=max_query_mem,
        max_rows=max_rows,
        max_seconds=max_seconds,
        estimate_limit=estimate_limit,
    )


def start_virtuoso(logdir: Path, corpus: Path, triples: int, timeout: float = 1800) -> Server:
    """Virtuoso from Debian's ``virtuoso-opensource``, private ini, database in a temp folder."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if not binary or not isql:
        raise Unavailable("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-virtuoso-"))
    data = workdir / "data"
    data.mkdir()
    # ld_dir needs the file in an allowed folder; a hard link (or copy) keeps the corpus cached.
    try:
        os.link(corpus / "corpus.nq", data / "corpus.nq")
    except OSError:
        shutil.copy(corpus / "corpus.nq", data / "corpus.nq")
    http_port, isql_port = free_port(), free_port()
    buffers = max(20_000, min(1_000_000, triples // 4))  # 8 KiB pages: ~2 KB per triple
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        virtuoso_ini(
            workdir, data, http_port, isql_port, buffers=buffers, threads=os.cpu_count() or 2
        )
    )
    t0 = time.perf_counter()
    process, log = _spawn("virtuoso", [binary, "-f", "-c", str(ini)], logdir, cwd=workdir)
    server = Server(
        "virtuoso",
        f"http://127.0.0.1:{http_port}",
        process,
        "/sparql",
        False,
        log=log,
        extra={"t0": t0, "workdir": str(workdir), "ini": str(ini)},
    )
    server.cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
    try:
        wait_ready(server, "/sparql?query=ASK%7B%7D", 120, "application/sparql-results+json")
        loading = time.perf_counter()
        script = (
            f"ld_dir('{data}', 'corpus.nq', 'http://bench.invalid/default');\n"
            "rdf_loader_run();\ncheckpoint;\n"
            "SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;\n"
        )
        result = subprocess.run(
            [isql, f"127.0.0.1:{isql_port}", "dba", "dba"],
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0 or "Error" in result.stdout + result.stderr:
            raise RuntimeError(f"virtuoso bulk load failed:\n{result.stdout}\n{result.stderr}")
        server.extra["load_seconds"] = time.perf_counter() - loading
        server.startup_seconds = time.perf_counter() - t0
        server.peak_startup_rss_mb = max(server.peak_startup_rss_mb, server.memory()["rss_mb"])
    except BaseException:
        server.stop()
        raise
    return server
