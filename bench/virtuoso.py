"""A private Virtuoso Open Source 7 (Debian ``virtuoso-opensource-7-bin``) for the benchmark and the
scale-out tests.

Only ``virtuoso-t`` and ``isql-vt`` are needed (the ``virtuoso-opensource`` metapackage installs
them too, plus a system service this ignores). The server runs in the foreground from an ini
written into a temporary folder (``virtuoso-t -f -c FILE.ini``): database, log and transaction
files live there, the HTTP and ISQL ports are free loopback ports, and ``DirsAllowed`` names the
folder so that the bulk loader (``ld_dir``, ``rdf_loader_run``) may read files placed in it.
``isql-vt`` runs administration statements (the DBA password of a fresh database is ``dba``).
The process is a :class:`bench.servers.Server`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bench.servers import Server, free_port

SERVER = "virtuoso-t"
ISQL = "isql-vt"

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
DirsAllowed = ., {db}
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

#: The ini of the benchmark's Virtuoso (its buffers and threads are set per corpus and machine).
BENCH = {"clients": 100, "http_threads": 64, "max_query_mem": "2G", "max_rows": 100000,
         "max_seconds": 120, "estimate_limit": 400}  # fmt: skip
#: The ini of the tests' Virtuoso: small, and the proxy's own deadline decides, not Virtuoso's
#: cost estimate up front.
TESTS = {"clients": 10, "http_threads": 10, "max_query_mem": "512M", "max_rows": 10000,
         "max_seconds": 20, "estimate_limit": 0}  # fmt: skip


def installed() -> bool:
    """Whether the Debian package's server and isql binaries are on PATH."""
    return shutil.which(SERVER) is not None and shutil.which(ISQL) is not None


class Virtuoso:
    """One private Virtuoso process: start, isql, bulk_load, stop."""

    def __init__(self, folder: Path, *, buffers: int = 20000, threads: int = 2, **ini) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.http_port = free_port()
        self.isql_port = free_port()
        self.ini = self.folder / "virtuoso.ini"
        settings = {**TESTS, **ini}
        self.ini.write_text(
            VIRTUOSO_INI.format(
                db=self.folder,
                http_port=self.http_port,
                isql_port=self.isql_port,
                buffers=buffers,
                dirty=buffers * 3 // 4,
                threads=threads,
                **settings,
            ),
            encoding="utf-8",
        )
        self.server: Server | None = None
        self.startup_seconds = 0.0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_crud(self) -> str:
        """The Graph Store Protocol endpoint (anonymous; writable once SPARQL_UPDATE is granted)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def start(self, timeout: float = 60.0) -> Virtuoso:
        """Start ``virtuoso-t -f`` and wait until ``/sparql`` answers an ASK."""
        self.server = Server(
            [shutil.which(SERVER) or SERVER, "-f", "-c", str(self.ini)],
            self.folder,
            port=self.http_port,
            name="virtuoso",
            cwd=self.folder,
            probe="sparql?query=ASK%7B%7D",
            accept="application/sparql-results+json",
        )
        try:
            self.server.wait(timeout)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.log()}") from None
        self.startup_seconds = self.server.ready_seconds or 0.0
        return self

    def log(self) -> str:
        """The end of Virtuoso's own log (it writes little to stdout)."""
        path = self.folder / "virtuoso.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""

    def isql(self, *statements: str, timeout: float = 60.0) -> str:
        """Run SQL statements as ``dba`` through ``isql-vt``; raise on any error."""
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.isql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
             "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
            input=script, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed ({done.returncode}):\n{script}\n{output}")
        return output

    def allow_sparql_update(self) -> None:
        """Let the anonymous ``SPARQL`` user update through ``/sparql`` and ``/sparql-graph-crud``.

        For loopback only: a production deployment loads with the bulk loader or through the
        authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``).
        """
        self.isql(
            'GRANT SPARQL_UPDATE TO "SPARQL"',
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7)",
        )

    def bulk_load(self, nquads: bytes, name: str = "dataset.nq", timeout: float = 60.0) -> str:
        """Write ``nquads`` into the folder, then :meth:`bulk_load_file`."""
        target = self.folder / "load"
        target.mkdir(exist_ok=True)
        (target / name).write_bytes(nquads)
        return self.bulk_load_file(target / name, timeout)

    def bulk_load_file(self, path: Path, timeout: float = 60.0) -> str:
        """Virtuoso's bulk loader on an N-Quads file: ``ld_dir``, ``rdf_loader_run``,
        ``checkpoint``; the load list's rows for it. A file outside the folder is hard-linked
        (else copied) into it first. An N-Quads file carries its own graph names (the graph
        argument of ``ld_dir`` is only the default for triples without one)."""
        target = self.folder / "load"
        target.mkdir(exist_ok=True)
        if path.parent != target:
            try:
                os.link(path, target / path.name)
            except OSError:
                shutil.copy(path, target / path.name)
        output = self.isql(
            f"ld_dir ('{target}', '{path.name}', 'http://localhost/unused-default-graph')",
            "rdf_loader_run ()",
            "checkpoint",
            f"SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE "
            f"'{target}/%'",
            timeout=timeout,
        )
        return output

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and close its log."""
        if self.server is not None:
            self.server.stop(timeout=10)
