"""Real server processes for tests: ``python -m server.cli.serve`` (or gunicorn over the SPARQL
test app in tests/data/sparql/serve.py) on a free loopback port, in a process group of its own.

``Server.serving(tmp, data, workers=2, **settings)`` starts what ``policygraph serve`` runs, each
setting given as ``POLICYGRAPH_<NAME>``; ``Server.sparql_app(tmp, config)`` starts the SPARQL
endpoint alone over ``dataset.trig``. Both return at once (start several, then ``.wait()`` each):
``wait()`` polls until the server answers 200 and records ``ready_seconds``; ``output()`` is what
it printed; ``stop()`` ends it (SIGTERM to the master, SIGKILL to the group if that does not do);
``kill_all()`` is ``kill -9`` of the master, its workers and their query children at once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
#: The folder of the SPARQL-only test app (``serve:make_app()``) and its dataset.
SPARQL_APP = ROOT / "tests" / "data" / "sparql"


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process on ``127.0.0.1:port``, started in its own session."""

    def __init__(
        self, tmp: Path, command: list[str], env: dict[str, str], port: int, ready: str
    ) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}/"
        self.ready = ready
        self.pid_file: Path | None = None
        self.ready_seconds: float | None = None
        self.log_path = Path(tmp) / f"server-{port}.log"
        self.log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in stop() / kill_all()
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @classmethod
    def serving(
        cls,
        tmp: Path,
        data: Path | str | list,
        *,
        workers: int = 2,
        port: int | None = None,
        **settings,
    ) -> Server:
        """``python -m server.cli.serve`` (gunicorn, preloaded workers) over ``data`` (a folder or
        a list of folders; an empty list is the curated graph), its dumps in ``tmp/dumps``."""
        port = port or free_port()
        folders = [data] if isinstance(data, (str, Path)) else list(data)
        env = {
            "POLICYGRAPH_BASE": f"http://127.0.0.1:{port}/",
            "POLICYGRAPH_HOST": "127.0.0.1",
            "POLICYGRAPH_PORT": str(port),
            "POLICYGRAPH_WORKERS": str(workers),
            "POLICYGRAPH_DUMPS_DIR": str(Path(tmp) / "dumps"),
            "POLICYGRAPH_DATA": os.pathsep.join(str(folder) for folder in folders),
        }
        env.update({f"POLICYGRAPH_{name.upper()}": str(value) for name, value in settings.items()})
        server = cls(tmp, [sys.executable, "-m", "server.cli.serve"], env, port, "robots.txt")
        if settings.get("pid_file"):
            server.pid_file = Path(settings["pid_file"])
        return server

    @classmethod
    def sparql_app(
        cls, tmp: Path, config: dict, *, workers: int = 2, threads: int = 4, port: int | None = None
    ) -> Server:
        """gunicorn (preloaded gthread workers) over ``serve:make_app()`` of tests/data/sparql,
        with ``config`` overriding the settings (``POLICYGRAPH_TEST_CONFIG``)."""
        port = port or free_port()
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--preload",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(SPARQL_APP),
            "--log-level",
            "warning",
            "serve:make_app()",
        ]
        env = {
            "POLICYGRAPH_BASE": f"http://127.0.0.1:{port}/",
            "POLICYGRAPH_TEST_CONFIG": json.dumps(config),
            "PYTHONPATH": str(ROOT),
        }
        return cls(tmp, command, env, port, "sparql")

    def wait(self, timeout: float = 60) -> Server:
        """Poll ``base + ready`` until it answers 200; raise with the output if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                if requests.get(self.base + self.ready, timeout=2).status_code == 200:
                    self.ready_seconds = time.monotonic() - self.started
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.output()}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM to the master; SIGKILL to the whole group after 15 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def kill_all(self) -> None:
        """SIGKILL the master, its workers and their query children at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()
