"""Real server processes on loopback, the one harness of the tests, the benchmark and the soak.

``Server(command, folder)`` starts a process in a session of its own on a free loopback port,
its output in a log file in ``folder``; ``Server.serving(folder, data, **settings)`` starts what
``policygraph serve`` runs (``python -m server.cli.serve``: gunicorn, preloaded workers), each
setting given as ``POLICYGRAPH_<NAME>``. Both return at once, so several start side by side;
``wait()`` polls a path until it answers and records ``ready_seconds`` and the peak RSS while
starting; ``output()`` is what the process printed; ``memory()`` sums RSS and PSS over the
process and its descendants; ``stop()`` ends it (SIGTERM to the process, SIGKILL to its session
if that does not do); ``kill_all()`` is ``kill -9`` of the whole session at once.

It lives in ``bench`` (not shipped, above ``server`` in the layers) so that the benchmark and the
soak use it without importing the tests; the tests import it from here.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: every server binds here and every client connects here


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def memory(pid: int) -> dict:
    """RSS and PSS (``/proc/PID/smaps_rollup``) in MB, summed over a process and its
    descendants; PSS is None where it cannot be read."""
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


def answered(status: int) -> bool:
    """The default readiness: the probe answered 200."""
    return status == 200


class Server:
    """One server process on ``127.0.0.1:port``, started in its own session."""

    def __init__(
        self,
        command: list[str],
        folder: Path,
        *,
        port: int,
        name: str = "server",
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        probe: str = "robots.txt",
        accept: str = "*/*",
    ) -> None:
        self.name = name
        self.port = port
        self.base = f"http://{HOST}:{port}/"
        self.probe = probe
        self.accept = accept
        self.pid_file: Path | None = None
        self.ready_seconds: float | None = None
        self.peak_startup_rss_mb = 0.0
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.log_path = Path(folder) / f"{name}-{port}.log"
        self.log = open(self.log_path, "w+b")  # noqa: SIM115 - closed in stop() / kill_all()
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @classmethod
    def serving(
        cls,
        folder: Path,
        data: Path | str | list,
        *,
        workers: int = 2,
        port: int | None = None,
        **settings,
    ) -> Server:
        """``python -m server.cli.serve`` over ``data`` (a folder, or a list of folders; an empty
        list is the curated graph), its dumps in ``folder/dumps``; ``settings`` by name."""
        port = port or free_port()
        folders = [data] if isinstance(data, (str, Path)) else list(data)
        env = {
            "POLICYGRAPH_BASE": f"http://{HOST}:{port}/",
            "POLICYGRAPH_HOST": HOST,
            "POLICYGRAPH_PORT": str(port),
            "POLICYGRAPH_WORKERS": str(workers),
            "POLICYGRAPH_DUMPS_DIR": str(Path(folder) / "dumps"),
            "POLICYGRAPH_DATA": os.pathsep.join(str(item) for item in folders),
        }
        env.update({f"POLICYGRAPH_{name.upper()}": str(value) for name, value in settings.items()})
        command = [sys.executable, "-m", "server.cli.serve"]
        server = cls(command, folder, port=port, name="policygraph", env=env)
        if settings.get("pid_file"):
            server.pid_file = Path(settings["pid_file"])
        return server

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        """The base without its final slash (for ``url + "/path"``)."""
        return self.base.rstrip("/")

    def wait(self, timeout: float = 60, ready: Callable[[int], bool] = answered) -> Server:
        """Poll ``base + probe`` until ``ready(status)``; raise with the output if the process
        exits or never answers. Samples the process tree's RSS meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited early ({self.process.returncode}):\n{self.output()}"
                )
            rss = memory(self.pid)["rss_mb"]
            self.peak_startup_rss_mb = max(self.peak_startup_rss_mb, rss)
            status = self._status()
            if status is not None and ready(status):
                self.ready_seconds = time.monotonic() - self.started
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout:g} s:\n{self.output()}")

    def _status(self) -> int | None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            connection.request("GET", "/" + self.probe, headers={"Accept": self.accept})
            return connection.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def memory(self) -> dict:
        """:func:`memory` of the process and its descendants."""
        return memory(self.pid)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the process; SIGKILL to its whole session after ``timeout`` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own session only
                self.process.wait()
        self.log.close()

    def kill_all(self) -> None:
        """SIGKILL the process and everything in its session (workers, query processes) at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()
