"""Shared fixtures: one publisher app per session (app → client), real server processes, parsers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from server import create_app

HERE = Path(__file__).parent
ROOT = HERE.parent
TINY = HERE / "data" / "tiny" / "north-korea-opportunity"
BASE = "http://localhost/"

#: The publisher tests run on the curated graph; set POLICYGRAPH_TEST_DATA=tiny to use the
#: small fixture folder instead (fast, and independent of the curated data's state).
USE_TINY = os.environ.get("POLICYGRAPH_TEST_DATA", "") == "tiny"


def data_paths() -> list[str]:
    return [str(TINY)] if USE_TINY else []


@pytest.fixture(scope="session")
def dumps_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dumps")


@pytest.fixture(scope="session")
def app(dumps_dir):
    return create_app({"base": BASE, "data": data_paths(), "dumps_dir": str(dumps_dir)})


@pytest.fixture(scope="session")
def tiny_app(tmp_path_factory):
    """The app on tests/data/tiny (values with markup characters, for escaping tests)."""
    folder = tmp_path_factory.mktemp("tiny-dumps")
    return create_app({"base": BASE, "data": [str(TINY)], "dumps_dir": str(folder)})


@pytest.fixture(scope="session")
def pub(app):
    return app.extensions["policygraph"]


@pytest.fixture()
def client(app):
    return app.test_client()


def sample_things(pub, kinds=("actor", "claim", "event")) -> list[str]:
    """One thing of each kind (the first in IRI order), for tests that need real resources."""
    chosen = []
    for kind in kinds:
        found = sorted(iri for iri in pub.things if f"/id/{kind}/" in iri)
        if found:
            chosen.append(found[0])
    return chosen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``policygraph serve`` equivalent (server.serving.run) in a subprocess on loopback."""

    def __init__(self, tmp: Path, workers: int = 2, extra: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ)
        env.update(
            {
                "POLICYGRAPH_BASE": self.base,
                "POLICYGRAPH_HOST": "127.0.0.1",
                "POLICYGRAPH_PORT": str(self.port),
                "POLICYGRAPH_WORKERS": str(workers),
                "POLICYGRAPH_DUMPS_DIR": str(tmp / "dumps"),
                "POLICYGRAPH_DATA": os.pathsep.join(data_paths()),
            }
        )
        env.update(extra or {})
        self.log = open(tmp / "server.log", "w+b")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.serving"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float = 60) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                if requests.get(self.base + "robots.txt", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real server process (gunicorn, two workers) for HTTP-level tests."""
    server = ServerProcess(tmp_path_factory.mktemp("live")).wait()
    yield server
    server.stop()


def need_binary(name: str) -> str:
    """The path of a Debian binary a test needs; skip with the reason when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package; .ci/run installs it)")
    return path
