"""Start a private Virtuoso Open Source 7 (Debian ``virtuoso-opensource``) for integration tests.

Only the Debian package ``virtuoso-opensource-7-bin`` is needed (``virtuoso-t``, ``isql-vt``; the
``virtuoso-opensource`` metapackage installs it too, plus a system service these tests ignore).
The server runs in the foreground from an ini written into a temporary folder (``virtuoso-t -f -c
FILE.ini``): database, log and transaction files live there, the HTTP and ISQL ports are free
loopback ports, and ``DirsAllowed`` names the folder so the bulk loader (``ld_dir``,
``rdf_loader_run``) may read files placed in it. ``isql-vt`` runs administration statements (the
DBA password of a fresh database is ``dba``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from servers import free_port

from bench.systems import virtuoso_ini

SERVER = "virtuoso-t"
ISQL = "isql-vt"


def installed() -> bool:
    """Whether the Debian package's server and isql binaries are on PATH."""
    return shutil.which(SERVER) is not None and shutil.which(ISQL) is not None


class Virtuoso:
    """One private Virtuoso process: start, isql, bulk_load, stop."""

    def __init__(self, folder: Path, max_rows: int = 10000):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.http_port = free_port()
        self.isql_port = free_port()
        self.max_rows = max_rows
        self.process: subprocess.Popen | None = None
        self.startup_seconds = 0.0
        self.ini = self.folder / "virtuoso.ini"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_crud(self) -> str:
        """The Graph Store Protocol endpoint (anonymous; writable once SPARQL_UPDATE is granted)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def start(self, timeout: float = 60.0) -> Virtuoso:
        """Write the ini, start ``virtuoso-t -f`` and wait until ``/sparql`` answers an ASK."""
        self.ini.write_text(
            virtuoso_ini(
                self.folder,
                self.folder,
                self.http_port,
                self.isql_port,
                clients=10,
                http_threads=10,
                max_query_mem="512M",
                max_rows=self.max_rows,
                # The proxy's own deadline must decide, not Virtuoso's cost estimate up front.
                estimate_limit=0,
                max_seconds=20,
            ),
            encoding="utf-8",
        )
        started = time.monotonic()
        log = open(self.folder / "stdout.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [SERVER, "-f", "-c", str(self.ini)],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._log = log
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited ({self.process.returncode}):\n{self.log()}")
            if self._ready():
                self.startup_seconds = time.monotonic() - started
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"virtuoso-t did not answer within {timeout:g} s:\n{self.log()}")

    def _ready(self) -> bool:
        url = self.endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""

    def isql(self, *statements: str, timeout: float = 60.0) -> str:
        """Run SQL statements as ``dba`` through ``isql-vt``; raise on any error."""
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run(
            [
                ISQL,
                f"127.0.0.1:{self.isql_port}",
                "dba",
                "dba",
                "VERBOSE=OFF",
                "BANNER=OFF",
                "PROMPT=OFF",
                "ECHO=OFF",
                "ERRORS=STDOUT",
            ],
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed ({done.returncode}):\n{script}\n{output}")
        return output

    def allow_sparql_update(self) -> None:
        """Let the anonymous ``SPARQL`` user update through ``/sparql`` and ``/sparql-graph-crud``.

        For tests on loopback only: a production deployment loads with the bulk loader or through
        the authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``).
        """
        self.isql(
            'GRANT SPARQL_UPDATE TO "SPARQL"',
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7)",
        )

    def bulk_load(self, nquads: bytes, name: str = "dataset.nq") -> str:
        """Virtuoso's bulk loader: ``ld_dir`` on a file here, ``rdf_loader_run``, ``checkpoint``.

        An N-Quads file carries its own graph names (the graph argument of ``ld_dir`` is only the
        default for triples without one).
        """
        target = self.folder / "load"
        target.mkdir(exist_ok=True)
        (target / name).write_bytes(nquads)
        return self.isql(
            f"ld_dir ('{target}', '{name}', 'http://localhost/unused-default-graph')",
            "rdf_loader_run ()",
            "checkpoint",
            f"SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE "
            f"'{target}/%'",
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and close its log."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
