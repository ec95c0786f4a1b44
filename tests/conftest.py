"""Fixtures (one publisher app per session (app → client), a real server process) and the
hypothesis profile. What tests share besides fixtures is in tests/helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BASE, TINY, data_paths
from hypothesis import HealthCheck, settings

from bench.servers import Server
from server.app import create_app

#: No time limit in hypothesis (per example, or on generating inputs): speed is measured in
#: bench/, never asserted in a test, and its defaults fail examples on a busy machine.
settings.register_profile(
    "policygraph", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("policygraph")


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real server process (gunicorn, two workers) for HTTP-level tests."""
    server = Server.serving(tmp_path_factory.mktemp("live"), data_paths()).wait()
    yield server
    server.stop()
